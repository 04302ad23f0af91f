"""Where rules come from: installed rule packs (entry points) and the listing commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import run

from modelint.analysis import load_cost_rules
from modelint.errors import RuleError
from modelint.rules import load_lint_rules

PACK_RULE = """
id: ACM001
name: acme-no-relu
summary: Relu is banned by the acme style guide
description: acme deploys on hardware where Relu is emulated.
severity: warning
kind: node
match: {op: Relu}
message: "{op} is emulated on acme hardware"
"""


def _install_pack(site: Path, target: str) -> None:
    """A minimal installed distribution exposing an entry point in group modelint.rules."""
    info = site / "acme_rules-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-rules\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[modelint.rules]\nacme = {target}\n")


def test_rule_packs_from_entry_points(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = tmp_path / "acme_rules_data"
    rules.mkdir()
    (rules / "no-relu.yaml").write_text(PACK_RULE)
    site = tmp_path / "site"
    (site / "acme_rules.py").parent.mkdir(parents=True, exist_ok=True)
    (site / "acme_rules.py").write_text(f"def rules_dir():\n    return {str(rules)!r}\n")
    _install_pack(site, "acme_rules:rules_dir")
    monkeypatch.syspath_prepend(str(site))
    assert load_lint_rules().get("ACM001") is not None
    assert load_lint_rules(plugins=False).get("ACM001") is None
    # the pack's cost rules apply too: an NPU team ships the costs of its own ops with it
    (rules / "costs.yaml").write_text(
        "domain: acme\nops:\n  Frobnicate:\n    source: firmware kernel, 7 per element\n"
        "    inputs: [X]\n    outputs: [Y]\n    flops: 7 * numel(X)\n"
    )
    assert load_cost_rules().get("acme", "Frobnicate") is not None
    assert load_cost_rules(plugins=False).get("acme", "Frobnicate") is None
    mine = tmp_path / "mine"  # a team's own directory has the last word over a pack
    mine.mkdir()
    (mine / "costs.yaml").write_text(
        "domain: acme\nops:\n  Frobnicate:\n    source: measured on our board, 9 per element"
        "\n    inputs: [X]\n    outputs: [Y]\n    flops: 9 * numel(X)\n"
    )
    rule = load_cost_rules((str(mine),)).get("acme", "Frobnicate")
    assert rule is not None and "measured on our board" in rule.source


def test_broken_rule_pack_is_an_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    _install_pack(site, "no_such_module:rules_dir")
    monkeypatch.syspath_prepend(str(site))
    with pytest.raises(
        RuleError,
        match=r"rule pack 'acme' \(no_such_module:rules_dir\) failed "
        r"to load: No module named 'no_such_module'",
    ):
        load_lint_rules()


def test_rules_listing_formats() -> None:
    code, out, _ = run("rules")
    assert code == 0 and out.splitlines()[0].split() == [
        "id",
        "name",
        "severity",
        "kind",
        "summary",
    ]
    assert any(line.startswith("MLC001  uncosted-node") for line in out.splitlines())
    code, out, _ = run("rules", "--format", "json")
    entry = next(rule for rule in json.loads(out) if rule["id"] == "MLC001")
    assert entry["name"] == "uncosted-node" and entry["severity"] == "info"
    code, out, _ = run("rules", "--format", "markdown")
    assert "| MLC001 | uncosted-node | info | node |" in out


def test_rule_docs_by_id_or_name_and_a_hint_for_typos() -> None:
    code, out, _ = run("rule", "uncosted-node")
    assert code == 0 and out.startswith("MLC001 uncosted-node (info, node rule)")
    assert "fires on:" in out and "acme.Frobnicate" in out
    code, _, err = run("rule", "MLC01")
    assert code == 2 and "no rule 'MLC01' (did you mean 'MLC001'?)" in err


PROOFS_MARKER = "<!-- proofs: written by tests/tensorflow/test_architecture_proofs.py -->"


def test_generated_rules_reference_is_current() -> None:
    """docs/rules.md is the generated reference, then the proofs table (checked by the
    TensorFlow tests, which convert the architectures)."""
    code, out, _ = run("rules", "--format", "markdown")
    docs = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
    assert code == 0
    generated, marker, _ = docs.read_text(encoding="utf-8").partition(PROOFS_MARKER)
    assert marker, f"docs/rules.md lost its marker {PROOFS_MARKER!r}"
    assert generated == out + "\n", (
        "regenerate the part before the marker: modelint rules --format markdown"
    )


def test_a_rule_shows_the_values_its_parameters_take() -> None:
    code, out, _ = run("rule", "MLH003")
    assert code == 0
    assert "estimate (str, default 'expected'; one of: expected, optimistic)" in out
    assert "warn_at (float, default 0.9; in [0.01, 10])" in out
    _, listing, _ = run("rules", "--format", "json")
    (rule,) = [r for r in json.loads(listing) if r["id"] == "MLH003"]
    assert rule["parameters"]["estimate"]["choices"] == ["expected", "optimistic"]
    assert rule["parameters"]["warn_at"]["range"] == [0.01, 10]


def test_the_expression_reference_covers_every_name_and_function() -> None:
    """docs/rules.md ends with what expressions can read: a name a kind binds, or a function
    registered, without a line there fails here."""
    from modelint.report.expression_reference import NAME_DOCS, function_doc
    from modelint.rules.functions import RULE_FUNCTIONS
    from modelint.rules.spec import KIND_NAMES

    bound = {name for names in KIND_NAMES.values() for name in names}
    assert bound == set(NAME_DOCS)
    assert all(function_doc(name, f) for name, f in RULE_FUNCTIONS.items())
    code, out, _ = run("rules", "--format", "markdown")
    assert code == 0 and "## Rule expressions" in out and "- `consumer_count`: " in out
