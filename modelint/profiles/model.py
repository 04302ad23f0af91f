"""A hardware profile as frozen data: engines with their peaks, memory, operator support,
fusion, efficiency factors, calibration points and budgets. Every quantity is an SI number
(ops/s, bytes, B/s, s, W, Hz) parsed by :mod:`modelint.units`; ``None`` means not known.

Every figure keeps its source: ``Figure.tags`` are the source ids written after it in the
profile (``989.4 TFLOPS [S1]``) and the markers D (derived), E (estimate), W (weak source).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from modelint.expr import Expression

__all__ = [
    "CONSTRAINT_NAMES",
    "DTYPES",
    "OP_CLASSES",
    "Budgets",
    "CalibrationPoint",
    "Constraint",
    "Efficiency",
    "Engine",
    "Figure",
    "Fusion",
    "HardwareProfile",
    "Memory",
    "Operators",
    "PowerMode",
]

# What a constraint's `require` expression may read: the ONNX node's attributes and tensors.
CONSTRAINT_NAMES = ("attr", "inputs", "outputs", "x", "y", "op")
DTYPES = ("fp64", "fp32", "tf32", "bf16", "fp16", "fp8", "int16", "int8", "int4")
# Op classes with their own efficiency factor (η); `default` covers the classes not given.
OP_CLASSES = (
    "matmul",
    "conv",
    "conv_small",
    "depthwise_conv",
    "pool",
    "normalization",
    "elementwise",
    "data_movement",
    "recurrent",
    "other",
)


@dataclass(frozen=True)
class Figure:
    """One sourced number: the SI value and the tags written after it."""

    value: float
    tags: tuple[str, ...] = ()
    text: str = ""  # as written, for `modelint profile ID`

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(tag for tag in self.tags if tag not in ("D", "E", "W"))


@dataclass(frozen=True)
class Engine:
    """A compute engine (tensor cores, an NPU, CPU SIMD...). Peaks are for all ``count``
    instances together; dense and sparse (structured-sparsity) peaks are kept apart."""

    id: str
    kind: str
    default: bool = False
    count: int = 1
    clock: Figure | None = None
    peak_dense: Mapping[str, Figure | None] = field(default_factory=dict)
    peak_sparse: Mapping[str, Figure | None] = field(default_factory=dict)
    sparsity_pattern: str | None = None
    precisions: tuple[str, ...] = ()
    note: str = ""

    def peak(self, dtype: str) -> float | None:
        """The dense peak for ``dtype`` in ops/s (None: not known or not supported)."""
        figure = self.peak_dense.get(dtype)
        return None if figure is None else figure.value


@dataclass(frozen=True)
class Memory:
    type: str = ""
    capacity: Figure | None = None
    bandwidth: Figure | None = None
    bandwidth_measured: Figure | None = None
    shared_with_host: bool | None = None
    on_chip: Mapping[str, Figure | None] = field(default_factory=dict)
    flash: Figure | None = None
    external: Mapping[str, Figure | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Constraint:
    """A condition an op must meet on the target: ``text`` always; ``require`` (an expression
    over the ONNX node: attr, inputs, outputs, x, y) when it can be checked."""

    text: str
    require: str | None = None
    source: str = ""
    expression: Expression | None = field(default=None, compare=False)  # ``require`` compiled


@dataclass(frozen=True)
class Operators:
    runtime: tuple[str, ...] = ()
    policy: str = "broad"  # broad | allowlist
    op_namespace: str = "onnx"  # onnx | tflite: which names the allowlist uses
    allowlist: frozenset[str] = frozenset()
    constraints: Mapping[str, tuple[Constraint, ...]] = field(default_factory=dict)
    generic_constraints: tuple[str, ...] = ()
    fallback: str | None = None  # engine id, or None
    partition_policy: str = "any"  # any | single_split
    static_shapes: bool = False
    max_rank: int | None = None
    max_dim: int | None = None
    innermost_dims: int | None = None  # only this many innermost dims may exceed 1
    source: str = ""


@dataclass(frozen=True)
class Fusion:
    """Which nodes a kernel absorbs: an anchor (a contraction) and the epilogue ops that
    follow it; free ops cost no kernel at all (views, shapes)."""

    anchors: frozenset[str]
    epilogue: frozenset[str]
    free: frozenset[str]


@dataclass(frozen=True)
class Efficiency:
    """Achievable fractions of the peaks (η) per op class, of the bandwidth, and overheads."""

    compute: Mapping[str, float] = field(default_factory=dict)
    memory: float | None = None
    overhead_per_kernel: float = 0.0  # s
    overhead_per_inference: float = 0.0  # s
    estimate: bool = True
    source: str = ""
    calibrated_from: tuple[str, ...] = ()  # what refitted these values

    def compute_eta(self, op_class: str) -> float:
        if op_class in self.compute:
            return self.compute[op_class]
        if op_class == "conv_small" and "conv" in self.compute:
            return self.compute["conv"]
        return self.compute.get("default", 1.0)


@dataclass(frozen=True)
class CalibrationPoint:
    """A measured point: a microbenchmark (``op``: gemm, copy, launch) or a model."""

    metric: str
    value: Figure
    source: str
    model: str = ""
    path: str | None = None  # an ONNX file (absolute) the estimator can analyse
    op: str | None = None  # gemm | copy | launch
    shape: Mapping[str, int] = field(default_factory=dict)  # gemm m/n/k, copy bytes, kernels
    input: str = ""
    batch: int | None = None
    precision: str | None = None
    engine: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Budgets:
    """Model budgets (None: no budget). FLOPs in ops, latency in s, memory in bytes."""

    flops: float | None = None
    params: float | None = None
    latency: float | None = None
    memory: float | None = None

    def over(self, other: Budgets) -> Budgets:
        """These budgets where set, else ``other``'s."""
        return Budgets(
            flops=other.flops if self.flops is None else self.flops,
            params=other.params if self.params is None else self.params,
            latency=other.latency if self.latency is None else self.latency,
            memory=other.memory if self.memory is None else self.memory,
        )


@dataclass(frozen=True)
class PowerMode:
    name: str
    tdp: Figure | None = None
    engines: Mapping[str, Mapping[str, Mapping[str, Figure | None]]] = field(default_factory=dict)
    bandwidth: Figure | None = None


@dataclass(frozen=True, eq=False)
class HardwareProfile:
    """One device."""

    id: str
    name: str
    vendor: str
    category: str
    confidence: str
    path: str
    engines: tuple[Engine, ...]
    memory: Memory
    operators: Operators
    fusion: Fusion
    efficiency: Efficiency
    aliases: tuple[str, ...] = ()
    host_link: Figure | None = None
    host_link_type: str = ""
    tdp: Figure | None = None
    modes: tuple[PowerMode, ...] = ()
    default_mode: str | None = None
    mode: str | None = None  # the power mode applied, when one was asked for
    calibration: tuple[CalibrationPoint, ...] = ()
    budgets: Budgets = field(default_factory=Budgets)
    sources: Mapping[str, str] = field(default_factory=dict)
    prior_efficiency: Efficiency | None = None  # the file's values, when calibration refitted

    @property
    def default_engine(self) -> Engine:
        return next(engine for engine in self.engines if engine.default)

    def engine(self, engine_id: str) -> Engine | None:
        return next((engine for engine in self.engines if engine.id == engine_id), None)

    def compute_engine(
        self, dtype: str, preferred: str | None = None, *, strict: bool = False
    ) -> Engine | None:
        """The engine that computes ``dtype``: ``preferred`` (else the default engine) when it
        has a peak for it, else (unless ``strict``: the op must run there) the engine with the
        highest peak; None when there is none."""
        first = self.engine(preferred) if preferred else self.default_engine
        if first is not None and first.peak(dtype):
            return first
        if strict:
            return None
        able = [engine for engine in self.engines if engine.peak(dtype)]
        return max(able, key=lambda engine: engine.peak(dtype) or 0.0) if able else None

    @property
    def precisions(self) -> tuple[str, ...]:
        """Every precision some engine computes in, in DTYPES order."""
        found = {dtype for engine in self.engines for dtype in engine.precisions}
        return tuple(dtype for dtype in DTYPES if dtype in found)

    @property
    def bandwidth(self) -> float | None:
        return None if self.memory.bandwidth is None else self.memory.bandwidth.value

    def on_chip(self, name: str) -> float | None:
        figure = self.memory.on_chip.get(name)
        return None if figure is None else figure.value
