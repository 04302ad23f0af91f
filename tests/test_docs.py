"""Generated documentation stays in step with the data it is generated from."""

from __future__ import annotations

from pathlib import Path

from modelint.analysis import load_cost_rules
from modelint.report.cost_table import render_costs_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_costs_reference_is_current() -> None:
    expected = render_costs_markdown(load_cost_rules())
    actual = (ROOT / "docs" / "costs.md").read_text(encoding="utf-8")
    assert actual == expected, "regenerate: modelint costs --format markdown > docs/costs.md"
