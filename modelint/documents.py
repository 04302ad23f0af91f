"""Parsed YAML documents and schema verdicts, remembered across runs by their content.

Every ``check`` reads ~40 rule files and, in a project, its config. PyYAML's constructor is
Python (~30 ms for the built-in rules), and validating a file a user wrote against its JSON
schema imports jsonschema and builds a validator (~0.15 s): together most of a small model's
check, paid on every commit by the pre-commit hook. Both depend only on bytes: a parse on the
file's, a verdict on the document's and the schema's. So they are kept in one JSON file in
the user cache directory, keyed by sha256 of those bytes: an edited file is a new key, and
no timestamp or version can leave an entry stale.

The cache is a speed-up, never a requirement: a missing, unreadable or corrupt file is an
empty cache, a failed write is ignored, and a document JSON cannot hold exactly (dates, keys
that are not strings) is parsed on every run. Only parses that succeeded and documents that
passed validation are kept: errors are always found again, and reported as the first time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["DocumentCache", "cache_directory", "document_cache"]

_FORMAT = 1  # bump when the YAML loader's behaviour changes (it is part of every parse)
_MAX_ENTRIES = 2_000  # each kind; the oldest go first (a config edited a thousand times)
_FILE = "documents.json"


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))  # parts cannot run into each other
        digest.update(part)
    return digest.hexdigest()


def _exact_json(document: Any) -> str | None:
    """``document`` as JSON text when JSON gives it back unchanged (None: it cannot)."""
    try:
        text = json.dumps(document, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError):  # a date, a set, bytes
        return None
    return text if json.loads(text) == document else None  # keys that are not strings


class DocumentCache:
    """One run's view of the cache file: read on first use, written after each addition."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._parsed: dict[str, str] | None = None  # digest of the bytes -> JSON text
        self._valid: dict[str, None] = {}  # digests of (schema, document) that passed

    def parsed(self, data: bytes) -> tuple[bool, Any]:
        """(True, the document) when these bytes were parsed before, else (False, None)."""
        text = self._load()[0].get(_digest(str(_FORMAT).encode(), data))
        return (False, None) if text is None else (True, json.loads(text))

    def remember_parse(self, data: bytes, document: Any) -> None:
        text = _exact_json(document)
        if text is not None:
            self._load()[0][_digest(str(_FORMAT).encode(), data)] = text
            self._write()

    def passed(self, schema: str, document: Any) -> bool:
        """``document`` passed the schema whose text is ``schema`` before."""
        key = _verdict_key(schema, document)
        return key is not None and key in self._load()[1]

    def remember_pass(self, schema: str, document: Any) -> None:
        key = _verdict_key(schema, document)
        if key is not None:
            self._load()[1][key] = None
            self._write()

    def _load(self) -> tuple[dict[str, str], dict[str, None]]:
        if self._parsed is None:
            self._parsed, self._valid = _read(self.path)
        return self._parsed, self._valid

    def _write(self) -> None:
        """Atomically (a temporary file, then ``os.replace``): a concurrent run reads the
        old file or the new one, never half of one; the last writer's entries win."""
        parsed, valid = self._load()
        parsed = dict(list(parsed.items())[-_MAX_ENTRIES:])
        kept = list(valid)[-_MAX_ENTRIES:]
        data = json.dumps({"format": _FORMAT, "parsed": parsed, "valid": kept})
        with contextlib.suppress(OSError):  # a read-only home, a full disk: no cache
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    stream.write(data)
                Path(temporary).replace(self.path)
            except OSError:
                Path(temporary).unlink(missing_ok=True)
                raise


def _verdict_key(schema: str, document: Any) -> str | None:
    text = _exact_json(document)
    return None if text is None else _digest(schema.encode(), text.encode())


def _read(path: Path) -> tuple[dict[str, str], dict[str, None]]:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        if content.get("format") != _FORMAT:
            return {}, {}
        parsed = {str(key): str(value) for key, value in content["parsed"].items()}
        return parsed, dict.fromkeys(str(key) for key in content["valid"])
    except (OSError, ValueError, TypeError, KeyError, AttributeError):  # absent or corrupt
        return {}, {}


def cache_directory() -> Path:
    """The user cache directory: ($XDG_CACHE_HOME or ~/.cache)/modelint."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "modelint"


@cache
def _cache_at(path: Path) -> DocumentCache:
    return DocumentCache(path)


def document_cache() -> DocumentCache:
    """This process's cache (one per cache directory, which tests change)."""
    return _cache_at(cache_directory() / _FILE)
