"""The Python API as an integrator uses it: frozen results, dims of any integer type, one
selector or many."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from modelint import analyze, lint
from modelint.errors import UsageError

EXAMPLE = Path(__file__).parents[1] / "examples" / "tiny_cnn.onnx"


def test_the_costs_of_an_analysis_cannot_be_changed() -> None:
    """Totals and groups are sums over ``costs``: changed, they would disagree (by_op raised
    KeyError after a pop)."""
    analysis = analyze(EXAMPLE)
    with pytest.raises(TypeError):
        analysis.costs["conv1"] = analysis.costs["conv1"]  # type: ignore[index]
    assert not hasattr(analysis.costs, "pop")
    assert sum(cost.macs or 0 for cost in analysis.costs.values()) == analysis.totals.macs


def test_numpy_dims_bind_as_ints() -> None:
    given = analyze(EXAMPLE, input_shapes={"input": tuple(np.array([2, 3, 32, 32]))})
    plain = analyze(EXAMPLE, input_shapes={"input": (2, 3, 32, 32)})
    assert given.totals == plain.totals and given.totals.macs == 2 * analyze(EXAMPLE).totals.macs
    assert [type(binding.value) for binding in given.bindings] == [int]


@pytest.mark.parametrize(
    ("dim", "problem"),
    [
        (1.0, "is 1.0: a dim is an integer"),
        (True, "is True: a dim is an integer, not a bool"),
        (0, "is 0: every dim needs a positive size"),
        (np.int64(-2), "is np.int64(-2): every dim needs a positive size"),
    ],
)
def test_a_dim_that_is_no_positive_integer_says_which_and_why(dim: object, problem: str) -> None:
    with pytest.raises(UsageError) as caught:
        analyze(EXAMPLE, input_shapes={"input": (1, dim, 32, 32)})  # type: ignore[dict-item]
    assert str(caught.value).startswith(f"input_shapes['input'][1] {problem}")


def test_one_selector_is_a_selector_not_its_letters() -> None:
    analysis = analyze(EXAMPLE)
    assert lint(analysis, select="MLG002") == lint(analysis, select=["MLG002"])
    assert [finding.rule_id for finding in lint(analysis, select="MLG")] == ["MLG002"]
