"""The argument parser. It raises instead of exiting, so ``main`` keeps the one exit path."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

# The names profiles use for precisions (modelint.profiles.DTYPES; not imported, so that
# `modelint --version` imports nothing but the CLI).
DTYPES = ("fp64", "fp32", "tf32", "bf16", "fp16", "fp8", "int16", "int8", "int4")

# modelint.report.formats.CHECK_FORMATS, repeated (a test keeps them equal) so that parsing
# imports no report module.
CHECK_FORMATS = ("text", "concise", "json", "sarif", "github", "gitlab", "junit", "markdown")
DIFF_FORMATS = ("text", "markdown", "json")
_ENVIRONMENT_DEFAULT = "concise under PRE_COMMIT=1, github under GITHUB_ACTIONS=true, else text"

__all__ = ["CHECK_FORMATS", "DIFF_FORMATS", "UsageExit", "build_parser"]


class UsageExit(Exception):  # noqa: N818 - not a failure of modelint: the command line's
    """A command-line mistake: printed as one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageExit(f"{self.prog}: {message}")

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: None = None
    ) -> argparse.Namespace:
        """Paths may follow options, as in other linters: ``check a.onnx --strict b.onnx``
        (argparse stops a positional list at the first option and refused ``b.onnx``)."""
        parsed, extras = self.parse_known_args(args, namespace)
        paths = getattr(parsed, "paths", None)
        if extras and (paths is None or any(extra.startswith("-") for extra in extras)):
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        if extras and paths is not None:
            paths.extend(extras)
        return parsed


def _input_shape(text: str) -> tuple[str, tuple[int, ...]]:
    name, sep, dims = text.rpartition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=d0,d1,..., got {text!r}")
    try:
        shape = tuple(int(item) for item in dims.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"dims of {name!r} must be integers: {dims!r}") from None
    if any(dim <= 0 for dim in shape):
        raise argparse.ArgumentTypeError(f"dims of {name!r} must be positive: {dims!r}")
    if any(dim > 2**63 - 1 for dim in shape):  # ONNX dims are int64
        raise argparse.ArgumentTypeError(f"dims of {name!r} must be below 2**63: {dims!r}")
    return name, shape


def _output(text: str) -> tuple[str, str]:
    fmt, sep, path = text.partition(":")
    if not sep or not path:
        raise argparse.ArgumentTypeError(f"expected FORMAT:PATH, got {text!r}")
    if fmt not in CHECK_FORMATS:
        raise argparse.ArgumentTypeError(
            f"unknown format {fmt!r} in {text!r}; choose one of {', '.join(CHECK_FORMATS)}"
        )
    if path == "-":  # stdout carries the --format report; two reports there would mix
        raise argparse.ArgumentTypeError(
            f"{text!r}: stdout takes the --format report (--format {fmt}); --output writes files"
        )
    return fmt, path


def _names(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names:
        raise argparse.ArgumentTypeError("expected comma-separated names")
    return names


def _analysis_options(
    parser: argparse.ArgumentParser,
    formats: tuple[str, ...] = ("text", "json"),
    default: str | None = "text",
) -> None:
    parser.add_argument(
        "--format",
        choices=formats,
        default=default,
        help=f"output format (default: {default or _ENVIRONMENT_DEFAULT})",
    )
    parser.add_argument(
        "--input-shape",
        action="append",
        default=[],
        type=_input_shape,
        metavar="NAME=D0,D1,...",
        help="bind a graph input's shape (repeatable); overrides the config",
    )
    parser.add_argument(
        "--rules",
        action="append",
        default=[],
        metavar="DIR",
        help="extra rule directory: cost entries and lint rules (repeatable)",
    )
    parser.add_argument(
        "--config", metavar="FILE", help="use this config file instead of discovering one per model"
    )
    parser.add_argument(
        "--profile",
        metavar="ID",
        help="hardware profile to check against: an id (modelint profiles), ID@MODE, or a file",
    )
    parser.add_argument(
        "--dtype",
        choices=DTYPES,
        help="precision the model runs in on the profile (default: the model's own dtypes)",
    )
    parser.add_argument("--no-color", action="store_true", help="never colour the output")
    parser.add_argument("--quiet", action="store_true", help="no progress line while converting")
    parser.add_argument(
        "--debug", action="store_true", help="show tracebacks for errors (for bug reports)"
    )
    _tensorflow_options(parser)


def _tensorflow_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("TensorFlow models (Keras, SavedModel, TFLite, .pb)")
    group.add_argument(
        "--opset", type=int, metavar="N", help="ONNX opset of the conversion (default 17)"
    )
    group.add_argument(
        "--batch",
        type=int,
        metavar="N",
        help="batch size for inputs whose batch dim is open (default 1)",
    )
    group.add_argument(
        "--graphdef-inputs",
        type=_names,
        metavar="A,B",
        help="input tensors of a frozen GraphDef (default: its Placeholders)",
    )
    group.add_argument(
        "--graphdef-outputs",
        type=_names,
        metavar="A,B",
        help="output tensors of a frozen GraphDef (default: unconsumed ops)",
    )
    group.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="conversion cache (default: .modelint_cache at the repo root)",
    )
    group.add_argument(
        "--no-cache", action="store_true", help="convert again even when a cached conversion exists"
    )


def _diff(commands: argparse._SubParsersAction[_Parser]) -> None:
    diff = commands.add_parser(
        "diff",
        help="cost and findings of a model against its baseline (exit 0 unless bad input)",
    )
    diff.add_argument("old", metavar="OLD", help="the baseline: a model or a directory of models")
    diff.add_argument("new", metavar="NEW", help="the proposed version (same kind as OLD)")
    _analysis_options(diff, DIFF_FORMATS)
    diff.add_argument(
        "--top", type=int, default=10, metavar="N", help="rows per table in text and markdown"
    )
    for flag, help_text in (("--select", "only these rules"), ("--ignore", "leave these out")):
        diff.add_argument(
            flag, type=_names, action="append", default=[], metavar="CODES", help=help_text
        )


def _check(commands: argparse._SubParsersAction[_Parser]) -> None:
    check = commands.add_parser("check", help="cost and lint model files (the CI gate)")
    check.add_argument("paths", nargs="+", metavar="PATH", help="model files or directories")
    _analysis_options(check, CHECK_FORMATS, None)
    check.add_argument(
        "--output",
        action="append",
        default=[],
        type=_output,
        metavar="FORMAT:PATH",
        help="also write the report in FORMAT to PATH (repeatable; never coloured)",
    )
    check.add_argument(
        "--select",
        type=_names,
        action="append",
        default=[],
        metavar="CODES",
        help="only these rules (ids, id prefixes, names; comma-separated)",
    )
    check.add_argument(
        "--ignore",
        type=_names,
        action="append",
        default=[],
        metavar="CODES",
        help="leave these rules out (comma-separated)",
    )
    check.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip model paths matching GLOB (repeatable; added to the config's exclude)",
    )
    check.add_argument(
        "--strict",
        action="store_true",
        help="uncosted nodes (MLC001) become error findings, even where the config ignores MLC001",
    )
    check.add_argument(
        "--fail-on",
        choices=("error", "warning", "info", "never"),
        help="lowest severity that fails the run (default: config, else error)",
    )
    check.add_argument("--nodes", action="store_true", help="include every node in JSON output")


_CONFIG_RULES_HELP = "the config whose rule-paths apply (default: the one found from here)"


def _rule_commands(commands: argparse._SubParsersAction[_Parser]) -> None:
    rules = commands.add_parser("rules", help="the lint rules in force")
    rules.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="text: one line per rule; markdown: the catalogue of docs/rules.md; json: all",
    )
    rule = commands.add_parser("rule", help="one rule's documentation, with examples")
    rule.add_argument("code", metavar="ID", help="rule id, name or alias")
    test = commands.add_parser("test", help="run rule tests (expected.yaml) and rule examples")
    test.add_argument(
        "directories",
        nargs="*",
        metavar="DIR",
        help="rule directories (default: the config's rule-paths, else ./rules)",
    )
    for parser in (rules, rule):
        parser.add_argument(
            "--rules",
            action="append",
            default=[],
            metavar="DIR",
            help="a rule directory besides the config's rule-paths (repeatable)",
        )
    for parser in (rules, rule, test):
        parser.add_argument("--config", metavar="FILE", help=_CONFIG_RULES_HELP)
    _config_and_costs(commands)
    for parser in (rules, rule, test):
        parser.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)


def _config_and_costs(commands: argparse._SubParsersAction[_Parser]) -> None:
    config = commands.add_parser("config", help="configuration")
    config.add_argument("action", choices=("show",), help="show: the effective config")
    config.add_argument(
        "model",
        nargs="?",
        metavar="MODEL",
        help="the model whose config to show (default: the current directory)",
    )
    config.add_argument("--config", metavar="FILE")
    costs = commands.add_parser("costs", help="the cost rules in force and their sources")
    costs.add_argument(
        "--format",
        choices=("text", "markdown", "json"),
        default="text",
        help="text: one line per op; markdown: the table of docs/costs.md; json: every field",
    )
    costs.add_argument(
        "--rules",
        action="append",
        default=[],
        metavar="DIR",
        help="a directory of cost rules to add or override built-in entries (repeatable)",
    )
    costs.add_argument("--config", metavar="FILE", help=_CONFIG_RULES_HELP)
    for parser in (config, costs):
        parser.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)


def _profile_commands(commands: argparse._SubParsersAction[_Parser]) -> None:
    profiles = commands.add_parser("profiles", help="the hardware profiles available")
    profiles.add_argument("--format", choices=("text", "json"), default="text")
    profile = commands.add_parser("profile", help="one hardware profile with its sources")
    profile.add_argument("ref", metavar="ID", help="profile id, alias, ID@MODE or a file")
    for parser in (profiles, profile):
        parser.add_argument(
            "--config",
            metavar="FILE",
            help="config whose `profiles:` add profile files (default: discovered from here)",
        )
        parser.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="modelint", description="Static linter for neural-network models.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _check(commands)
    inspect = commands.add_parser("inspect", help="per-node cost table of one model")
    inspect.add_argument("model", metavar="MODEL")
    _analysis_options(inspect)
    inspect.add_argument(
        "--by",
        choices=("node", "op", "scope", "layer"),
        default="node",
        help="one row per node (default), op type, name scope or layer",
    )
    inspect.add_argument("--top", type=int, metavar="N", help="only the N rows with the most FLOPs")
    inspect.add_argument(
        "--depth",
        type=int,
        metavar="N",
        help="with --by scope: roll nested name scopes up to their first N levels "
        "('/enc/layer.0/attn' counts in '/enc/layer.0' at --depth 2)",
    )
    _diff(commands)
    _rule_commands(commands)
    _profile_commands(commands)
    return parser
