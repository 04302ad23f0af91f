"""Configuration: discovery, validation, and where each value came from (DESIGN §8).

For each model the closest ``.modelint.yaml`` / ``.modelint.yml`` / ``pyproject.toml`` with a
``[tool.modelint]`` table, walking up from the model's directory to the repository root (the
first directory holding ``.git``), applies; ``--config FILE`` overrides discovery. Relative
paths in a config resolve against the config file's directory. Unknown keys are errors.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from modelint.errors import ConfigError
from modelint.findings import Severity
from modelint.schema import read_yaml, validate_document

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["CONFIG_NAMES", "Config", "Conversion", "find_config_file", "load_config", "parse_shape"]

CONFIG_NAMES = (".modelint.yaml", ".modelint.yml")
Shape = tuple[int, ...]


def parse_shape(text: str | list[Any], *, where: str) -> Shape:
    """'1,3,224,224' or [1, 3, 224, 224] -> (1, 3, 224, 224); positive ints only."""
    items = text.split(",") if isinstance(text, str) else list(text)
    try:
        dims = tuple(int(str(item).strip()) for item in items)
    except ValueError:
        raise ConfigError(f"shape {text!r} is not a list of integers", key=where) from None
    if not dims or any(dim <= 0 for dim in dims):
        raise ConfigError(f"shape {text!r} needs positive dims", key=where)
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
class Config:
    """The effective configuration for one model."""

    path: str | None = None  # the file it came from; None: built-in defaults
    input_shapes: Mapping[str, Shape] = field(default_factory=dict)
    rule_paths: tuple[str, ...] = ()
    fail_on: Severity = Severity.ERROR
    conversion: Conversion = field(default_factory=Conversion)
    origins: Mapping[str, str] = field(default_factory=dict)  # key -> file (or 'default')


def _conversion(document: Mapping[str, Any], base: Path) -> Conversion:
    section = document.get("conversion", {})
    cache_dir = document.get("cache-dir")
    return Conversion(
        opset=section.get("opset"),
        batch=section.get("batch"),
        graphdef_inputs=tuple(section.get("graphdef-inputs", ())),
        graphdef_outputs=tuple(section.get("graphdef-outputs", ())),
        cache=bool(document.get("cache", True)),
        cache_dir=str((base / cache_dir).resolve()) if cache_dir else None,
    )


def _repository_root(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None


def _pyproject_table(path: Path) -> Mapping[str, Any] | None:
    try:
        with path.open("rb") as stream:
            document = tomllib.load(stream)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read pyproject.toml: {exc}", path=str(path)) from exc
    table = document.get("tool", {}).get("modelint")
    return table if isinstance(table, Mapping) else None


def find_config_file(model: Path) -> Path | None:
    """The closest config file above ``model``, not looking past the repository root."""
    start = (model if model.is_dir() else model.parent).resolve()
    root = _repository_root(start)
    for directory in (start, *start.parents):
        for name in CONFIG_NAMES:
            if (directory / name).is_file():
                return directory / name
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and _pyproject_table(pyproject) is not None:
            return pyproject
        if directory == root:
            break
    return None


def _read(path: Path) -> Mapping[str, Any]:
    if path.name == "pyproject.toml":
        table = _pyproject_table(path)
        if table is None:
            raise ConfigError("has no [tool.modelint] table", path=str(path))
        return table
    document = read_yaml(str(path), ConfigError)
    if document is None:
        return {}
    if not isinstance(document, Mapping):
        raise ConfigError("a config file must be a mapping of keys", path=str(path))
    return document


@cache
def load_config(path: Path | None) -> Config:
    """Parse and validate one config file (None: the defaults)."""
    if path is None:
        return Config(origins={"fail-on": "default"})
    document = _read(path)
    validate_document(dict(document), "config", path=str(path), error=ConfigError)
    base = path.parent
    origin = str(path)
    shapes = {
        name: parse_shape(value, where=f"input-shapes.{name}")
        for name, value in document.get("input-shapes", {}).items()
    }
    return Config(
        path=origin,
        input_shapes=shapes,
        rule_paths=tuple(str((base / p).resolve()) for p in document.get("rule-paths", ())),
        fail_on=Severity.parse(document.get("fail-on", "error")),
        conversion=_conversion(document, base),
        origins={"fail-on": "default"} | dict.fromkeys(document, origin),
    )
