"""The code bar, checked as tests so that the README's one test command covers it:
ruff (lint + format), mypy --strict, import-linter's layer contracts, and the size budgets
(modules <= 400 lines, functions <= 50 lines without their docstring)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "modelint"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 50


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return found


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_lint_is_clean() -> None:
    result = _run(_tool("ruff"), "check", "--no-cache", "modelint", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = _run(
        _tool("ruff"), "format", "--check", "--no-cache", "modelint", "tests", "benchmarks"
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean() -> None:
    result = _run(_tool("mypy"), "--no-incremental")
    assert result.returncode == 0, result.stdout + result.stderr


def test_layers_are_one_way() -> None:
    result = _run(_tool("lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _function_length(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    assert node.end_lineno is not None
    length = node.end_lineno - node.lineno + 1
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        docstring = body[0]
        assert docstring.end_lineno is not None
        length -= docstring.end_lineno - docstring.lineno + 1
    return length


@pytest.mark.parametrize("module", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_and_function_sizes(module: Path) -> None:
    text = module.read_text(encoding="utf-8")
    lines = text.count("\n")
    assert lines <= MAX_MODULE_LINES, f"{module.name}: {lines} lines > {MAX_MODULE_LINES}"
    too_long = [
        f"{node.name} ({_function_length(node)} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and _function_length(node) > MAX_FUNCTION_LINES
    ]
    assert not too_long, f"{module.name}: functions over {MAX_FUNCTION_LINES} lines: {too_long}"


# A forked child must end with os._exit, never return into its parent's program; it ends
# the child modelint started, not the process of whoever called modelint.
_ENDS_A_FORKED_CHILD = {("background.py", "os._exit")}


def test_library_never_prints_or_exits() -> None:
    """Only the CLI prints and picks exit codes (DESIGN §10.1)."""
    offenders = []
    for module in _modules():
        if module.name == "__main__.py" or module.parent.name == "cli":
            continue
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                if name in ("print", "sys.exit", "exit", "quit", "os._exit", "eval", "exec"):
                    if (module.name, name) in _ENDS_A_FORKED_CHILD:
                        continue
                    offenders.append(f"{module.name}:{node.lineno} {name}(...)")
    assert not offenders, offenders


def test_test_modules_have_unique_names() -> None:
    """pytest imports test files by basename (rootdir-relative, no packages): two files with one
    name make the whole run stop at collection."""
    seen: dict[str, Path] = {}
    clashes = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if path.name == "conftest.py":
            continue
        if path.name in seen:
            clashes.append(f"{seen[path.name].relative_to(ROOT)} and {path.relative_to(ROOT)}")
        seen.setdefault(path.name, path)
    assert not clashes, clashes
