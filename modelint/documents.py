"""Parsed YAML documents and schema verdicts, remembered across runs by their content.

Every ``check`` reads ~40 rule files and, in a project, its config. PyYAML's constructor is
Python (~30 ms for the built-in rules), and validating a file a user wrote against its JSON
schema imports jsonschema and builds a validator (~0.15 s): together most of a small model's
check, paid on every commit by the pre-commit hook. Both depend only on bytes: a parse on the
file's, a verdict on the document's and the schema's. So they are kept in one JSON file in
the user cache directory, keyed by sha256 of those bytes: an edited file is a new key, and
no timestamp or version can leave an entry stale.

The cache is a speed-up, never a requirement: a missing, unreadable or corrupt file (or
entry) is an empty cache, a failed or interrupted write is ignored, and a document JSON
cannot hold exactly (dates, keys that are not strings), or that shares parts (YAML aliases:
written out, a few lines can become gigabytes), or that is large, is parsed on every run.
Only parses that succeeded and documents that passed validation are kept: errors are always
found again, and reported as the first time.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import tempfile
import time
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["DocumentCache", "cache_directory", "document_cache"]

_FORMAT = 2  # bump when the YAML loader's behaviour changes (it is part of every parse)
_MAX_ENTRIES = 2_000  # each kind; the oldest go first (a config edited a thousand times)
_MAX_VALUES = 20_000  # scalars and containers in one cached document (a rule file: ~200)
_MAX_BYTES = 2 << 20  # of cached documents in the file (the built-in rules: ~100 KB)
_MAX_DOCUMENT = 256 << 10  # bytes of one cached document
_TEMPORARY = "documents-"  # the prefix of the cache's temporary files
_ENTRY_BYTES = 140  # an entry's key and digest (64 hex digits each), quotes and separators
_FILE = "documents.json"


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))  # parts cannot run into each other
        digest.update(part)
    return digest.hexdigest()


def _plain_tree(document: Any) -> bool:
    """No container reached twice (a YAML alias) and at most _MAX_VALUES values: only then
    is writing the document out linear in what was parsed."""
    seen: set[int] = set()
    pending, count = [document], 0
    while pending:
        value = pending.pop()
        count += 1
        if count > _MAX_VALUES:
            return False
        if isinstance(value, dict | list):
            if id(value) in seen:
                return False
            seen.add(id(value))
            pending.extend(value.values() if isinstance(value, dict) else value)
    return True


def _exact_json(document: Any) -> str | None:
    """``document`` as JSON text when JSON gives it back unchanged (None: it cannot, or
    should not be cached)."""
    if not _plain_tree(document):
        return None
    try:
        text = json.dumps(document, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError):  # a date, a set, bytes
        return None
    return text if json.loads(text) == document else None  # keys that are not strings


class DocumentCache:
    """One process's view of the cache file: read on first use, written once, at exit,
    when something was added (a cold run over 600 rule files wrote it 1,242 times)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # digest of the bytes -> (the document's JSON text, digest of that text)
        self._parsed: dict[str, tuple[str, str]] | None = None
        self._valid: dict[str, None] = {}  # digests of (schema, document) that passed
        self._dirty = False

    def parsed(self, data: bytes) -> tuple[bool, Any]:
        """(True, the document) when these bytes were parsed before, else (False, None)."""
        entry = self._load()[0].get(_digest(str(_FORMAT).encode(), data))
        if entry is None or _digest(entry[0].encode()) != entry[1]:  # absent, or damaged
            return False, None
        try:
            return True, json.loads(entry[0])
        except (ValueError, RecursionError):
            return False, None

    def remember_parse(self, data: bytes, document: Any) -> None:
        text = _exact_json(document)
        if text is not None and _stored_size(text) <= _MAX_DOCUMENT:
            entry = (text, _digest(text.encode()))
            self._load()[0][_digest(str(_FORMAT).encode(), data)] = entry
            self._changed()

    def passed(self, schema: str, document: Any) -> bool:
        """``document`` passed the schema whose text is ``schema`` before."""
        key = _verdict_key(schema, document)
        return key is not None and key in self._load()[1]

    def remember_pass(self, schema: str, document: Any) -> None:
        key = _verdict_key(schema, document)
        if key is not None:
            self._load()[1][key] = None
            self._changed()

    def flush(self) -> None:
        """Write what was added (the exit handler does; forked children, which leave with
        ``os._exit``, never write)."""
        if self._dirty:
            self._dirty = False
            self._write()

    def _changed(self) -> None:
        if not self._dirty:
            self._dirty = True
            atexit.register(self.flush)

    def _load(self) -> tuple[dict[str, tuple[str, str]], dict[str, None]]:
        if self._parsed is None:
            self._parsed, self._valid = _read(self.path)
        return self._parsed, self._valid

    def _write(self) -> None:
        """Atomically (a temporary file, then a rename): a concurrent run reads the old
        file or the new one, never half of one; the last writer's entries win."""
        parsed, valid = _bounded(*self._load())
        content = {"format": _FORMAT, "parsed": parsed, "valid": valid}
        data = json.dumps(content, ensure_ascii=False)
        with contextlib.suppress(OSError):  # a read-only home, a full disk: no cache
            directory = self.path.parent
            directory.mkdir(parents=True, exist_ok=True)
            _remove_stale(directory)
            handle, name = tempfile.mkstemp(dir=directory, prefix=_TEMPORARY, suffix=".tmp")
            temporary, replaced = Path(name), False
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    stream.write(data)
                temporary.replace(self.path)
                replaced = True
            finally:  # a failure, or Ctrl-C while writing: no temporary file left behind
                if not replaced:
                    temporary.unlink(missing_ok=True)


def _remove_stale(directory: Path) -> None:
    """Temporary files a killed run left (SIGTERM runs no ``finally``): any older than a
    minute, which no concurrent writer still needs."""
    cutoff = time.time() - 60
    for leftover in directory.glob(f"{_TEMPORARY}*.tmp"):
        with contextlib.suppress(OSError):
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()


def _stored_size(text: str) -> int:
    """Bytes the document's text takes in the cache file (escaped, UTF-8)."""
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8"))


def _bounded(
    parsed: dict[str, tuple[str, str]], valid: dict[str, None]
) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """The newest entries, within _MAX_ENTRIES each and _MAX_BYTES of parsed documents."""
    kept: list[tuple[str, tuple[str, str]]] = []
    size = 0
    for key, entry in reversed(list(parsed.items())[-_MAX_ENTRIES:]):
        size += _stored_size(entry[0]) + _ENTRY_BYTES
        if size > _MAX_BYTES:
            break
        kept.append((key, entry))
    return dict(reversed(kept)), list(valid)[-_MAX_ENTRIES:]


def _verdict_key(schema: str, document: Any) -> str | None:
    text = _exact_json(document)
    return None if text is None else _digest(schema.encode(), text.encode())


def _read(path: Path) -> tuple[dict[str, tuple[str, str]], dict[str, None]]:
    """The cache file's entries; none when it is absent or not one this version wrote."""
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(content, dict) or content.get("format") != _FORMAT:
            return {}, {}
        parsed = {
            key: (entry[0], entry[1])
            for key, entry in content["parsed"].items()
            if isinstance(entry, list)
            and len(entry) == 2
            and all(isinstance(e, str) for e in entry)
        }
        return parsed, dict.fromkeys(key for key in content["valid"] if isinstance(key, str))
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return {}, {}


def _is_text(value: object) -> bool:
    return isinstance(value, str)


def cache_directory() -> Path:
    """The user cache directory: ($XDG_CACHE_HOME or ~/.cache)/modelint. A relative
    XDG_CACHE_HOME is ignored, as the XDG base directory specification asks: it would put
    the cache wherever the command happens to run."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not Path(base).is_absolute():
        base = str(Path.home() / ".cache")
    return Path(base) / "modelint"


@cache
def _cache_at(path: Path) -> DocumentCache:
    return DocumentCache(path)


def document_cache() -> DocumentCache:
    """This process's cache (one per cache directory, which tests change)."""
    return _cache_at(cache_directory() / _FILE)
