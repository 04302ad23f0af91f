"""Expand command-line paths into model paths: files as given, directories searched.

A directory search leaves out what git ignores (build outputs, downloaded checkpoints), as
ruff and other linters do: ``git check-ignore`` answers for every file found, in one call,
with git's own rules (nested .gitignore files, .git/info/exclude, the global excludes).
Outside a git work tree, or without git, nothing is left out. Files named on the command
line are always checked.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
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
    searched recursively for model files and SavedModel directories, less what git
    ignores. Order is stable."""
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found.extend(_not_ignored(path, list(_walk(path))))
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def _not_ignored(directory: Path, candidates: list[Path]) -> list[Path]:
    """``candidates`` less the paths git ignores in ``directory``'s work tree."""
    git = shutil.which("git")
    if not candidates or git is None:
        return candidates
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        result = subprocess.run(  # noqa: S603 - git itself, paths as stdin data
            [git, "-C", str(directory), "check-ignore", "--stdin", "-z"],
            input=b"".join(os.fsencode(path.resolve()) + b"\0" for path in candidates),
            capture_output=True,
            timeout=30,
            check=False,
        )
        # 0: some ignored, 1: none; anything else (not a work tree, no git): keep all
        if result.returncode in (0, 1):
            ignored = {os.fsdecode(name) for name in result.stdout.split(b"\0") if name}
            return [path for path in candidates if str(path.resolve()) not in ignored]
    return candidates
