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
from modelint.errors import ModelintError

if TYPE_CHECKING:
    from modelint.analysis import ModelAnalysis
    from modelint.api import analyze, lint
    from modelint.findings import Finding

__all__ = ["Finding", "ModelAnalysis", "ModelintError", "__version__", "analyze", "lint"]

# name -> the module that defines it, imported on first use
_LAZY = {
    "analyze": "modelint.api",
    "lint": "modelint.api",
    "ModelAnalysis": "modelint.analysis",
    "Finding": "modelint.findings",
}


def __dir__() -> list[str]:
    """The public API (the lazy names included), not this module's import machinery."""
    return sorted(__all__)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        import importlib  # noqa: PLC0415 - deferred on purpose, see above

        return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module 'modelint' has no attribute {name!r}")
