"""Cost rules: per-op formulas declared as data (``rules/costs/*.yaml``), compiled once.

Entries from later sources override earlier ones (built-in, then config ``rule-paths``, then
``--rules``); within one source a second entry for the same op is an error. Every formula is
compiled when loaded, so a typo fails before any model is read, naming file, op and expression.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from modelint.analysis.helpers import COST_FUNCTIONS
from modelint.analysis.views import OpSignature, op_signature
from modelint.errors import CostRuleError, ExpressionError
from modelint.expr import Expression, compile_expression
from modelint.graph.model_graph import DEFAULT_DOMAIN
from modelint.resources import builtin_rules_dir, plugin_rule_dirs
from modelint.schema import read_yaml, validate_document
from modelint.templates import Template, compile_template

__all__ = ["CONVENTION", "CostRule", "CostRules", "is_cost_rule_file", "load_cost_rules"]

CONVENTION = "modelint-cc/1"
GENERIC_NAMES = ("x", "y", "inputs", "outputs", "attr", "opset")
_ZERO = compile_expression(0)
_VALUE_FUNCTIONS = frozenset({"integer_exponent"})  # helpers that read tensor values
_VALUE_FIELDS = frozenset({"value", "name"})  # fields that differ between equal signatures


@dataclass(frozen=True, eq=False)
class CostRule:
    """The compiled cost entry of one op type."""

    op_type: str
    domain: str
    source: str
    origin: str
    signature: OpSignature | None
    lets: tuple[tuple[str, Expression], ...]
    macs: Expression
    flops: Expression
    transcendentals: Expression
    assumptions: tuple[Template, ...]
    control_flow: str | None = None

    @property
    def expressions(self) -> list[Expression]:
        found = [expression for _, expression in self.lets]
        found += [self.macs, self.flops, self.transcendentals]
        for template in self.assumptions:
            found += template.expressions()
        return found

    @functools.cached_property
    def reads_values(self) -> bool:
        """True when a formula reads tensor *values* (not just shapes, dtypes and attributes):
        then two nodes with equal signatures may still cost differently."""
        return any(
            e.fields & _VALUE_FIELDS or e.functions & _VALUE_FUNCTIONS for e in self.expressions
        )


class _Pending(NamedTuple):
    """A built-in entry, compiled on first use (a model uses a few dozen of 180 op types)."""

    op_type: str
    domain: str
    entry: Mapping[str, Any]
    path: str
    key: str

    def compile(self) -> CostRule:
        return _compile_entry(self.op_type, self.domain, self.entry, self.path, self.key)


class CostRules:
    """All cost entries in force, keyed by (domain, op type)."""

    def __init__(
        self, rules: Mapping[tuple[str, str], CostRule | _Pending], files: Sequence[str]
    ) -> None:
        self._rules = dict(rules)
        self.files = tuple(files)

    def get(self, domain: str, op_type: str) -> CostRule | None:
        rule = self._rules.get((domain, op_type))
        if isinstance(rule, _Pending):
            rule = self._rules[(domain, op_type)] = rule.compile()
        return rule

    def __len__(self) -> int:
        return len(self._rules)

    def __iter__(self) -> Iterator[CostRule]:
        return iter(self.sorted_rules())

    def op_types(self) -> list[tuple[str, str]]:
        return sorted(self._rules)

    def sorted_rules(self) -> list[CostRule]:
        """Every rule (all compiled now), ordered by domain then op type."""
        found = [self.get(domain, op_type) for domain, op_type in sorted(self._rules)]
        return [rule for rule in found if rule is not None]


_LINT_KEYS = ("id", "rules", "macros")


def is_cost_rule_file(document: Any) -> bool:
    """A cost-rule file (lint-rule files have ``id``, ``rules`` or ``macros``): ``ops``, or
    the keys that come with it, so that a misspelt ``opps:`` is reported against the cost
    schema (did you mean 'ops'?) rather than the lint one."""
    if not isinstance(document, Mapping) or any(k in document for k in _LINT_KEYS):
        return False
    return any(key in document for key in ("ops", "domain", "convention"))


def _rule_files(directory: Path) -> list[Path]:
    if directory.is_file():
        return [directory]
    if not directory.is_dir():
        raise CostRuleError("rule directory does not exist", path=str(directory))
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml"))


def load_cost_rules(extra_dirs: Sequence[str | Path] = (), *, plugins: bool = True) -> CostRules:
    """Built-in cost rules, overridden by installed rule packs' (``plugins``), then by
    entries from ``extra_dirs`` in order: a team's own directory has the last word.

    Compiled rules are reused within a process while no file changed (name, size, mtime)."""
    packs = plugin_rule_dirs() if plugins else []
    directories = [builtin_rules_dir() / "costs", *packs, *map(Path, extra_dirs)]
    layers = tuple(tuple(_rule_files(directory)) for directory in directories)
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for ps in layers for p in ps)
    return _load_layers(layers, stamp)


@functools.lru_cache(maxsize=16)
def _load_layers(layers: tuple[tuple[Path, ...], ...], stamp: tuple[Any, ...]) -> CostRules:
    """The first layer is built-in: validated by the test suite, so only read here and
    compiled on first use; every other layer is validated and compiled now, so a user's
    mistake is reported before any model is loaded."""
    rules: dict[tuple[str, str], CostRule | _Pending] = {}
    files: list[str] = []
    for index, paths in enumerate(layers):
        layer: dict[tuple[str, str], CostRule | _Pending] = {}
        for path in paths:
            document = read_yaml(str(path), CostRuleError)
            if not is_cost_rule_file(document):
                continue  # a lint-rule file sharing the directory
            files.append(str(path))
            for item in _file_entries(document, str(path), trusted=index == 0):
                key = (item.domain, item.op_type)
                if key in layer:
                    first = layer[key]
                    raise CostRuleError(
                        f"second cost entry for {item.op_type} (first in "
                        f"{first.path if isinstance(first, _Pending) else first.origin})",
                        path=str(path),
                        key=f"ops.{item.op_type}",
                    )
                layer[key] = item
        rules.update(layer)
    return CostRules(rules, files)


def _file_entries(
    document: Mapping[str, Any], path: str, *, trusted: bool
) -> list[CostRule | _Pending]:
    if not trusted:
        validate_document(document, "cost-rules", path=path, error=CostRuleError)
    domain = document.get("domain", DEFAULT_DOMAIN)
    entries: list[CostRule | _Pending] = []
    for op_type, entry in document["ops"].items():
        for target in (op_type, *entry.get("same-for", ())):
            pending = _Pending(target, domain, entry, path, f"ops.{op_type}")
            entries.append(pending if trusted else pending.compile())
    return entries


def _signature(op_type: str, domain: str, entry: Mapping[str, Any]) -> OpSignature | None:
    """The ONNX schema's names and defaults, overridden by the entry's own declarations."""
    schema = op_signature(op_type, domain)
    if schema is None and "inputs" not in entry and "outputs" not in entry:
        return None
    defaults = {**(schema.attribute_defaults if schema else {}), **entry.get("attributes", {})}
    if schema is not None and "inputs" not in entry and "outputs" not in entry:
        return OpSignature(
            schema.inputs,
            schema.outputs,
            defaults,
            variadic_input=schema.variadic_input,
            variadic_output=schema.variadic_output,
        )
    inputs = entry.get("inputs") or ([*schema.inputs] if schema else [])
    outputs = entry.get("outputs") or ([*schema.outputs] if schema else [])
    return OpSignature.from_names(list(inputs), list(outputs), defaults)


class _EntryCompiler:
    """Compiles one entry's formulas; every error names the file, the key and the op."""

    def __init__(self, op_type: str, path: str, key: str) -> None:
        self.op_type, self.path, self.key = op_type, path, key

    def error(self, exc: ExpressionError, field: str) -> CostRuleError:
        return CostRuleError(f"{self.op_type}: {exc}", path=self.path, key=f"{self.key}.{field}")

    def expression(
        self, field: str, text: Any, names: list[str], later: Sequence[str] = ()
    ) -> Expression:
        """``later``: the ``let:`` names defined further down (read in order)."""
        try:
            return compile_expression(text, names=names, functions=COST_FUNCTIONS)
        except ExpressionError as exc:
            ahead = next((name for name in later if f"unknown name '{name}'" in str(exc)), None)
            if ahead is not None:
                raise CostRuleError(
                    f"{self.op_type}: {exc} ('{ahead}' is defined further down `let:`, whose "
                    "entries are read in order)",
                    path=self.path,
                    key=f"{self.key}.{field}",
                ) from exc
            raise self.error(exc, field) from exc

    def template(self, field: str, text: str, names: list[str]) -> Template:
        try:
            return compile_template(text, names=names, functions=COST_FUNCTIONS)
        except ExpressionError as exc:
            raise self.error(exc, field) from exc


def _compile_entry(
    op_type: str, domain: str, entry: Mapping[str, Any], path: str, key: str
) -> CostRule:
    signature = _signature(op_type, domain, entry)
    names = [*GENERIC_NAMES]
    if signature is not None:
        names += [*signature.inputs, *signature.outputs]
    control_flow = entry.get("control-flow")
    if control_flow is None and "flops" not in entry:
        raise CostRuleError("entry needs 'flops' (or 'control-flow')", path=path, key=key)
    compiler = _EntryCompiler(op_type, path, key)
    lets = []
    declared = list(entry.get("let", {}).items())
    for index, (name, text) in enumerate(declared):
        later = [other for other, _ in declared[index + 1 :]]
        lets.append((name, compiler.expression(f"let.{name}", text, names, later)))
        names.append(name)
    counts = [
        compiler.expression(field, entry.get(field, 0), [*names, *earlier])
        for field, earlier in (
            ("macs", []),
            ("flops", ["macs"]),
            ("transcendentals", ["macs", "flops"]),
        )
    ]
    names += ["macs", "flops", "transcendentals"]
    assumptions = tuple(
        compiler.template(f"assumptions[{index}]", text, names)
        for index, text in enumerate(entry.get("assumptions", ()))
    )
    return CostRule(
        op_type=op_type,
        domain=domain,
        source=entry["source"],
        origin=path,
        signature=signature,
        lets=tuple(lets),
        macs=counts[0] if control_flow is None else _ZERO,
        flops=counts[1],
        transcendentals=counts[2],
        assumptions=assumptions,
        control_flow=control_flow,
    )
