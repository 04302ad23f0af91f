"""Where lint rules come from, and the rule set they make.

Sources, in order: built-in ``rules/lint/``, the config's ``rule-paths``, ``--rules DIR``, and
installed rule packs (entry-point group ``modelint.rules``: an object that is, or returns, a
directory). Cost-rule files (``ops:``, ``domain:``...) are left to the cost loader.
Macros (``@weight-layers``...) from every source are known to every rule. Two rules that share
an id, a name or an alias are an error naming both files.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from modelint.analysis.cost_rules import is_cost_rule_file
from modelint.errors import ExpressionError, RuleError
from modelint.expr import compile_expression
from modelint.resources import ENTRY_POINT_GROUP, builtin_rules_dir, plugin_rule_dirs
from modelint.rules import hardware, hygiene, patterns  # noqa: F401 - they register rule functions
from modelint.rules.field_check import unknown_fields
from modelint.rules.functions import RULE_FUNCTIONS
from modelint.rules.spec import KIND_NAMES, LintRule, OpSet, compile_rule
from modelint.schema import read_yaml, validate_document

__all__ = ["ENTRY_POINT_GROUP", "RuleSet", "load_lint_rules", "plugin_rule_dirs"]


class RuleSet:
    """The lint rules in force, ordered by id; each answers to its id, name and aliases."""

    def __init__(self, rules: Sequence[LintRule], files: Sequence[str]) -> None:
        self.rules = tuple(sorted(rules, key=lambda rule: rule.id))
        self.files = tuple(files)
        self._by_code = {code: rule for rule in self.rules for code in rule.codes()}

    def __len__(self) -> int:
        return len(self.rules)

    def __iter__(self) -> Iterator[LintRule]:
        return iter(self.rules)

    def get(self, code: str) -> LintRule | None:
        return self._by_code.get(code)

    def codes(self) -> list[str]:
        return sorted(self._by_code)


_NOT_RULES = frozenset({"expected.yaml", "expected.yml"})  # rule-test sidecars (modelint test)


def _files(directory: Path) -> list[Path]:
    if directory.is_file():
        return [directory]
    if not directory.is_dir():
        raise RuleError("rule directory does not exist", path=str(directory))
    return sorted(
        p
        for p in directory.rglob("*")
        if p.suffix in (".yaml", ".yml") and p.name not in _NOT_RULES
    )


def _read(path: Path, *, trusted: bool) -> Mapping[str, Any] | None:
    """A validated lint-rule document; None for a cost-rule file (the cost loader's, which
    reports its mistakes)."""
    document = read_yaml(str(path), RuleError)
    if is_cost_rule_file(document):
        return None
    if not isinstance(document, Mapping):
        raise RuleError(
            "a rule file must be a mapping (a rule, `rules:` or `macros:`)", path=str(path)
        )
    if not trusted:
        validate_document(dict(document), "lint-rule", path=str(path), error=RuleError)
    return document


def _rule_documents(document: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], str]]:
    """(rule document, key prefix) for each rule of a file."""
    if "id" in document:
        return [(document, "")]
    return [(rule, f"rules[{index}]") for index, rule in enumerate(document.get("rules", ()))]


def _code_field(rule: LintRule, code: str) -> str:
    """The key a clashing code comes from: ``id``, ``name`` or ``aliases[i]``."""
    if code == rule.name:
        return "name"
    if code in rule.aliases:
        return f"aliases[{rule.aliases.index(code)}]"
    return "id"


def _macros(documents: Sequence[tuple[Path, Mapping[str, Any]]]) -> dict[str, OpSet]:
    macros: dict[str, OpSet] = {}
    origins: dict[str, Path] = {}
    for path, document in documents:
        for name, spec in document.get("macros", {}).items():
            if name in macros:
                raise RuleError(
                    f"macro {name} is defined twice (first in {origins[name]})",
                    path=str(path),
                    key=f"macros.{name}",
                )
            origins[name] = path
            ops = frozenset(spec["ops"])
            if "where" not in spec:
                macros[name] = OpSet(plain=ops)
                continue
            try:
                where = compile_expression(
                    spec["where"], names=KIND_NAMES["node"], functions=RULE_FUNCTIONS
                )
            except ExpressionError as exc:
                raise RuleError(str(exc), path=str(path), key=f"macros.{name}.where") from exc
            macros[name] = OpSet(conditional=((ops, where),))
    return macros


def _stamp(directories: Sequence[Path]) -> tuple[Any, ...]:
    files = [path for directory in directories for path in _files(directory)]
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)


def load_lint_rules(extra_dirs: Sequence[str | Path] = (), *, plugins: bool = True) -> RuleSet:
    """Built-in rules, then ``extra_dirs``, then installed rule packs. Cached per process
    while no file changes."""
    directories = [builtin_rules_dir() / "lint", *map(Path, extra_dirs)]
    if plugins:
        directories += plugin_rule_dirs()
    # One directory named twice (config rule-paths and --rules) is read once.
    directories = list({d.resolve(): d for d in directories}.values())
    return _load(tuple(directories), _stamp(directories))


@functools.lru_cache(maxsize=16)
def _load(directories: tuple[Path, ...], stamp: tuple[Any, ...]) -> RuleSet:
    per_file: list[tuple[Path, Mapping[str, Any], list[tuple[Mapping[str, Any], str]]]] = []
    for index, directory in enumerate(directories):
        for path in _files(directory):
            document = _read(path, trusted=index == 0)
            if document is not None:
                per_file.append((path, document, _rule_documents(document)))
    macros = _macros([(path, document) for path, document, _ in per_file])
    return _compile_all(per_file, macros, RULE_FUNCTIONS)


def _compile_all(
    per_file: Sequence[tuple[Path, Mapping[str, Any], list[tuple[Mapping[str, Any], str]]]],
    macros: Mapping[str, OpSet],
    functions: Mapping[str, Callable[..., Any]],
) -> RuleSet:
    rules: list[LintRule] = []
    seen: dict[str, LintRule] = {}
    for path, _, documents in per_file:
        for document, key in documents:
            rule = compile_rule(document, str(path), key, functions, macros)
            for where, problem in unknown_fields(rule):
                prefix = f"{key}." if key else ""
                raise RuleError(f"{rule.id}: {problem}", path=str(path), key=prefix + where)
            for code in rule.codes():
                if code in seen:
                    field = _code_field(rule, code)
                    raise RuleError(
                        f"duplicate rule code {code!r} (also used by "
                        f"{seen[code].id} in {seen[code].origin})",
                        path=str(path),
                        key=f"{key}.{field}" if key else field,
                    )
                seen[code] = rule
            rules.append(rule)
    return RuleSet(rules, [str(path) for path, _, _ in per_file])
