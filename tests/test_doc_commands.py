"""The command lines the README and the docs show are real: each parses with modelint's own
parser, names profiles that exist, and every command and flag of the CLI is documented."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from modelint.cli.parser import UsageExit, build_parser
from modelint.profiles import find_profile

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
SHELL_STOPS = {">", ">>", "|", "||", "&&", ";", "2>", "2>&1"}
PLACEHOLDERS = {"ID", "ID@MODE"}  # `modelint profile ID` in prose names no profile


def _blocks(text: str) -> list[str]:
    return re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S)


def _command_lines(text: str) -> list[str]:
    """``modelint ...`` lines of fenced blocks; continuation lines (``--output ...`` under a
    YAML ``>-``) are joined to the command they continue."""
    found: list[str] = []
    for block in _blocks(text):
        current: str | None = None
        for raw in block.splitlines():
            line = re.sub(r"^\s*(?:-\s+|run:\s+|\$\s+)?", "", raw)
            if current is not None and line.startswith("--"):
                current += " " + line
                continue
            if current is not None:
                found.append(current)
                current = None
            if line.startswith("modelint "):
                current = line
        if current is not None:
            found.append(current)
    return found


def _tokens(line: str) -> list[str]:
    line = line.split(" #", 1)[0]
    tokens = shlex.split(line)
    for index, token in enumerate(tokens):
        if token in SHELL_STOPS:
            return tokens[1:index]
    return [token.rstrip(".") if token.endswith("...") else token for token in tokens[1:]]


def _documented_commands() -> list[tuple[str, str]]:
    return [
        (str(path.relative_to(ROOT)), line)
        for path in DOCS
        for line in _command_lines(path.read_text(encoding="utf-8"))
    ]


def _parse(tokens: list[str]) -> argparse.Namespace:
    try:
        return build_parser().parse_args(tokens)
    except UsageExit as exc:
        pytest.fail(f"{' '.join(tokens)}: {exc}")
    except SystemExit:  # --help
        return argparse.Namespace()


@pytest.mark.parametrize(("doc", "line"), _documented_commands(), ids=lambda v: str(v)[:60])
def test_documented_command_lines_parse(doc: str, line: str) -> None:
    arguments = _parse(_tokens(line))
    refs = [getattr(arguments, "profile", None), getattr(arguments, "ref", None)]
    for ref in refs:
        if ref and ref not in PLACEHOLDERS and not ref.endswith((".yaml", ".yml")):
            find_profile(ref)  # raises ProfileError: a documented profile must exist


def _inline_commands() -> list[tuple[str, str]]:
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for block in _blocks(text):
            text = text.replace(block, "")
        found += [(path.name, span) for span in re.findall(r"`(modelint [^`]+)`", text)]
    return found


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize(("doc", "span"), _inline_commands(), ids=lambda v: str(v)[:60])
def test_commands_in_prose_name_real_commands_and_flags(doc: str, span: str) -> None:
    words = span.split()
    commands = _subparsers()
    if words[1].startswith("--"):
        assert words[1] in build_parser()._option_string_actions, span
        return
    assert words[1] in commands, f"{doc}: `{span}` names no modelint command"
    known = commands[words[1]]._option_string_actions
    for word in words[2:]:
        flag = word.split("=", 1)[0]
        if flag.startswith("--"):
            assert flag in known, f"{doc}: `{span}`: {words[1]} has no option {flag}"


def _input_shape_examples() -> list[str]:
    sources = [*DOCS, *sorted((ROOT / "rules" / "lint").glob("*.yaml"))]
    found = []
    for path in sources:
        text = path.read_text(encoding="utf-8")
        found += re.findall(r"`[^`\n]*--input-shape[ =]+([^`\s]+)[^`\n]*`", text)
    values = [value.strip("'\"") for value in found]
    return [value for value in values if not value.startswith("NAME=")]  # the usage pattern


@pytest.mark.parametrize("value", _input_shape_examples())
def test_documented_input_shapes_parse(value: str) -> None:
    arguments = _parse(["check", "model.onnx", "--input-shape", value])
    assert arguments.input_shape


def test_every_command_and_option_is_documented() -> None:
    text = "\n".join(path.read_text(encoding="utf-8") for path in DOCS)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = []
    for name, parser in _subparsers().items():
        if not re.search(rf"^modelint {name}\b", readme, flags=re.M):
            missing.append(f"modelint {name} (in a README command block)")
        for action in parser._actions:
            if action.help == argparse.SUPPRESS:
                continue
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help" and flag not in text:
                    missing.append(f"modelint {name} {flag}")
    assert not missing, f"undocumented: {sorted(set(missing))}"
