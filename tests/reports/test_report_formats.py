"""check's formats: which one stdout gets, --output files, colour, and what each CI format
says (GitHub annotations, GitLab Code Quality, JUnit, Markdown)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from report_support import run_cli

from modelint.cli import main
from modelint.cli.parser import CHECK_FORMATS
from modelint.findings import Finding, Location, Severity
from modelint.report.formats import CHECK_FORMATS as RENDERED_FORMATS
from modelint.report.markdown import _counts as markdown_counts


def _xml(text: str) -> ET.Element:
    return ET.fromstring(text)  # noqa: S314 - modelint's own output, not untrusted input


def test_the_parser_offers_every_rendered_format() -> None:
    assert CHECK_FORMATS == RENDERED_FORMATS


@pytest.mark.parametrize(
    ("env", "first_line"),
    [
        ({}, "models/clean.onnx  [onnx"),  # text
        ({"PRE_COMMIT": "1"}, "models/custom.onnx: info MLC001"),  # concise
        ({"GITHUB_ACTIONS": "true"}, "::notice file=models/custom.onnx,"),  # github
        ({"GITHUB_ACTIONS": "true", "PRE_COMMIT": "1"}, "models/custom.onnx: info MLC001"),
    ],
)
def test_the_environment_picks_the_stdout_format(
    repository: Path, env: dict[str, str], first_line: str
) -> None:
    _, out, _ = run_cli("check", "models", cwd=repository, env=env)
    assert out.startswith(first_line)


def test_an_explicit_format_beats_the_environment(repository: Path) -> None:
    _, out, _ = run_cli(
        "check", "models", "--format", "json", cwd=repository, env={"GITHUB_ACTIONS": "true"}
    )
    assert json.loads(out)["summary"]["findings"] == {"error": 1, "warning": 1, "info": 1}


def test_several_outputs_in_one_run(repository: Path, tmp_path: Path) -> None:
    sarif, junit = tmp_path / "out" / "modelint.sarif", tmp_path / "junit.xml"
    code, out, err = run_cli(
        "check",
        "models",
        "--format",
        "concise",
        "--output",
        f"sarif:{sarif}",
        "--output",
        f"junit:{junit}",
        cwd=repository,
    )
    assert (code, err) == (1, "")
    assert out.endswith("4 models checked: 1 error, 1 warning, 1 info, 1 suppressed\n")
    assert json.loads(sarif.read_text())["version"] == "2.1.0"  # its directory was created
    assert _xml(junit.read_text()).get("failures") == "1"


@pytest.mark.parametrize("spec", ["sarif", "sarif:", "xml:out.xml"])
def test_a_bad_output_spec_is_a_usage_error(repository: Path, spec: str) -> None:
    code, _, err = run_cli("check", "models", "--output", spec, cwd=repository)
    assert code == 2 and err.count("\n") == 1
    assert "expected FORMAT:PATH" in err or "unknown format 'xml'" in err


def test_an_unwritable_output_is_one_line_exit_two(repository: Path) -> None:
    target = repository / "models" / "clean.onnx" / "report.sarif"  # under a file
    code, _, err = run_cli("check", "models", "--output", f"sarif:{target}", cwd=repository)
    assert code == 2 and err.startswith("modelint: error: cannot write") and err.count("\n") == 1


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _check_in_terminal(repository: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    monkeypatch.chdir(repository)
    for name in ("NO_COLOR", "PRE_COMMIT", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = _Terminal()
    main(["check", "models"], out=out, err=io.StringIO())
    return out.getvalue()


def test_text_is_coloured_only_in_a_terminal_and_no_color_turns_it_off(
    repository: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "\033[" in _check_in_terminal(repository, monkeypatch)
    assert "\033[" not in _check_in_terminal(repository, monkeypatch, NO_COLOR="1")
    assert "\033[" in _check_in_terminal(repository, monkeypatch, NO_COLOR="")  # no-color.org
    _, piped, _ = run_cli("check", "models", cwd=repository)
    assert "\033[" not in piped


def test_output_files_are_never_coloured(
    repository: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(repository)
    monkeypatch.delenv("NO_COLOR", raising=False)
    report = tmp_path / "report.txt"
    main(["check", "models", "--output", f"text:{report}"], out=_Terminal(), err=io.StringIO())
    assert "\033[" not in report.read_text()


def test_github_annotations_escape_their_data(repository: Path) -> None:
    _, out, _ = run_cli("check", "models", "--format", "github", cwd=repository)
    error = next(line for line in out.splitlines() if line.startswith("::error "))
    assert error.startswith("::error file=models/wide.onnx,title=modelint MLH001 (flop-budget)::")
    assert "583.7 %25 of the FLOP budget" in error  # '%' would start an escape sequence
    assert len(out.splitlines()) == 3  # the suppressed finding is not annotated


def test_gitlab_code_quality_issues(repository: Path) -> None:
    _, out, _ = run_cli("check", "models", "--format", "gitlab", cwd=repository)
    issues = json.loads(out)
    assert [issue["severity"] for issue in issues] == ["info", "major", "critical"]
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)
    assert {issue["location"]["path"] for issue in issues} == {
        "models/custom.onnx",
        "models/legacy.onnx",
        "models/wide.onnx",
    }
    assert all(issue["location"]["lines"] == {"begin": 1} for issue in issues)
    assert issues[2]["check_name"] == "modelint/MLH001"


def test_junit_has_a_case_per_model_and_rule(repository: Path) -> None:
    _, out, _ = run_cli("check", "models", "--format", "junit", cwd=repository)
    suites = _xml(out)
    by_name = {suite.get("name"): suite for suite in suites}
    assert sorted(by_name) == [f"models/{n}.onnx" for n in ("clean", "custom", "legacy", "wide")]
    cases = {case.get("name"): case for case in by_name["models/wide.onnx"]}
    assert cases["MLH001 flop-budget"].find("failure") is not None
    assert suites.get("failures") == "1" and suites.get("errors") == "0"
    custom = {case.get("name"): case for case in by_name["models/custom.onnx"]}
    skipped = custom["MLH003 latency-budget"].find("skipped")
    assert skipped is not None and "undecided" in (skipped.get("message") or "")
    assert custom["MLC001 uncosted-node"].find("system-out") is not None  # info: passes
    legacy = {case.get("name"): case for case in by_name["models/legacy.onnx"]}
    out_text = legacy["MLG003 unused-initializers"].findtext("system-out") or ""
    assert "suppressed: old weights kept" in out_text


def test_junit_follows_fail_on_and_reports_unreadable_models(repository: Path) -> None:
    broken = repository / "broken.onnx"
    broken.write_bytes(b"\x00")
    try:
        _, out, _ = run_cli(
            "check",
            "models",
            "broken.onnx",
            "--format",
            "junit",
            "--fail-on",
            "warning",
            cwd=repository,
        )
    finally:
        broken.unlink()
    suites = _xml(out)
    assert (suites.get("failures"), suites.get("errors")) == ("2", "1")  # MLH001, MLG004
    (load,) = [suite for suite in suites if suite.get("name") == "broken.onnx"]
    assert load[0].find("error") is not None


def test_junit_gives_a_broken_config_one_suite_with_a_case_per_problem(
    tmp_path: Path, conv_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two suites of one name: report viewers merge or overwrite them."""
    (tmp_path / "A").mkdir()
    (tmp_path / "A" / "m.onnx").write_bytes(conv_model.read_bytes())
    (tmp_path / "A" / ".modelint.yaml").write_text("selekt: [MLA]\nfail_on: error\n")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    assert main(["check", "--format", "junit", "A"], out=out, err=io.StringIO()) == 2
    (suite,) = _xml(out.getvalue())
    assert (suite.get("name"), suite.get("tests"), suite.get("errors")) == (
        "A/.modelint.yaml",
        "2",
        "2",
    )
    messages = [case.find("error").get("message") for case in suite]  # type: ignore[union-attr]
    assert [message.split(": ", 2)[2][:16] for message in messages] == [
        "unknown key 'sel",
        "unknown key 'fai",
    ]


def test_markdown_without_budgets_has_no_budget_column(conv_model: Path) -> None:
    code, out, _ = run_cli("check", conv_model.name, "--format", "markdown", cwd=conv_model.parent)
    assert code == 0
    assert "| metric | value |\n|---|---:|" in out
    assert "| MACs | 6.91 k |" in out and "latency" not in out
    assert "**Findings:** none" in out


def test_markdown_reports_budgets_findings_and_collapsible_details(repository: Path) -> None:
    _, out, _ = run_cli("check", "models", "--format", "markdown", cwd=repository)
    assert "| FLOPs | 117 kFLOPs | 20 kFLOPs | **583.7 %** |" in out
    assert "| error | MLH001 `flop-budget` |  |  | 117 kFLOPs per inference" in out
    assert "<summary>Top layers by FLOPs (2 of 2)</summary>" in out
    assert "| stem | 55.3 k |" in out
    assert "<summary>Uncosted ops: 1 of 2 nodes" in out
    assert "<summary>Suppressed findings (1)</summary>" in out


def test_every_format_is_byte_identical_across_two_processes(
    repository: Path, tmp_path: Path
) -> None:
    """Two separate processes (different hash seeds), every format at once via --output."""
    outputs = []
    for run in ("first", "second"):
        folder = tmp_path / run
        args = [f"--output={fmt}:{folder / fmt}" for fmt in CHECK_FORMATS]
        subprocess.run(
            [sys.executable, "-m", "modelint", "check", "models", *args],
            cwd=repository,
            capture_output=True,
            check=False,
            env={"PATH": "/usr/bin:/bin", "PYTHONHASHSEED": "random"},
        )
        outputs.append({fmt: (folder / fmt).read_bytes() for fmt in CHECK_FORMATS})
    for fmt in CHECK_FORMATS:
        assert outputs[0][fmt] == outputs[1][fmt], fmt
        assert outputs[0][fmt], fmt


def test_diff_formats_are_byte_identical_across_two_processes(repository: Path) -> None:
    outputs = {}
    for fmt in ("text", "markdown", "json"):
        runs = [
            subprocess.run(
                [sys.executable, "-m", "modelint", "diff", "diff/baseline", "diff/proposed",
                 "--format", fmt],
                cwd=repository, capture_output=True, check=True,
                env={"PATH": "/usr/bin:/bin", "PYTHONHASHSEED": "random"},
            ).stdout
            for _ in range(2)
        ]  # fmt: skip
        assert runs[0] == runs[1] and runs[0], fmt
        outputs[fmt] = runs[0]
    assert b"+147,456" in outputs["text"]


def test_markdown_counts_findings_as_the_text_summary_does() -> None:
    def finding(severity: Severity, node: str) -> Finding:
        location = Location("m.onnx", node=node)
        return Finding.create(
            rule_id="MLX001", rule_name="x", severity=severity, message=node, location=location
        )

    findings = [
        *(finding(Severity.ERROR, f"e{i}") for i in range(3)),
        finding(Severity.WARNING, "w"),
        *(finding(Severity.INFO, f"i{i}") for i in range(2)),
    ]
    assert markdown_counts(findings) == "3 errors, 1 warning, 2 info"
    assert markdown_counts([]) == "none"
