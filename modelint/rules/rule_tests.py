"""``modelint test DIR``: rule tests as data.

Each ``expected.yaml`` under DIR names tiny models beside it (ONNX text ``.onnxtxt`` or
``.onnx``) and the findings expected on each, by rule and node key::

    rules: [MLC001]              # the rules under test (default: those the cases mention)
    models:
      custom_op.onnxtxt:
        - {rule: MLC001, node: "Frobnicate:y"}
      whole_model.onnxtxt:
        - {rule: MLH001}         # no `node`: a model-level finding (one with no node)
      plain.onnxtxt: []          # no finding expected

An entry takes exactly the keys ``rule`` (required) and ``node`` (optional); the document
also takes ``profile``, ``budgets`` and ``dtype`` for hardware rules. Anything else, an
unknown rule id or a rule missing from ``rules:`` is an error naming the file and key path.

Every rule found under DIR is also checked against its own ``docs`` examples: it must fire
on ``docs.fail`` (at ``docs.fail-nodes`` when given) and stay silent on ``docs.pass``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import onnx
import onnx.parser
from onnx import numpy_helper

from modelint.analysis import AnalysisOptions, ModelAnalysis, analyze_loaded, load_cost_rules
from modelint.analysis.cost_rules import CostRules
from modelint.analysis.target import estimate_target
from modelint.errors import ModelLoadError, RuleError
from modelint.expr import did_you_mean
from modelint.findings import Finding
from modelint.load import LoadedModel, load_model
from modelint.load.onnx_file import parse_error_message
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


class _Rules(NamedTuple):
    """The lint rules and the cost rules a test runs with: built-in, plus the directory's."""

    lint: RuleSet
    costs: CostRules


def _findings(
    model: LoadedModel, rules: _Rules, rule_ids: frozenset[str], setup: _Setup
) -> list[Finding]:
    analysis = analyze_loaded(model, rules.costs, AnalysisOptions())
    settings = RuleSettings(
        enabled=rule_ids,
        parameters=setup.parameters,
        profile=setup.profile,
        hardware=setup.hardware(analysis),
    )
    return list(run_rules(analysis, rules.lint, settings).findings)


def _from_text(text: str, name: str, initializers: Mapping[str, Any] | None = None) -> LoadedModel:
    try:
        proto = onnx.parser.parse_model(text)
    except onnx.parser.ParseError as exc:
        problem = parse_error_message(exc)
        raise ModelLoadError(f"example model does not parse: {problem}", path=name) from exc
    for tensor, shape in (initializers or {}).items():  # zero-filled weights, by shape
        array = np.zeros(tuple(shape), np.float32)
        proto.graph.initializer.append(numpy_helper.from_array(array, tensor))
    return LoadedModel(name, "onnx-text", proto)


_DOCUMENT_KEYS = ("rules", "models", "parameters", "profile", "budgets", "dtype")
_ENTRY_KEYS = ("rule", "node")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _unknown_key(name: str, valid: tuple[str, ...]) -> str:
    hint = did_you_mean(name, valid)
    return f"unknown key {name!r}{hint}; valid keys: {', '.join(valid)}"


@dataclass(frozen=True)
class _Where:
    """Where a value of an expected.yaml sits, and what its rule ids may be."""

    file: str
    rules: RuleSet
    listed: frozenset[str] | None = None  # the document's `rules:`, when given

    def error(self, message: str, key: str | None = None) -> RuleError:
        return RuleError(message, path=self.file, key=key)

    def rule(self, code: Any, key: str) -> str:
        if not isinstance(code, str):
            raise self.error(f"expected a rule id, got {_shown(code)}", key)
        rule = self.rules.get(code)
        if rule is None:
            raise self.error(
                f"unknown rule {code!r}{did_you_mean(code.upper(), self.rules.codes())}", key
            )
        if self.listed is not None and rule.id not in self.listed:
            raise self.error(f"rule {code!r} is not under test (add it to `rules:`)", key)
        return rule.id  # a name or an alias stands for its rule, as everywhere else

    def parameters(self, values: Any) -> dict[str, dict[str, Any]]:
        """``parameters: {rule: {name: value}}``, each checked as the config checks them."""
        if not isinstance(values, Mapping):
            raise self.error(f"expected a mapping of rule ids, got {_shown(values)}", "parameters")
        checked: dict[str, dict[str, Any]] = {}
        for code, settings in values.items():
            key = f"parameters.{code}"
            rule = self.rules.get(self.rule(code, key))
            if rule is None or not isinstance(settings, Mapping):
                raise self.error(f"expected a mapping of parameters, got {_shown(settings)}", key)
            for name, value in settings.items():
                parameter = rule.parameters.get(name)
                problem = (
                    f"{rule.id} has no parameter {name!r}{did_you_mean(str(name), rule.parameters)}"
                    if parameter is None
                    else parameter.check(value)
                )
                if problem is not None:
                    raise self.error(problem, f"{key}.{name}")
                checked.setdefault(rule.id, {})[name] = value
        return checked


def _entry(entry: Any, where: _Where, key: str) -> tuple[str, str | None]:
    if not isinstance(entry, Mapping) or "rule" not in entry:
        raise where.error(
            f"expected a mapping with 'rule' (and optionally 'node'), got {_shown(entry)}", key
        )
    unknown = sorted(str(name) for name in entry if name not in _ENTRY_KEYS)
    if unknown:
        raise where.error(_unknown_key(unknown[0], _ENTRY_KEYS), key)
    node = entry.get("node")
    if node is not None and not isinstance(node, str):
        raise where.error(
            "expected a node key (a string; omit `node` for a model-level finding), "
            f"got {_shown(node)}",
            f"{key}.node",
        )
    return where.rule(entry["rule"], f"{key}.rule"), node


def _expected(entries: Any, where: _Where, key: str) -> Expected:
    if not isinstance(entries, list):
        raise where.error(
            f"expected a list of {{rule, node}} findings ([] for none), got {_shown(entries)}",
            key,
        )
    return frozenset(_entry(entry, where, f"{key}[{index}]") for index, entry in enumerate(entries))


def _case_files(directory: Path) -> Iterator[Path]:
    return iter(sorted(directory.rglob("expected.yaml")))


def _document(path: Path, rules: RuleSet) -> tuple[Mapping[str, Any], _Where]:
    document = read_yaml(str(path), RuleError)
    where = _Where(str(path), rules)
    if not isinstance(document, Mapping) or not isinstance(document.get("models"), Mapping):
        raise where.error("expected.yaml needs a `models:` mapping")
    unknown = sorted(str(name) for name in document if name not in _DOCUMENT_KEYS)
    if unknown:
        raise where.error(_unknown_key(unknown[0], _DOCUMENT_KEYS))
    listed = document.get("rules")
    if listed is None or listed == []:  # the rules the cases mention
        return document, where
    if not isinstance(listed, list):
        raise where.error(f"expected a list of rule ids, got {_shown(listed)}", "rules")
    codes = frozenset(where.rule(code, f"rules[{index}]") for index, code in enumerate(listed))
    return document, _Where(str(path), rules, codes)


def _cases(path: Path, rules: _Rules) -> Iterator[CaseResult]:
    document, where = _document(path, rules.lint)
    models: Mapping[str, Any] = document["models"]
    expectations = {
        str(name): _expected(entries, where, f"models.{name}") for name, entries in models.items()
    }
    ids = where.listed
    if ids is None:
        ids = frozenset(rule for expected in expectations.values() for rule, _ in expected)
    setup = _Setup(
        where.file,
        parameters=where.parameters(document.get("parameters", {})),
        profile=document.get("profile"),
        budgets=document.get("budgets", {}),
        dtype=document.get("dtype"),
    )
    for name, expected in expectations.items():
        found = _findings(load_model(path.parent / name), rules, ids, setup)
        actual = frozenset((f.rule_id, f.location.node) for f in found)
        yield CaseResult(f"{path}: {name}", expected, actual)


def _docs_cases(rule: LintRule, rules: _Rules) -> Iterator[CaseResult]:
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
    """Every case under ``directory`` (its lint and cost rules loaded as extra rules unless
    built-in)."""
    if not directory.is_dir():
        raise RuleError("not a directory", path=str(directory))
    extra = () if _is_builtin(directory) else (directory,)
    # The directory's cost rules too: a lint rule over a team's own ops reads their costs.
    rules = _Rules(load_lint_rules(extra), load_cost_rules(tuple(map(str, extra))))
    results = [case for path in _case_files(directory) for case in _cases(path, rules)]
    local = directory.resolve()
    for rule in rules.lint:
        origin = Path(rule.origin).resolve()
        if origin == local or local in origin.parents:
            results.extend(_docs_cases(rule, rules))
    return results
