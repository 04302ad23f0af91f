"""Helpers for the end-to-end tests (a module of its own: every conftest.py is a module named
``conftest``, so tests cannot import from theirs reliably)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "modelint tests",
    "GIT_AUTHOR_EMAIL": "tests@modelint.invalid",
    "GIT_COMMITTER_NAME": "modelint tests",
    "GIT_COMMITTER_EMAIL": "tests@modelint.invalid",
}


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command; on failure show everything it printed."""
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **GIT_IDENTITY, "PIP_DISABLE_PIP_VERSION_CHECK": "1", **(env or {})},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(map(str, command))} failed:\n{output}"
    return output
