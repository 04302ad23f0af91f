"""Terminal colour, on only when asked for (the CLI decides: a TTY and no NO_COLOR)."""

from __future__ import annotations

from modelint.findings import Severity

__all__ = ["Style"]

_CODES = {"bold": "1", "dim": "2", "red": "31", "yellow": "33", "cyan": "36", "green": "32"}
_SEVERITY = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


class Style:
    def __init__(self, *, color: bool) -> None:
        self.color = color

    def paint(self, text: str, *names: str) -> str:
        if not self.color or not names:
            return text
        codes = ";".join(_CODES[name] for name in names)
        return f"\033[{codes}m{text}\033[0m"

    def severity(self, severity: Severity) -> str:
        return self.paint(severity.label, _SEVERITY[severity], "bold")
