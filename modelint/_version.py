"""The version: one literal, read by the build backend (pyproject ``[tool.hatch.version]``)
and by ``modelint --version`` without importing package metadata machinery."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
