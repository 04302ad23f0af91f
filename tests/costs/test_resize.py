"""Resize / Upsample cost formulas (rules/costs/resize.yaml, DESIGN §5).

FLOPs per output element: nearest 0; linear over 1 / 2 / 3 resized axes 5 / 11 / 31 (thop
count_upsample); cubic over 2 axes 259 (bicubic), over 1 axis 31. Any other combination is
uncosted with the reason, never 0.
"""

from __future__ import annotations

import numpy as np
import pytest
from cost_support import cost_of

from modelint.analysis import NodeCost


def resize(mode: str, x: str, y: str, scales: list[float], *, opset: int = 17) -> NodeCost:
    """``y = Resize(x, roi="", scales)`` with constant scales."""
    return cost_of(
        f'g ({x} x) => ({y} y) {{ y = Resize <mode = "{mode}"> (x, "", scales) }}',
        "Resize",
        {"scales": np.array(scales, np.float32)},
        opset=opset,
    )


def test_nearest_is_free() -> None:
    cost = resize("nearest", "float[1, 16, 8, 8]", "float[1, 16, 16, 16]", [1, 1, 2, 2])
    assert cost.costed
    assert (cost.macs, cost.flops, cost.transcendentals) == (0, 0, 0)
    assert cost.assumptions == ("resize nearest over 2 axes: 0 FLOPs per output element",)


def test_linear_over_one_axis() -> None:
    cost = resize("linear", "float[1, 16, 8]", "float[1, 16, 16]", [1, 1, 2])
    assert (cost.macs, cost.transcendentals) == (0, 0)
    assert cost.flops == 5 * 16 * 16  # 1,280
    assert cost.assumptions == ("resize linear over 1 axes: 5 FLOPs per output element",)


def test_bilinear() -> None:
    cost = resize("linear", "float[1, 16, 8, 8]", "float[1, 16, 16, 16]", [1, 1, 2, 2])
    assert cost.macs == 0
    assert cost.flops == 11 * 16 * 16 * 16  # 45,056
    assert cost.assumptions == ("resize linear over 2 axes: 11 FLOPs per output element",)


def test_trilinear() -> None:
    cost = resize("linear", "float[1, 2, 4, 4, 4]", "float[1, 2, 8, 8, 8]", [1, 1, 2, 2, 2])
    assert cost.flops == 31 * 2 * 8 * 8 * 8  # 31,744


def test_bilinear_downsampling_counts_output_elements() -> None:
    cost = resize("linear", "float[1, 16, 8, 8]", "float[1, 16, 4, 4]", [1, 1, 0.5, 0.5])
    assert cost.flops == 11 * 16 * 4 * 4  # 2,816


def test_bicubic() -> None:
    cost = resize("cubic", "float[1, 16, 8, 8]", "float[1, 16, 16, 16]", [1, 1, 2, 2])
    assert cost.flops == 259 * 16 * 16 * 16  # 1,060,864
    assert cost.assumptions == ("resize cubic over 2 axes: 259 FLOPs per output element",)


def test_cubic_over_one_axis() -> None:
    cost = resize("cubic", "float[1, 16, 8]", "float[1, 16, 16]", [1, 1, 2])
    assert cost.flops == 31 * 16 * 16  # 7,936


@pytest.mark.parametrize(
    ("mode", "x", "y", "scales", "reason"),
    [
        (
            "cubic",
            "float[1, 2, 4, 4, 4]",
            "float[1, 2, 8, 8, 8]",
            [1, 1, 2, 2, 2],
            "no per-element cost for cubic resize over 3 axes",
        ),
        (
            "linear",
            "float[1, 2, 4, 4, 4]",
            "float[1, 4, 8, 8, 8]",
            [1, 2, 2, 2, 2],
            "no per-element cost for linear resize over 4 axes",
        ),
    ],
)
def test_unsupported_combination_is_uncosted_not_zero(
    mode: str, x: str, y: str, scales: list[float], reason: str
) -> None:
    cost = resize(mode, x, y, scales)
    assert not cost.costed
    assert (cost.macs, cost.flops, cost.transcendentals) == (None, None, None)
    assert cost.reason == reason


def test_resize_with_sizes() -> None:
    cost = cost_of(
        """
        g (float[1, 3, 10, 10] x) => (float[1, 3, 20, 30] y) {
            y = Resize <mode = "linear"> (x, "", "", sizes)
        }""",
        "Resize",
        {"sizes": np.array([1, 3, 20, 30], np.int64)},
    )
    assert cost.flops == 11 * 3 * 20 * 30  # 19,800


def test_resize_that_changes_nothing_is_free() -> None:
    cost = resize("cubic", "float[1, 3, 8, 8]", "float[1, 3, 8, 8]", [1, 1, 1, 1])
    assert cost.costed
    assert cost.flops == 0


@pytest.mark.parametrize(("mode", "per_element"), [("nearest", 0), ("linear", 11)])
def test_upsample(mode: str, per_element: int) -> None:
    # the deprecated Upsample-9 (scales as an input)
    cost = cost_of(
        f"""
        g (float[1, 4, 8, 8] x) => (float[1, 4, 16, 16] y) {{
            y = Upsample <mode = "{mode}"> (x, scales)
        }}""",
        "Upsample",
        {"scales": np.array([1, 1, 2, 2], np.float32)},
        opset=9,
    )
    assert cost.costed, cost.reason
    assert (cost.macs, cost.transcendentals) == (0, 0)
    assert cost.flops == per_element * 4 * 16 * 16
