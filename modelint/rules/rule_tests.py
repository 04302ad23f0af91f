"""``modelint test DIR``: rule tests as data.

Each ``expected.yaml`` under DIR names tiny models beside it (ONNX text ``.onnxtxt`` or
``.onnx``) and the findings expected on each, by rule and node key::

    rules: [MLC001]              # the rules under test (default: those the cases mention)
    models:
      custom_op.onnxtxt:
        - {rule: MLC001, node: "Frobnicate:y"}
      plain.onnxtxt: []          # no finding expected

Every rule found under DIR is also checked against its own ``docs`` examples: it must fire
on ``docs.fail`` (at ``docs.fail-nodes`` when given) and stay silent on ``docs.pass``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnx.parser
from onnx import numpy_helper

from modelint.analysis import AnalysisOptions, ModelAnalysis, analyze_loaded, load_cost_rules
from modelint.analysis.target import estimate_target
from modelint.errors import ModelLoadError, RuleError
from modelint.findings import Finding
from modelint.load import LoadedModel, load_model
from modelint.profiles import find_profile, parse_budgets
from modelint.resources import builtin_rules_dir
from modelint.rules.engine import RuleSettings, run_rules
from modelint.rules.loader import RuleSet, load_lint_rules
from modelint.rules.spec import LintRule
from modelint.rules.target_views import Hardware
from modelint.schema import read_yaml

__all__ = ["CaseResult", "run_rule_tests"]

Expected = frozenset[tuple[str, str | None]]


@dataclass(frozen=True)
class CaseResult:
    """One model checked against its expected findings."""

    name: str  # 'dir/expected.yaml: model.onnxtxt' or 'MLC001 docs.fail'
    expected: Expected
    actual: Expected

    @property
    def passed(self) -> bool:
        return self.expected == self.actual


def _is_builtin(directory: Path) -> bool:
    builtin = builtin_rules_dir().resolve()
    target = directory.resolve()
    return target == builtin or builtin in target.parents


@dataclass(frozen=True)
class _Setup:
    """How a case runs: rule parameters, and for hardware rules a profile, budgets and a
    precision (from a rule's ``docs`` or an expected.yaml)."""

    where: str
    parameters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    profile: str | None = None
    budgets: Mapping[str, Any] = field(default_factory=dict)
    dtype: str | None = None

    def hardware(self, analysis: ModelAnalysis) -> Hardware:
        budgets = parse_budgets(self.budgets, path=self.where, key="budgets", error=RuleError)
        if self.profile is None:
            return Hardware(None, budgets, self.dtype)
        target = estimate_target(analysis, find_profile(self.profile), self.dtype)
        return Hardware(target, budgets, self.dtype)


def _findings(
    model: LoadedModel, rules: RuleSet, rule_ids: frozenset[str], setup: _Setup
) -> list[Finding]:
    analysis = analyze_loaded(model, load_cost_rules(), AnalysisOptions())
    settings = RuleSettings(
        enabled=rule_ids,
        parameters=setup.parameters,
        profile=setup.profile,
        hardware=setup.hardware(analysis),
    )
    return list(run_rules(analysis, rules, settings).findings)


def _from_text(text: str, name: str, initializers: Mapping[str, Any] | None = None) -> LoadedModel:
    try:
        proto = onnx.parser.parse_model(text)
    except onnx.parser.ParseError as exc:
        raise ModelLoadError(f"example model does not parse: {exc}", path=name) from exc
    for tensor, shape in (initializers or {}).items():  # zero-filled weights, by shape
        array = np.zeros(tuple(shape), np.float32)
        proto.graph.initializer.append(numpy_helper.from_array(array, tensor))
    return LoadedModel(name, "onnx-text", proto)


def _expected(entries: Any, where: str) -> Expected:
    if not isinstance(entries, list):
        raise RuleError("expected a list of {rule, node} findings", path=where)
    return frozenset((str(e["rule"]), e.get("node")) for e in entries)


def _case_files(directory: Path) -> Iterator[Path]:
    return iter(sorted(directory.rglob("expected.yaml")))


def _cases(path: Path, rules: RuleSet) -> Iterator[CaseResult]:
    document = read_yaml(str(path), RuleError)
    if not isinstance(document, Mapping) or not isinstance(document.get("models"), Mapping):
        raise RuleError("expected.yaml needs a `models:` mapping", path=str(path))
    models: Mapping[str, Any] = document["models"]
    expectations = {
        name: _expected(entries, f"{path}: models.{name}") for name, entries in models.items()
    }
    under_test = frozenset(
        document.get("rules") or {rule for exp in expectations.values() for rule, _ in exp}
    )
    ids = frozenset(rule.id for code in under_test if (rule := rules.get(code)) is not None)
    missing = sorted(code for code in under_test if rules.get(code) is None)
    if missing:
        raise RuleError(f"unknown rule {missing[0]!r}", path=str(path), key="rules")
    setup = _Setup(
        str(path),
        profile=document.get("profile"),
        budgets=document.get("budgets", {}),
        dtype=document.get("dtype"),
    )
    for name, expected in expectations.items():
        found = _findings(load_model(path.parent / name), rules, ids, setup)
        actual = frozenset((f.rule_id, f.location.node) for f in found)
        yield CaseResult(f"{path}: {name}", expected, actual)


def _docs_cases(rule: LintRule, rules: RuleSet) -> Iterator[CaseResult]:
    docs, ids = rule.docs, frozenset({rule.id})
    setup = _Setup(rule.origin, {rule.id: docs.params}, docs.profile, docs.budgets, docs.dtype)
    if docs.fail:
        model = _from_text(docs.fail, f"{rule.id} docs.fail", docs.initializers)
        found = _findings(model, rules, ids, setup)
        actual = frozenset((f.rule_id, f.location.node) for f in found)
        nodes: tuple[str | None, ...] = (
            rule.docs.fail_nodes
            or tuple(node for _, node in actual)
            or ("(the rule fires somewhere)",)
        )
        yield CaseResult(
            f"{rule.id} docs.fail ({rule.origin})",
            frozenset((rule.id, node) for node in nodes),
            actual,
        )
    if rule.docs.pass_model:
        model = _from_text(rule.docs.pass_model, f"{rule.id} docs.pass", docs.initializers)
        found = _findings(model, rules, ids, setup)
        yield CaseResult(
            f"{rule.id} docs.pass ({rule.origin})",
            frozenset(),
            frozenset((f.rule_id, f.location.node) for f in found),
        )


def run_rule_tests(directory: Path) -> list[CaseResult]:
    """Every case under ``directory`` (its rules loaded as extra rules unless built-in)."""
    if not directory.is_dir():
        raise RuleError("not a directory", path=str(directory))
    rules = load_lint_rules(() if _is_builtin(directory) else (directory,))
    results = [case for path in _case_files(directory) for case in _cases(path, rules)]
    local = directory.resolve()
    for rule in rules:
        origin = Path(rule.origin).resolve()
        if origin == local or local in origin.parents:
            results.extend(_docs_cases(rule, rules))
    return results
