"""The expression language: what it allows, what it refuses, and its errors."""

from __future__ import annotations

import pytest

from modelint.errors import ExpressionError
from modelint.expr import EvaluationError, UnknownValue, compile_expression
from modelint.templates import compile_template, format_si


class Box:
    EXPR_FIELDS = frozenset({"size"})

    def __init__(self, size: int) -> None:
        self.size = size
        self.private = "hidden"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("2 * macs + (n if bias else 0)", 2 * 10 + 3),
        ("prod(shape[1:])", 3 * 4),
        ("shape[-1] // 2", 2),
        ("mode in ('linear', 'cubic')", True),
        ("1 < n <= 3", True),
        ("max(1, n) ** 2", 9),
        ("not bias or n", 3),
        ("box.size * 2", 14),
        ("(5, 11, 31)[n - 1]", 31),
        ("ceil(7 / 2) + floor(7 / 2)", 7),
    ],
)
def test_evaluates(source: str, expected: object) -> None:
    env = {"macs": 10, "n": 3, "bias": True, "shape": (2, 3, 4), "mode": "linear", "box": Box(7)}
    assert compile_expression(source, names=env).evaluate(env) == expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("__import__('os')", "unknown function '__import__'"),
        ("__import__('os').system('true')", "only named functions can be called"),
        ("box.__class__", "field '__class__' is not allowed"),
        ("[x for x in shape]", "ListComp is not allowed"),
        ("lambda: 1", "Lambda is not allowed"),
        ("open('f')", "unknown function 'open'"),
        ("shape.count(1)", "only named functions can be called"),
        ("x := 1", "syntax error"),
        ("nn + 1", "unknown name 'nn' (did you mean 'n'?) at column 1"),
        ("{'a': 1}", "Dict is not allowed"),
        ("shape[::2]", "slice steps are not allowed"),
    ],
)
def test_refuses_with_a_located_message(source: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source, names={"n", "shape", "box"})
    assert message in str(caught.value) and source in str(caught.value)


def test_fields_are_whitelisted_at_run_time() -> None:
    expression = compile_expression("box.private", names={"box"})
    with pytest.raises(EvaluationError, match="Box has no field 'private'"):
        expression.evaluate({"box": Box(1)})


def test_runaway_power_is_refused() -> None:
    with pytest.raises(EvaluationError, match="exponent"):
        compile_expression("10 ** 10 ** 10").evaluate({})


def test_unknown_values_propagate_unwrapped() -> None:
    def missing(_: object) -> int:
        raise UnknownValue("shape of input 'x' unknown")

    expression = compile_expression("f(1) + 1", functions={"f": missing})
    with pytest.raises(UnknownValue, match="shape of input 'x' unknown"):
        expression.evaluate({})


def test_templates_format_numbers() -> None:
    template = compile_template(
        "{flops:si:FLOPs} is {share:%} of {{budget}} ({n:,})", names={"flops", "share", "n"}
    )
    text = template.render({"flops": 4_100_000_000, "share": 0.912, "n": 1234567})
    assert text == "4.1 GFLOPs is 91.2 % of {budget} (1,234,567)"
    assert format_si(999) == "999" and format_si(1500, "B") == "1.5 kB"


def test_template_errors_point_at_the_placeholder() -> None:
    with pytest.raises(ExpressionError, match="unclosed"):
        compile_template("value {x")
    with pytest.raises(ExpressionError, match="unknown name 'y'"):
        compile_template("value {y}", names={"x"})


def test_an_unknown_name_with_no_close_match_lists_the_names() -> None:
    with pytest.raises(ExpressionError, match=r"unknown name 'Z'; names: W_gate, X, Y at column"):
        compile_expression("5 * Z", names={"X", "W_gate", "Y"})
