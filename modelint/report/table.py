"""Plain-text tables: left-aligned text columns, right-aligned numbers."""

from __future__ import annotations

from collections.abc import Sequence

from modelint.report.printable import printable

__all__ = ["render_table"]


def render_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric: Sequence[bool],
    *,
    indent: str = "",
) -> list[str]:
    rows = [[printable(cell) for cell in row] for row in rows]  # names from the model
    widths = [len(header) for header in headers]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(width) if is_number else cell.ljust(width)
            for cell, width, is_number in zip(cells, widths, numeric, strict=True)
        ]
        return (indent + "  ".join(parts)).rstrip()

    return [line(headers), line(["-" * width for width in widths]), *map(line, rows)]
