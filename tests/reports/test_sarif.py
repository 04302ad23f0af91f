"""SARIF 2.1.0: valid against the official schema, region-less file locations, the node as a
logical location, our fingerprints, suppressions kept, rules described."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from report_support import run_cli, shared_dir, write_repository

from modelint.report.locations import artifact_location, source_root


@pytest.fixture(scope="module")
def sarif_schema(pytestconfig: pytest.Config) -> dict[str, Any]:
    path = shared_dir(pytestconfig) / "data" / "sarif-schema-2.1.0.json"
    if not path.is_file():
        pytest.skip(f"{path} not found: the SARIF schema is shared test data")
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def _validate(document: dict[str, Any], schema: dict[str, Any]) -> None:
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def _sarif(repository: Path, *paths: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = run_cli("check", *paths, "--format", "sarif", cwd=repository)
    document: dict[str, Any] = json.loads(out)
    return code, document


def _results(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {result["ruleId"]: result for result in document["runs"][0]["results"]}


def test_findings_and_suppressions_validate_against_the_schema(
    repository: Path, sarif_schema: dict[str, Any]
) -> None:
    code, document = _sarif(repository, "models")
    assert code == 1
    _validate(document, sarif_schema)
    assert document["version"] == "2.1.0"
    assert set(_results(document)) == {"MLC001", "MLG003", "MLG004", "MLH001"}


def test_a_model_without_findings_validates_and_has_no_results(
    conv_model: Path, sarif_schema: dict[str, Any]
) -> None:
    code, document = _sarif(conv_model.parent, conv_model.name)
    assert code == 0
    _validate(document, sarif_schema)
    run = document["runs"][0]
    assert run["results"] == []
    assert run["invocations"][0]["executionSuccessful"] is True
    assert len(run["tool"]["driver"]["rules"]) >= 25  # the rules that ran, with nothing found


def test_an_unreadable_model_is_a_notification_not_a_result(
    repository: Path, sarif_schema: dict[str, Any]
) -> None:
    broken = repository / "broken.onnx"
    broken.write_bytes(b"\x00not a model")
    try:
        code, document = _sarif(repository, "broken.onnx", "models/clean.onnx")
    finally:
        broken.unlink()
    assert code == 2
    _validate(document, sarif_schema)
    invocation = document["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    (note,) = [n for n in invocation["toolExecutionNotifications"] if n["level"] == "error"]
    location = note["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "broken.onnx", "uriBaseId": "%SRCROOT%"}


def test_results_name_the_file_without_a_region_and_the_node_logically(repository: Path) -> None:
    _, document = _sarif(repository, "models")
    dead = _results(document)["MLG004"]
    (location,) = dead["locations"]
    physical = location["physicalLocation"]
    assert physical == {
        "artifactLocation": {"uri": "models/legacy.onnx", "uriBaseId": "%SRCROOT%"}
    }  # no region: upload-sarif must not hash a binary file as text lines
    assert location["logicalLocations"] == [
        {"name": "Sigmoid:unused", "fullyQualifiedName": "Sigmoid:unused", "kind": "element"}
    ]
    budget = _results(document)["MLH001"]["locations"][0]["logicalLocations"][0]
    assert budget == {
        "name": "wide.onnx",
        "fullyQualifiedName": "models/wide.onnx",
        "kind": "module",
    }


def test_fingerprints_are_ours_and_match_the_json_report(repository: Path) -> None:
    _, document = _sarif(repository, "models")
    _, out, _ = run_cli("check", "models", "--format", "json", cwd=repository)
    fingerprints = {
        f["rule_id"]: (f["fingerprint"], f["structural_fingerprint"])
        for model in json.loads(out)["models"]
        for f in model["findings"]
    }
    for rule_id, result in _results(document).items():
        prints = result["partialFingerprints"]
        assert "primaryLocationLineHash" not in prints
        assert prints["modelintNode/v1"] == fingerprints[rule_id][0]
        if fingerprints[rule_id][1]:
            assert prints["modelintStructure/v1"] == fingerprints[rule_id][1]


def test_suppressed_findings_are_kept_as_external_suppressions(repository: Path) -> None:
    _, document = _sarif(repository, "models")
    results = _results(document)
    assert results["MLG003"]["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "old weights kept for the rollback path",
        }
    ]
    assert "suppressions" not in results["MLG004"]


def test_a_config_finding_points_at_the_config_file(tmp_path: Path) -> None:
    repository = write_repository(tmp_path)
    config = repository / ".modelint.yaml"  # a suppression that MLA001 on clean.onnx can judge
    config.write_text(
        config.read_text()
        + '  - rules: [MLA001]\n    files: ["models/clean.onnx"]\n    reason: nothing fires\n'
    )
    _, document = _sarif(repository, "models/clean.onnx")
    (unused,) = document["runs"][0]["results"]
    assert unused["ruleId"] == "MLS002" and unused["level"] == "note"
    location = unused["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == ".modelint.yaml"
    assert location["logicalLocations"][0]["kind"] == "object"
    assert unused["message"]["text"].endswith("[suppressions[1]]")


def test_properties_carry_value_budget_profile_and_op(repository: Path) -> None:
    _, document = _sarif(repository, "models")
    results = _results(document)
    budget = results["MLH001"]["properties"]
    assert budget["value"] == 116744 and budget["budget"] == 20000
    assert isinstance(budget["budget"], int)  # a count: 20000, not 20000.0
    assert budget["profile"] == "round-numbers"
    assert results["MLG004"]["properties"]["opType"] == "Sigmoid"
    assert results["MLH001"]["level"] == "error" and results["MLC001"]["level"] == "note"


def test_rules_are_described_with_help(repository: Path) -> None:
    _, document = _sarif(repository, "models")
    driver = document["runs"][0]["tool"]["driver"]
    assert driver["name"] == "modelint" and driver["informationUri"]
    rules = {rule["id"]: rule for rule in driver["rules"]}
    flop = rules["MLH001"]
    assert flop["name"] == "flop-budget"
    assert flop["shortDescription"]["text"] == "FLOPs per inference over the budget."
    assert flop["fullDescription"]["text"].startswith("Why:")
    assert flop["help"]["markdown"].startswith("**FLOPs per inference over the budget.**")
    assert flop["helpUri"].endswith("docs/rules.md#mlh001-flop-budget")
    assert flop["defaultConfiguration"]["level"] == "error"
    for result in document["runs"][0]["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_help_anchor_matches_a_heading_of_docs_rules() -> None:
    """helpUri anchors are what GitHub derives from docs/rules.md's '## ID `name`' headings."""
    root = Path(__file__).resolve().parents[2]
    headings = [
        line for line in (root / "docs" / "rules.md").read_text().splitlines() if line[:3] == "## "
    ]
    assert "## MLH001 `flop-budget`" in headings


def test_a_saved_model_is_named_by_its_saved_model_pb(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    saved = tmp_path / "exported" / "detector"
    saved.mkdir(parents=True)
    (saved / "saved_model.pb").write_bytes(b"")
    location = artifact_location(str(saved), source_root(tmp_path / "exported"))
    assert location.uri == "exported/detector/saved_model.pb"


def test_a_model_outside_the_repository_gets_an_absolute_file_uri(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    outside = tmp_path / "elsewhere" / "a model.onnx"
    location = artifact_location(str(outside), tmp_path / "repo")
    assert location.uri_base_id is None
    assert location.uri == outside.resolve().as_uri()
    inside = artifact_location(str(tmp_path / "repo" / "m 1.onnx"), tmp_path / "repo")
    assert inside.uri == "m%201.onnx"
