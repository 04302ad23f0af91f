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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from modelint.load.formats import MODEL_SUFFIXES, is_saved_model_dir

__all__ = ["Discovery", "discover_models", "is_directory", "is_regular_file"]

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


@dataclass(frozen=True)
class Discovery:
    """The model paths found, and the places that could not be searched: (path, cause)."""

    models: tuple[Path, ...]
    unreadable: tuple[tuple[Path, str], ...] = ()


def _walk(
    directory: Path, seen: set[tuple[int, int]], unreadable: list[tuple[Path, str]]
) -> Iterator[Path]:
    """Model files under ``directory``: regular files only (a FIFO named ``*.onnx`` would
    block the run forever), each real directory once (``seen``: device and inode)."""
    try:
        status = directory.stat()
        if (status.st_dev, status.st_ino) in seen:
            return
        seen.add((status.st_dev, status.st_ino))
        if is_saved_model_dir(directory):
            yield directory  # a SavedModel is one model, not a tree of files
            return
        # real entries before symlinks: a model reached both ways goes by its own name
        entries = sorted(os.scandir(directory), key=lambda entry: (_is_link(entry), entry.name))
    except OSError as exc:
        unreadable.append((directory, f"cannot search this directory: {exc.strerror or exc}"))
        return
    for entry in entries:
        path = Path(entry.path)
        if is_directory(entry):
            if entry.name not in _SKIP_DIRS:
                yield from _walk(path, seen, unreadable)
        elif (
            path.suffix.lower() in MODEL_SUFFIXES
            and path.name != "saved_model.pb"
            and is_regular_file(entry)
        ):
            yield path


def is_directory(item: Path | os.DirEntry[str]) -> bool:
    return _answer(item.is_dir)


def is_regular_file(item: Path | os.DirEntry[str]) -> bool:
    """A file that can be read to its end (not a FIFO, which would wait for a writer)."""
    return _answer(item.is_file)


def _is_link(entry: os.DirEntry[str]) -> bool:
    return _answer(entry.is_symlink)


def _answer(question: Callable[[], bool]) -> bool:
    """False where the answer is an error (no permission, a name too long, a symlink
    loop): a path given is then loaded, and its load error names the cause."""
    try:
        return question()
    except OSError:
        return False


def discover_models(paths: Iterable[str | Path]) -> Discovery:
    """Files are kept as given (their format is checked when loaded); directories are
    searched recursively for model files and SavedModel directories, less what git
    ignores. Order is stable. A directory that cannot be read is reported, and the search
    goes on; a directory reached twice (a symlink to an ancestor) is searched once."""
    found: list[Path] = []
    unreadable: list[tuple[Path, str]] = []
    for item in paths:
        path = Path(item)
        if is_directory(path):
            walked = list(_walk(path, set(), unreadable))
            found.extend(_not_ignored(path, walked))
        else:
            found.append(path)  # loading it says what is wrong, if anything
    return Discovery(tuple(_one_each(found)), tuple(unreadable))


def _one_each(paths: list[Path]) -> dict[Path, None]:
    """``paths`` less those that name a file already listed (through a symlink to it, or
    to a directory above it): each model is checked and reported once, under its first
    name."""
    seen: set[Path] = set()
    kept: dict[Path, None] = {}
    for path in paths:
        try:
            real = path.resolve()
        except OSError:  # a loop, no permission: loading it reports it
            real = path
        if real not in seen:
            seen.add(real)
            kept[path] = None
    return kept


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
