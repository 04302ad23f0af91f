"""The conversion cache: a second run on an unchanged model never imports TensorFlow; any
change to the file or the conversion options converts again; entries are written whole."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("tensorflow", reason="TensorFlow formats need the tensorflow extra")
pytest.importorskip("tf2onnx", reason="TensorFlow formats need tf2onnx (tensorflow extra)")

from modelint.load.cache import ConversionCache, cache_key, default_cache_dir

pytestmark = pytest.mark.tensorflow

PROBE = """
import sys
from modelint.cli import main
code = main({argv!r})
print("TENSORFLOW_IMPORTED=" + str("tensorflow" in sys.modules))
sys.exit(code)
"""


def _check(*argv: str) -> tuple[int, dict[str, object], bool]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=["check", "--format", "json", *argv])],
        capture_output=True,
        text=True,
        check=False,
    )
    *report, flag = result.stdout.strip().splitlines()
    return result.returncode, json.loads("\n".join(report)), flag.endswith("True")


def test_second_run_reads_the_cache_without_tensorflow(
    cnn_files: dict[str, Path], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    code, first, imported = _check("--cache-dir", str(cache), str(cnn_files["keras"]))
    assert code == 0 and imported
    assert sorted(p.suffix for p in cache.iterdir() if not p.name.startswith(".")) == [
        ".json",
        ".onnx",
    ]
    code, second, imported = _check("--cache-dir", str(cache), str(cnn_files["keras"]))
    assert code == 0 and not imported
    assert second["models"] == first["models"]  # same costs, layer names, Keras params


def test_changed_options_or_content_miss_the_cache(
    cnn_files: dict[str, Path], tmp_path: Path
) -> None:
    path = cnn_files["keras"]
    options = {"opset": 17, "batch": 1}
    key = cache_key(path, options)
    assert key == cache_key(path, dict(options))
    assert key != cache_key(path, {**options, "opset": 16})
    copy = tmp_path / "copy.keras"
    data = bytearray(path.read_bytes())
    copy.write_bytes(bytes(data))
    assert cache_key(copy, options) == key  # the key is the content, not the path
    data[-1] ^= 0xFF
    copy.write_bytes(bytes(data))
    assert cache_key(copy, options) != key


def test_entries_are_written_whole(tmp_path: Path) -> None:
    cache = ConversionCache(tmp_path / "c")
    assert cache.get("k") is None
    cache.put("k", b"onnx bytes", {"layer_of": {}})
    hit = cache.get("k")
    assert hit is not None and hit.model_bytes == b"onnx bytes"
    leftovers = [p.name for p in (tmp_path / "c").iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    assert (tmp_path / "c" / ".gitignore").read_text() == "*\n"
    (tmp_path / "c" / "k.json").write_text("{not json")
    assert cache.get("k") is None  # a damaged entry is converted again, not trusted


def test_default_cache_is_at_the_repository_root(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "models").mkdir()
    assert default_cache_dir(repo / "models" / "m.keras") == repo / ".modelint_cache"


def test_a_damaged_cached_model_is_converted_again(
    cnn_files: dict[str, Path], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    code, first, _ = _check("--cache-dir", str(cache), str(cnn_files["keras"]))
    (entry,) = cache.glob("*.onnx")
    entry.write_bytes(b"junk, not a protobuf")
    code, second, imported = _check("--cache-dir", str(cache), str(cnn_files["keras"]))
    assert code == 0 and imported  # converted again, not an internal error
    assert second["models"] == first["models"]
    assert entry.read_bytes() != b"junk, not a protobuf"  # and the entry written anew
