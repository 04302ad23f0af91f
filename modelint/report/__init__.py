"""The report layer: one module per output format. Reporters only render; the CLI writes."""

from __future__ import annotations

__all__: list[str] = []
