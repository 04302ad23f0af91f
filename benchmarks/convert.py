"""TensorFlow front-end benchmark: conversion + analysis per format, cold and cached, beside
the TF-profiler recipe people use today.

    python benchmarks/convert.py [--models MobileNetV2,ResNet50] [--formats keras,h5,...]
                                 [--repeat N] [--work-dir DIR]

For each Keras Application (``weights=None``) saved as .keras, .h5, SavedModel, float .tflite
and frozen .pb, it runs ``modelint check --format json`` in a fresh process twice — cold (empty
conversion cache) and cached (the second run) — and the recipe of ``tf_profiler.py`` once
(from the .keras file). Prints wall time, peak RSS and the counts, then the targets:
a cached MobileNetV2 run under 1 s, and modelint's cold run (every format) no slower than the
recipe.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FORMATS = {
    "keras": "model.keras",
    "h5": "model.h5",
    "saved-model": "saved_model",
    "tflite": "model.tflite",
    "graphdef": "frozen.pb",
}
TIMEOUT_S = 900


@dataclass(frozen=True)
class Row:
    model: str
    tool: str
    cold_s: float
    cached_s: float | None
    rss_mb: float
    macs: int | None
    flops: int | None


def _measure(command: list[str], stdout: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(HERE / "measure.py"), str(TIMEOUT_S), str(stdout), "--", *command],
        capture_output=True,
        text=True,
        check=False,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    if result["rc"] not in (0, 1):
        raise RuntimeError(f"{command}: {result['stderr'][-500:]}")
    return result


def _modelint_command(path: Path, cache: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "modelint",
        "check",
        "--quiet",
        "--format",
        "json",
        "--cache-dir",
        str(cache),
        str(path),
    ]


def _modelint_runs(path: Path, cache: Path, output: Path) -> tuple[dict[str, Any], ...]:
    """One cold run (empty conversion cache) and one cached run."""
    shutil.rmtree(cache, ignore_errors=True)
    command = _modelint_command(path, cache)
    return _measure(command, output), _measure(command, output)


def _modelint_row(
    model: str, fmt: str, runs: list[tuple[dict[str, Any], ...]], output: Path
) -> Row:
    totals = json.loads(output.read_text())["models"][0]["totals"]
    return Row(
        model,
        f"modelint {fmt}",
        min(cold["wall_s"] for cold, _ in runs),
        min(cached["wall_s"] for _, cached in runs),
        max(max(cold["maxrss_mb"], cached["maxrss_mb"]) for cold, cached in runs),
        totals["macs"],
        totals["flops"],
    )


def _profiler_command(path: Path) -> list[str]:
    return [sys.executable, str(HERE / "tf_profiler.py"), str(path)]


def _profiler_row(model: str, runs: list[dict[str, Any]], output: Path) -> Row:
    flops = json.loads(output.read_text())["flops"]
    wall = min(run["wall_s"] for run in runs)
    rss = max(run["maxrss_mb"] for run in runs)
    return Row(model, "TF profiler recipe", wall, None, rss, None, flops)


def _rounds(
    models: list[str], formats: dict[str, str], work: Path, scratch: Path, repeat: int
) -> list[Row]:
    """Round-robin: each round runs every tool once, so a slow spell of the machine (or a cold
    page cache for TensorFlow's libraries) hits both sides; one untimed recipe run per model
    first warms the files. The fastest run of each tool counts."""
    for model in models:
        _measure(_profiler_command(work / model / "model.keras"), scratch / "warm.json")
    modelint: dict[tuple[str, str], list[tuple[dict[str, Any], ...]]] = {}
    recipe: dict[str, list[dict[str, Any]]] = {}
    for round_index in range(repeat):
        for model in models:
            for fmt, name in formats.items():
                print(f"  round {round_index + 1}: {model} {fmt} ...", file=sys.stderr)
                output = scratch / f"out-{model}-{fmt}.json"
                cache = scratch / f"cache-{model}-{fmt}"
                runs = _modelint_runs(work / model / name, cache, output)
                modelint.setdefault((model, fmt), []).append(runs)
            keras_file = work / model / "model.keras"
            run = _measure(_profiler_command(keras_file), scratch / f"profile-{model}.json")
            recipe.setdefault(model, []).append(run)
    rows: list[Row] = []
    for model in models:
        for fmt in formats:
            output = scratch / f"out-{model}-{fmt}.json"
            rows.append(_modelint_row(model, fmt, modelint[(model, fmt)], output))
        rows.append(_profiler_row(model, recipe[model], scratch / f"profile-{model}.json"))
    return rows


def _table(rows: list[Row]) -> str:
    lines = [
        f"{'model':<12} {'tool':<22} {'cold s':>7} {'cached s':>9} {'RSS MB':>7} "
        f"{'MACs':>15} {'FLOPs':>15}",
        "-" * 93,
    ]
    for row in rows:
        cached = f"{row.cached_s:.2f}" if row.cached_s is not None else "-"
        macs = f"{row.macs:,}" if row.macs is not None else "-"
        flops = f"{row.flops:,}" if row.flops is not None else "-"
        lines.append(
            f"{row.model:<12} {row.tool:<22} {row.cold_s:7.2f} {cached:>9} "
            f"{row.rss_mb:7.0f} {macs:>15} {flops:>15}"
        )
    return "\n".join(lines)


def _verdicts(rows: list[Row]) -> list[str]:
    lines = []
    for row in rows:
        if row.model == "MobileNetV2" and row.cached_s is not None:
            verdict = "PASS" if row.cached_s < 1.0 else "FAIL"
            lines.append(
                f"{verdict}  MobileNetV2 {row.tool}: cached run {row.cached_s:.2f} s (target < 1 s)"
            )
    for model in sorted({row.model for row in rows}):
        recipe = next(r for r in rows if r.model == model and r.cached_s is None)
        ours = [r for r in rows if r.model == model and r.cached_s is not None]
        for row in ours:  # the recipe reads the .keras file; every format is held to it
            verdict = "PASS" if row.cold_s <= recipe.cold_s else "FAIL"
            lines.append(
                f"{verdict}  {model} {row.tool}: cold {row.cold_s:.2f} s vs TF profiler "
                f"recipe {recipe.cold_s:.2f} s (target: no slower)"
            )
        counted = next((r for r in ours if r.macs), None)
        if counted is not None and counted.macs and recipe.flops:
            lines.append(
                f"      {model}: profiler FLOPs / modelint MACs ({counted.tool}) = "
                f"{recipe.flops / counted.macs:.3f} (2.0 = the profiler's 2 x MACs)"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="MobileNetV2,ResNet50")
    parser.add_argument("--work-dir", type=Path, default=HERE / "_work" / "tf")
    parser.add_argument(
        "--formats", default=",".join(FORMATS), help="comma-separated subset of the formats"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per tool and format; the fastest counts"
    )
    args = parser.parse_args(argv)
    formats = {name: FORMATS[name] for name in args.formats.split(",") if name in FORMATS}
    if "keras" not in formats or args.repeat < 1:
        parser.error("--formats must include keras (the recipe's input); --repeat >= 1")
    models = [name.strip() for name in args.models.split(",") if name.strip()]
    missing = [m for m in models if not (args.work_dir / m / "model.keras").exists()]
    if missing:
        print(f"building {', '.join(missing)} in {args.work_dir} ...", file=sys.stderr)
        subprocess.run(
            [sys.executable, str(HERE / "make_keras.py"), str(args.work_dir), *missing], check=True
        )
    with tempfile.TemporaryDirectory() as scratch:
        rows = _rounds(models, formats, args.work_dir, Path(scratch), args.repeat)
    print(_table(rows), "", *_verdicts(rows), sep="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
