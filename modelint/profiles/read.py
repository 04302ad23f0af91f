"""Reading one profile file: schema validation, then every figure parsed with its sources.

A figure is ``<quantity> [<tags>]``: ``"989.4 TFLOPS [S1]"``, ``"42.7 TFLOPS [E]"``. Each tag is
a source id of the profile's ``sources:`` or a marker — D (derived), E (estimate), W (weak
source). A figure without a tag is an error: every number in a profile says where it came
from. Errors name the file and the key path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from modelint.errors import ExpressionError, KeyedFileError, ProfileError, UnitError
from modelint.expr import compile_expression
from modelint.profiles.model import (
    CONSTRAINT_NAMES,
    Budgets,
    CalibrationPoint,
    Constraint,
    Efficiency,
    Engine,
    Figure,
    Fusion,
    HardwareProfile,
    Memory,
    Operators,
    PowerMode,
)
from modelint.schema import read_yaml, validate_document
from modelint.units import parse_value

__all__ = ["DEFAULT_FUSION", "parse_budgets", "read_profile"]

MARKERS = frozenset({"D", "E", "W"})
_TAGGED = re.compile(r"^(?P<quantity>[^\[\]]*?)\s*\[(?P<tags>[^\[\]]*)\]\s*$")

DEFAULT_FUSION = Fusion(
    anchors=frozenset(
        "Conv ConvTranspose Gemm MatMul Einsum QLinearConv QLinearMatMul ConvInteger "
        "MatMulInteger FusedConv FusedMatMul MatMulNBits".split()
    ),
    epilogue=frozenset(
        "BatchNormalization Relu Clip LeakyRelu PRelu Sigmoid HardSigmoid HardSwish Tanh Elu "
        "Selu Gelu Add Mul Sub Div QuantizeLinear".split()
    ),
    free=frozenset(
        "Reshape Flatten Squeeze Unsqueeze Identity Dropout Constant Shape Size".split()
    ),
)


class _Reader:
    """Converts one validated document; every error names the file and the key path."""

    def __init__(self, path: str, sources: Mapping[str, str]) -> None:
        self.path = path
        self.sources = sources

    def fail(self, key: str, message: str) -> ProfileError:
        return ProfileError(message, path=self.path, key=key)

    def figure(self, value: Any, expect: str, key: str) -> Figure | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(key, f"{value!r} has no source: write it as '<value> <unit> [S1]'")
        match = _TAGGED.match(value)
        if match is None:
            raise self.fail(key, f"{value!r} has no source: add its tags, e.g. '{value} [S1]'")
        tags = tuple(t for t in re.split(r"[\s,;]+", match["tags"]) if t)
        unknown = [t for t in tags if t not in MARKERS and t not in self.sources]
        if not tags or unknown:
            what = f"unknown source {unknown[0]!r}" if unknown else "no source tag"
            known = ", ".join(sorted(self.sources))
            raise self.fail(key, f"{value!r}: {what} (sources: {known}; markers: D, E, W)")
        try:
            number = parse_value(match["quantity"], expect)
        except UnitError as exc:
            raise self.fail(key, exc.message) from None
        return Figure(number, tags, value)

    def figures(
        self, mapping: Mapping[str, Any], expect: str, key: str
    ) -> dict[str, Figure | None]:
        return {name: self.figure(v, expect, f"{key}.{name}") for name, v in mapping.items()}

    def quantity(self, value: Any, expect: str, key: str) -> float:
        """A plain quantity (no source tags needed): efficiency overheads, budgets."""
        try:
            return parse_value(value, expect)
        except UnitError as exc:
            raise self.fail(key, exc.message) from None


def _engine(reader: _Reader, spec: Mapping[str, Any], key: str) -> Engine:
    return Engine(
        id=spec["id"],
        kind=spec["kind"],
        default=bool(spec.get("default", False)),
        count=int(spec.get("count", 1)),
        clock=reader.figure(spec.get("clock"), "Hz", f"{key}.clock"),
        peak_dense=reader.figures(spec.get("peak_dense", {}), "ops/s", f"{key}.peak_dense"),
        peak_sparse=reader.figures(spec.get("peak_sparse", {}), "ops/s", f"{key}.peak_sparse"),
        sparsity_pattern=spec.get("sparsity_pattern"),
        precisions=tuple(spec.get("precisions", ())),
        note=spec.get("note", ""),
    )


def _memory(reader: _Reader, spec: Mapping[str, Any]) -> Memory:
    return Memory(
        type=spec.get("type", ""),
        capacity=reader.figure(spec.get("capacity"), "B", "memory.capacity"),
        bandwidth=reader.figure(spec.get("bandwidth"), "B/s", "memory.bandwidth"),
        bandwidth_measured=reader.figure(
            spec.get("bandwidth_measured"), "B/s", "memory.bandwidth_measured"
        ),
        shared_with_host=spec.get("shared_with_host"),
        on_chip=reader.figures(spec.get("on_chip", {}), "B", "memory.on_chip"),
        flash=reader.figure(spec.get("flash"), "B", "memory.flash"),
        external=reader.figures(spec.get("external", {}), "B", "memory.external"),
    )


def _constraint(reader: _Reader, item: str | Mapping[str, Any], key: str) -> Constraint:
    if isinstance(item, str):
        return Constraint(item)
    source = item.get("source", "")
    if source and source not in reader.sources:
        raise reader.fail(f"{key}.source", f"unknown source {source!r}")
    require = item.get("require")
    expression = None
    if require is not None:
        try:
            expression = compile_expression(require, names=CONSTRAINT_NAMES)
        except ExpressionError as exc:
            raise reader.fail(f"{key}.require", str(exc)) from None
    return Constraint(item["text"], require, source, expression)


def _operators(reader: _Reader, spec: Mapping[str, Any]) -> Operators:
    return Operators(
        runtime=tuple(spec.get("runtime", ())),
        policy=spec["policy"],
        op_namespace=spec.get("op_namespace", "onnx"),
        allowlist=frozenset(spec.get("allowlist", ())),
        constraints={
            op: tuple(
                _constraint(reader, item, f"operators.constraints.{op}[{index}]")
                for index, item in enumerate(items)
            )
            for op, items in spec.get("constraints", {}).items()
        },
        generic_constraints=tuple(spec.get("generic_constraints", ())),
        fallback=spec.get("fallback"),
        partition_policy=spec.get("partition_policy", "any"),
        static_shapes=bool(spec.get("static_shapes", False)),
        max_rank=spec.get("max_rank"),
        max_dim=spec.get("max_dim"),
        innermost_dims=spec.get("innermost_dims"),
        source=spec.get("source", ""),
    )


def _fusion(spec: Mapping[str, Any] | None) -> Fusion:
    if spec is None:
        return DEFAULT_FUSION
    return Fusion(
        anchors=frozenset(spec.get("anchors", DEFAULT_FUSION.anchors)),
        epilogue=frozenset(spec.get("epilogue", DEFAULT_FUSION.epilogue)),
        free=frozenset(spec.get("free", DEFAULT_FUSION.free)),
    )


def _efficiency(reader: _Reader, spec: Mapping[str, Any]) -> Efficiency:
    overheads = {
        name: reader.quantity(spec[name], "s", f"efficiency.{name}")
        for name in ("overhead_per_kernel", "overhead_per_inference")
        if name in spec
    }
    return Efficiency(
        compute=dict(spec.get("compute", {})),
        memory=spec.get("memory"),
        overhead_per_kernel=overheads.get("overhead_per_kernel", 0.0),
        overhead_per_inference=overheads.get("overhead_per_inference", 0.0),
        estimate=bool(spec.get("estimate", True)),
        source=spec["source"],
    )


_METRIC_DIMENSIONS = {
    "latency_mean": "s",
    "latency_p90": "s",
    "latency": "s",
    "throughput": "1/s",
    "rate": "ops/s",
    "bandwidth": "B/s",
}


def _calibration(
    reader: _Reader, spec: Mapping[str, Any], index: int, base: Path
) -> CalibrationPoint:
    key = f"calibration[{index}]"
    source = spec["source"]
    if source not in reader.sources:
        raise reader.fail(f"{key}.source", f"unknown source {source!r}")
    tagged = f"{spec['value']} [{source}]" if isinstance(spec["value"], str) else spec["value"]
    value = reader.figure(tagged, _METRIC_DIMENSIONS[spec["metric"]], f"{key}.value")
    assert value is not None  # noqa: S101 - the schema requires a value
    shape = {name: int(spec[name]) for name in ("m", "n", "k", "kernels") if name in spec}
    if "bytes" in spec:
        shape["bytes"] = int(reader.quantity(spec["bytes"], "B", f"{key}.bytes"))
    batch = spec.get("batch")
    return CalibrationPoint(
        metric=spec["metric"],
        value=value,
        source=source,
        model=spec.get("model", ""),
        path=str((base / spec["path"]).resolve()) if "path" in spec else None,
        op=spec.get("op"),
        shape=shape,
        input=spec.get("input", ""),
        batch=batch if isinstance(batch, int) else None,
        precision=spec.get("precision"),
        engine=spec.get("engine"),
        note=spec.get("note", ""),
    )


def parse_budgets(
    spec: Mapping[str, Any], *, path: str | None, key: str, error: type[KeyedFileError]
) -> Budgets:
    """``{flops: 2 GFLOPs, params: 5M, latency: 30 ms, memory: 2 MiB}`` -> Budgets."""
    dimensions = {"flops": "ops", "params": "count", "latency": "s", "memory": "B"}
    values: dict[str, float] = {}
    for name, value in spec.items():
        try:
            values[name] = parse_value(value, dimensions[name])
        except UnitError as exc:
            raise error(exc.message, path=path, key=f"{key}.{name}") from None
        if values[name] <= 0:  # a budget of 0 or less fails every model: a typo, not a limit
            raise error(f"a budget must be above 0, got {value!r}", path=path, key=f"{key}.{name}")
        if dimensions[name] in ("ops", "count") and values[name].is_integer():
            values[name] = int(values[name])  # a count, as reports write counts (5000, not 5000.0)
    return Budgets(**values)


def _power(reader: _Reader, spec: Mapping[str, Any]) -> tuple[PowerMode, ...]:
    modes = []
    for index, mode in enumerate(spec.get("modes", ())):
        key = f"power.modes[{index}]"
        engines = {
            engine: {
                field: reader.figures(values, "ops/s", f"{key}.engines.{engine}.{field}")
                for field, values in overrides.items()
                if field != "clock"
            }
            for engine, overrides in mode.get("engines", {}).items()
        }
        modes.append(
            PowerMode(
                name=mode["name"],
                tdp=reader.figure(mode.get("tdp"), "W", f"{key}.tdp"),
                engines=engines,
                bandwidth=reader.figure(mode.get("bandwidth"), "B/s", f"{key}.bandwidth"),
            )
        )
    return tuple(modes)


def _check(profile: HardwareProfile, reader: _Reader) -> None:
    """What the schema cannot say: one default engine, known engine ids, known modes."""
    defaults = [engine.id for engine in profile.engines if engine.default]
    if len(defaults) != 1:
        raise reader.fail("engines", f"exactly one engine must be `default: true` ({defaults})")
    ids = {engine.id for engine in profile.engines}
    if len(ids) != len(profile.engines):
        raise reader.fail("engines", "engine ids must be unique")
    fallback = profile.operators.fallback
    if fallback is not None and fallback not in ids:
        raise reader.fail("operators.fallback", f"no engine {fallback!r} (engines: {sorted(ids)})")
    for index, mode in enumerate(profile.modes):
        for engine in mode.engines:
            if engine not in ids:
                raise reader.fail(f"power.modes[{index}].engines.{engine}", "no such engine")
    names = [mode.name for mode in profile.modes]
    if profile.default_mode is not None and profile.default_mode not in names:
        raise reader.fail("power.default_mode", f"no mode {profile.default_mode!r} ({names})")


def read_profile(path: Path) -> HardwareProfile:
    """Read, validate and convert one profile file."""
    label = str(path)
    document = read_yaml(label, ProfileError)
    if not isinstance(document, Mapping):
        raise ProfileError("a profile must be a mapping of keys", path=label)
    validate_document(dict(document), "profile", path=label, error=ProfileError)
    reader = _Reader(label, document["sources"])
    power = document.get("power", {})
    link = document.get("host_link")
    profile = HardwareProfile(
        id=document["id"],
        name=document["name"],
        vendor=document["vendor"],
        category=document["category"],
        confidence=document["confidence"],
        path=label,
        engines=tuple(
            _engine(reader, spec, f"engines[{i}]") for i, spec in enumerate(document["engines"])
        ),
        memory=_memory(reader, document["memory"]),
        operators=_operators(reader, document["operators"]),
        fusion=_fusion(document.get("fusion")),
        efficiency=_efficiency(reader, document["efficiency"]),
        aliases=tuple(document.get("aliases", ())),
        host_link=reader.figure(link["bandwidth"], "B/s", "host_link.bandwidth") if link else None,
        host_link_type=link["type"] if link else "",
        tdp=reader.figure(power.get("tdp"), "W", "power.tdp"),
        modes=_power(reader, power),
        default_mode=power.get("default_mode"),
        calibration=tuple(
            _calibration(reader, spec, i, path.parent)
            for i, spec in enumerate(document.get("calibration", ()))
        ),
        budgets=parse_budgets(
            document.get("budgets", {}), path=label, key="budgets", error=ProfileError
        ),
        sources=dict(document["sources"]),
    )
    _check(profile, reader)
    return profile
