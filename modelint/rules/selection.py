"""Which rules run on a model, at which severity and with which parameters.

Selectors work like ruff's: ``ALL``, an id prefix (``MLA`` selects MLA001, MLA002...), a
full id, or a rule's name or alias. ``select`` (or the preset's) decides the base set,
``extend-select`` adds, ``ignore`` and the ``per-file-ignores`` whose glob matches the model
remove. A selector that matches no rule is an error, with a did-you-mean.
"""

from __future__ import annotations

import contextlib
import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelint.config import Config
from modelint.errors import ConfigError, UsageError
from modelint.expr import did_you_mean
from modelint.findings import Severity
from modelint.rules.engine import RuleSettings
from modelint.rules.loader import RuleSet
from modelint.rules.spec import LintRule

__all__ = ["Overrides", "rule_settings"]


@dataclass(frozen=True)
class Overrides:
    """Command-line selection (``--select``/``--ignore``), applied over the config."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    strict: bool = False  # --strict: uncosted nodes (MLC001) are errors
    profile: str | None = None  # --profile: id, id@MODE or a profile file
    dtype: str | None = None  # --dtype: the precision the model runs in on the target


_STRICT_RULE = "MLC001"  # uncosted-node: what --strict makes an error


def _matches(selector: str, rule: LintRule) -> bool:
    """Ids, id prefixes, names and aliases, in any case (``mla001`` is MLA001)."""
    wanted = selector.casefold()
    if wanted == "all":
        return True
    return rule.id.casefold().startswith(wanted) or any(
        code.casefold() == wanted for code in rule.codes()
    )


def _expand(
    selectors: Iterable[str], rules: RuleSet, config: Config, key: str, flag: str | None = None
) -> set[str]:
    """The rule ids ``selectors`` name; one that names none is an error located at ``flag``
    (the command line) or at the config file's ``key``."""
    chosen: set[str] = set()
    for selector in selectors:
        found = {rule.id for rule in rules if _matches(selector, rule)}
        if not found:
            hint = did_you_mean(selector, rules.codes())
            if flag is not None:
                raise UsageError(f"{flag}: {selector!r} selects no rule{hint}")
            raise ConfigError(f"{selector!r} selects no rule{hint}", path=config.path, key=key)
        chosen |= found
    return chosen


def _file_matches(pattern: str, path: Path, base: Path | None) -> bool:
    candidates = [str(path), path.name]
    if base is not None:
        with contextlib.suppress(ValueError):  # a model outside the config's tree
            candidates.append(str(path.resolve().relative_to(base.resolve())))
    return any(fnmatch.fnmatch(candidate, pattern) for candidate in candidates)


def excluded(path: Path, config: Config, extra: Sequence[str] = ()) -> bool:
    """True when ``path`` matches the config's ``exclude``/``extend-exclude`` globs (relative
    to the config file's directory, or the bare file name) or an ``--exclude`` glob (relative
    to the working directory, as typed)."""
    base = Path(config.path).parent if config.path else None
    if any(_file_matches(pattern, path, base) for pattern in config.exclude):
        return True
    return any(_file_matches(pattern, path, Path.cwd()) for pattern in extra)


def _enabled(path: Path, config: Config, rules: RuleSet, overrides: Overrides) -> frozenset[str]:
    if overrides.select:
        enabled = _expand(overrides.select, rules, config, "select", "--select")
    else:
        enabled = _expand(config.select or ("ALL",), rules, config, "select")
    enabled |= _expand(config.extend_select, rules, config, "extend-select")
    enabled -= _expand(config.ignore, rules, config, "ignore")
    ignored = _expand(overrides.ignore, rules, config, "ignore", "--ignore")
    enabled -= ignored
    base = Path(config.path).parent if config.path else None
    for pattern, codes in config.per_file_ignores.items():
        if _file_matches(pattern, path, base):
            enabled -= _expand(codes, rules, config, f"per-file-ignores.{pattern}")
    if overrides.strict and rules.get(_STRICT_RULE) is not None:
        # The command line beats the config: a config that ignores MLC001 (to keep
        # everyday runs quiet) must not turn a CI job's --strict into a gate that never fails.
        if _STRICT_RULE in ignored:
            raise UsageError(f"--strict makes {_STRICT_RULE} an error, and --ignore leaves it out")
        enabled.add(_STRICT_RULE)
    return frozenset(enabled)


def _rule_options(
    config: Config, rules: RuleSet
) -> tuple[dict[str, Severity], dict[str, dict[str, Any]]]:
    severities: dict[str, Severity] = {}
    parameters: dict[str, dict[str, Any]] = {}
    for code, options in config.rule_options.items():
        rule = rules.get(code)
        if rule is None:
            hint = did_you_mean(code, rules.codes())
            raise ConfigError(f"no rule {code!r}{hint}", path=config.path, key=f"rules.{code}")
        for name, value in options.items():
            if name == "severity":
                severities[rule.id] = _severity(value, config, f"rules.{code}.severity")
                continue
            _check_parameter(rule, code, name, value, config)
            parameters.setdefault(rule.id, {})[name] = value
    return severities, parameters


def _severity(value: Any, config: Config, key: str) -> Severity:
    """A config ``severity``; the schema checks files, this checks configs built in code."""
    choices = ("error", "warning", "info")
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(
            f"{value!r} is not one of: {', '.join(choices)}", path=config.path, key=key
        )
    return Severity.parse(value)


def _check_parameter(rule: LintRule, code: str, name: str, value: Any, config: Config) -> None:
    parameter = rule.parameters.get(name)
    if parameter is None:
        known = [*rule.parameters, "severity"]
        raise ConfigError(
            f"{rule.id} has no parameter {name!r}{did_you_mean(name, known)}; "
            f"parameters: {', '.join(sorted(known))}",
            path=config.path,
            key=f"rules.{code}.{name}",
        )
    problem = parameter.check(value)
    if problem is not None:
        raise ConfigError(problem, path=config.path, key=f"rules.{code}.{name}")


def rule_settings(
    path: Path, config: Config, rules: RuleSet, overrides: Overrides = Overrides()
) -> RuleSettings:
    """The settings for one model under ``config`` and the command line."""
    severities, parameters = _rule_options(config, rules)
    if overrides.strict and rules.get(_STRICT_RULE) is not None:
        severities[_STRICT_RULE] = Severity.ERROR
    return RuleSettings(
        enabled=_enabled(path, config, rules, overrides),
        severity=severities,
        parameters=parameters,
        profile=overrides.profile,
    )
