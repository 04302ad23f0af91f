"""``modelint profiles`` (a table, or JSON) and ``modelint profile ID`` (one device in full:
peaks with their sources, ridge points, memory, operators, efficiency, calibration)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from modelint.profiles import DTYPES, Engine, Figure, HardwareProfile
from modelint.profiles.calibrate import point_label
from modelint.report.table import render_table
from modelint.templates import format_si
from modelint.units import format_quantity

__all__ = ["render_profile", "render_profiles_json", "render_profiles_text"]

_TABLE_DTYPES = ("fp32", "fp16", "int8")


def _best_peak(profile: HardwareProfile, dtype: str) -> str:
    peaks = [engine.peak(dtype) for engine in profile.engines]
    known = [peak for peak in peaks if peak]
    return format_si(max(known)) if known else "-"


def _capacity(profile: HardwareProfile) -> str:
    memory = profile.memory
    if memory.capacity is not None:
        return format_quantity(memory.capacity.value, "B")
    parts = []
    for label, value in (
        ("SRAM", profile.on_chip("sram")),
        ("flash", memory.flash.value if memory.flash else None),
        ("cache", profile.on_chip("parameter_cache")),
    ):
        if value is not None:
            parts.append(f"{format_quantity(value, 'B')} {label}")
    return ", ".join(parts) or "-"


def render_profiles_text(profiles: Sequence[HardwareProfile]) -> str:
    rows = [
        [
            profile.id,
            profile.category,
            *(_best_peak(profile, dtype) for dtype in _TABLE_DTYPES),
            _capacity(profile),
            format_quantity(profile.bandwidth, "B/s") if profile.bandwidth else "-",
            profile.confidence,
        ]
        for profile in profiles
    ]
    headers = ["id", "category", "fp32", "fp16", "int8", "memory", "bandwidth", "confidence"]
    numeric = [False, False, True, True, True, False, True, False]
    lines = render_table(headers, rows, numeric)
    lines += [
        "",
        f"{len(profiles)} profiles; dense peaks in ops/s (the best engine per precision); "
        "details and sources: modelint profile ID",
    ]
    return "\n".join(lines) + "\n"


def _figure(figure: Figure | None) -> str | None:
    return None if figure is None else figure.text


def _engine_dict(engine: Engine) -> dict[str, Any]:
    return {
        "id": engine.id,
        "kind": engine.kind,
        "default": engine.default,
        "count": engine.count,
        "peak_dense": {k: _figure(v) for k, v in engine.peak_dense.items()},
        "peak_sparse": {k: _figure(v) for k, v in engine.peak_sparse.items()},
        "precisions": list(engine.precisions),
    }


def render_profiles_json(profiles: Sequence[HardwareProfile]) -> str:
    data = [
        {
            "id": p.id,
            "aliases": list(p.aliases),
            "name": p.name,
            "vendor": p.vendor,
            "category": p.category,
            "confidence": p.confidence,
            "path": p.path,
            "engines": [_engine_dict(engine) for engine in p.engines],
            "memory": {
                "capacity": _figure(p.memory.capacity),
                "bandwidth": _figure(p.memory.bandwidth),
                "flash": _figure(p.memory.flash),
                "on_chip": {k: _figure(v) for k, v in p.memory.on_chip.items()},
            },
            "efficiency": {
                "compute": dict(p.efficiency.compute),
                "memory": p.efficiency.memory,
                "overhead_per_kernel_s": p.efficiency.overhead_per_kernel,
                "calibrated_from": list(p.efficiency.calibrated_from),
            },
            "sources": dict(p.sources),
        }
        for p in profiles
    ]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _figures(figures: Mapping[str, Figure | None]) -> str:
    return "; ".join(f"{k} {v.text if v else 'not known'}" for k, v in figures.items())


def _engine_lines(engine: Engine) -> list[str]:
    flags = ", default" if engine.default else ""
    count = f", x{engine.count}" if engine.count > 1 else ""
    clock = f", {engine.clock.text}" if engine.clock else ""
    lines = [f"  {engine.id} ({engine.kind}{flags}{count}{clock})"]
    if engine.precisions:
        lines.append(f"    precisions {' '.join(engine.precisions)}")
    if engine.peak_dense:
        lines.append(f"    dense      {_figures(engine.peak_dense)}")
    if engine.peak_sparse:
        pattern = f" ({engine.sparsity_pattern})" if engine.sparsity_pattern else ""
        lines.append(f"    sparse{pattern} {_figures(engine.peak_sparse)}")
    if engine.note:
        lines.append(f"    note       {engine.note}")
    return lines


def _ridge_lines(profile: HardwareProfile) -> list[str]:
    bandwidth = profile.bandwidth
    if not bandwidth:
        return ["ridge points: no memory bandwidth in the profile"]
    lines = [
        f"ridge points (dense peak / {format_quantity(bandwidth, 'B/s')}: operations per byte; "
        "a kernel below it is memory-bound)"
    ]
    for engine in profile.engines:
        ridges = [
            f"{dtype} {peak / bandwidth:,.1f}" for dtype in DTYPES if (peak := engine.peak(dtype))
        ]
        if ridges:
            lines.append(f"  {engine.id}: {', '.join(ridges)}")
    return lines


def _memory_lines(profile: HardwareProfile) -> list[str]:
    memory = profile.memory
    items: dict[str, Figure | None] = {
        "capacity": memory.capacity,
        "bandwidth": memory.bandwidth,
        "measured bandwidth": memory.bandwidth_measured,
        "flash": memory.flash,
        **memory.on_chip,
        **memory.external,
    }
    known = {k: v for k, v in items.items() if v is not None}
    lines = [f"memory {memory.type}".rstrip()]
    lines += [f"  {name} {figure.text}" for name, figure in known.items()]
    if profile.host_link is not None:
        lines.append(f"  host link {profile.host_link_type}: {profile.host_link.text}")
    return lines


def _power_lines(profile: HardwareProfile) -> list[str]:
    lines = [f"power tdp {profile.tdp.text if profile.tdp else 'not known'}"]
    for mode in profile.modes:
        default = " (default)" if mode.name == profile.default_mode else ""
        tdp = f" tdp {mode.tdp.text}" if mode.tdp else ""
        lines.append(f"  mode {mode.name}{default}{tdp} (--profile {profile.id}@{mode.name})")
    return lines


def _operator_lines(profile: HardwareProfile) -> list[str]:
    ops = profile.operators
    lines = [
        f"operators policy {ops.policy} ({ops.op_namespace} names); runtime "
        f"{', '.join(ops.runtime) or '-'}; fallback {ops.fallback or 'none'}; partition "
        f"{ops.partition_policy}"
    ]
    if ops.source:
        lines.append(f"  source: {ops.source}")
    if ops.allowlist:
        lines.append(f"  allowlist ({len(ops.allowlist)}): {' '.join(sorted(ops.allowlist))}")
    for op, constraints in sorted(ops.constraints.items()):
        for constraint in constraints:
            checked = f"  [checked: {constraint.require}]" if constraint.require else ""
            lines.append(f"  {op}: {constraint.text}{checked}")
    limits = [
        "static shapes" if ops.static_shapes else "",
        f"rank <= {ops.max_rank}" if ops.max_rank else "",
        f"dims <= {ops.max_dim}" if ops.max_dim else "",
        f"only the {ops.innermost_dims} innermost dims > 1" if ops.innermost_dims else "",
    ]
    known = [limit for limit in limits if limit]
    if known:
        lines.append(f"  shape limits: {', '.join(known)}")
    lines += [f"  - {text}" for text in ops.generic_constraints]
    return lines


def _efficiency_lines(profile: HardwareProfile) -> list[str]:
    eff, prior = profile.efficiency, profile.prior_efficiency
    state = "estimate" if eff.estimate else f"calibrated from {len(eff.calibrated_from)} points"
    lines = [f"efficiency ({state}; source: {eff.source})"]

    def was(new: float | None, old: float | None) -> str:
        return f" (prior {old})" if prior is not None and old != new else ""

    compute = ", ".join(
        f"{name} {value}{was(value, prior.compute.get(name) if prior else None)}"
        for name, value in eff.compute.items()
    )
    lines.append(f"  compute η: {compute or 'none (1.0)'}")
    memory = eff.memory if eff.memory is not None else "none (1.0)"
    lines.append(f"  memory η: {memory}{was(eff.memory, prior.memory if prior else None)}")
    lines.append(
        f"  overhead per kernel {format_quantity(eff.overhead_per_kernel, 's')}, per inference "
        f"{format_quantity(eff.overhead_per_inference, 's')}"
    )
    return lines


def _calibration_lines(profile: HardwareProfile) -> list[str]:
    if not profile.calibration:
        return []
    used = set(profile.efficiency.calibrated_from)
    lines = ["calibration (measured points)"]
    for point in profile.calibration:
        label = point_label(point)
        what = "fitted" if label in used else "reference"
        detail = ", ".join(
            part
            for part in (point.input, f"batch {point.batch}" if point.batch else "",
                         point.precision or "", point.engine or "", point.note)
            if part
        )  # fmt: skip
        lines.append(f"  {label} ({what}{'; ' + detail if detail else ''})")
    return lines


def render_profile(profile: HardwareProfile) -> str:
    mode = f" in mode {profile.mode}" if profile.mode else ""
    lines = [
        f"{profile.id}{mode}: {profile.name}",
        f"  {profile.vendor}; {profile.category}; confidence {profile.confidence}",
        f"  file {profile.path}"
        + (f"; aliases {', '.join(profile.aliases)}" if profile.aliases else ""),
        "",
        "engines (peaks with their sources; D derived, E estimate, W weak source)",
    ]
    for engine in profile.engines:
        lines += _engine_lines(engine)
    for block in (_ridge_lines, _memory_lines, _power_lines, _operator_lines):
        lines += ["", *block(profile)]
    lines += ["", *_efficiency_lines(profile)]
    budgets = profile.budgets
    if any(v is not None for v in (budgets.flops, budgets.params, budgets.latency, budgets.memory)):
        lines += ["", f"budgets {budgets}"]
    calibration = _calibration_lines(profile)
    if calibration:
        lines += ["", *calibration]
    lines += ["", "sources"]
    lines += [f"  {key}: {text}" for key, text in profile.sources.items()]
    return "\n".join(lines) + "\n"
