"""Human-readable numbers for reports: exact counts with separators, SI and binary sizes."""

from __future__ import annotations

from modelint.templates import format_si

__all__ = ["bytes_text", "count_text", "percent", "si"]


def si(value: int | float | None, unit: str = "") -> str:
    return "?" if value is None else format_si(value, unit)


def count_text(value: int | None, unit: str = "") -> str:
    """'3,858,024,448 (3.86 G)' - exact first, so reports can be checked by hand."""
    if value is None:
        return "?"
    exact = f"{value:,}"
    return exact if value < 1000 else f"{exact} ({format_si(value, unit)})"


def bytes_text(value: int | None) -> str:
    if value is None:
        return "?"
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.3g} {unit}" if unit != "B" else f"{value} B"
        size /= 1024
    return f"{value} B"  # pragma: no cover - loop always returns


def percent(part: float, whole: float) -> str:
    if not whole:
        return "-"
    return f"{100 * part / whole:.1f} %"
