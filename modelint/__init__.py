"""modelint: a static linter for neural-network models.

Every input becomes an ONNX graph held in networkx; YAML rules count its cost (convention
``modelint-cc/1``), flag architecture defects and enforce hardware budgets.

    >>> import modelint
    >>> analysis = modelint.analyze("examples/tiny_cnn.onnx")   # doctest: +SKIP
    >>> analysis.totals.macs                                    # doctest: +SKIP
"""

from __future__ import annotations

from modelint._version import __version__
from modelint.api import analyze

__all__ = ["__version__", "analyze"]
