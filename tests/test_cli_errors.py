"""Usage and input errors say where they come from: the flag, the config file and key, the
directory searched, the line and column of ONNX text."""

from __future__ import annotations

import io
from pathlib import Path

from cli_support import run

from modelint.cli import main

GOOD = (
    '<ir_version: 8, opset_import: ["" : 17]>\n'
    "g (float[1, 4] x) => (float[1, 4] y) {\n y = Relu (x)\n}\n"
)


def _project(tmp_path: Path, config: str = "") -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "m.onnxtxt").write_text(GOOD)
    if config:
        (tmp_path / ".modelint.yaml").write_text(config)
    return tmp_path


def test_an_unknown_profile_on_the_command_line_names_the_flag(tmp_path: Path) -> None:
    project = _project(tmp_path)
    code, _, err = run("check", "--profile", "nvidia-t5", str(project / "m.onnxtxt"))
    assert code == 2
    assert err == (
        "modelint: error: --profile: unknown profile 'nvidia-t5' (did you mean 'nvidia-t4'?); "
        "see `modelint profiles` (or give a profile file's path)\n"
    )


def test_an_unknown_profile_in_the_config_names_the_file_and_key(tmp_path: Path) -> None:
    project = _project(tmp_path, 'targets:\n  - files: ["*.onnxtxt"]\n    profile: nvidia-t5\n')
    code, _, err = run("check", str(project / "m.onnxtxt"))
    assert code == 2
    assert err.startswith(
        f"modelint: error: {project / '.modelint.yaml'}: targets[0].profile: unknown profile "
        "'nvidia-t5' (did you mean 'nvidia-t4'?)"
    )


def test_no_model_files_names_the_directories_searched(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("not a model")
    code, _, err = run("check", str(tmp_path / "empty"))
    assert code == 2
    assert err == (
        f"modelint: error: no model files found in {tmp_path / 'empty'} (looked for .h5, "
        ".hdf5, .keras, .onnx, .onnxtxt, .pb, .tflite files and SavedModel directories)\n"
    )


def test_onnx_text_that_does_not_parse_gives_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.onnxtxt"
    path.write_text(GOOD.replace("Relu (x)", "Relu (x"))
    code, _, err = run("check", str(path))
    assert code == 2
    assert err == (
        f"modelint: error: {path}: ONNX text does not parse: line 4, column 1: "
        "Expected character ) not found (at '}')\n"
    )


def test_dtype_without_any_profile_is_a_usage_error(tmp_path: Path) -> None:
    project = _project(tmp_path)
    code, _, err = run("check", "--dtype", "int8", str(project / "m.onnxtxt"))
    assert code == 2
    assert err == (
        "modelint: error: --dtype sets the precision of a hardware profile's estimate: pass "
        "--profile too (or bind one in the config: profile, targets)\n"
    )
    code, _, _ = run("check", "--dtype", "int8", "--profile", "nvidia-t4", str(project))
    assert code == 0


def test_select_is_case_insensitive_and_its_errors_name_the_flag(tmp_path: Path) -> None:
    project = _project(tmp_path)
    model = str(project / "m.onnxtxt")
    code, _, _ = run("check", "--select", "mlc001,Uncosted-Node", "--format", "json", model)
    assert code == 0
    code, _, err = run("check", "--select", "MLZ999", model)
    assert (code, err) == (2, "modelint: error: --select: 'MLZ999' selects no rule\n")
    code, _, err = run("check", "--ignore", "MLC01", model)
    assert code == 2
    assert err == "modelint: error: --ignore: 'MLC01' selects no rule (did you mean 'MLC001'?)\n"


def test_an_unknown_profile_for_the_profile_command(tmp_path: Path) -> None:
    code, _, err = run("profile", "nvidia-t5")
    assert code == 2
    assert err == (
        "modelint profile: unknown profile 'nvidia-t5' (did you mean 'nvidia-t4'?); "
        "see `modelint profiles` (or give a profile file's path)\n"
    )


def test_output_to_stdout_is_refused(tmp_path: Path) -> None:
    project = _project(tmp_path)
    code, _, err = run("check", "--output", "json:-", str(project / "m.onnxtxt"))
    assert code == 2
    assert "'json:-': stdout takes the --format report (--format json)" in err


def test_config_show_for_a_missing_model_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run("config", "show", str(tmp_path / "nosuch.onnx"))
    assert code == 2
    assert err == f"modelint config show: {tmp_path / 'nosuch.onnx'}: no such file or directory\n"
    project = _project(tmp_path)
    code, out, _ = run("config", "show", str(project / "m.onnxtxt"))
    assert code == 0 and "fail-on: error" in out


class _ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_output_pipe_is_one_line_not_an_internal_error(tmp_path: Path) -> None:
    project = _project(tmp_path)
    err = io.StringIO()
    code = main(["check", str(project / "m.onnxtxt")], out=_ClosedPipe(), err=err)
    assert code == 2
    assert err.getvalue() == (
        "modelint: error: the output was closed before the report was written\n"
    )
