"""Config discovery and validation."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from modelint.cli import main
from modelint.config import find_config_file, load_config
from modelint.errors import ConfigError


def test_closest_config_walking_up_to_the_repository_root(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (tmp_path / ".modelint.yaml").write_text("fail-on: warning\n")  # above the repo: ignored
    models = repo / "models" / "vision"
    models.mkdir(parents=True)
    model = models / "m.onnx"
    model.write_bytes(b"")
    assert find_config_file(model) is None
    (repo / "pyproject.toml").write_text("[tool.modelint]\nfail-on = 'info'\n")
    assert find_config_file(model) == repo / "pyproject.toml"
    (repo / "models" / ".modelint.yml").write_text("fail-on: warning\n")
    assert find_config_file(model) == repo / "models" / ".modelint.yml"


def test_pyproject_without_a_modelint_table_is_skipped(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert find_config_file(tmp_path / "m.onnx") is None


def test_unknown_keys_and_bad_values_are_reported_with_key_paths(tmp_path: Path) -> None:
    path = tmp_path / ".modelint.yaml"
    path.write_text("input_shapes: {x: [1, 3]}\nfail-on: fatal\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    lines = caught.value.lines()
    assert lines[0] == (
        f"{path}: (top level): unknown key 'input_shapes' (did you mean "
        "'input-shapes'?); valid keys: budgets, cache, cache-dir, conversion, "
        "dtype, exclude, extend-exclude, extend-select, extends, fail-on, ignore, input-shapes, "
        "per-file-ignores, profile, profiles, rule-paths, rules, select, "
        "suppressions, targets"
    )
    assert lines[1] == (f"{path}: fail-on: 'fatal' is not one of: error, warning, info, never")


def test_config_input_shapes_and_rule_paths_apply(
    tmp_path: Path, write_model: Callable[..., Path], conv_text: str
) -> None:
    model = write_model(conv_text, name="models/conv.onnx", w=(4, 3, 3, 3), b=(4,))
    (tmp_path / ".git").mkdir()
    (tmp_path / ".modelint.yaml").write_text(
        "input-shapes:\n  x: 2,3,8,8\n  unused: [1]\nrule-paths: [house-rules]\n"
    )
    rules = tmp_path / "house-rules"
    rules.mkdir()
    (rules / "relu.yaml").write_text("ops:\n  Relu:\n    source: house\n    flops: 0\n")
    out = io.StringIO()
    assert main(["check", "--format", "json", str(model)], out=out, err=io.StringIO()) == 0
    data = json.loads(out.getvalue())["models"][0]
    assert data["totals"]["macs"] == 2 * 6_912
    assert data["totals"]["flops"] == 2 * (2 * 6_912 + 256)  # Relu costs 0 under the house rule
    assert data["notes"] == ["config input-shapes names no input of this model: unused"]


def test_invalid_config_is_exit_two_with_every_problem(tmp_path: Path, conv_model: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("fail-on: sometimes\nrules: []\n")
    err = io.StringIO()
    assert (
        main(["check", "--config", str(config), str(conv_model)], out=io.StringIO(), err=err) == 2
    )
    lines = err.getvalue().splitlines()
    assert len(lines) == 2 and all(line.startswith("modelint: error: ") for line in lines)


def test_conversion_settings_resolve_against_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "sub" / ".modelint.yaml"
    path.parent.mkdir()
    path.write_text(
        "conversion:\n  opset: 16\n  batch: 2\n  graphdef-inputs: [x:0]\n"
        "cache: false\ncache-dir: ../cache\n"
    )
    conversion = load_config(path).conversion
    assert (conversion.opset, conversion.batch, conversion.graphdef_inputs) == (16, 2, ("x:0",))
    assert conversion.cache is False
    assert conversion.cache_dir == str((tmp_path / "cache").resolve())
    bad = tmp_path / "bad.yaml"
    bad.write_text("conversion:\n  opset: 99\n  batch: 0\n")
    with pytest.raises(ConfigError) as caught:
        load_config(bad)
    assert [line.split(": ", 2)[1] for line in caught.value.lines()] == [
        "conversion.batch",
        "conversion.opset",
    ]


def test_a_broken_discovered_config_fails_its_models_only(tmp_path: Path, conv_model: Path) -> None:
    """A/.modelint.yaml is broken: it is reported once, A's models are not checked, and
    B's are (an explicit --config is the whole run's error)."""
    for name in ("A", "B"):
        (tmp_path / name).mkdir()
        for model in ("m1.onnx", "m2.onnx"):
            (tmp_path / name / model).write_bytes(conv_model.read_bytes())
    config = tmp_path / "A" / ".modelint.yaml"
    config.write_text("selekt: [MLA]\n")
    out, err = io.StringIO(), io.StringIO()
    argv = ["check", "--format", "json", str(tmp_path / "A"), str(tmp_path / "B")]
    assert main(argv, out=out, err=err) == 2
    report = json.loads(out.getvalue())
    checked = [str(tmp_path / "B" / model) for model in ("m1.onnx", "m2.onnx")]
    assert [model["path"] for model in report["models"]] == checked
    assert [(error["path"], error["kind"]) for error in report["errors"]] == [
        (str(config), "config")
    ]
    (line,) = err.getvalue().splitlines()
    assert line.startswith(f"modelint: error: {config}: (top level): unknown key 'selekt'")


def test_a_found_config_is_named_as_the_models_are(
    tmp_path: Path, conv_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Relative to the working directory, as the model paths given: no absolute path nobody
    typed (json.md), in the errors and in every message that names the file."""
    (tmp_path / "A").mkdir()
    (tmp_path / "A" / "m.onnx").write_bytes(conv_model.read_bytes())
    (tmp_path / "A" / ".modelint.yaml").write_text("selekt: [MLA]\nextends: [base.yaml]\n")
    monkeypatch.chdir(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    assert main(["check", "--format", "json", "A"], out=out, err=err) == 2
    [error] = json.loads(out.getvalue())["errors"]
    assert error["path"] == "A/.modelint.yaml"
    assert error["message"].startswith("A/.modelint.yaml: (top level): unknown key 'selekt'")
    assert str(tmp_path) not in out.getvalue() + err.getvalue()
    (tmp_path / "A" / ".modelint.yaml").write_text("extends: [base.yaml]\n")
    (tmp_path / "A" / "base.yaml").write_text("extends: [.modelint.yaml]\n")
    assert main(["check", "A"], out=out, err=(err := io.StringIO())) == 2
    assert err.getvalue() == (
        "modelint: error: A/.modelint.yaml: extends: cycle in extends: "
        "A/.modelint.yaml -> A/base.yaml -> A/.modelint.yaml\n"
    )


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("text", "2 models checked, 0 could not be read, 1 config error; findings:"),
        ("concise", "2 models checked, 1 config error:"),
        ("github", "title=modelint%3A config error::"),
        ("gitlab", '"check_name": "modelint/config"'),
        ("junit", '<testcase classname="A/.modelint.yaml" name="config"'),
        ("markdown", "## modelint: 2 models checked, 1 config error; findings:"),
    ],
)
def test_a_broken_config_is_reported_as_a_config_error_not_an_unread_model(
    tmp_path: Path, conv_model: Path, monkeypatch: pytest.MonkeyPatch, output: str, expected: str
) -> None:
    (tmp_path / ".git").mkdir()
    for name in ("A", "B"):
        (tmp_path / name).mkdir()
    (tmp_path / "A" / "m.onnx").write_bytes(conv_model.read_bytes())
    for model in ("m1.onnx", "m2.onnx"):
        (tmp_path / "B" / model).write_bytes(conv_model.read_bytes())
    (tmp_path / "A" / ".modelint.yaml").write_text("selekt: [MLA]\n")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    assert main(["check", "--format", output, "A", "B"], out=out, err=io.StringIO()) == 2
    assert expected in out.getvalue()
    assert "could not read" not in out.getvalue() and "model not read" not in out.getvalue()


def test_shapes_from_the_config_say_so(
    tmp_path: Path, write_model: Callable[..., Path], conv_text: str
) -> None:
    """A config's input-shapes apply to every model under it: bindings show 'config', and a
    shape that does not fit a model names the config it came from."""
    model = write_model(conv_text, name="models/conv.onnx", w=(4, 3, 3, 3), b=(4,))
    (tmp_path / ".git").mkdir()
    config = tmp_path / ".modelint.yaml"
    config.write_text("input-shapes:\n  x: 2,3,8,8\n")
    out = io.StringIO()
    assert main(["check", "--format", "json", str(model)], out=out, err=io.StringIO()) == 0
    bindings = json.loads(out.getvalue())["models"][0]["shapes"]["bindings"]
    assert {(b["index"], b["value"], b["origin"]) for b in bindings} == {(0, 2, "config")}
    out = io.StringIO()
    argv = ["check", "--format", "json", "--input-shape", "x=4,3,8,8", str(model)]
    assert main(argv, out=out, err=io.StringIO()) == 0
    bindings = json.loads(out.getvalue())["models"][0]["shapes"]["bindings"]
    assert {(b["index"], b["value"], b["origin"]) for b in bindings} == {(0, 4, "input-shape")}
    config.write_text("input-shapes:\n  x: 1,16,64\n")
    err = io.StringIO()
    assert main(["check", str(model)], out=io.StringIO(), err=err) == 2
    assert err.getvalue() == (
        f"modelint: error: {model}: input shape for 'x' (from input-shapes in {config}) "
        "has 3 dims, the input has rank 4\n"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("select: [NOPE]\n", "select: 'NOPE' selects no rule"),
        ("profile: nope\n", "profile: unknown profile 'nope'"),
    ],
)
def test_a_config_naming_no_rule_or_profile_fails_its_models_only(
    tmp_path: Path, conv_model: Path, text: str, problem: str
) -> None:
    """Found only once rules and profiles load, these break a config as an unknown key does:
    reported once (two models under it), and the other tree is still checked."""
    (tmp_path / ".git").mkdir()
    for name in ("A", "B"):
        (tmp_path / name).mkdir()
    for model in ("m1.onnx", "m2.onnx"):
        (tmp_path / "A" / model).write_bytes(conv_model.read_bytes())
    (tmp_path / "B" / "m.onnx").write_bytes(conv_model.read_bytes())
    config = tmp_path / "A" / ".modelint.yaml"
    config.write_text(text)
    out, err = io.StringIO(), io.StringIO()
    argv = ["check", "--format", "json", str(tmp_path / "A"), str(tmp_path / "B")]
    assert main(argv, out=out, err=err) == 2
    report = json.loads(out.getvalue())
    assert [model["path"] for model in report["models"]] == [str(tmp_path / "B" / "m.onnx")]
    assert [(e["path"], e["kind"]) for e in report["errors"]] == [(str(config), "config")]
    (line,) = err.getvalue().splitlines()
    assert line.startswith(f"modelint: error: {config}: {problem}")


def test_a_config_that_is_not_utf8_is_a_config_error(tmp_path: Path, conv_model: Path) -> None:
    """It raised UnicodeDecodeError out of the run, and no model was checked."""
    (tmp_path / "A").mkdir()
    (tmp_path / "A" / "m.onnx").write_bytes(conv_model.read_bytes())
    config = tmp_path / "A" / ".modelint.yaml"
    config.write_bytes(b"fail-on: \xff\xfe error\n")
    out, err = io.StringIO(), io.StringIO()
    assert (
        main(["check", "--format", "json", str(tmp_path / "A"), str(conv_model)], out=out, err=err)
        == 2
    )
    report = json.loads(out.getvalue())
    assert [model["path"] for model in report["models"]] == [str(conv_model)]
    assert err.getvalue() == (
        f"modelint: error: {config}: not UTF-8 text (byte 9 cannot be decoded)\n"
    )
