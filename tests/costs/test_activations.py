"""Activation and softmax cost formulas (rules/costs/activations.yaml, DESIGN §5).

Per element: small integer FLOP counts; every exp / log / tanh / erf is 1 FLOP and also 1
transcendental. All cases run on X = [2, 3, 4, 5] (120 elements).
"""

from __future__ import annotations

import numpy as np
import pytest
from cost_support import cost_of

ELEMENTS = 2 * 3 * 4 * 5  # 120
SHAPE = "float[2, 3, 4, 5]"


def activation(
    call: str, op: str, initializers: dict[str, np.ndarray] | None = None, *, opset: int = 24
) -> tuple[int | None, int | None, int | None]:
    """(macs, flops, transcendentals) of ``y = <call>`` on x [2, 3, 4, 5]."""
    cost = cost_of(f"g ({SHAPE} x) => ({SHAPE} y) {{ y = {call} }}", op, initializers, opset=opset)
    assert cost.costed, cost.reason
    return cost.macs, cost.flops, cost.transcendentals


@pytest.mark.parametrize(
    ("call", "flops_per_element", "transcendentals_per_element"),
    [
        ("Relu (x)", 1, 0),  # one compare
        ("ThresholdedRelu (x)", 1, 0),
        ("LeakyRelu <alpha = 0.1> (x)", 2, 0),  # compare + multiply
        ("Sigmoid (x)", 3, 1),  # exp, add, divide
        ("Tanh (x)", 1, 1),
        ("HardSigmoid (x)", 4, 0),  # multiply, add, min, max
        ("HardSwish (x)", 5, 0),  # HardSigmoid + multiply
        ("Elu (x)", 4, 1),  # compare, exp, subtract, multiply
        ("Selu (x)", 5, 1),
        ("Celu (x)", 5, 1),
        ("Softplus (x)", 3, 2),  # exp, add, log
        ("Softsign (x)", 3, 0),  # abs, add, divide
        ("Gelu (x)", 5, 1),  # exact: divide, erf, add, 2 multiplies
        ('Gelu <approximate = "tanh"> (x)', 9, 1),  # x^3 (2), 4 mul/add, tanh, +1, *x, *0.5
        ("Mish (x)", 5, 3),  # softplus (3, 2 transcendentals) + tanh + multiply
        ("Swish (x)", 5, 1),  # alpha*x, sigmoid (3), multiply
        ("Shrink (x)", 2, 0),  # compare, add/subtract bias
        ("Softmax (x)", 5, 1),  # max, subtract, exp, sum, divide
        ("Softmax <axis = 1> (x)", 5, 1),
        ("LogSoftmax (x)", 5, 1),
        ("Hardmax (x)", 1, 0),
    ],
)
def test_unary_activation(
    call: str, flops_per_element: int, transcendentals_per_element: int
) -> None:
    op = call.split(" ", 1)[0]
    macs, flops, transcendentals = activation(call, op)
    assert macs == 0
    assert flops == flops_per_element * ELEMENTS
    assert transcendentals == transcendentals_per_element * ELEMENTS


def test_prelu_with_a_broadcast_slope() -> None:
    # slope [3, 1, 1] broadcasts over x; compare + multiply per output element
    macs, flops, transcendentals = activation(
        "PRelu (x, slope)", "PRelu", {"slope": np.zeros((3, 1, 1), np.float32)}
    )
    assert (macs, flops, transcendentals) == (0, 2 * ELEMENTS, 0)


def test_clip_with_min_and_max_inputs() -> None:
    # ReLU6 as exported by PyTorch: one clamp per element
    macs, flops, transcendentals = activation(
        "Clip (x, lo, hi)",
        "Clip",
        {"lo": np.array(0.0, np.float32), "hi": np.array(6.0, np.float32)},
    )
    assert (macs, flops, transcendentals) == (0, ELEMENTS, 0)


def test_clip_at_an_old_opset_with_attributes() -> None:
    _, flops, _ = activation("Clip <min = 0.0, max = 6.0> (x)", "Clip", opset=6)
    assert flops == ELEMENTS


def test_softmax_over_attention_scores() -> None:
    # [1, 12, 128, 128] scores: 196,608 elements, 5 FLOPs and 1 exp each
    cost = cost_of(
        """
        g (float[1, 12, 128, 128] s) => (float[1, 12, 128, 128] p) {
            p = Softmax <axis = -1> (s)
        }""",
        "Softmax",
    )
    assert cost.flops == 5 * 12 * 128 * 128 == 983_040
    assert cost.transcendentals == 12 * 128 * 128 == 196_608
