"""Where the built-in data lives: ``rules/`` and ``profiles/``.

In the repository they sit at the top level (reviewed like code); the wheel carries them as
``modelint/_data/<name>`` (pyproject: hatch force-include). Look in the package first, then
beside it, so an installed wheel and a source checkout (editable install) both work.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["builtin_data_dir", "builtin_profiles_dir", "builtin_rules_dir"]

_PACKAGE = Path(__file__).resolve().parent


def builtin_data_dir(name: str) -> Path:
    """The directory of built-in ``name`` data ('rules' or 'profiles')."""
    packaged = _PACKAGE / "_data" / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent / name


def builtin_rules_dir() -> Path:
    return builtin_data_dir("rules")


def builtin_profiles_dir() -> Path:
    return builtin_data_dir("profiles")
