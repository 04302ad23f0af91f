"""Reading config files: YAML or ``[tool.modelint]``, validation, ``extends`` and merging.

``extends`` names built-in presets (``recommended``, ``strict``) or other config files
(relative to the file that names them); parents apply first, the file itself last. Relative
paths resolve against the file that wrote them. A cycle in ``extends`` is an error naming the
chain.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from modelint.errors import ConfigError
from modelint.resources import builtin_rules_dir
from modelint.schema import read_yaml, validate_document

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["PRESETS", "Merged", "preset_path", "pyproject_table", "resolve", "shown_path"]

PRESETS = ("recommended", "strict")
# Keys whose values accumulate along `extends` (lists append, mappings merge key by key).
_APPENDED = (
    "extend-select",
    "ignore",
    "rule-paths",
    "suppressions",
    "profiles",
    "extend-exclude",
)
_MERGED = ("per-file-ignores", "rules", "input-shapes", "conversion", "budgets")

Merged = tuple[dict[str, Any], dict[str, str]]  # (values, key -> the file that set it)


def preset_path(name: str) -> Path:
    return builtin_rules_dir() / "presets" / f"{name}.yaml"


def pyproject_table(path: Path) -> Mapping[str, Any] | None:
    try:
        with path.open("rb") as stream:
            document = tomllib.load(stream)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read pyproject.toml: {exc}", path=_shown(path)) from exc
    except UnicodeDecodeError as exc:  # TOML is UTF-8; tomllib lets the decoder's error out
        message = f"not UTF-8 text (byte {exc.start} cannot be decoded)"
        raise ConfigError(message, path=_shown(path)) from exc
    table = document.get("tool", {}).get("modelint")
    return table if isinstance(table, Mapping) else None


def shown_path(path: Path) -> Path:
    """``path`` as reports show model paths: relative to the working directory when it lies
    below it (a found config file's errors never print an absolute path nobody typed)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def _shown(path: Path) -> str:
    return str(shown_path(path))  # what errors name


def _read(path: Path) -> dict[str, Any]:
    shown = _shown(path)
    if path.name == "pyproject.toml":
        table = pyproject_table(path)
        if table is None:
            raise ConfigError("has no [tool.modelint] table", path=shown)
        document: Any = dict(table)
    else:
        document = read_yaml(shown, ConfigError)  # relative to the working directory
    if document is None:
        return {}
    if not isinstance(document, Mapping):
        raise ConfigError("a config file must be a mapping of keys", path=shown)
    if path.parent != preset_path("x").parent:  # built-in presets: validated by the tests
        root = "tool.modelint" if path.name == "pyproject.toml" else None
        validate_document(dict(document), "config", path=shown, error=ConfigError, root=root)
    return dict(document)


def _profile_ref(ref: str, base: Path) -> str:
    """A profile file named in a config resolves against it; ids (and id@MODE) stay."""
    name, at, mode = ref.partition("@")
    if name.endswith((".yaml", ".yml")) or "/" in name:
        return str((base / name).resolve()) + at + mode
    return ref


def _absolute(document: dict[str, Any], base: Path, label: str) -> dict[str, Any]:
    """Paths become absolute against the file's directory; suppressions learn their origin."""
    for key in ("rule-paths", "profiles"):
        if key in document:
            document[key] = [str((base / p).resolve()) for p in document[key]]
    if "profile" in document:
        document["profile"] = _profile_ref(document["profile"], base)
    if "targets" in document:
        document["targets"] = [
            {**target, "profile": _profile_ref(target["profile"], base), "_origin": label}
            for target in document["targets"]
        ]
    if "cache-dir" in document:
        document["cache-dir"] = str((base / document["cache-dir"]).resolve())
    if "suppressions" in document:
        document["suppressions"] = [
            {**entry, "_origin": label, "_index": index}
            for index, entry in enumerate(document["suppressions"])
        ]
    return document


def _parent(name: str, child: Path) -> Path:
    if name in PRESETS:
        return preset_path(name)
    candidate = (child.parent / name).resolve()
    if not candidate.is_file():
        raise ConfigError(
            f"{name!r}: no such preset or file (presets: {', '.join(PRESETS)})",
            path=str(child),
            key="extends",
        )
    return candidate


def _merge_mapping(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Key by key; a nested mapping (one rule's options) merges one level deeper."""
    merged = dict(old)
    for key, value in new.items():
        previous = merged.get(key)
        both = isinstance(previous, Mapping) and isinstance(value, Mapping)
        merged[key] = {**previous, **value} if both else value  # type: ignore[dict-item]
    return merged


def _merge(
    values: dict[str, Any],
    origins: dict[str, str],
    document: Mapping[str, Any],
    labels: Mapping[str, str] | str,
) -> None:
    for key, value in document.items():
        if key == "extends":
            continue
        label = labels if isinstance(labels, str) else labels.get(key, "")
        if key in _APPENDED and key in values:
            values[key] = [*values[key], *value]
            origins[key] = f"{origins[key]}, {label}"
        elif key in _MERGED and key in values:
            values[key] = _merge_mapping(values[key], value)
            origins[key] = f"{origins[key]}, {label}"
        else:
            values[key] = value
            origins[key] = label


def resolve(path: Path, chain: tuple[Path, ...] = ()) -> Merged:
    """The merged values of ``path`` and everything it extends, with their origins."""
    path = path.resolve()
    if path in chain:
        cycle = " -> ".join(str(shown_path(p)) for p in (*chain, path))
        raise ConfigError(f"cycle in extends: {cycle}", path=str(shown_path(path)), key="extends")
    preset = path.parent == preset_path("x").parent
    label = f"preset {path.stem}" if preset else str(shown_path(path))
    document = _absolute(_read(path), path.parent, label)
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    parents = document.get("extends", [])
    for name in [parents] if isinstance(parents, str) else parents:
        parent_values, parent_origins = resolve(_parent(name, path), (*chain, path))
        _merge(values, origins, parent_values, parent_origins)
    _merge(values, origins, document, label)
    return values, origins
