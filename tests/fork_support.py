"""Tests of work done in forked children (shape inference, cost-free rules): run where this
process may fork, else checked in a clean interpreter (the ``forks`` fixture, in conftest,
counts the children)."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, cast
from xml.etree import ElementTree

from modelint.graph.background import can_fork

__all__ = ["forkable", "no_children_left"]

_CLEAN = "MODELINT_FORK_TESTS_IN_A_CLEAN_PROCESS"
_Test = TypeVar("_Test", bound=Callable[..., None])


def forkable(test: _Test) -> _Test:
    """Run ``test`` here when this process may fork. Once TensorFlow is loaded (the full
    suite imports it first) modelint rightly refuses to fork: the test then checks that it
    passed in a fresh interpreter running its module alone (one run for all its tests)."""

    @functools.wraps(test)
    def run(*args: object, **kwargs: object) -> None:
        if can_fork() or os.environ.get(_CLEAN):
            test(*args, **kwargs)
            return
        name = test.__name__
        outcomes = _outcomes_in_a_clean_process(test.__code__.co_filename)
        mine = {key: value for key, value in outcomes.items() if key.split("[")[0] == name}
        assert mine and set(mine.values()) == {"passed"}, mine

    return cast(_Test, run)


@functools.cache
def _outcomes_in_a_clean_process(test_file: str) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.xml"
        subprocess.run(
            [sys.executable, "-m", "pytest", test_file, "-q", "-p", "no:cacheprovider",
             f"--junitxml={report}"],
            env={**os.environ, _CLEAN: "1"},
            capture_output=True,
            check=False,
            timeout=600,
        )  # fmt: skip
        cases = ElementTree.parse(report).getroot().iter("testcase")  # noqa: S314 - our own
        return {case.get("name", ""): _outcome(case) for case in cases}


def _outcome(case: ElementTree.Element) -> str:
    for child in case:
        if child.tag in ("failure", "error", "skipped"):
            return f"{child.tag}: {child.get('message', '')}"
    return "passed"


def no_children_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False
