"""The conversion cache: converted ONNX models keyed by what produced them.

Converting a Keras ResNet50 takes ~30 s; reading the cached ONNX takes milliseconds and never
imports TensorFlow. The key is a sha256 over the model's bytes (every file of a SavedModel
directory), the versions of the converters (read from package metadata, not by importing them)
and the conversion options. Entries are written atomically (a temporary file, then
``os.replace``), so concurrent runs never read a half-written model.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from modelint._version import __version__
from modelint.documents import cache_directory

__all__ = ["CACHE_DIR_NAME", "ConversionCache", "cache_key", "default_cache_dir"]

CACHE_DIR_NAME = ".modelint_cache"
CACHE_FORMAT = 6  # bump when the cached metadata or the conversion recipe changes
_CONVERTERS = ("tensorflow", "tensorflow-cpu", "keras", "tf2onnx", "onnx")
_CHUNK = 1 << 20


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "-"


def _digest_file(path: Path, digest: Any) -> None:
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)


def content_digest(path: Path) -> str:
    """sha256 of a file, or of every file (relative name + bytes) under a directory."""
    digest = hashlib.sha256()
    if path.is_dir():
        for item in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(str(item.relative_to(path)).encode("utf-8") + b"\0")
            _digest_file(item, digest)
    else:
        _digest_file(path, digest)
    return digest.hexdigest()


def cache_key(path: Path, options: Mapping[str, Any]) -> str:
    """The cache key of converting ``path`` with ``options`` using the installed converters."""
    material = {
        "format": CACHE_FORMAT,
        "modelint": __version__,
        "content": content_digest(path),
        "converters": {name: _package_version(name) for name in _CONVERTERS},
        "options": options,
    }
    text = json.dumps(material, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def default_cache_dir(model: Path) -> Path:
    """``.modelint_cache`` at the root of the repository holding the model, else the user
    cache directory ($XDG_CACHE_HOME or ~/.cache)/modelint."""
    start = (model if model.is_dir() else model.parent).resolve()
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory / CACHE_DIR_NAME
    return cache_directory()


@dataclass(frozen=True)
class CachedConversion:
    model_bytes: bytes
    metadata: Mapping[str, Any]


class ConversionCache:
    """A directory of ``<key>.onnx`` + ``<key>.json`` pairs."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.directory / f"{key}.onnx", self.directory / f"{key}.json"

    def get(self, key: str) -> CachedConversion | None:
        model_path, meta_path = self._paths(key)
        try:
            metadata = json.loads(meta_path.read_text(encoding="utf-8"))
            return CachedConversion(model_path.read_bytes(), metadata)
        except (OSError, ValueError):
            return None  # absent, or unreadable: convert again

    def put(self, key: str, model_bytes: bytes, metadata: Mapping[str, Any]) -> None:
        """Write the model first and the metadata last: an entry is visible only when whole."""
        self.directory.mkdir(parents=True, exist_ok=True)
        gitignore = self.directory / ".gitignore"
        if not gitignore.exists():
            _atomic_write(gitignore, b"*\n")
        model_path, meta_path = self._paths(key)
        _atomic_write(model_path, model_bytes)
        _atomic_write(meta_path, json.dumps(metadata, sort_keys=True).encode("utf-8"))


def _atomic_write(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
