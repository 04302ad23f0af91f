"""``rules``, ``rule ID``, ``test [DIR]`` and ``config show [MODEL]``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from modelint.cli.commands import EXIT_CLEAN, EXIT_FINDINGS
from modelint.cli.parser import UsageExit

__all__ = ["rule_directories", "run_config", "run_rule", "run_rules", "run_test"]


def rule_directories(config_file: str | None, extra: Sequence[str] = ()) -> tuple[str, ...]:
    """The rule directories in force where the command runs, as ``check`` would use them:
    the config's ``rule-paths`` (``config_file``, else the config found from the working
    directory), then ``extra`` (``--rules``)."""
    from modelint.config import find_config_file, load_config
    from modelint.rules.run import rule_paths

    path = Path(config_file).resolve() if config_file else None
    return rule_paths(load_config(path or find_config_file(Path.cwd() / "model.onnx")), extra)


def run_rules(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from modelint.report.rules_report import (
        render_rules_json,
        render_rules_markdown,
        render_rules_text,
    )
    from modelint.rules import load_lint_rules

    rules = load_lint_rules(rule_directories(args.config, args.rules))
    render = {"json": render_rules_json, "markdown": render_rules_markdown}.get(
        args.format, render_rules_text
    )
    out.write(render(rules))
    return EXIT_CLEAN


def run_rule(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from modelint.expr import did_you_mean
    from modelint.report.rules_report import render_rule
    from modelint.rules import load_lint_rules

    rules = load_lint_rules(rule_directories(args.config, args.rules))
    rule = rules.get(args.code) or rules.get(args.code.upper())
    if rule is None:
        raise UsageExit(
            f"modelint rule: no rule {args.code!r}"
            f"{did_you_mean(args.code, rules.codes())}; see modelint rules"
        )
    out.write(render_rule(rule))
    return EXIT_CLEAN


def run_test(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from modelint.rules.rule_tests import run_rule_tests

    directories = [Path(d) for d in args.directories] or _default_test_directories(args)
    passed = failed = 0
    for directory in directories:
        results = run_rule_tests(directory)
        if not results:
            _no_tests(directory, out)
        for result in results:
            out.write(f"{'PASS' if result.passed else 'FAIL'}  {result.name}\n")
            if not result.passed:
                out.write(
                    f"      expected: {sorted(result.expected, key=str)}\n"
                    f"      actual:   {sorted(result.actual, key=str)}\n"
                )
        failed += sum(1 for result in results if not result.passed)
        passed += sum(1 for result in results if result.passed)
    if passed or failed:
        out.write(f"{passed} passed, {failed} failed\n")
    return EXIT_FINDINGS if failed else EXIT_CLEAN


def _default_test_directories(args: argparse.Namespace) -> list[Path]:
    """No DIR given: the config's rule-paths, else ./rules (the pre-commit hook without args)."""
    configured = rule_directories(args.config)
    if configured:
        return [Path(directory) for directory in configured]
    if not Path("rules").is_dir():
        raise UsageExit(
            "modelint test: no rule directory given, none in the config's rule-paths, "
            "and no ./rules"
        )
    return [Path("rules")]


def _no_tests(directory: Path, out: TextIO) -> None:
    """A rule directory with nothing to test (cost rules only, say) passes once its rules
    load; a directory without any rule file is a usage error (a wrong path, most likely)."""
    from modelint.analysis import load_cost_rules
    from modelint.rules.loader import load_lint_rules

    if not directory.is_dir() or not any(directory.rglob("*.y*ml")):
        raise UsageExit(
            f"modelint test: no rule tests under {directory} (expected.yaml "
            "files or rules with docs examples)"
        )
    load_cost_rules((str(directory),))  # a rule file that does not load is an error (exit 2)
    load_lint_rules((str(directory),))
    out.write(f"no rule tests under {directory}; its rules load without error\n")


def run_config(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from modelint.config import find_config_file, load_config
    from modelint.report.config_report import render_config

    target = Path(args.model) if args.model else Path.cwd() / "model.onnx"
    if args.model and not target.exists():  # a typo would silently show another tree's config
        raise UsageExit(f"modelint config show: {args.model}: no such file or directory")
    path = Path(args.config).resolve() if args.config else find_config_file(target)
    out.write(render_config(load_config(path)))
    return EXIT_CLEAN
