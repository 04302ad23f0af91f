"""Elementwise cost formulas (rules/costs/elementwise.yaml, DESIGN §5).

Binary ops and comparisons: 1 FLOP per element of the broadcast output. Variadic Sum / Max /
Min: (n - 1)·vol(Y); Mean: n·vol(Y) (n - 1 adds + 1 divide). Pow: 1 FLOP per element, plus one
transcendental unless the exponent is a constant integer. Unary math: 1 FLOP per element;
exp / log / sqrt / erf / trigonometric also 1 transcendental.
"""

from __future__ import annotations

import numpy as np
import pytest
from cost_support import Initializers, cost_of

from modelint.analysis import NodeCost


def op_cost(
    signature: str,
    call: str,
    op: str,
    initializers: Initializers | None = None,
) -> NodeCost:
    """Cost of ``y = <call>`` in a graph with the given ``(inputs) => (output)`` signature."""
    cost = cost_of(f"g {signature} {{ y = {call} }}", op, initializers)
    assert cost.costed, cost.reason
    assert cost.macs == 0  # no elementwise op is a contraction
    return cost


@pytest.mark.parametrize("op", ["Add", "Sub", "Mul", "Div", "Mod", "Max", "Min"])
def test_binary_op_counts_the_broadcast_output(op: str) -> None:
    # [1, 64, 56, 56] with a per-channel [64, 1, 1] operand: one op per output element
    cost = op_cost(
        "(float[1, 64, 56, 56] a) => (float[1, 64, 56, 56] y)",
        f"{op} (a, c)",
        op,
        {"c": (64, 1, 1)},
    )
    assert cost.macs == 0
    assert cost.flops == 64 * 56 * 56  # 200,704
    assert cost.transcendentals == 0


def test_broadcast_output_larger_than_either_input() -> None:
    # [4, 1] + [1, 5] -> [4, 5]
    cost = op_cost("(float[4, 1] a, float[1, 5] b) => (float[4, 5] y)", "Add (a, b)", "Add")
    assert cost.flops == 4 * 5


@pytest.mark.parametrize("op", ["Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual"])
def test_comparisons(op: str) -> None:
    cost = op_cost("(float[3, 4] a, float[4] b) => (bool[3, 4] y)", f"{op} (a, b)", op)
    assert cost.flops == 3 * 4
    assert cost.transcendentals == 0


@pytest.mark.parametrize(
    ("op", "dtype"),
    [
        ("And", "bool"),
        ("Or", "bool"),
        ("Xor", "bool"),
        ("BitwiseAnd", "int32"),
        ("BitwiseOr", "int32"),
        ("BitwiseXor", "int32"),
    ],
)
def test_logical_and_bitwise_ops(op: str, dtype: str) -> None:
    # [6, 7] with a broadcast [7] operand
    cost = op_cost(f"({dtype}[6, 7] a, {dtype}[7] b) => ({dtype}[6, 7] y)", f"{op} (a, b)", op)
    assert cost.flops == 6 * 7
    assert cost.transcendentals == 0


def test_bit_shift() -> None:
    cost = op_cost(
        "(uint32[6, 7] a, uint32[6, 7] b) => (uint32[6, 7] y)",
        'BitShift <direction = "LEFT"> (a, b)',
        "BitShift",
    )
    assert (cost.flops, cost.transcendentals) == (6 * 7, 0)


def test_where_counts_the_broadcast_output() -> None:
    # condition [4, 1], X [1, 5], Y scalar -> [4, 5]
    cost = op_cost(
        "(bool[4, 1] c, float[1, 5] a, float b) => (float[4, 5] y)", "Where (c, a, b)", "Where"
    )
    assert (cost.flops, cost.transcendentals) == (4 * 5, 0)


def variadic(op: str, count: int) -> NodeCost:
    """``y = op(x0, ..., x{count-1})`` over [2, 8] inputs (16 elements)."""
    inputs = ", ".join(f"float[2, 8] x{i}" for i in range(count))
    names = ", ".join(f"x{i}" for i in range(count))
    return op_cost(f"({inputs}) => (float[2, 8] y)", f"{op} ({names})", op)


@pytest.mark.parametrize("op", ["Sum", "Max", "Min"])
@pytest.mark.parametrize(("count", "flops"), [(1, 0), (2, 16), (3, 2 * 16), (4, 3 * 16)])
def test_variadic_sum_max_min_cost_n_minus_1_per_element(op: str, count: int, flops: int) -> None:
    cost = variadic(op, count)
    assert (cost.flops, cost.transcendentals) == (flops, 0)


@pytest.mark.parametrize(("count", "flops"), [(1, 0), (2, 2 * 16), (3, 3 * 16)])
def test_variadic_mean_costs_n_per_element(count: int, flops: int) -> None:
    # n - 1 adds and one divide per element
    cost = variadic("Mean", count)
    assert (cost.flops, cost.transcendentals) == (flops, 0)


def test_variadic_sum_with_broadcast() -> None:
    # [2, 8] + [8] + [1, 8] -> [2, 8]: 2 adds per output element
    cost = op_cost(
        "(float[2, 8] a, float[8] b, float[1, 8] c) => (float[2, 8] y)", "Sum (a, b, c)", "Sum"
    )
    assert cost.flops == 2 * 16


@pytest.mark.parametrize(
    ("exponent", "transcendentals"),
    [
        (np.array(2.0, np.float32), 0),  # x^2: repeated multiplication
        (np.array(3.0, np.float32), 0),
        (np.array([2.0, 2.0, 2.0], np.float32), 0),  # a broadcast vector of integers
        (np.array(0.5, np.float32), 3 * 3),  # sqrt-like: exp(y * log x)
        (np.array([2.0, 2.5, 2.0], np.float32), 3 * 3),  # not all integers
    ],
)
def test_pow_with_a_constant_exponent(exponent: np.ndarray, transcendentals: int) -> None:
    cost = op_cost("(float[3, 3] x) => (float[3, 3] y)", "Pow (x, e)", "Pow", {"e": exponent})
    assert cost.flops == 3 * 3
    assert cost.transcendentals == transcendentals


def test_pow_with_an_integer_exponent_from_a_constant_node() -> None:
    cost = cost_of(
        """
        g (float[3, 3] x) => (float[3, 3] y) {
            e = Constant <value = float {3.0}> ()
            y = Pow (x, e)
        }""",
        "Pow",
    )
    assert (cost.flops, cost.transcendentals) == (9, 0)


def test_pow_with_a_runtime_exponent_is_transcendental() -> None:
    cost = op_cost("(float[3, 3] x, float e) => (float[3, 3] y)", "Pow (x, e)", "Pow")
    assert (cost.flops, cost.transcendentals) == (9, 9)


@pytest.mark.parametrize(
    ("op", "dtype"),
    [
        ("Neg", "float"),
        ("Abs", "float"),
        ("Sign", "float"),
        ("Floor", "float"),
        ("Ceil", "float"),
        ("Round", "float"),
        ("Not", "bool"),
        ("BitwiseNot", "int32"),
    ],
)
def test_unary_ops(op: str, dtype: str) -> None:
    cost = op_cost(f"({dtype}[5, 6] x) => ({dtype}[5, 6] y)", f"{op} (x)", op)
    assert cost.flops == 30
    assert cost.transcendentals == 0


@pytest.mark.parametrize("op", ["IsNaN", "IsInf"])
def test_float_classification(op: str) -> None:
    cost = op_cost("(float[5, 6] x) => (bool[5, 6] y)", f"{op} (x)", op)
    assert (cost.flops, cost.transcendentals) == (30, 0)


@pytest.mark.parametrize(
    "op",
    [
        "Exp", "Log", "Sqrt", "Reciprocal", "Erf",
        "Sin", "Cos", "Tan", "Asin", "Acos", "Atan",
        "Sinh", "Cosh", "Asinh", "Acosh", "Atanh",
    ],
)  # fmt: skip
def test_transcendental_unary_ops(op: str) -> None:
    cost = op_cost("(float[5, 6] x) => (float[5, 6] y)", f"{op} (x)", op)
    assert cost.flops == 30
    assert cost.transcendentals == 30


def test_cumsum() -> None:
    cost = op_cost(
        "(float[3, 4] x) => (float[3, 4] y)",
        "CumSum (x, axis)",
        "CumSum",
        {"axis": np.array(0, np.int64)},
    )
    assert (cost.flops, cost.transcendentals) == (3 * 4, 0)


def test_range_costs_one_per_output_element() -> None:
    cost = cost_of(
        "g () => (int64[10] y) { y = Range (start, limit, delta) }",
        "Range",
        {
            "start": np.array(0, np.int64),
            "limit": np.array(10, np.int64),
            "delta": np.array(1, np.int64),
        },
    )
    assert (cost.macs, cost.flops, cost.transcendentals) == (0, 10, 0)


def test_nonzero_costs_one_compare_per_input_element() -> None:
    cost = op_cost("(float[3, 4] x) => (int64[2, 5] y)", "NonZero (x)", "NonZero")
    assert (cost.flops, cost.transcendentals) == (3 * 4, 0)
