"""Where the built-in data lives: ``rules/`` and ``profiles/``.

In the repository they sit at the top level (reviewed like code); the wheel carries them as
``modelint/_data/<name>`` (pyproject: hatch force-include). Look in the package first, then
beside it, so an installed wheel and a source checkout (editable install) both work.
"""

from __future__ import annotations

from pathlib import Path

from modelint.errors import RuleError

__all__ = [
    "ENTRY_POINT_GROUP",
    "builtin_data_dir",
    "builtin_profiles_dir",
    "builtin_rule_file",
    "builtin_rules_dir",
    "plugin_rule_dirs",
]

ENTRY_POINT_GROUP = "modelint.rules"  # an installed rule pack: a directory, or a callable

_PACKAGE = Path(__file__).resolve().parent


def builtin_data_dir(name: str) -> Path:
    """The directory of built-in ``name`` data ('rules' or 'profiles')."""
    packaged = _PACKAGE / "_data" / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent / name


def builtin_rules_dir() -> Path:
    return builtin_data_dir("rules")


def builtin_rule_file(origin: str) -> str | None:
    """A rule file's path within the rules modelint ships ('costs/linear.yaml'), the same on
    every machine; None for a file of the user's or a rule pack's."""
    try:
        inside = Path(origin).resolve().relative_to(builtin_rules_dir().resolve())
    except ValueError:
        return None
    return inside.as_posix()


def builtin_profiles_dir() -> Path:
    return builtin_data_dir("profiles")


def plugin_rule_dirs() -> list[Path]:
    """Rule directories of installed rule packs (entry points ``modelint.rules``): their
    lint rules and their cost rules both apply."""
    from importlib.metadata import entry_points  # noqa: PLC0415 - ~20 ms, rules loading only

    found = []
    for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
        try:
            target = point.load()
            found.append(Path(target() if callable(target) else target))
        except Exception as exc:  # a broken plugin is reported, never skipped silently
            raise RuleError(
                f"rule pack {point.name!r} ({point.value}) failed to load: {exc}", path=point.value
            ) from exc
    return found
