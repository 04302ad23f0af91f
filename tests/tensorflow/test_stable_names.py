"""A converted model's generated node names do not depend on what the process converted
before (they key findings, SARIF fingerprints, ``diff`` matching and the cache):
modelint/load/tensorflow/names.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("tensorflow", reason="TensorFlow formats need the tensorflow extra")
pytest.importorskip("tf2onnx", reason="TensorFlow formats need tf2onnx (tensorflow extra)")

pytestmark = pytest.mark.tensorflow

# In a fresh process (the first conversion of a process is the one that used to differ):
# each file converted first, then again after all the others.
PROBE = """
import json, sys
from pathlib import Path
from modelint.load import load_model
from modelint.load.model import LoadOptions

def names(path):
    graph = load_model(Path(path), LoadOptions(cache=False)).proto.graph
    return [name for node in graph.node for name in (node.name, *node.input, *node.output)]

paths = sys.argv[1:]
first = {path: names(path) for path in paths}
again = {path: names(path) for path in reversed(paths)}
print(json.dumps({path: first[path] == again[path] for path in paths}))
"""


def test_generated_names_do_not_depend_on_earlier_conversions(
    cnn_files: dict[str, Path],
) -> None:
    paths = [str(cnn_files[name]) for name in ("keras", "h5", "tflite", "saved-model", "graphdef")]
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *paths], capture_output=True, text=True, check=True
    )
    same = result.stdout.strip().splitlines()[-1]
    assert same == "{" + ", ".join(f'"{path}": true' for path in paths) + "}"
