"""Shared fixtures: tiny models written to tmp_path, the ../shared locator, and forks counted."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import onnx
import pytest

from modelint.testing import model_from_text

ROOT = Path(__file__).resolve().parent.parent

CONV_TEXT = """
<ir_version: 8, opset_import: ["" : 17]>
g (float[N, 3, 8, 8] x) => (float[N, 4, 8, 8] y) {
    c = Conv <pads = [1, 1, 1, 1]> (x, w, b)
    y = Relu (c)
}
"""
# conv MACs at N=1: 4*8*8 * 3*3*3 = 6,912; FLOPs 2*6,912 + 256 bias + 256 relu = 14,336


def shared_dir() -> Path:
    """``../shared`` beside the repository (CI always has it; a user's clone may not)."""
    shared = ROOT.parent / "shared"
    if not shared.is_dir():
        pytest.skip(f"{shared} not found: it holds shared test data (CI has it)")
    return shared


@pytest.fixture(autouse=True)
def _private_user_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Conversions of models outside a repository are cached in the user cache directory:
    the suite's go to one of its own, never into the home directory of whoever runs it."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "user-cache"))


@pytest.fixture(autouse=True)
def _default_report_format(monkeypatch: pytest.MonkeyPatch) -> None:
    """``check`` picks github under GITHUB_ACTIONS=true and concise under PRE_COMMIT=1; tests
    expect the text report wherever the suite runs (a GitHub Actions job, a pre-commit hook)."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("PRE_COMMIT", raising=False)


@pytest.fixture
def write_model(tmp_path: Path) -> Callable[..., Path]:
    """Write an ONNX text model (plus zero initializers by shape) to tmp_path/<name>."""

    def write(text: str, name: str = "model.onnx", **initializers: tuple[int, ...]) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        onnx.save(model_from_text(text, initializers), path)
        return path

    return write


@pytest.fixture
def conv_text() -> str:
    return CONV_TEXT


@pytest.fixture
def conv_model(write_model: Callable[..., Path]) -> Path:
    return write_model(CONV_TEXT, w=(4, 3, 3, 3), b=(4,))


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The pids of the children forked during the test."""
    pids: list[int] = []
    fork = os.fork

    def spy() -> int:
        pid = fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", spy)
    yield pids
