"""Searching directories and opening paths never stops a run: a directory that cannot be
searched, a path that cannot be read, a FIFO or a symlink loop each cost one line (or
nothing), and every other model is still checked and reported."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cli_support import run

EXAMPLE = Path(__file__).parents[1] / "examples" / "tiny_cnn.onnx"


def _model(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(EXAMPLE.read_bytes())
    return path


def _checked(out: str) -> list[str]:
    return [model["path"] for model in json.loads(out)["models"]]


def test_a_symlink_to_an_ancestor_is_searched_once(tmp_path: Path) -> None:
    model = _model(tmp_path / "tree" / "sub" / "a.onnx")
    (tmp_path / "tree" / "sub" / "up").symlink_to("..")  # tree/sub/up/sub/up/...: a loop
    code, out, err = run("check", "--format", "json", "--fail-on", "never", str(tmp_path))
    assert (code, err) == (0, "")
    assert _checked(out) == [str(model)]


def test_a_fifo_is_never_opened(tmp_path: Path) -> None:
    """Opening a FIFO waits for a writer: the run would hang until CI killed it."""
    good = _model(tmp_path / "good.onnx")
    fifo = tmp_path / "pipe.onnx"
    os.mkfifo(fifo)
    code, out, err = run("check", "--format", "json", "--fail-on", "never", str(tmp_path))
    assert (code, _checked(out)) == (0, [str(good)])  # found in a directory: not a model file
    code, out, err = run("check", "--format", "json", "--fail-on", "never", str(fifo), str(good))
    assert code == 2 and _checked(out) == [str(good)]
    assert err == f"modelint: error: {fifo}: not a regular file (a FIFO, socket or device)\n"


def test_a_directory_that_cannot_be_searched_is_one_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As for a user without permission on it (the tests may run as root, whom chmod does
    not stop): the directory is named with the cause, the rest of the tree is checked."""
    good = _model(tmp_path / "ok" / "good.onnx")
    _model(tmp_path / "locked" / "hidden.onnx")
    scandir = os.scandir

    def refusing(path: str | os.PathLike[str]) -> object:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    code, out, err = run("check", "--format", "json", "--fail-on", "never", str(tmp_path))
    assert code == 2 and _checked(out) == [str(good)]
    locked = tmp_path / "locked"
    assert json.loads(out)["errors"] == [
        {
            "path": str(locked),
            "message": f"{locked}: cannot search this directory: Permission denied",
            "kind": "model",
        }
    ]
    assert err == f"modelint: error: {locked}: cannot search this directory: Permission denied\n"


def test_a_path_that_cannot_be_read_is_one_error(tmp_path: Path) -> None:
    good = _model(tmp_path / "good.onnx")
    long_name = tmp_path / ("a" * 300 + ".onnx")
    code, out, err = run(
        "check", "--format", "json", "--fail-on", "never", str(long_name), str(good)
    )
    assert code == 2 and _checked(out) == [str(good)]
    assert err == f"modelint: error: {long_name}: cannot read: File name too long\n"


@pytest.mark.parametrize("command", ["inspect", "diff"])
def test_inspect_and_diff_name_a_path_that_cannot_be_read(tmp_path: Path, command: str) -> None:
    long_name = tmp_path / ("a" * 300 + ".onnx")
    argv = [str(long_name)] if command == "inspect" else [str(long_name), str(EXAMPLE)]
    code, _, err = run(command, *argv)
    assert (code, err) == (2, f"modelint: error: {long_name}: cannot read: File name too long\n")


def test_a_model_under_a_directory_that_cannot_be_entered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Looking for the repository root asked whether locked/.git exists, which raised
    PermissionError and aborted the run (only that question is refused here: the model
    itself can be read, and is checked)."""
    good = _model(tmp_path / "ok" / "good.onnx")
    locked = _model(tmp_path / "locked" / "hidden.onnx")
    exists = Path.exists

    def refusing(path: Path) -> bool:
        if "locked" in path.parts:
            raise PermissionError(13, "Permission denied", str(path))
        return exists(path)

    monkeypatch.setattr(Path, "exists", refusing)
    code, out, _ = run("check", "--format", "json", "--fail-on", "never", str(locked), str(good))
    assert (code, _checked(out)) == (0, [str(locked), str(good)])


def test_a_model_reached_through_symlinks_is_checked_once(tmp_path: Path) -> None:
    """A file linked by name and through a linked directory was checked and reported three
    times (its findings counted three times)."""
    real = _model(tmp_path / "real" / "a.onnx")
    (tmp_path / "filelink.onnx").symlink_to(real)
    (tmp_path / "dirlink").symlink_to(tmp_path / "real")
    code, out, _ = run("check", "--format", "json", "--fail-on", "never", str(tmp_path))
    assert (code, _checked(out)) == (0, [str(real)])  # by its own name, not a link's
