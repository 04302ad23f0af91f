"""Configuration: discovery, the effective settings, and where each value came from (DESIGN §8).

For each model the closest ``.modelint.yaml`` / ``.modelint.yml`` / ``pyproject.toml`` with a
``[tool.modelint]`` table, walking up from the model's directory to the repository root (the
first directory holding ``.git``), applies; ``--config FILE`` overrides discovery; with
neither, the ``recommended`` preset. Relative paths resolve against the file that wrote them.
Unknown keys are errors. Reading and ``extends``: :mod:`modelint.config_files`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from modelint.config_files import preset_path, pyproject_table, resolve, shown_path
from modelint.errors import ConfigError
from modelint.findings import Severity
from modelint.profiles import Budgets, parse_budgets

__all__ = [
    "CONFIG_NAMES",
    "Config",
    "Conversion",
    "Suppression",
    "Target",
    "find_config_file",
    "load_config",
    "parse_shape",
    "repository_root",
    "shown_path",
]

CONFIG_NAMES = (".modelint.yaml", ".modelint.yml")
Shape = tuple[int, ...]


_MAX_DIM = 2**63 - 1


def parse_shape(text: str | list[Any], *, where: str) -> Shape:
    """'1,3,224,224' or [1, 3, 224, 224] -> (1, 3, 224, 224); positive ints only."""
    items = text.split(",") if isinstance(text, str) else list(text)
    try:
        dims = tuple(int(str(item).strip()) for item in items)
    except ValueError:
        raise ConfigError(f"shape {text!r} is not a list of integers", key=where) from None
    if not dims or any(dim <= 0 for dim in dims):
        raise ConfigError(f"shape {text!r} needs positive dims", key=where)
    if any(dim > _MAX_DIM for dim in dims):  # ONNX dims are int64
        raise ConfigError(f"shape {text!r} has a dim larger than 2**63 - 1", key=where)
    return dims


@dataclass(frozen=True)
class Conversion:
    """How TensorFlow-family models are converted (config ``conversion``, ``cache``...)."""

    opset: int | None = None  # None: the converter's default (modelint.load.DEFAULT_OPSET)
    batch: int | None = None  # None: 1
    graphdef_inputs: tuple[str, ...] = ()
    graphdef_outputs: tuple[str, ...] = ()
    cache: bool = True
    cache_dir: str | None = None  # absolute, resolved against the config file


@dataclass(frozen=True)
class Suppression:
    """Findings of ``rules`` in ``files`` at matching nodes are suppressed, for ``reason``."""

    rules: tuple[str, ...]
    reason: str
    files: tuple[str, ...] = ()
    nodes: str | None = None  # glob on node key or layer
    node_regex: str | None = None
    op: str | None = None
    expires: date | None = None
    origin: str = ""  # the config file that wrote it
    index: int = 0  # its position there


@dataclass(frozen=True)
class Target:
    """Models matching ``files`` are checked against ``profile``; ``action`` warning makes
    violations warnings (an advisory target)."""

    files: tuple[str, ...]
    profile: str
    action: Severity = Severity.ERROR
    budgets: Budgets = field(default_factory=Budgets)
    dtype: str | None = None
    origin: str = ""


@dataclass(frozen=True)
class Config:
    """The effective configuration for one model."""

    path: str | None = None  # the file it came from; None: the recommended preset
    input_shapes: Mapping[str, Shape] = field(default_factory=dict)
    rule_paths: tuple[str, ...] = ()
    fail_on: Severity | None = Severity.ERROR  # None: never fail on findings
    conversion: Conversion = field(default_factory=Conversion)
    select: tuple[str, ...] = ()  # () = every rule
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()  # model path globs skipped (exclude + extend-exclude)
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    suppressions: tuple[Suppression, ...] = ()
    profile: str | None = None  # id, id@MODE or an absolute profile file path
    profile_paths: tuple[str, ...] = ()  # extra profile files and directories
    targets: tuple[Target, ...] = ()
    budgets: Budgets = field(default_factory=Budgets)
    dtype: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)  # as merged, for `config show`
    origins: Mapping[str, str] = field(default_factory=dict)  # key -> file(s) or preset


def repository_root(start: Path) -> Path | None:
    """The first directory at or above ``start`` holding ``.git`` (None: not in a repository)."""
    for directory in (start, *start.parents):
        try:
            if (directory / ".git").exists():
                return directory
        except OSError:  # a directory we may not enter, a name too long: not ours to read
            continue
    return None


def find_config_file(model: Path) -> Path | None:
    """The closest config file above ``model``, not looking past the repository root."""
    try:
        searched = model.is_dir()
    except OSError:  # a name too long, no permission: its load reports it, not this search
        searched = False
    start = (model if searched else model.parent).resolve()
    root = repository_root(start)
    for directory in (start, *start.parents):
        for name in CONFIG_NAMES:
            if (directory / name).is_file():
                return shown_path(directory / name)
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and pyproject_table(pyproject) is not None:
            return shown_path(pyproject)
        if directory == root:
            break
    return None


def _conversion(values: Mapping[str, Any]) -> Conversion:
    section = values.get("conversion", {})
    return Conversion(
        opset=section.get("opset"),
        batch=section.get("batch"),
        graphdef_inputs=tuple(section.get("graphdef-inputs", ())),
        graphdef_outputs=tuple(section.get("graphdef-outputs", ())),
        cache=bool(values.get("cache", True)),
        cache_dir=values.get("cache-dir"),
    )


def _suppression(entry: Mapping[str, Any]) -> Suppression:
    where = f"suppressions[{entry['_index']}]"
    if "node-regex" in entry:
        try:
            re.compile(entry["node-regex"])
        except re.error as exc:
            raise ConfigError(
                f"node-regex does not compile: {exc}", path=entry["_origin"], key=where
            ) from exc
    expires = entry.get("expires")
    if isinstance(expires, datetime):  # YAML and TOML read `2027-01-01T10:00:00Z` as one
        raise ConfigError(
            f"expires {expires.isoformat()} is a date and a time; give the date (YYYY-MM-DD)",
            path=entry["_origin"],
            key=where,
        )
    if expires is not None and not isinstance(expires, date):  # text, a number, a time...
        try:
            expires = date.fromisoformat(str(expires) if isinstance(expires, str) else "")
        except ValueError:
            shown = repr(expires) if isinstance(expires, str) else str(expires)
            raise ConfigError(
                f"expires {shown} is not a date (YYYY-MM-DD)", path=entry["_origin"], key=where
            ) from None
    return Suppression(
        rules=tuple(entry["rules"]),
        reason=entry["reason"],
        files=tuple(entry.get("files", ())),
        nodes=entry.get("nodes"),
        node_regex=entry.get("node-regex"),
        op=entry.get("op"),
        expires=expires,
        origin=entry["_origin"],
        index=entry["_index"],
    )


def _targets(values: Mapping[str, Any], path: str | None) -> tuple[Target, ...]:
    return tuple(
        Target(
            files=tuple(entry["files"]),
            profile=entry["profile"],
            action=Severity.parse(entry.get("action", "error")),
            budgets=parse_budgets(
                entry.get("budgets", {}),
                path=entry.get("_origin") or path,
                key=f"targets[{index}].budgets",
                error=ConfigError,
            ),
            dtype=entry.get("dtype"),
            origin=entry.get("_origin", ""),
        )
        for index, entry in enumerate(values.get("targets", ()))
    )


def _fail_on(text: str) -> Severity | None:
    return None if text == "never" else Severity.parse(text)


def load_config(path: Path | None) -> Config:
    """The effective config of one file (None: the recommended preset), ``extends`` applied.
    Reused within a process while the file is unchanged."""
    stamp = None
    if path is not None and path.is_file():
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
    return _load_config(path, stamp)


@cache
def _load_config(path: Path | None, stamp: tuple[int, int] | None) -> Config:
    values, origins = resolve(path or preset_path("recommended"))
    try:
        shapes = {
            name: parse_shape(value, where=f"input-shapes.{name}")
            for name, value in values.get("input-shapes", {}).items()
        }
    except ConfigError as exc:  # the file that set them, not '<config>'
        exc.path = exc.path or origins.get("input-shapes")
        raise
    return Config(
        path=str(path) if path else None,
        input_shapes=shapes,
        rule_paths=tuple(values.get("rule-paths", ())),
        fail_on=_fail_on(values.get("fail-on", "error")),
        conversion=_conversion(values),
        select=tuple(values.get("select", ())),
        extend_select=tuple(values.get("extend-select", ())),
        ignore=tuple(values.get("ignore", ())),
        per_file_ignores={
            glob: tuple(codes) for glob, codes in values.get("per-file-ignores", {}).items()
        },
        exclude=(*values.get("exclude", ()), *values.get("extend-exclude", ())),
        rule_options={code: dict(options) for code, options in values.get("rules", {}).items()},
        suppressions=tuple(_suppression(entry) for entry in values.get("suppressions", ())),
        profile=values.get("profile"),
        profile_paths=tuple(values.get("profiles", ())),
        targets=_targets(values, str(path) if path else None),
        budgets=parse_budgets(
            values.get("budgets", {}),
            path=origins.get("budgets", str(path) if path else None),
            key="budgets",
            error=ConfigError,
        ),
        dtype=values.get("dtype"),
        values=values,
        origins={"fail-on": "default"} | origins,
    )
