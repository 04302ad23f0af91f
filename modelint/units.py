"""Quantities with units -> SI numbers: one parser for profiles, budgets and the command line.

``"989.4 TFLOPS"`` -> 9.894e14 ops/s, ``"68 GB/s"`` -> 6.8e10 B/s, ``"8 MiB"`` -> 8388608 B,
``"2 GFLOPs"`` -> 2e9 ops, ``"5M"`` -> 5e6, ``"30 ms"`` -> 0.03 s.

Grammar: ``<number> [<prefix>]<unit>``. The number may use thousands separators
(``1,979``) and an exponent. Decimal prefixes k M G T P; binary prefixes Ki Mi Gi Ti for bytes
only; m u µ n for seconds and watts only. Units and what they measure:

* rates of operations (``ops/s``): ``FLOPS`` ``FLOP/s`` ``OPS`` ``OP/s`` (so ``TOPS`` = ``TFLOPS``
  = 10¹² ops/s);
* counts of operations (``ops``): ``FLOPs`` ``FLOP`` ``OPs`` ``OP``, and ``MACs`` ``MAC`` at
  2 operations each (1 MAC = 2 ops);
* bytes (``B``): ``B``, ``bit``/``b`` (1/8 B); bandwidth (``B/s``): ``B/s``, ``b/s``/``bit/s``;
* time (``s``), power (``W``), frequency (``Hz``), throughput (``1/s``): ``samples/s``
  ``inf/s`` ``fps``;
* a plain count (``count``): a number with an optional decimal prefix (``5M``).

A capital ``S`` makes a rate (``FLOPS``), a lower-case ``s`` a count (``FLOPs``) — the usual
convention; mixing them up is an error that says which was meant.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from decimal import Decimal
from typing import NamedTuple

from modelint.errors import UnitError

__all__ = [
    "DIMENSIONS",
    "Quantity",
    "format_bytes",
    "format_quantity",
    "parse_quantity",
    "parse_value",
]

DIMENSIONS: dict[str, str] = {
    "ops/s": "a rate of operations (e.g. '989.4 TFLOPS')",
    "ops": "a number of operations (e.g. '2 GFLOPs')",
    "B": "a size in bytes (e.g. '8 MiB')",
    "B/s": "a bandwidth (e.g. '68 GB/s')",
    "s": "a duration (e.g. '30 ms')",
    "W": "a power (e.g. '15 W')",
    "Hz": "a frequency (e.g. '1.3 GHz')",
    "1/s": "a throughput (e.g. '88526 samples/s')",
    "count": "a count (e.g. '5M')",
}

# unit symbol -> (dimension, factor to the SI base)
_UNITS: dict[str, tuple[str, float]] = {
    "FLOPS": ("ops/s", 1.0),
    "FLOP/s": ("ops/s", 1.0),
    "OPS": ("ops/s", 1.0),
    "OP/s": ("ops/s", 1.0),
    "ops/s": ("ops/s", 1.0),
    "FLOPs": ("ops", 1.0),
    "FLOP": ("ops", 1.0),
    "OPs": ("ops", 1.0),
    "OP": ("ops", 1.0),
    "ops": ("ops", 1.0),
    "MACs": ("ops", 2.0),
    "MAC": ("ops", 2.0),
    "B": ("B", 1.0),
    "bit": ("B", 0.125),
    "b": ("B", 0.125),
    "B/s": ("B/s", 1.0),
    "bit/s": ("B/s", 0.125),
    "b/s": ("B/s", 0.125),
    "s": ("s", 1.0),
    "W": ("W", 1.0),
    "Hz": ("Hz", 1.0),
    "samples/s": ("1/s", 1.0),
    "inf/s": ("1/s", 1.0),
    "fps": ("1/s", 1.0),
    "": ("count", 1.0),
}
_LARGE = {"k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15}
_BINARY = {"Ki": 2.0**10, "Mi": 2.0**20, "Gi": 2.0**30, "Ti": 2.0**40}
_SMALL = {"m": 1e-3, "u": 1e-6, "µ": 1e-6, "μ": 1e-6, "n": 1e-9}
_SMALL_DIMENSIONS = frozenset({"s", "W"})
_BINARY_DIMENSIONS = frozenset({"B", "B/s"})
# Bare numbers are SI base units only where that cannot surprise: counts and bytes.
_BARE_DIMENSIONS = frozenset({"count", "ops", "B"})
_NUMBER = re.compile(
    r"^\s*(?P<number>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?(?:[eE][+-]?\d+)?|[+-]?\.\d+"
    r"(?:[eE][+-]?\d+)?)\s*(?P<unit>\S*)\s*$"
)


class Quantity(NamedTuple):
    """A value in SI base units and what it measures (a key of DIMENSIONS)."""

    value: float
    dimension: str


def _split_unit(text: str, unit: str) -> tuple[float, float, str]:
    """(multiplier, divisor, dimension) of a unit with an optional prefix: small prefixes
    divide, so that '100 us' is exactly 1e-4 s."""
    if unit in _UNITS:
        dimension, factor = _UNITS[unit]
        return factor, 1.0, dimension
    for table, allowed in ((_BINARY, _BINARY_DIMENSIONS), (_LARGE, None), (_SMALL, None)):
        for prefix, scale in table.items():
            rest = unit[len(prefix) :]
            if not unit.startswith(prefix) or rest not in _UNITS:
                continue
            dimension, factor = _UNITS[rest]
            if allowed is not None and dimension not in allowed:
                raise UnitError(f"{text!r}: binary prefix {prefix!r} is for bytes only")
            if table is _SMALL and dimension not in _SMALL_DIMENSIONS:
                hint = " (use M for 10^6)" if prefix == "m" and dimension == "count" else ""
                raise UnitError(f"{text!r}: prefix {prefix!r} is for seconds and watts only{hint}")
            if table is _SMALL:
                return factor, float(round(1 / scale)), dimension
            return scale * factor, 1.0, dimension
    hint = " (use k for 10^3 or Ki for 2^10)" if unit.startswith("K") else ""
    raise UnitError(
        f"{text!r}: unknown unit {unit!r}{hint}; units: "
        + ", ".join(sorted(u for u in _UNITS if u))
    )


def parse_quantity(
    text: str | int | float, expect: Collection[str] | str | None = None
) -> Quantity:
    """Parse one quantity; ``expect`` (a dimension or several) is checked when given."""
    expected = (expect,) if isinstance(expect, str) else tuple(expect or ())
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise UnitError(f"{text!r} is not a quantity (a number with a unit, e.g. '8 MiB')")
    if isinstance(text, int | float):
        bare = [d for d in expected if d in _BARE_DIMENSIONS] or (["count"] if not expected else [])
        if not bare:
            raise UnitError(f"{text!r}: {DIMENSIONS[expected[0]]} needs a unit")
        return Quantity(float(text), bare[0])
    match = _NUMBER.match(text)
    if match is None:
        raise UnitError(f"{text!r} is not a quantity (a number with a unit, e.g. '8 MiB')")
    number = float(match["number"].replace(",", ""))
    factor, divisor, dimension = _split_unit(text, match["unit"])
    if expected and dimension not in expected:
        wanted = " or ".join(DIMENSIONS[d] for d in expected)
        raise UnitError(f"{text!r} is {DIMENSIONS[dimension].split(' (')[0]}; expected {wanted}")
    return Quantity(number * factor / divisor, dimension)


def parse_value(text: str | int | float, expect: Collection[str] | str) -> float:
    """The SI value of a quantity of the expected dimension."""
    return parse_quantity(text, expect).value


_DECIMAL = (*((v, k) for k, v in reversed(_LARGE.items())), (1.0, ""))
_FORMATS: dict[str, tuple[str, tuple[tuple[float, str], ...]]] = {
    "ops/s": ("FLOP/s", _DECIMAL),
    "ops": ("FLOPs", _DECIMAL),
    "B/s": ("B/s", _DECIMAL),
    "s": ("s", ((1.0, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"))),
    "W": ("W", ((1e3, "k"), (1.0, ""), (1e-3, "m"))),
    "Hz": ("Hz", _DECIMAL),
    "1/s": ("/s", _DECIMAL),
    "count": ("", _DECIMAL),
}


def _scaled(value: float, scales: tuple[tuple[float, str], ...]) -> tuple[float, str]:
    for scale, prefix in scales:
        if abs(value) >= scale * 0.9995:
            return value / scale, prefix
    scale, prefix = scales[-1]
    return value / scale, prefix


def format_bytes(value: float, digits: int = 3) -> str:
    """A size, always with binary prefixes and never in exponent notation: 512 -> '512 B',
    21_930 -> '21.4 KiB', 1_044_000 -> '1020 KiB', 2_097_152 -> '2 MiB'."""
    if abs(value) >= 1024**8 * 1000:  # past YiB: exponent notation, exact for any int
        return f"{Decimal(value):.{digits - 1}e} B"
    size, prefix = float(value), ""
    for prefix in ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"):
        if abs(size) < 1023.5 or prefix == "Yi":  # 1023.9 KiB would read 1024 KiB
            break
        size /= 1024
    if not prefix and size == int(size):
        return f"{int(size)} B"
    text = f"{size:.{digits}g}"
    if "e" in text:  # 999.7 at 3 digits; 1023.4 KiB
        text = f"{size:.0f}"
    return f"{text} {prefix}B"


def format_quantity(value: float | None, dimension: str, digits: int = 3) -> str:
    """'9.89e14, ops/s' -> '989 TFLOP/s'. Sizes use binary prefixes (2097152 B -> '2 MiB',
    4e9 B -> '3.73 GiB'), rates of bytes decimal ones (68 GB/s), as vendors quote them."""
    if value is None:
        return "?"
    if dimension == "B":
        return format_bytes(value, digits)
    unit, scales = _FORMATS[dimension]
    magnitude = abs(value)
    if magnitude >= scales[0][0] * 999.5:  # past the largest prefix: '1.98e+28 FLOPs'
        return f"{Decimal(value):.{digits - 1}e} {unit}".rstrip()
    for scale, prefix in scales:
        if magnitude >= scale * 0.9995:
            return f"{value / scale:.{digits}g} {prefix}{unit}".rstrip()
    if value == 0:
        return f"0 {unit}".rstrip()
    scale, prefix = scales[-1]
    return f"{value / scale:.{digits}g} {prefix}{unit}".rstrip()
