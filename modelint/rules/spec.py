"""Lint rules as data: the compiled form of a rule YAML (DESIGN §6).

A rule is validated against ``schemas/lint-rule.schema.json`` and every expression and message
template is compiled when the rule is loaded, so a typo is reported — file, key path, rule id
and column — before any model is read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from modelint.errors import ExpressionError, RuleError
from modelint.expr import Expression, compile_expression
from modelint.findings import Severity
from modelint.templates import Template, compile_template

__all__ = [
    "KIND_NAMES",
    "Level",
    "LintRule",
    "Match",
    "OpSet",
    "Parameter",
    "PathSpec",
    "RuleDocs",
    "compile_rule",
]

# Names each kind's expressions may read (besides rule parameters under `params`).
_NODE_NAMES = (
    "node",
    "op",
    "domain",
    "name",
    "key",
    "layer",
    "attr",
    "inputs",
    "outputs",
    "x",
    "y",
    "cost",
    "params",
    "model",
)
KIND_NAMES: Mapping[str, tuple[str, ...]] = {
    "node": (*_NODE_NAMES, "profile", "target"),
    "path": (*_NODE_NAMES, "count", "path", "route", "path_layers", "profile", "target"),
    "aggregate": ("model", "params", "profile", "budget", "target"),
    "meta": (),  # emitted by modelint itself (suppressions); never evaluated on a graph
}
_PARAMETER_TYPES: Mapping[str, type | tuple[type, ...]] = {
    "int": int,
    "float": (int, float),
    "str": str,
    "bool": bool,
    "list": list,
}


@dataclass(frozen=True)
class Parameter:
    """A tunable value of a rule: type, default and one line of documentation."""

    name: str
    type: str
    default: Any
    doc: str
    choices: tuple[Any, ...] = ()  # the only values allowed (none: any of the type)
    minimum: float | None = None  # numbers: the smallest and largest allowed
    maximum: float | None = None

    @property
    def allowed(self) -> str:
        """'one of: expected, optimistic' or 'in [0.01, 10]' ('' when any value of the type)."""
        if self.choices:
            return "one of: " + ", ".join(str(choice) for choice in self.choices)
        if self.minimum is not None or self.maximum is not None:
            low = "-inf" if self.minimum is None else f"{self.minimum:g}"
            high = "inf" if self.maximum is None else f"{self.maximum:g}"
            return f"in [{low}, {high}]"
        return ""

    def check(self, value: Any) -> str | None:
        """None when ``value`` fits the declared type, choices and range, else what is wrong."""
        expected = _PARAMETER_TYPES[self.type]
        if isinstance(value, bool) and self.type in ("int", "float"):
            return f"{self.name} must be {self.type}, not bool"
        if not isinstance(value, expected):
            return f"{self.name} must be {self.type}, not {type(value).__name__}"
        if self.choices and value not in self.choices:
            listed = ", ".join(str(choice) for choice in self.choices)
            return f"{self.name} must be one of: {listed}; got {value!r}"
        low, high = self.minimum, self.maximum
        number = float(value) if isinstance(value, (int, float)) else None
        if number is not None and (
            (low is not None and number < low) or (high is not None and number > high)
        ):
            return f"{self.name} must be between {low} and {high}; got {value!r} ({self.doc})"
        return None


@dataclass(frozen=True)
class OpSet:
    """Op types, plain or from macros that add a condition (``@weight-layers`` needs a
    constant weight input)."""

    plain: frozenset[str] = frozenset()
    conditional: tuple[tuple[frozenset[str], Expression], ...] = ()

    @property
    def ops(self) -> frozenset[str]:
        found = set(self.plain)
        for ops, _ in self.conditional:
            found |= ops
        return frozenset(found)

    def contains(self, op_type: str, condition: Callable[[Expression], bool]) -> bool:
        if op_type in self.plain:
            return True
        return any(op_type in ops and condition(where) for ops, where in self.conditional)


@dataclass(frozen=True)
class Match:
    ops: OpSet | None = None  # None: every op
    domain: str | None = None
    name: str | None = None  # regular expression, searched in the node name
    attributes: Mapping[str, Any] = field(default_factory=dict)
    dtype: str | None = None
    reads_model_input: bool = False  # the node reads one of the model's inputs


@dataclass(frozen=True)
class PathSpec:
    direction: str = "downstream"
    count: OpSet = field(default_factory=OpSet)
    reset: OpSet = field(default_factory=OpSet)
    measure: str = "longest"
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class Level:
    severity: Severity
    when: tuple[Expression, ...]
    message: Template | None = None


@dataclass(frozen=True)
class RuleDocs:
    url: str = ""
    source: str = ""
    fail: str = ""
    fail_nodes: tuple[str, ...] = ()
    pass_model: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)  # the examples' parameters
    profile: str | None = None  # the hardware profile the examples are checked against
    budgets: Mapping[str, Any] = field(default_factory=dict)  # and their budgets
    dtype: str | None = None  # and the precision they run in
    initializers: Mapping[str, tuple[int, ...]] = field(default_factory=dict)  # zero weights


@dataclass(frozen=True, eq=False)
class LintRule:
    """A compiled lint rule."""

    id: str
    name: str
    summary: str
    description: str
    severity: Severity
    kind: str
    message: Template
    origin: str
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    parameters: Mapping[str, Parameter] = field(default_factory=dict)
    match: Match | None = None
    where: tuple[Expression, ...] = ()
    exclude: tuple[Expression, ...] = ()
    path: PathSpec | None = None
    levels: tuple[Level, ...] = ()
    properties: Mapping[str, Expression] = field(default_factory=dict)
    docs: RuleDocs = field(default_factory=RuleDocs)

    def defaults(self) -> dict[str, Any]:
        return {name: parameter.default for name, parameter in self.parameters.items()}

    def codes(self) -> tuple[str, ...]:
        """Every name this rule answers to in select/ignore: id, name, aliases."""
        return (self.id, self.name, *self.aliases)


class _Compiler:
    """Compiles one rule document; errors name the file, the key path and the rule."""

    def __init__(
        self,
        document: Mapping[str, Any],
        path: str,
        key: str,
        functions: Mapping[str, Callable[..., Any]],
        macros: Mapping[str, OpSet],
    ) -> None:
        self.document, self.path, self.key = document, path, key
        self.functions, self.macros = functions, macros
        self.rule_id = str(document.get("id", "?"))
        self.names = KIND_NAMES[document["kind"]]

    def fail(self, where: str, message: str) -> RuleError:
        key = f"{self.key}{where}".lstrip(".") or None
        return RuleError(f"{self.rule_id}: {message}", path=self.path, key=key)

    def expression(self, where: str, source: Any) -> Expression:
        try:
            return compile_expression(source, names=self.names, functions=self.functions)
        except ExpressionError as exc:
            raise self.fail(where, str(exc)) from exc

    def expressions(self, where: str, value: Any) -> tuple[Expression, ...]:
        items = value if isinstance(value, list) else [value]
        return tuple(
            self.expression(f"{where}[{i}]" if isinstance(value, list) else where, item)
            for i, item in enumerate(items)
        )

    def template(self, where: str, text: str) -> Template:
        try:
            return compile_template(text, names=self.names, functions=self.functions)
        except ExpressionError as exc:
            raise self.fail(where, str(exc)) from exc

    def op_set(self, where: str, value: str | list[str]) -> OpSet:
        plain: set[str] = set()
        conditional: list[tuple[frozenset[str], Expression]] = []
        for item in [value] if isinstance(value, str) else value:
            if not item.startswith("@"):
                plain.add(item)
                continue
            macro = self.macros.get(item)
            if macro is None:
                raise self.fail(
                    where, f"unknown macro {item!r}; known: {', '.join(sorted(self.macros))}"
                )
            plain |= macro.plain
            conditional.extend(macro.conditional)
        return OpSet(frozenset(plain), tuple(conditional))


def _parameters(compiler: _Compiler) -> dict[str, Parameter]:
    declared = compiler.document.get("parameters", {})
    parameters = {
        name: Parameter(
            name,
            spec["type"],
            spec["default"],
            spec["doc"],
            tuple(spec.get("choices", ())),
            *spec.get("range", (None, None)),
        )
        for name, spec in declared.items()
    }
    for name, parameter in parameters.items():
        problem = parameter.check(parameter.default)
        if problem is not None:
            raise compiler.fail(f".parameters.{name}.default", problem)
    return parameters


def _match(compiler: _Compiler, spec: Mapping[str, Any] | None) -> Match | None:
    if spec is None:
        return None
    if "name" in spec:
        try:
            re.compile(spec["name"])
        except re.error as exc:  # at load: at run time it broke every model, as theirs
            raise compiler.fail(".match.name", f"not a regular expression: {exc}") from exc
    return Match(
        ops=compiler.op_set(".match.op", spec["op"]) if "op" in spec else None,
        domain=spec.get("domain"),
        name=spec.get("name"),
        attributes=dict(spec.get("attributes", {})),
        dtype=spec.get("dtype"),
        reads_model_input=bool(spec.get("reads-model-input", False)),
    )


def _path(compiler: _Compiler, spec: Mapping[str, Any] | None) -> PathSpec | None:
    if spec is None:
        if compiler.document["kind"] == "path":
            raise compiler.fail("", "a path rule needs a `path:` section")
        return None
    if "min" in spec and "max" in spec and spec["min"] > spec["max"]:
        raise compiler.fail(".path", f"min ({spec['min']}) is above max ({spec['max']})")
    return PathSpec(
        direction=spec.get("direction", "downstream"),
        count=compiler.op_set(".path.count", spec["count"]),
        reset=compiler.op_set(".path.reset", spec["reset"]) if "reset" in spec else OpSet(),
        measure=spec.get("measure", "longest"),
        minimum=spec.get("min"),
        maximum=spec.get("max"),
    )


def _levels(compiler: _Compiler) -> tuple[Level, ...]:
    levels = compiler.document.get("levels", ())
    if compiler.document["kind"] == "aggregate" and not levels:
        raise compiler.fail("", "an aggregate rule needs `levels:`")
    return tuple(
        Level(
            Severity.parse(level["severity"]),
            compiler.expressions(f".levels[{i}].when", level["when"]),
            compiler.template(f".levels[{i}].message", level["message"])
            if "message" in level
            else None,
        )
        for i, level in enumerate(levels)
    )


def _docs(compiler: _Compiler, parameters: Mapping[str, Parameter]) -> RuleDocs:
    spec: Mapping[str, Any] = compiler.document.get("docs", {})
    params = dict(spec.get("params", {}))
    for name, value in params.items():
        parameter = parameters.get(name)
        problem = f"no parameter {name!r}" if parameter is None else parameter.check(value)
        if problem is not None:
            raise compiler.fail(f".docs.params.{name}", problem)
    return RuleDocs(
        url=spec.get("url", ""),
        source=spec.get("source", ""),
        fail=spec.get("fail", ""),
        fail_nodes=tuple(spec.get("fail-nodes", ())),
        pass_model=spec.get("pass", ""),
        params=params,
        profile=spec.get("profile"),
        budgets=dict(spec.get("budgets", {})),
        dtype=spec.get("dtype"),
        initializers={name: tuple(shape) for name, shape in spec.get("initializers", {}).items()},
    )


# Keys a kind of rule never reads: accepted, they would be filters that silently do nothing.
_NOT_FOR_KIND = {
    "aggregate": ("match", "where", "exclude", "path"),
    "node": ("path",),
}


def _check_kind_keys(compiler: _Compiler) -> None:
    kind = compiler.document["kind"]
    for key in _NOT_FOR_KIND.get(kind, ()):
        if key in compiler.document:
            hint = " (a model-level rule decides with `levels:`)" if kind == "aggregate" else ""
            raise compiler.fail(f".{key}", f"`{key}:` does not apply to {kind} rules{hint}")


def compile_rule(
    document: Mapping[str, Any],
    path: str,
    key: str,
    functions: Mapping[str, Callable[..., Any]],
    macros: Mapping[str, OpSet],
) -> LintRule:
    """Compile one validated rule document (``key`` locates it in its file)."""
    compiler = _Compiler(document, path, key, functions, macros)
    doc = document
    _check_kind_keys(compiler)
    return LintRule(
        id=doc["id"],
        name=doc["name"],
        summary=doc["summary"],
        description=doc["description"],
        severity=Severity.parse(doc["severity"]),
        kind=doc["kind"],
        message=compiler.template(".message", doc["message"]),
        origin=path,
        aliases=tuple(doc.get("aliases", ())),
        tags=tuple(doc.get("tags", ())),
        requires=tuple(doc.get("requires", ())),
        parameters=(parameters := _parameters(compiler)),
        match=_match(compiler, doc.get("match")),
        where=compiler.expressions(".where", doc["where"]) if "where" in doc else (),
        exclude=compiler.expressions(".exclude", doc["exclude"]) if "exclude" in doc else (),
        path=_path(compiler, doc.get("path")),
        levels=_levels(compiler),
        properties={
            name: compiler.expression(f".properties.{name}", source)
            for name, source in doc.get("properties", {}).items()
        },
        docs=_docs(compiler, parameters),
    )
