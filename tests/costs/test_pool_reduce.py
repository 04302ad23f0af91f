"""Pooling, reduction and TopK cost formulas (rules/costs/reduce_pool.yaml, DESIGN §5).

MaxPool vol(Y)·(∏k - 1); AveragePool vol(Y)·∏k ((∏k - 1) adds + 1 divide); global pools and
reductions per input element (+ one divide / root / log per output element where they take
one); TopK ⌈log2 k⌉ compares per input element (1 for k = 1).
"""

from __future__ import annotations

import numpy as np
import pytest
from cost_support import cost_of

from modelint.analysis import NodeCost


def test_max_pool_3x3_stride_2() -> None:
    # the ResNet stem pool: [1, 64, 112, 112] -> [1, 64, 56, 56]
    cost = cost_of(
        """
        g (float[1, 64, 112, 112] x) => (float[1, 64, 56, 56] y) {
            y = MaxPool <kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1]> (x)
        }""",
        "MaxPool",
    )
    assert cost.macs == 0
    assert cost.flops == 64 * 56 * 56 * (3 * 3 - 1)  # 8 compares per output: 1,605,632
    assert cost.transcendentals == 0


def pool(op: str, attributes: str = "kernel_shape = [2, 2], strides = [2, 2]") -> NodeCost:
    """``op`` over [1, 16, 8, 8] -> [1, 16, 4, 4] (256 outputs)."""
    cost = cost_of(
        f"g (float[1, 16, 8, 8] x) => (float[1, 16, 4, 4] y) {{ y = {op} <{attributes}> (x) }}",
        op,
    )
    assert cost.costed, cost.reason
    assert cost.macs == 0
    return cost


def test_max_pool_2x2() -> None:
    cost = pool("MaxPool")
    assert (cost.flops, cost.transcendentals) == (256 * (4 - 1), 0)


def test_average_pool_adds_and_one_divide() -> None:
    cost = pool("AveragePool")
    assert cost.flops == 256 * (4 - 1) + 256  # = 256 * 4
    assert cost.transcendentals == 0


def test_lp_pool() -> None:
    # p = 2: square and add per window element, one root per output
    cost = pool("LpPool", "kernel_shape = [2, 2], strides = [2, 2], p = 2")
    assert cost.flops == 256 * 2 * 4 + 256  # 2,304
    assert cost.transcendentals == 256


def test_max_pool_1d() -> None:
    cost = cost_of(
        """
        g (float[1, 4, 10] x) => (float[1, 4, 8] y) {
            y = MaxPool <kernel_shape = [3]> (x)
        }""",
        "MaxPool",
    )
    assert (cost.macs, cost.flops, cost.transcendentals) == (0, 4 * 8 * (3 - 1), 0)


@pytest.mark.parametrize(
    ("op", "flops", "transcendentals"),
    [
        ("GlobalAveragePool", 512 * 7 * 7 + 512, 0),  # adds + one divide per output
        ("GlobalMaxPool", 512 * 7 * 7, 0),
        ("GlobalLpPool", 2 * 512 * 7 * 7 + 512, 512),
    ],
)
def test_global_pools(op: str, flops: int, transcendentals: int) -> None:
    cost = cost_of(f"g (float[1, 512, 7, 7] x) => (float[1, 512, 1, 1] y) {{ y = {op} (x) }}", op)
    assert cost.macs == 0
    assert cost.flops == flops
    assert cost.transcendentals == transcendentals


AXES = {"axes": np.array([1], np.int64)}


@pytest.mark.parametrize(
    ("op", "flops", "transcendentals"),
    [
        # [4, 10] reduced over axis 1 -> [4, 1]: 40 input, 4 output elements
        ("ReduceSum", 40, 0),
        ("ReduceMax", 40, 0),
        ("ReduceMin", 40, 0),
        ("ReduceProd", 40, 0),
        ("ReduceMean", 40 + 4, 0),  # adds + one divide per output
        ("ReduceL1", 2 * 40, 0),  # abs + add
        ("ReduceSumSquare", 2 * 40, 0),
        ("ReduceL2", 2 * 40 + 4, 4),  # square + add, one sqrt per output
        ("ReduceLogSum", 40 + 4, 4),  # add, one log per output
        ("ReduceLogSumExp", 2 * 40 + 4, 40 + 4),  # exp + add, one log per output
    ],
)
def test_reductions(op: str, flops: int, transcendentals: int) -> None:
    cost = cost_of(
        f"g (float[4, 10] x) => (float[4, 1] y) {{ y = {op} (x, axes) }}", op, AXES, opset=18
    )
    assert cost.costed, cost.reason
    assert cost.macs == 0
    assert cost.flops == flops
    assert cost.transcendentals == transcendentals


def test_reduce_mean_over_spatial_axes() -> None:
    # [2, 64, 7, 7] -> [2, 64, 1, 1]: 6,272 adds + 128 divides
    cost = cost_of(
        """
        g (float[2, 64, 7, 7] x) => (float[2, 64, 1, 1] y) {
            y = ReduceMean (x, axes)
        }""",
        "ReduceMean",
        {"axes": np.array([2, 3], np.int64)},
        opset=18,
    )
    assert cost.flops == 2 * 64 * 7 * 7 + 2 * 64
    assert (cost.macs, cost.transcendentals) == (0, 0)


@pytest.mark.parametrize("op", ["ArgMax", "ArgMin"])
def test_arg_reductions(op: str) -> None:
    cost = cost_of(
        f"g (float[4, 10] x) => (int64[4, 1] y) {{ y = {op} <axis = 1> (x) }}", op, opset=18
    )
    assert (cost.macs, cost.flops, cost.transcendentals) == (0, 40, 0)


@pytest.mark.parametrize(
    ("k", "compares_per_element"),
    [(1, 1), (2, 1), (4, 2), (5, 3), (8, 3), (9, 4), (100, 7)],  # max(1, ceil(log2 k))
)
def test_topk(k: int, compares_per_element: int) -> None:
    cost = cost_of(
        f"""
        g (float[1, 1000] x) => (float[1, {k}] values, int64[1, {k}] indices) {{
            values, indices = TopK (x, k)
        }}""",
        "TopK",
        {"k": np.array([k], np.int64)},
    )
    assert cost.costed, cost.reason
    assert cost.flops == 1000 * compares_per_element
    assert (cost.macs, cost.transcendentals) == (0, 0)


def test_topk_along_a_leading_axis() -> None:
    # [16, 3] with k = 4 along axis 0: 48 input elements, ceil(log2 4) = 2 compares each
    cost = cost_of(
        """
        g (float[16, 3] x) => (float[4, 3] values, int64[4, 3] indices) {
            values, indices = TopK <axis = 0> (x, k)
        }""",
        "TopK",
        {"k": np.array([4], np.int64)},
    )
    assert cost.flops == 48 * 2
