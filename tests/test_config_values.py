"""Config values that parse but cannot be meant are errors naming the file and key: a date
that is no date, a budget of 0 or less, a rule parameter outside its choices or range."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import run

from modelint.config import load_config
from modelint.errors import ConfigError

MODEL = (
    '<ir_version: 8, opset_import: ["" : 17]>\n'
    "g (float[1, 4] x) => (float[1, 4] y) {\n y = Relu (x)\n}\n"
)


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        (
            "suppressions: [{rules: [MLA001], reason: gated by design, expires: 2027-13-45}]",
            "suppressions[0]: expires '2027-13-45' is not a date (YYYY-MM-DD)",
        ),
        (
            "suppressions: [{rules: [MLA001], reason: gated by design, "
            "expires: 2027-01-01T10:00:00Z}]",
            "suppressions[0]: expires 2027-01-01T10:00:00+00:00 is a date and a time; give the "
            "date (YYYY-MM-DD)",
        ),
        ("? [a, b]\n: 1", "invalid YAML: line 1: a key that is a list or a mapping"),
        (
            "suppressions: [{rules: [MLA001], reason: gated by design, expires: 20270101}]",
            "suppressions[0]: expires 20270101 is not a date (YYYY-MM-DD)",
        ),
        ("rules: {1: {severity: error}}", "rules: key 1 is not a name (quote it: '1')"),
        ("rules: {true: {severity: error}}", "rules: key true is not a name (quote it: 'true')"),
        ("rules: {MLA001: {1: 2}}", "rules.MLA001: key 1 is not a name (quote it: '1')"),
        (
            "per-file-ignores: {1: [MLG002]}",
            "per-file-ignores: key 1 is not a name (quote it: '1')",
        ),
        ("input-shapes: {1: [1, 4]}", "input-shapes: key 1 is not a name (quote it: '1')"),
        (  # 4.0 passes the schema (JSON's integers), not the shape: named all the same
            "input-shapes: {x: [1, 4.0]}",
            "input-shapes.x: shape [1, 4.0] is not a list of integers",
        ),
        ("budgets: {flops: -5}", "budgets.flops: a budget must be above 0, got -5"),
        (
            "dtype: int8",
            "dtype: dtype sets the precision of a hardware profile's estimate: set profile or "
            "targets too (or pass --profile)",
        ),
        ("budgets: {latency: 0 ms}", "budgets.latency: a budget must be above 0, got '0 ms'"),
        (
            "rules: {MLH003: {estimate: bogus}}",
            "rules.MLH003.estimate: estimate must be one of: expected, optimistic; got 'bogus'",
        ),
        (
            "rules: {MLH001: {warn_at: 50}}",
            "rules.MLH001.warn_at: warn_at must be between 0.01 and 10; got 50 (share of the "
            "budget above which a warning is raised)",
        ),
    ],
)
def test_values_that_cannot_be_meant_are_config_errors(
    tmp_path: Path, config: str, problem: str
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "m.onnxtxt").write_text(MODEL)
    (tmp_path / ".modelint.yaml").write_text(config + "\n")
    code, _, err = run("check", str(tmp_path / "m.onnxtxt"))
    assert code == 2
    assert err == f"modelint: error: {tmp_path / '.modelint.yaml'}: {problem}\n"


def test_pyproject_errors_name_the_table(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "m.onnxtxt").write_text(MODEL)
    (tmp_path / "pyproject.toml").write_text('[tool.modelint]\nfail_on = "error"\n')
    code, _, err = run("check", str(tmp_path / "m.onnxtxt"))
    assert code == 2
    assert err.startswith(
        f"modelint: error: {tmp_path / 'pyproject.toml'}: tool.modelint: unknown key "
        "'fail_on' (did you mean 'fail-on'?)"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            b'[tool.modelint]\nsuppressions = [{rules = ["MLA001"], reason = "gated", '
            b"expires = 2027-01-01T10:00:00Z}]\n",
            "suppressions[0]: expires 2027-01-01T10:00:00+00:00 is a date and a time; give "
            "the date (YYYY-MM-DD)",
        ),
        (
            b'[tool.modelint]\nsuppressions = [{rules = ["MLA001"], reason = "gated", '
            b"expires = 10:00:00}]\n",
            "suppressions[0]: expires 10:00:00 is not a date (YYYY-MM-DD)",
        ),
        (
            b'[tool.modelint]\nfail-on = "error"\n# \xff\n',
            "not UTF-8 text (byte 36 cannot be decoded)",
        ),
    ],
    ids=["datetime", "time", "not-utf-8"],
)
def test_pyproject_values_that_cannot_be_meant_are_config_errors(
    tmp_path: Path, text: bytes, problem: str
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "m.onnxtxt").write_text(MODEL)
    (tmp_path / "pyproject.toml").write_bytes(text)
    code, _, err = run("check", str(tmp_path / "m.onnxtxt"))
    assert code == 2
    assert err == f"modelint: error: {tmp_path / 'pyproject.toml'}: {problem}\n"


def test_a_shape_with_a_word_names_the_item_not_the_other_form(tmp_path: Path) -> None:
    """[1, "four"] was reported as "is not of type 'string'" (the text form's branch)."""
    config = tmp_path / ".modelint.yaml"
    config.write_text('input-shapes:\n  x: [1, "four"]\n')
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert caught.value.lines() == [f"{config}: input-shapes.x[1]: 'four' is not of type 'integer'"]
