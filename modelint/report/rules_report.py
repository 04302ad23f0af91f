"""``modelint rules`` (a table; JSON; Markdown, which is also docs/rules.md) and
``modelint rule ID`` (one rule's full documentation with its examples)."""

from __future__ import annotations

import json
from typing import Any

from modelint.report.expression_reference import expression_reference
from modelint.report.table import render_table
from modelint.rules.loader import RuleSet
from modelint.rules.spec import LintRule, Parameter

__all__ = ["render_rule", "render_rules_json", "render_rules_markdown", "render_rules_text"]


def _rule_dict(rule: LintRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "aliases": list(rule.aliases),
        "severity": rule.severity.label,
        "kind": rule.kind,
        "tags": list(rule.tags),
        "summary": rule.summary,
        "description": rule.description,
        "parameters": {
            name: {
                "type": p.type,
                "default": p.default,
                "doc": p.doc,
                "choices": list(p.choices) or None,
                "range": None
                if p.minimum is None and p.maximum is None
                else [p.minimum, p.maximum],
            }
            for name, p in rule.parameters.items()
        },
        "requires": list(rule.requires),
        "source": rule.docs.source,
        "url": rule.docs.url,
        "origin": rule.origin,
    }


def render_rules_json(rules: RuleSet) -> str:
    return json.dumps([_rule_dict(rule) for rule in rules], indent=2) + "\n"


def render_rules_text(rules: RuleSet) -> str:
    rows = [[rule.id, rule.name, rule.severity.label, rule.kind, rule.summary] for rule in rules]
    table = render_table(
        ["id", "name", "severity", "kind", "summary"], rows, [False, False, False, False, False]
    )
    return "\n".join([*table, "", f"{len(rules)} rules; details: modelint rule ID"]) + "\n"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_rules_markdown(rules: RuleSet) -> str:
    lines = [
        "# Lint rules",
        "",
        "Generated from the rule YAML by `modelint rules --format markdown`; do not edit",
        "by hand. `modelint rule ID` prints one rule with its examples.",
        "",
        "| id | name | severity | kind | summary |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.id} | {r.name} | {r.severity.label} | {r.kind} | {_escape(r.summary)} |"
        for r in rules
    ]
    for rule in rules:
        lines += [
            "",
            f"## {rule.id} `{rule.name}`",
            "",
            rule.summary,
            "",
            rule.description.strip(),
            "",
        ]
        if rule.parameters:
            lines += ["Parameters:", ""]
            lines += [
                f"- `{p.name}` ({p.type}, default `{p.default}`{_allowed(p)}): {p.doc}"
                for p in rule.parameters.values()
            ]
            lines.append("")
        if rule.docs.source:
            lines += [f"Source: {rule.docs.source}", ""]
    lines += ["", *expression_reference()]
    return "\n".join(lines).rstrip() + "\n"


def _indented(text: str) -> list[str]:
    return ["    " + line for line in text.strip().splitlines()]


def render_rule(rule: LintRule) -> str:
    lines = [
        f"{rule.id} {rule.name} ({rule.severity.label}, {rule.kind} rule)",
        f"  {rule.summary}",
        "",
    ]
    if rule.aliases:
        lines += [f"aliases: {', '.join(rule.aliases)}", ""]
    lines += [rule.description.strip(), ""]
    if rule.parameters:
        lines.append("parameters:")
        lines += [
            f"  {p.name} ({p.type}, default {p.default!r}{_allowed(p)}): {p.doc}"
            for p in rule.parameters.values()
        ]
        lines.append("")
    for label, text in (("fires on", rule.docs.fail), ("silent on", rule.docs.pass_model)):
        if text:
            lines += [f"{label}:", *_indented(text), ""]
    if rule.docs.source:
        lines += [f"source: {rule.docs.source}"]
    lines += [f"defined in: {rule.origin}"]
    return "\n".join(lines) + "\n"


def _allowed(parameter: Parameter) -> str:
    return f"; {parameter.allowed}" if parameter.allowed else ""
