"""``rules``, ``rule ID``, ``test [DIR]`` and ``config show [MODEL]``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from modelint.cli.commands import EXIT_CLEAN, EXIT_FINDINGS
from modelint.cli.parser import UsageExit

__all__ = ["run_config", "run_rule", "run_rules", "run_test"]


def run_rules(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from modelint.report.rules_report import (
        render_rules_json,
        render_rules_markdown,
        render_rules_text,
    )
    from modelint.rules import load_lint_rules

    rules = load_lint_rules(tuple(args.rules))
    render = {"json": render_rules_json, "markdown": render_rules_markdown}.get(
        args.format, render_rules_text
    )
    out.write(render(rules))
    return EXIT_CLEAN


def run_rule(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from modelint.expr import did_you_mean
    from modelint.report.rules_report import render_rule
    from modelint.rules import load_lint_rules

    rules = load_lint_rules(tuple(args.rules))
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

    directory = Path(args.directory)
    results = run_rule_tests(directory)
    if not results:
        return _no_tests(directory, out)
    failed = [result for result in results if not result.passed]
    for result in results:
        out.write(f"{'PASS' if result.passed else 'FAIL'}  {result.name}\n")
        if not result.passed:
            out.write(
                f"      expected: {sorted(result.expected, key=str)}\n"
                f"      actual:   {sorted(result.actual, key=str)}\n"
            )
    out.write(f"{len(results) - len(failed)} passed, {len(failed)} failed\n")
    return EXIT_FINDINGS if failed else EXIT_CLEAN


def _no_tests(directory: Path, out: TextIO) -> int:
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
    return EXIT_CLEAN


def run_config(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from modelint.config import find_config_file, load_config
    from modelint.report.config_report import render_config

    target = Path(args.model) if args.model else Path.cwd() / "model.onnx"
    if args.model and not target.exists():  # a typo would silently show another tree's config
        raise UsageExit(f"modelint config show: {args.model}: no such file or directory")
    path = Path(args.config).resolve() if args.config else find_config_file(target)
    out.write(render_config(load_config(path)))
    return EXIT_CLEAN
