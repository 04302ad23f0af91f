"""The cost rules in force, as a table: what each op costs and where the formula comes from.

Renders ``modelint costs`` and the generated reference ``docs/costs.md``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from modelint._version import __version__
from modelint.analysis import CONVENTION, CostRule, CostRules
from modelint.config import shown_path
from modelint.resources import builtin_rule_file

__all__ = ["render_costs_json", "render_costs_markdown", "render_costs_text"]


def _formula(rule: CostRule) -> tuple[str, str, str]:
    if rule.control_flow is not None:
        return "(from bodies)", f"control flow: {rule.control_flow}", ""
    return rule.macs.source, rule.flops.source, rule.transcendentals.source


def _lets(rule: CostRule) -> str:
    return "; ".join(f"{name} = {expression.source}" for name, expression in rule.lets)


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_costs_markdown(rules: CostRules) -> str:
    lines = [
        f"# Cost rules in force ({CONVENTION})",
        "",
        "Generated from `rules/costs/*.yaml` by `modelint costs --format markdown`; do not",
        "edit by hand. Names in formulas are the op's ONNX input/output names; `let` gives",
        "the intermediate values. FLOPs of contractions are 2 x MACs (+ bias adds).",
        "",
    ]
    for domain in sorted({domain for domain, _ in rules.op_types()}):
        lines += [
            f"## {domain}",
            "",
            "| op | MACs | FLOPs | transcendentals | let | source |",
            "|---|---|---|---|---|---|",
        ]
        for rule in rules.sorted_rules():
            if rule.domain != domain:
                continue
            macs, flops, transcendentals = _formula(rule)
            cells = [
                rule.op_type,
                f"`{macs}`",
                f"`{flops}`",
                f"`{transcendentals}`",
                f"`{_lets(rule)}`" if rule.lets else "",
                rule.source,
            ]
            lines.append("| " + " | ".join(_escape(cell) for cell in cells) + " |")
        lines.append("")
    return "\n".join(lines)


def render_costs_text(rules: CostRules) -> str:
    lines = [f"{len(rules)} cost rules ({CONVENTION}); sources: modelint costs --format markdown"]
    for rule in rules.sorted_rules():
        macs, flops, transcendentals = _formula(rule)
        name = rule.op_type if rule.domain == "ai.onnx" else f"{rule.domain}::{rule.op_type}"
        line = f"{name:<40} macs: {macs:<36} flops: {flops}"
        if transcendentals not in ("", "0"):
            line += f"  transcendentals: {transcendentals}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def render_costs_json(rules: CostRules) -> str:
    """Every rule in force with its formulas, source and the file it came from (an
    override of a built-in entry names the user's file)."""
    document = {
        "modelint": __version__,
        "convention": CONVENTION,
        "rules": [_rule_dict(rule) for rule in rules.sorted_rules()],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _rule_dict(rule: CostRule) -> dict[str, Any]:
    macs, flops, transcendentals = _formula(rule)
    return {
        "domain": rule.domain,
        "op_type": rule.op_type,
        "macs": None if rule.control_flow else macs,
        "flops": None if rule.control_flow else flops,
        "transcendentals": None if rule.control_flow else transcendentals,
        "let": {name: expression.source for name, expression in rule.lets},
        "control_flow": rule.control_flow,
        "source": rule.source,
        "file": _shown_file(rule.origin),
    }


def _shown_file(origin: str) -> str:
    """A built-in entry's file within the rules modelint ships ('builtin:costs/linear.yaml':
    the same on every machine), a user's as given or relative to the working directory."""
    inside = builtin_rule_file(origin)
    return str(shown_path(Path(origin))) if inside is None else f"builtin:{inside}"
