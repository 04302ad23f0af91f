"""Cost rules: per-op formulas declared as data (``rules/costs/*.yaml``), compiled once.

Entries from later sources override earlier ones (built-in, then config ``rule-paths``, then
``--rules``); within one source a second entry for the same op is an error. Every formula is
compiled when loaded, so a typo fails before any model is read, naming file, op and expression.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelint.analysis.helpers import COST_FUNCTIONS
from modelint.analysis.views import OpSignature, op_signature
from modelint.errors import CostRuleError, ExpressionError
from modelint.expr import Expression, compile_expression
from modelint.graph.model_graph import DEFAULT_DOMAIN
from modelint.resources import builtin_rules_dir
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
        return any("value" in e.fields or e.functions & _VALUE_FUNCTIONS for e in self.expressions)


class CostRules:
    """All cost entries in force, keyed by (domain, op type)."""

    def __init__(self, rules: Mapping[tuple[str, str], CostRule], files: Sequence[str]) -> None:
        self._rules = dict(rules)
        self.files = tuple(files)

    def get(self, domain: str, op_type: str) -> CostRule | None:
        return self._rules.get((domain, op_type))

    def __len__(self) -> int:
        return len(self._rules)

    def __iter__(self) -> Iterable[CostRule]:
        return iter(self._rules.values())

    def op_types(self) -> list[tuple[str, str]]:
        return sorted(self._rules)

    def sorted_rules(self) -> list[CostRule]:
        """Every rule, ordered by domain then op type."""
        return [self._rules[key] for key in sorted(self._rules)]


def is_cost_rule_file(document: Any) -> bool:
    return isinstance(document, Mapping) and "ops" in document


def _rule_files(directory: Path) -> list[Path]:
    if directory.is_file():
        return [directory]
    if not directory.is_dir():
        raise CostRuleError("rule directory does not exist", path=str(directory))
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml"))


def load_cost_rules(extra_dirs: Sequence[str | Path] = ()) -> CostRules:
    """Built-in cost rules, overridden by entries from ``extra_dirs`` in order.

    Compiled rules are reused within a process while no file changed (name, size, mtime)."""
    directories = [builtin_rules_dir() / "costs", *map(Path, extra_dirs)]
    layers = tuple(tuple(_rule_files(directory)) for directory in directories)
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for ps in layers for p in ps)
    return _load_layers(layers, stamp)


@functools.lru_cache(maxsize=16)
def _load_layers(layers: tuple[tuple[Path, ...], ...], stamp: tuple[Any, ...]) -> CostRules:
    rules: dict[tuple[str, str], CostRule] = {}
    files: list[str] = []
    for paths in layers:
        layer: dict[tuple[str, str], CostRule] = {}
        for path in paths:
            document = read_yaml(str(path), CostRuleError)
            if not is_cost_rule_file(document):
                continue  # a lint-rule file sharing the directory
            files.append(str(path))
            for rule in _compile_file(document, str(path)):
                key = (rule.domain, rule.op_type)
                if key in layer:
                    raise CostRuleError(
                        f"second cost entry for {rule.op_type} (first in {layer[key].origin})",
                        path=str(path),
                        key=f"ops.{rule.op_type}",
                    )
                layer[key] = rule
        rules.update(layer)
    return CostRules(rules, files)


def _compile_file(document: Mapping[str, Any], path: str) -> list[CostRule]:
    validate_document(document, "cost-rules", path=path, error=CostRuleError)
    domain = document.get("domain", DEFAULT_DOMAIN)
    compiled = []
    for op_type, entry in document["ops"].items():
        for target in (op_type, *entry.get("same-for", ())):
            compiled.append(_compile_entry(target, domain, entry, path, f"ops.{op_type}"))
    return compiled


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

    def expression(self, field: str, text: Any, names: list[str]) -> Expression:
        try:
            return compile_expression(text, names=names, functions=COST_FUNCTIONS)
        except ExpressionError as exc:
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
    for name, text in entry.get("let", {}).items():
        lets.append((name, compiler.expression(f"let.{name}", text, names)))
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
