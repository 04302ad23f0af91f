"""The units parser: one grammar for profiles, budgets and the command line."""

from __future__ import annotations

import pytest

from modelint.errors import UnitError
from modelint.report.numbers import bytes_text
from modelint.templates import compile_template
from modelint.units import format_bytes, format_quantity, parse_quantity, parse_value


@pytest.mark.parametrize(
    ("text", "value", "dimension"),
    [
        ("989.4 TFLOPS", 989.4e12, "ops/s"),
        ("1,979 TOPS", 1979e12, "ops/s"),
        ("50.6 TFLOP/s", 50.6e12, "ops/s"),
        ("614.4 GOPS", 614.4e9, "ops/s"),
        ("68 GB/s", 68e9, "B/s"),
        ("4.14 TB/s", 4.14e12, "B/s"),
        ("5 Gb/s", 5e9 / 8, "B/s"),
        ("8 MiB", 8 * 1024**2, "B"),
        ("864 KiB", 864 * 1024, "B"),
        ("141 GB", 141e9, "B"),
        ("2 GFLOPs", 2e9, "ops"),
        ("4.09 GMACs", 8.18e9, "ops"),
        ("5M", 5e6, "count"),
        ("3.5 k", 3500, "count"),
        ("30 ms", 0.030, "s"),
        ("3 us", 3e-6, "s"),
        ("2.5 µs", 2.5e-6, "s"),
        ("700 W", 700.0, "W"),
        ("1.3 GHz", 1.3e9, "Hz"),
        ("88526 samples/s", 88526.0, "1/s"),
        ("1e3 FLOPs", 1000.0, "ops"),
    ],
)
def test_quantities_parse_to_si(text: str, value: float, dimension: str) -> None:
    parsed = parse_quantity(text)
    assert parsed.value == pytest.approx(value, rel=1e-12)
    assert parsed.dimension == dimension


def test_bare_numbers_only_where_they_cannot_surprise() -> None:
    assert parse_value(5_000_000, "count") == 5e6
    assert parse_value(2048, "B") == 2048.0
    with pytest.raises(UnitError, match=r"30: a duration \(e.g. '30 ms'\) needs a unit"):
        parse_value(30, "s")


@pytest.mark.parametrize(
    ("text", "expect", "message"),
    [
        ("2 GFLOPS", "ops", "'2 GFLOPS' is a rate of operations; expected a number of operations"),
        ("30 ms", "B", "'30 ms' is a duration; expected a size in bytes"),
        ("5m", "count", "prefix 'm' is for seconds and watts only (use M for 10^6)"),
        ("8 KB", "B", "unknown unit 'KB' (use k for 10^3 or Ki for 2^10)"),
        ("3 MiFLOPs", None, "binary prefix 'Mi' is for bytes only"),
        ("fast", None, "'fast' is not a quantity"),
        ("2 mB", "B", "prefix 'm' is for seconds and watts only"),
    ],
)
def test_mistakes_are_explained(text: str, expect: str | None, message: str) -> None:
    with pytest.raises(UnitError) as caught:
        parse_quantity(text, expect)
    assert message in str(caught.value)


def test_booleans_are_not_quantities() -> None:
    with pytest.raises(UnitError, match="not a quantity"):
        parse_quantity(True)


@pytest.mark.parametrize(
    ("value", "dimension", "text"),
    [
        (989.4e12, "ops/s", "989 TFLOP/s"),
        (8 * 1024**2, "B", "8 MiB"),
        (500, "B", "500 B"),
        (0.030, "s", "30 ms"),
        (2.5e-6, "s", "2.5 µs"),
        (4.8e12, "B/s", "4.8 TB/s"),
        (5e6, "count", "5 M"),
        (2.05e9, "ops", "2.05 GFLOPs"),
        (None, "s", "?"),
        (4e9, "B", "3.73 GiB"),  # sizes are binary, always (never '4 GB' beside '2 MiB')
        (21_930, "B", "21.4 KiB"),
        (0, "B", "0 B"),
    ],
)
def test_format_quantity(value: float | None, dimension: str, text: str) -> None:
    assert format_quantity(value, dimension) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1_044_000, "1020 KiB"),  # was '1.02e+03 KiB'
        (1023.6 * 1024, "1 MiB"),  # not '1024 KiB'
        (999.7 * 1024, "1000 KiB"),
        (1536, "1.5 KiB"),
        (1023, "1023 B"),
        (5 * 1024**4, "5 TiB"),
    ],
)
def test_sizes_use_binary_prefixes_without_exponents(value: float, text: str) -> None:
    assert format_bytes(value) == text
    assert bytes_text(int(value)) == format_bytes(int(value))


def test_size_placeholders_in_messages_are_binary() -> None:
    template = compile_template("{n:si:B} of {m:si:B}", names={"n", "m"})
    assert template.render({"n": 1_500, "m": 4e9}) == "1.46 KiB of 3.73 GiB"
