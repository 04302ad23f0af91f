"""docs/json.md documents every key the JSON documents carry, and carries no key they lack."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from report_support import ROOT, run_cli

DATA_MAPPINGS = {"properties", "opsets"}  # keys are data (rule properties, ONNX domains)


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            if key not in DATA_MAPPINGS:
                yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def _emitted(repository: Path) -> set[str]:
    documents = [
        ("check", "models/", "--format", "json", "--nodes"),
        ("inspect", "models/wide.onnx", "--format", "json", "--by", "scope"),
        ("inspect", "models/wide.onnx", "--format", "json", "--by", "layer"),
        ("diff", "diff/baseline/wide.onnx", "diff/proposed/wide.onnx", "--format", "json"),
    ]
    found: set[str] = set()
    for argv in documents:
        code, out, err = run_cli(*argv, cwd=repository)
        assert code in (0, 1), err
        found |= set(_keys(json.loads(out)))
    return found


def _json_doc() -> str:
    return (ROOT / "docs" / "json.md").read_text(encoding="utf-8")


def test_every_emitted_key_is_documented(repository: Path) -> None:
    spans = re.findall(r"`([^`]+)`", _json_doc())
    documented = {word for span in spans for word in re.findall(r"[A-Za-z_]\w*", span)}
    undocumented = sorted(_emitted(repository) - documented)
    assert not undocumented, f"keys emitted but not in docs/json.md: {undocumented}"


def test_every_documented_key_is_emitted(repository: Path) -> None:
    """The first column of each table names keys; each must exist in some document."""
    first_cells = re.findall(r"^\| ([^|]+) \|", _json_doc(), flags=re.M)
    named = {key for cell in first_cells for key in re.findall(r"`(\w+)`", cell)}
    missing = sorted(named - _emitted(repository))
    assert not missing, f"documented in docs/json.md but never emitted: {missing}"
