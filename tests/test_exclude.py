"""Model paths can be left out of a run: config ``exclude`` (replaced along ``extends``),
``extend-exclude`` (added), and ``--exclude`` on the command line; explicit files too, so a
pre-commit hook that passes file names honours them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cli_support import run

MODEL = (
    '<ir_version: 8, opset_import: ["" : 17]>\n'
    "g (float[1, 4] x) => (float[1, 4] y) {\n y = Relu (x)\n}\n"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    for name in ("models/a.onnxtxt", "models/b.onnxtxt", "tests/fixtures/broken.onnxtxt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(MODEL)
    return tmp_path


def _checked(project: Path, *argv: str) -> list[str]:
    code, out, err = run("check", "--format", "json", *argv, str(project))
    assert code == 0, err
    return [str(Path(m["path"]).relative_to(project)) for m in json.loads(out)["models"]]


def test_config_exclude_skips_matching_models(project: Path) -> None:
    (project / ".modelint.yaml").write_text('exclude: ["tests/fixtures/*"]\n')
    assert _checked(project) == ["models/a.onnxtxt", "models/b.onnxtxt"]


def test_extend_exclude_adds_to_an_inherited_exclude(project: Path) -> None:
    (project / "base.yaml").write_text('exclude: ["tests/*"]\n')
    (project / ".modelint.yaml").write_text('extends: [base.yaml]\nextend-exclude: ["b.*"]\n')
    assert _checked(project) == ["models/a.onnxtxt"]


def test_command_line_exclude_and_explicit_files(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)  # --exclude globs are relative to where the command runs
    assert _checked(project, "--exclude", "models/a.*") == [
        "models/b.onnxtxt",
        "tests/fixtures/broken.onnxtxt",
    ]
    (project / ".modelint.yaml").write_text('exclude: ["tests/fixtures/*"]\n')
    explicit = project / "tests" / "fixtures" / "broken.onnxtxt"
    code, _, err = run("check", str(explicit), str(project / "models" / "a.onnxtxt"))
    assert code == 0, err


def test_everything_excluded_is_a_clean_run_that_says_so(project: Path) -> None:
    """pre-commit passes the changed files: a commit touching only excluded ones must pass
    (as with ruff and flake8), and the summary says why nothing was checked."""
    (project / ".modelint.yaml").write_text('exclude: ["*.onnxtxt"]\n')
    code, out, err = run("check", str(project))
    assert (code, err) == (0, "")
    summary = "0 models checked, 0 could not be read, 3 excluded; findings: 0 errors"
    assert out == f"{summary}, 0 warnings, 0 info\n"
    files = [str(project / "models" / name) for name in ("a.onnxtxt", "b.onnxtxt")]
    code, out, err = run("check", "--format", "concise", *files)
    assert (code, out, err) == (
        0,
        "0 models checked, 2 excluded: 0 errors, 0 warnings, 0 info\n",
        "",
    )
    code, out, _ = run("check", "--format", "json", *files)
    assert code == 0 and json.loads(out)["summary"]["excluded"] == 2


def test_exclude_must_be_a_list_of_globs(project: Path) -> None:
    (project / ".modelint.yaml").write_text("exclude: tests\n")
    code, _, err = run("check", str(project))
    assert code == 2
    assert err.startswith(f"modelint: error: {project / '.modelint.yaml'}: exclude: ")


def test_a_directory_search_leaves_out_what_git_ignores(project: Path) -> None:
    """Build outputs and downloaded checkpoints are not the repository's models (ruff does
    the same); a file named on the command line is checked all the same."""
    git = shutil.which("git")
    assert git is not None, "the test suite needs git (the CI clones with it)"
    shutil.rmtree(project / ".git")
    subprocess.run([git, "init", "-q", str(project)], check=True)
    (project / ".gitignore").write_text("tests/fixtures/\nb.*\n")
    assert _checked(project) == ["models/a.onnxtxt"]
    broken = project / "tests" / "fixtures" / "broken.onnxtxt"
    code, out, err = run("check", "--format", "json", str(broken))
    assert (code, err) == (0, "") and len(json.loads(out)["models"]) == 1


def test_without_git_nothing_is_left_out(project: Path) -> None:
    (project / ".gitignore").write_text("tests/fixtures/\n")  # .git is no repository here
    assert len(_checked(project)) == 3
