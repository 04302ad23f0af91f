"""Human-readable numbers for reports: exact counts with separators, SI and binary sizes,
plurals, and totals that are lower bounds because some nodes could not be costed."""

from __future__ import annotations

from modelint.analysis import Coverage, Group
from modelint.templates import format_si, plural
from modelint.units import format_bytes

__all__ = [
    "at_least",
    "bytes_text",
    "count_text",
    "group_figure",
    "percent",
    "plural",
    "si",
    "uncosted_note",
]


def si(value: int | float | None, unit: str = "") -> str:
    return "?" if value is None else format_si(value, unit)


def count_text(value: int | None, unit: str = "") -> str:
    """'3,858,024,448 (3.86 G)' - exact first, so reports can be checked by hand."""
    if value is None:
        return "?"
    exact = f"{value:,}"
    return exact if value < 1000 else f"{exact} ({format_si(value, unit)})"


def bytes_text(value: int | None) -> str:
    """A size with binary prefixes ('21.4 KiB'): every report prints sizes this way."""
    return "?" if value is None else format_bytes(value)


def percent(part: float, whole: float) -> str:
    if not whole:
        return "-"
    return f"{100 * part / whole:.1f} %"


def uncosted_note(coverage: Coverage) -> str:
    """'2 of 9 nodes uncosted' ('' when every node is costed)."""
    if coverage.complete:
        return ""
    missing = coverage.nodes - coverage.costed_nodes
    return f"{missing:,} of {plural(coverage.nodes, 'node')} uncosted"


def at_least(text: str, coverage: Coverage) -> str:
    """A total over the costed nodes: exact when all are costed, else a lower bound ('≥ 0')."""
    return text if coverage.complete else f"≥ {text}"


def group_figure(value: int, group: Group) -> str:
    """A row's sum: '?' when none of its nodes is costed, '≥ x' when some are not."""
    if group.uncosted == group.nodes:
        return "?"
    return f"≥ {si(value)}" if group.uncosted else si(value)
