"""modelint's performance benchmark: wall time and peak RSS against onnx-tool and the floor.

    python benchmarks/run.py [--sizes 3k,30k,100k] [--no-onnx-tool] [--no-big] [--timeout 600]

Generates synthetic models into benchmarks/_work/ (once; reused afterwards), runs each tool on
each model in a fresh process, prints a table and PASS/FAIL lines for the targets. Progress
goes to stderr, the report to stdout. See benchmarks/README.md for the columns and targets.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from synthetic import SyntheticModel, big_weights_model, blocks_for_nodes, chain_model

HERE = Path(__file__).resolve().parent
MODELINT, FLOOR, ONNX_TOOL = "modelint", "floor", "onnx-tool"
FLOOR_LIMIT = 2.0  # modelint wall <= 2x the load + shape-inference floor
SPEEDUP_TARGET = 10.0  # onnx-tool wall >= 10x modelint wall
RSS_LIMIT_MB = 300.0  # modelint peak RSS on the 1 GiB-weights model
LINEAR_LIMIT = 2.0  # per-node time at the largest size <= 2x that at the smallest
QUICK_S, QUICK_REPEAT = 5.0, 3  # runs shorter than 5 s are repeated: best of at least 3


@dataclass(frozen=True, slots=True)
class Run:
    """One tool on one model: best wall time over the repeats, largest peak RSS."""

    model: str
    nodes: int
    tool: str
    status: str  # 'ok', 'timeout' or 'error (rc N): ...'
    wall_s: float
    cpu_s: float
    rss_mb: float

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def parse_sizes(text: str) -> list[int]:
    """'3k,30k,100k' -> [3000, 30000, 100000] (node counts; a plain integer also works)."""
    sizes = []
    for item in filter(None, (part.strip().lower() for part in text.split(","))):
        scale = 1000 if item.endswith("k") else 1
        try:
            value = float(item.removesuffix("k")) * scale
        except ValueError:
            raise argparse.ArgumentTypeError(f"bad size {item!r}; use e.g. 3k,30k,100k") from None
        if value < 6:  # the 1-block (3-node) chain is always measured, as the startup
            raise argparse.ArgumentTypeError(f"size {item!r} is under two blocks (6 nodes)")
        sizes.append(int(value))
    if not sizes:
        raise argparse.ArgumentTypeError("no sizes given")
    return sorted(set(sizes))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=parse_sizes("3k,30k,100k"),
        help="chain sizes in nodes (default: 3k,30k,100k)",
    )
    parser.add_argument(
        "--no-onnx-tool",
        action="store_true",
        help="skip onnx-tool (quadratic: minutes at 100k nodes)",
    )
    parser.add_argument("--no-big", action="store_true", help="skip the 1 GiB-weights model")
    parser.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        metavar="S",
        help="per tool and model, in seconds (default: 600)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="N",
        help="runs per tool and model, the fastest counting (default: 1; runs under 5 s: 3)",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=HERE / "_work",
        help="where generated models go (default: benchmarks/_work)",
    )
    parser.add_argument(
        "--regenerate", action="store_true", help="rewrite the models even if they exist"
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the runs as JSON")
    return parser


@dataclass(frozen=True, slots=True)
class Models:
    """What one run measures: the 3-node startup model, the chains, the 1 GiB model."""

    tiny: SyntheticModel
    chains: list[SyntheticModel]
    big: SyntheticModel | None

    def all(self) -> list[SyntheticModel]:
        return [self.tiny, *self.chains, *([self.big] if self.big else [])]


def build_models(args: argparse.Namespace) -> Models:
    """Generate what is missing under --work-dir (the 1 GiB model takes a few seconds)."""
    progress(f"models in {args.work_dir}:")
    tiny = chain_model(1, args.work_dir, regenerate=args.regenerate)
    chains = []
    for nodes in args.sizes:
        progress(f"  chain of {blocks_for_nodes(nodes):,} blocks ...")
        chains.append(
            chain_model(blocks_for_nodes(nodes), args.work_dir, regenerate=args.regenerate)
        )
    big = None
    if not args.no_big:
        progress("  1 GiB of weights ...")
        big = big_weights_model(args.work_dir, regenerate=args.regenerate)
    return Models(tiny, chains, big)


def tool_command(tool: str, model: Path) -> list[str]:
    if tool == MODELINT:
        return [sys.executable, "-m", "modelint", "check", "--format", "json", str(model)]
    script = {FLOOR: "floor.py", ONNX_TOOL: "onnx_tool_profile.py"}[tool]
    return [sys.executable, str(HERE / script), str(model)]


def measure_once(tool: str, model: SyntheticModel, timeout_s: float) -> dict[str, Any]:
    """One run in a fresh `measure.py` parent, so its peak RSS belongs to this run alone."""
    command = [sys.executable, str(HERE / "measure.py"), str(timeout_s), "--"]
    done = subprocess.run(
        [*command, *tool_command(tool, model.path)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"measure.py failed: {done.stderr.strip()}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


class Series:
    """One tool's runs on one model: ``repeat`` runs (at least 3 when a run takes under
    QUICK_S: short runs are the noisy ones), stopped by a failure; the fastest wall time
    with its CPU time counts, and the largest peak RSS."""

    def __init__(self, tool: str, model: SyntheticModel, repeat: int) -> None:
        self.tool, self.model, self.repeat = tool, model, repeat
        self.runs: list[Run] = []

    def wants_more(self) -> bool:
        runs = self.runs
        if runs and not runs[-1].ok:
            return False
        return len(runs) < self.repeat or (len(runs) < QUICK_REPEAT and runs[0].wall_s < QUICK_S)

    def add(self, raw: dict[str, Any]) -> None:
        status = _status(self.tool, raw)
        model = self.model
        self.runs.append(
            Run(model.label, model.nodes, self.tool, status, raw["wall_s"], raw["cpu_s"],
                raw["maxrss_mb"])
        )  # fmt: skip

    def result(self) -> Run:
        best = min(self.runs, key=lambda run: (not run.ok, run.wall_s))
        peak = max(run.rss_mb for run in self.runs)
        return Run(best.model, best.nodes, self.tool, best.status, best.wall_s, best.cpu_s, peak)


def run_tools(
    tools: Sequence[str], model: SyntheticModel, timeout_s: float, repeat: int
) -> list[Run]:
    """Every tool's series on ``model``, in rounds (modelint, floor, onnx-tool, modelint,
    floor...): a shared machine that slows down for a minute slows both sides of a ratio,
    not the one measured then."""
    series = [Series(tool, model, repeat) for tool in tools]
    while any(one.wants_more() for one in series):
        for one in series:
            if one.wants_more():
                one.add(measure_once(one.tool, model, timeout_s))
    results = [one.result() for one in series]
    for one, result in zip(series, results, strict=True):
        progress(
            f"  {result.tool:<9} {result.status:<7} {result.wall_s:8.2f} s "
            f"{result.rss_mb:8.1f} MB  (best of {len(one.runs)})"
        )
    return results


def _status(tool: str, raw: dict[str, Any]) -> str:
    if raw["timed_out"]:
        return "timeout"
    allowed = (0, 1) if tool == MODELINT else (0,)  # modelint exits 1 when findings fail the run
    if raw["rc"] in allowed:
        return "ok"
    tail = str(raw["stderr"]).strip().splitlines()
    return f"error (rc {raw['rc']}): {tail[-1] if tail else ''}"


def measure_all(models: Models, args: argparse.Namespace) -> list[Run]:
    tools = [MODELINT, FLOOR] + ([] if args.no_onnx_tool else [ONNX_TOOL])
    runs = []
    for model in models.all():
        progress(f"{model.label} ({model.nodes} nodes):")
        runs.extend(run_tools(tools, model, args.timeout, args.repeat))
    return runs


def find(runs: Sequence[Run], model: str, tool: str) -> Run | None:
    return next((run for run in runs if run.model == model and run.tool == tool), None)


def ratio(numerator: Run | None, denominator: Run | None, *, cpu: bool = False) -> float | None:
    """Wall-time (or CPU-time) ratio; a timed-out numerator gives a lower bound."""
    if numerator is None or denominator is None or not denominator.ok:
        return None
    if not (numerator.ok or numerator.status == "timeout"):
        return None
    top, bottom = (
        (numerator.cpu_s, denominator.cpu_s) if cpu else (numerator.wall_s, denominator.wall_s)
    )
    return top / bottom if bottom > 0 else None


def _cpu_note(numerator: Run | None, denominator: Run | None) -> str:
    value = ratio(numerator, denominator, cpu=True)
    if value is None or numerator is None:
        return ""
    return f"; CPU time {'>= ' if numerator.status == 'timeout' else ''}{value:.2f}x"


def _ratio_text(value: float | None, run: Run | None) -> str:
    if value is None:
        return ""
    bound = ">=" if run is not None and run.status == "timeout" else ""
    return f"{bound}{value:.2f}x"


def render_table(runs: Sequence[Run]) -> str:
    header = (
        "model",
        "nodes",
        "tool",
        "wall s",
        "cpu s",
        "peak RSS MB",
        "modelint/floor",
        "onnx-tool/modelint",
    )
    rows = [header]
    for run in runs:
        floor_ratio = onnx_ratio = ""
        if run.tool == MODELINT:
            floor_ratio = _ratio_text(ratio(run, find(runs, run.model, FLOOR)), run)
        elif run.tool == ONNX_TOOL:
            onnx_ratio = _ratio_text(ratio(run, find(runs, run.model, MODELINT)), run)
        wall = f"{run.wall_s:.2f}" if run.ok else run.status.split(":")[0]
        rows.append(
            (
                run.model,
                f"{run.nodes:,}",
                run.tool,
                wall,
                f"{run.cpu_s:.2f}",
                f"{run.rss_mb:.1f}",
                floor_ratio,
                onnx_ratio,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for index, row in enumerate(rows):
        cells = [
            cell.ljust(w) if i < 3 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def linear_report(runs: Sequence[Run], models: Models) -> tuple[list[str], list[str]]:
    """Per-node modelint time per chain size: raw, and net of the 3-node model's run (the
    interpreter, imports and rule loading that every run pays once), in wall and CPU time."""
    startup = find(runs, models.tiny.label, MODELINT)
    wall0, cpu0 = (startup.wall_s, startup.cpu_s) if startup and startup.ok else (0.0, 0.0)
    lines = [
        f"modelint time per node (startup: {wall0:.2f} s wall, {cpu0:.2f} s CPU "
        "on the 3-node model; net = minus startup):"
    ]
    net: list[tuple[str, float, bool]] = []  # label, net us/node, per-node work >= startup
    for model in models.chains:
        run = find(runs, model.label, MODELINT)
        if run is None or not run.ok:
            continue
        wall_us = (run.wall_s - wall0) / model.nodes * 1e6
        cpu_us = (run.cpu_s - cpu0) / model.nodes * 1e6
        net.append((model.label, wall_us, run.wall_s - wall0 >= wall0))
        lines.append(
            f"  {model.label:<11} {model.nodes:>8,} nodes  raw "
            f"{run.wall_s / model.nodes * 1e6:7.1f} us/node  net {wall_us:7.1f} "
            f"us/node wall, {cpu_us:7.1f} us/node CPU"
        )
    return lines, [_growth_verdict(net)]


def _growth_verdict(net: list[tuple[str, float, bool]]) -> str:
    """Largest size against the smallest whose per-node work is at least the startup: below
    that, the net time is a small difference of two noisy numbers (it can come out negative)."""
    reference = next((entry for entry in net[:-1] if entry[2]), None)
    if reference is None:
        return "SKIP  linear growth: needs a chain size whose net time exceeds the startup"
    (small, small_us, _), (large, large_us, _) = reference, net[-1]
    growth = large_us / small_us
    skipped = [label for label, _, reliable in net[:-1] if not reliable]
    note = f"; {', '.join(skipped)}: net time under the startup, too noisy" if skipped else ""
    verdict = "PASS" if growth <= LINEAR_LIMIT else "FAIL"
    return (
        f"{verdict}  linear growth: net wall time per node at {large} is {growth:.2f}x that at "
        f"{small} (target <= {LINEAR_LIMIT:g}x{note})"
    )


def target_lines(runs: Sequence[Run], models: Models) -> list[str]:
    lines = []
    for model in models.all()[1:]:
        mine, floor = find(runs, model.label, MODELINT), find(runs, model.label, FLOOR)
        vs_floor = ratio(mine, floor)
        if vs_floor is not None:
            verdict = "PASS" if vs_floor <= FLOOR_LIMIT else "FAIL"
            lines.append(
                f"{verdict}  {model.label}: modelint is {vs_floor:.2f}x the load + "
                f"shape-inference floor (target <= {FLOOR_LIMIT:g}x{_cpu_note(mine, floor)})"
            )
        lines.extend(_speedup_line(runs, model, mine))
        if model is models.big and mine is not None and mine.ok:
            verdict = "PASS" if mine.rss_mb < RSS_LIMIT_MB else "FAIL"
            lines.append(
                f"{verdict}  {model.label}: modelint peak RSS {mine.rss_mb:.0f} MB "
                f"(target < {RSS_LIMIT_MB:g} MB)"
            )
    return lines


def _speedup_line(runs: Sequence[Run], model: SyntheticModel, mine: Run | None) -> list[str]:
    theirs = find(runs, model.label, ONNX_TOOL)
    speedup = ratio(theirs, mine)
    if theirs is None or speedup is None:
        return []
    # a timed-out onnx-tool only bounds the ratio from below: short of the target, it is unknown
    verdict = "PASS" if speedup >= SPEEDUP_TARGET else "FAIL" if theirs.ok else "UNKNOWN"
    bound = ">= " if theirs.status == "timeout" else ""
    return [
        f"{verdict}  {model.label}: onnx-tool takes {bound}{speedup:.2f}x modelint's time "
        f"(target >= {SPEEDUP_TARGET:g}x{_cpu_note(theirs, mine)})"
    ]


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _compile_bytecode() -> None:
    """Write modelint's .pyc files first, as any installed package has them: otherwise, under
    PYTHONDONTWRITEBYTECODE (set on some CI machines), every measured run would pay for
    compiling the package from source."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("modelint")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            compileall.compile_dir(location, quiet=1)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.repeat < 1 or args.timeout <= 0:
        build_parser().error("--repeat and --timeout must be positive")
    models = build_models(args)
    _compile_bytecode()
    runs = measure_all(models, args)
    growth_lines, growth_verdict = linear_report(runs, models)
    print(
        render_table(runs),
        "",
        *growth_lines,
        "",
        *target_lines(runs, models),
        *growth_verdict,
        sep="\n",
    )
    if args.json:
        args.json.write_text(json.dumps([asdict(run) for run in runs], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
