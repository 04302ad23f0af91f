"""Session fixtures for the end-to-end tests: this checkout as a git repository of its own (what
pre-commit clones), the wheel built from it once, and a fresh virtual environment with the
wheel installed (not editable). They need PyPI (or a warm pip cache) for the dependencies."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from e2e_support import ROOT, run

# What a build and the pre-commit hooks need; tests, docs and benchmarks stay behind.
PACKAGED = ("modelint/", "rules/", "profiles/", "pyproject.toml", "README.md")
HOOKS_FILE = ".pre-commit-hooks.yaml"


def _working_tree_files() -> list[str]:
    """Tracked and untracked-but-not-ignored files: the checkout as it is now, uncommitted
    edits included, without caches and build output."""
    listing = run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    return [
        name
        for name in listing.split("\0")
        if name and (name.startswith(PACKAGED) or name == HOOKS_FILE) and (ROOT / name).is_file()
    ]


@pytest.fixture(scope="session")
def hook_repository(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A copy of the checkout committed in a repository of its own: (path, commit). pre-commit
    clones a repository at a revision, so it would never see uncommitted work here."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    target = tmp_path_factory.mktemp("modelint-repo")
    for name in _working_tree_files():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    run("git", "init", "-q", cwd=target)
    run("git", "add", "-A", cwd=target)
    run("git", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "snapshot", cwd=target)
    return target, run("git", "rev-parse", "HEAD", cwd=target).strip()


@pytest.fixture(scope="session")
def built_wheel(
    hook_repository: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The wheel of the snapshot, built once per session."""
    dist = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, ".",
        cwd=hook_repository[0])  # fmt: skip
    (wheel,) = dist.glob("modelint-*.whl")
    return wheel


@pytest.fixture(scope="session")
def installed(built_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel (and its dependencies) installed; returns
    its bin directory."""
    venv = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", venv, cwd=venv)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    run(bin_dir / "python", "-m", "pip", "install", "-q", built_wheel, cwd=venv)
    return bin_dir
