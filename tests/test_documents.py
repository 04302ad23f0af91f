"""The document cache: YAML parses and schema verdicts remembered across runs by content,
never stale, never in the way (``modelint.documents``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from modelint import documents as documents_module
from modelint import schema as schema_module
from modelint.documents import DocumentCache, cache_directory, document_cache
from modelint.errors import ConfigError
from modelint.schema import read_yaml, validate_document

CONFIG = "fail-on: warning\nbudgets: {params: 5M}\n"


@pytest.fixture
def cache_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A cache of this test's own (the suite's is shared by every test)."""
    home = tmp_path / "cache-home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home / "modelint" / "documents.json"


def _no_parsing_or_validating(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("parsed or validated again")

    monkeypatch.setattr(schema_module, "_parse_yaml", refuse)
    monkeypatch.setattr(schema_module, "schema_problems", refuse)


def test_a_file_read_before_is_neither_parsed_nor_validated_again(
    cache_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / ".modelint.yaml"
    path.write_text(CONFIG)
    first = read_yaml(str(path), ConfigError)
    validate_document(first, "config", path=str(path), error=ConfigError)
    assert not cache_home.exists()  # written once, at exit
    document_cache().flush()
    assert cache_home.is_file()
    _no_parsing_or_validating(monkeypatch)
    fresh = DocumentCache(cache_home)  # what the next run reads
    monkeypatch.setattr("modelint.schema.document_cache", lambda: fresh)
    again = read_yaml(str(path), ConfigError)
    validate_document(again, "config", path=str(path), error=ConfigError)
    assert again == first == {"fail-on": "warning", "budgets": {"params": "5M"}}


def test_an_edit_that_keeps_size_and_time_is_read(cache_home: Path, tmp_path: Path) -> None:
    path = tmp_path / ".modelint.yaml"
    path.write_text("fail-on: warning\n")
    stat = path.stat()
    assert read_yaml(str(path), ConfigError) == {"fail-on": "warning"}
    path.write_text("fail-on: nothing\n")  # as long, and the same time below
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert read_yaml(str(path), ConfigError) == {"fail-on": "nothing"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fail-on: sometimes\n", "'sometimes' is not one of"),
        ("fail-on: [warning\n", "invalid YAML: line 2"),
        ("fail-on: warning\nfail-on: error\n", "duplicate key 'fail-on'"),
    ],
    ids=["invalid", "unparsable", "duplicate-key"],
)
def test_a_mistake_is_reported_on_every_run(
    cache_home: Path, tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / ".modelint.yaml"
    path.write_text(text)
    for run in (document_cache(), DocumentCache(cache_home)):  # this run, then the next
        with pytest.raises(ConfigError, match=message):
            validate_document(
                read_yaml(str(path), ConfigError), "config", path=str(path), error=ConfigError
            )
        assert not run.passed(schema_module.schema_text("config"), {"fail-on": "sometimes"})


@pytest.mark.parametrize(
    ("text", "value"),
    [("when: 2026-11-29\n", {"when": date(2026, 11, 29)}), ("1: one\n", {1: "one"})],
    ids=["date", "integer-key"],
)
def test_a_document_json_cannot_hold_is_parsed_each_time(
    cache_home: Path, tmp_path: Path, text: str, value: object
) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text(text)
    assert read_yaml(str(path), ConfigError) == value
    assert DocumentCache(cache_home).parsed(path.read_bytes()) == (False, None)
    assert read_yaml(str(path), ConfigError) == value


def test_a_corrupt_cache_is_an_empty_one(cache_home: Path, tmp_path: Path) -> None:
    cache_home.parent.mkdir(parents=True)
    cache_home.write_text("{not json")
    path = tmp_path / "c.yaml"
    path.write_text(CONFIG)
    assert read_yaml(str(path), ConfigError)["fail-on"] == "warning"
    document_cache().flush()
    assert json.loads(cache_home.read_text())["format"] == documents_module._FORMAT  # anew


def test_no_cache_where_none_can_be_written(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # no directory can be made under it
    path = tmp_path / "c.yaml"
    path.write_text(CONFIG)
    assert read_yaml(str(path), ConfigError)["fail-on"] == "warning"
    assert read_yaml(str(path), ConfigError)["fail-on"] == "warning"


@pytest.mark.parametrize(
    "text",
    [
        "a: &x [1, 2]\nb: *x\n",  # an alias: written out, a few lines can be gigabytes
        "items: [" + ", ".join(["1"] * 20_001) + "]\n",  # large
    ],
    ids=["alias", "large"],
)
def test_documents_with_shared_parts_or_many_values_are_not_kept(
    cache_home: Path, tmp_path: Path, text: str
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    document = read_yaml(str(path), ConfigError)
    assert DocumentCache(cache_home).parsed(path.read_bytes()) == (False, None)
    assert read_yaml(str(path), ConfigError) == document
    assert not document_cache().passed("{}", document)
    document_cache().remember_pass("{}", document)
    assert not document_cache().passed("{}", document)


@pytest.mark.parametrize(
    "damage",
    [
        lambda entry: ["{", entry[1]],  # not JSON, and no longer its digest
        lambda entry: ["5", entry[1]],  # JSON, but not what was parsed
        lambda entry: ["{", documents_module._digest(b"{")],  # not JSON, digest matching
        lambda entry: None,  # not an entry
    ],
    ids=["broken", "replaced", "broken-consistently", "null"],
)
def test_a_damaged_entry_is_parsed_again(cache_home: Path, tmp_path: Path, damage: object) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(CONFIG)
    expected = read_yaml(str(path), ConfigError)
    document_cache().flush()
    content = json.loads(cache_home.read_text())
    content["parsed"] = {key: damage(entry) for key, entry in content["parsed"].items()}  # type: ignore[operator]
    cache_home.write_text(json.dumps(content))
    assert DocumentCache(cache_home).parsed(path.read_bytes()) == (False, None)
    fresh = DocumentCache(cache_home)
    found, _ = fresh.parsed(path.read_bytes())
    assert not found
    assert read_yaml(str(path), ConfigError) == expected


def test_a_cache_nested_past_the_recursion_limit_is_an_empty_one(cache_home: Path) -> None:
    cache_home.parent.mkdir(parents=True)
    cache_home.write_text("[" * 100_000 + "]" * 100_000)
    assert DocumentCache(cache_home).parsed(b"x") == (False, None)


def test_an_interrupted_write_leaves_no_temporary_file(
    cache_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    cache = DocumentCache(cache_home)
    monkeypatch.setattr(documents_module.os, "fdopen", interrupted)
    cache.remember_parse(b"a: 1\n", {"a": 1})
    with pytest.raises(KeyboardInterrupt):
        cache.flush()
    assert list(cache_home.parent.iterdir()) == []


def test_the_newest_entries_are_kept_within_the_size_bound(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = [{"n": index, "pad": "😀" * 10} for index in range(5)]
    size = documents_module._stored_size(json.dumps(documents[0], ensure_ascii=False))
    assert size == 67  # 19 ASCII + 40 bytes of emoji + 6 escapes + the 2 quotes around it
    entry = size + documents_module._ENTRY_BYTES
    monkeypatch.setattr(documents_module, "_MAX_BYTES", 3 * entry + 1)
    cache = DocumentCache(cache_home)
    for index, document in enumerate(documents):
        cache.remember_parse(f"n: {index}\n".encode(), document)
    cache.flush()
    kept = DocumentCache(cache_home)
    found = [index for index in range(5) if kept.parsed(f"n: {index}\n".encode())[0]]
    assert found == [2, 3, 4]
    assert len(cache_home.read_bytes()) <= 3 * entry + 60  # the bound, and the file's frame


def test_one_write_per_run_and_none_for_a_run_that_added_nothing(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[int] = []
    write = DocumentCache._write
    monkeypatch.setattr(DocumentCache, "_write", lambda self: writes.append(1) or write(self))
    cache = DocumentCache(cache_home)
    for index in range(50):
        cache.remember_parse(f"n: {index}\n".encode(), {"n": index})
        cache.remember_pass("{}", {"n": index})
    cache.flush()
    cache.flush()
    DocumentCache(cache_home).flush()  # the next run: reads, adds nothing
    assert writes == [1]


def test_temporary_files_a_killed_run_left_are_removed(cache_home: Path) -> None:
    cache_home.parent.mkdir(parents=True)
    old, fresh = cache_home.parent / "documents-old.tmp", cache_home.parent / "documents-new.tmp"
    for leftover in (old, fresh):
        leftover.write_text("{")
    os.utime(old, (0, 0))  # SIGTERM mid-write, long ago; `fresh` may be a running writer's
    cache = DocumentCache(cache_home)
    cache.remember_parse(b"a: 1\n", {"a": 1})
    cache.flush()
    assert not old.exists() and fresh.exists()


def test_a_relative_cache_home_is_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "relative-cache")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_directory() == tmp_path / ".cache" / "modelint"


WARM_RUN = """
import io, sys
from modelint.cli.main import main
code = main(["check", "--format", "json", sys.argv[1]], out=io.StringIO())
print(code, "yaml" in sys.modules, "jsonschema" in sys.modules)
"""


def test_a_warm_check_imports_neither_pyyaml_nor_jsonschema(
    conv_model: Path, tmp_path: Path
) -> None:
    (conv_model.parent / ".modelint.yaml").write_text(CONFIG)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache-home")}

    def run() -> str:
        command = [sys.executable, "-c", WARM_RUN, str(conv_model)]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        return done.stdout.split("\n")[-2]

    assert run() == "0 True True"  # the first run parses and validates
    assert run() == "0 False False"
