"""modelint: a static linter for neural-network models.

Every input becomes an ONNX graph held in networkx; YAML rules count its cost (convention
``modelint-cc/1``), flag architecture defects and enforce hardware budgets.

    >>> import modelint
    >>> analysis = modelint.analyze("examples/tiny_cnn.onnx")   # doctest: +SKIP
    >>> analysis.totals.macs                                    # doctest: +SKIP
    >>> modelint.lint("examples/tiny_cnn.onnx", select=["MLA"])  # doctest: +SKIP

The API is imported on first use (PEP 562), so ``modelint --version`` loads nothing heavy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelint._version import __version__

if TYPE_CHECKING:
    from modelint.api import analyze, lint

__all__ = ["__version__", "analyze", "lint"]


def __dir__() -> list[str]:
    """The public API (the lazy names included), not this module's import machinery."""
    return sorted(__all__)


def __getattr__(name: str) -> Any:
    if name in ("analyze", "lint"):
        from modelint import api  # noqa: PLC0415 - deferred on purpose, see above

        return getattr(api, name)
    raise AttributeError(f"module 'modelint' has no attribute {name!r}")
