"""Python helpers that cost formulas call where an expression cannot say it.

Each helper is small, pure, and named in the YAML formula that uses it, so a formula still
reads as the whole story (DESIGN §5: "helper functions only where a formula cannot say it").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from modelint.analysis.views import TensorView
from modelint.expr import BASE_FUNCTIONS, UnknownValue

__all__ = ["COST_FUNCTIONS", "einsum_macs", "einsum_summed", "parse_einsum"]


def _numel(tensor: TensorView | None) -> int:
    return _present(tensor).numel


def _shape(tensor: TensorView | None) -> tuple[int, ...]:
    return _present(tensor).shape


def _present(tensor: TensorView | None) -> TensorView:
    """An input or output the formula needs and the node does not have (an invalid graph:
    ONNX shape inference rejects it too) is unknown, not a Python error in the reason."""
    if tensor is None:
        raise UnknownValue("a tensor the cost formula needs is absent from the node")
    return tensor


def _expand_ellipsis(term: str, rank: int) -> list[str]:
    """Labels of one operand, with '...' expanded to digit labels aligned from the right."""
    if "..." not in term:
        if len(term) != rank:
            raise ValueError(f"einsum term {term!r} has {len(term)} labels, operand rank {rank}")
        return list(term)
    head, tail = term.split("...")
    width = rank - len(head) - len(tail)
    if width < 0:
        raise ValueError(f"einsum term {term!r} does not fit operand rank {rank}")
    # Broadcast dims share labels from the right: the last ellipsis dim is '0' everywhere.
    return [*head, *(str(i) for i in reversed(range(width))), *tail]


def parse_einsum(
    equation: str, shapes: Sequence[tuple[int, ...]]
) -> tuple[list[list[str]], list[str], dict[str, int]]:
    """Return (labels per operand, output labels, size per label) for an einsum equation."""
    text = equation.replace(" ", "")
    lhs, arrow, rhs = text.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum {equation!r} names {len(terms)} operands, node has {len(shapes)}")
    labels = [_expand_ellipsis(term, len(shape)) for term, shape in zip(terms, shapes, strict=True)]
    sizes: dict[str, int] = {}
    for operand, shape in zip(labels, shapes, strict=True):
        for label, size in zip(operand, shape, strict=True):
            sizes[label] = max(sizes.get(label, 1), size)
    if arrow:
        width = max((sum(ch.isdigit() for ch in op) for op in labels), default=0)
        output = _expand_ellipsis(rhs, len(rhs.replace("...", "")) + width)
    else:
        counts: dict[str, int] = {}
        for operand in labels:
            for label in operand:
                counts[label] = counts.get(label, 0) + 1
        digits = sorted((lab for lab in counts if lab.isdigit()), reverse=True)
        output = digits + sorted(lab for lab, n in counts.items() if n == 1 and not lab.isdigit())
    return labels, output, sizes


def einsum_macs(equation: str, operands: Sequence[TensorView]) -> int:
    """MACs of an einsum: 2 operands = product of all distinct label sizes (onnx-tool, fvcore);
    more operands = sum over a left-to-right pairwise contraction path; 1 operand = 0."""
    labels, output, sizes = parse_einsum(equation, [operand.shape for operand in operands])
    if len(labels) < 2:
        return 0
    total, current = 0, set(labels[0])
    for position in range(1, len(labels)):
        involved = current | set(labels[position])
        total += math.prod(sizes[label] for label in involved)
        later = set(output).union(*(set(op) for op in labels[position + 1 :]))
        current = involved & later
    return total


def einsum_summed(equation: str, operands: Sequence[TensorView]) -> int:
    """Elements reduced by a one-operand einsum (trace, sum over an axis): the input volume
    when any label is summed away, else 0 (a pure transpose or diagonal view)."""
    labels, output, sizes = parse_einsum(equation, [operand.shape for operand in operands])
    if len(labels) != 1 or set(labels[0]) <= set(output):
        return 0
    return math.prod(sizes[label] for label in set(labels[0]))


def axes_size(tensor: TensorView, axes: Sequence[int]) -> int:
    """Product of the tensor's dims at ``axes`` (negative axes count from the end)."""
    shape = tensor.shape
    return math.prod(shape[axis] for axis in axes)


def resized_axes(source: TensorView, target: TensorView) -> int:
    """How many axes a Resize changes (1: linear, 2: bilinear, 3: trilinear...)."""
    return sum(1 for a, b in zip(source.shape, target.shape, strict=True) if a != b)


def known(tensor: TensorView | None) -> bool:
    """True when a tensor is present and its shape is fully known."""
    if tensor is None:
        return False
    try:
        return len(tensor.shape) >= 0
    except UnknownValue:
        return False


def integer_exponent(tensor: TensorView | None) -> bool:
    """True when a Pow exponent is a known constant of whole numbers (x², x³)."""
    if tensor is None or not tensor.is_const:
        return False
    try:
        values = tensor.value
    except UnknownValue:
        return False
    return all(float(value).is_integer() and abs(value) <= 16 for value in values)


def unknown(reason: str) -> int:
    """Mark the node uncosted with ``reason`` (a formula's way to say "not modelled")."""
    raise UnknownValue(reason)


COST_FUNCTIONS: Mapping[str, Callable[..., Any]] = {
    **BASE_FUNCTIONS,
    "axes_size": axes_size,
    "einsum_macs": einsum_macs,
    "einsum_summed": einsum_summed,
    "integer_exponent": integer_exponent,
    "known": known,
    "numel": _numel,
    "resized_axes": resized_axes,
    "shape": _shape,
    "str": str,
    "unknown": unknown,
}
