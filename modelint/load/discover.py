"""Expand command-line paths into model paths: files as given, directories searched."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from modelint.load.formats import MODEL_SUFFIXES, is_saved_model_dir

__all__ = ["discover_models"]

_SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        ".modelint_cache",
        ".venv",
        "node_modules",
        ".tox",
        ".mypy_cache",
    }
)


def _walk(directory: Path) -> Iterator[Path]:
    if is_saved_model_dir(directory):
        yield directory  # a SavedModel is one model, not a tree of files
        return
    entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    for entry in entries:
        path = Path(entry.path)
        if entry.is_dir():
            if entry.name not in _SKIP_DIRS:
                yield from _walk(path)
        elif path.suffix.lower() in MODEL_SUFFIXES and path.name != "saved_model.pb":
            yield path


def discover_models(paths: Iterable[str | Path]) -> list[Path]:
    """Files are kept as given (their format is checked when loaded); directories are
    searched recursively for model files and SavedModel directories. Order is stable."""
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found.extend(_walk(path))
        else:
            found.append(path)
    return list(dict.fromkeys(found))
