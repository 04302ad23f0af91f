"""What makes an ONNX graph invalid, checked while it is built: a tensor read or returned
that nothing defines, a tensor written twice in one graph (ONNX graphs are in single static
assignment form), an input declared twice, a tensor no runtime could index. Such a graph is
refused, never costed as if it were fine."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from modelint.errors import ModelLoadError
from modelint.graph.model_graph import OpNode

__all__ = ["addressable", "check_defined", "check_inputs", "check_not_written", "check_rewrite"]

_MAX_ELEMENTS = 2**63 - 1  # ONNX dims are int64: no runtime can index a larger tensor


def check_defined(
    consumers: Mapping[str, Sequence[str]],
    outputs: Iterable[str],
    producers: Mapping[str, str],
    initializers: Mapping[str, object],
    inputs: set[str],
) -> None:
    """Every tensor a node reads (``consumers``: tensor -> reading nodes), and every output
    of the model, must be a node output, an initializer or a graph input: ONNX checkers and
    runtimes refuse a model that reads anything else, and its costs would rest on a tensor
    nobody defines."""
    for name, users in consumers.items():
        if name not in producers and name not in initializers and name not in inputs:
            raise ModelLoadError(
                f"invalid ONNX graph: node '{users[0]}' reads tensor '{name}', which no node, "
                "graph input or initializer defines"
            )
    for name in outputs:
        if name not in producers and name not in initializers and name not in inputs:
            raise ModelLoadError(
                f"invalid ONNX graph: graph output '{name}' is defined by no node, graph "
                "input or initializer"
            )


def check_inputs(inputs: list[str]) -> None:
    if len(set(inputs)) != len(inputs):
        twice = next(name for name in inputs if inputs.count(name) > 1)
        raise ModelLoadError(f"invalid ONNX graph: graph input '{twice}' is declared twice")


def check_not_written(
    producers: Mapping[str, str],
    nodes: Mapping[str, OpNode],
    defined: Iterable[str],
    path: str,
    what: str,
) -> None:
    """No node of graph ``path`` writes one of its inputs or initializers (``defined``)."""
    for name in defined:
        key = producers.get(name)
        if key is not None and nodes[key].graph_path == path:
            raise ModelLoadError(
                f"invalid ONNX graph: tensor '{name}' is written by {what} and by node "
                f"'{nodes[key].name or nodes[key].op_type}' (each tensor has one writer)"
            )


def check_rewrite(nodes: Mapping[str, OpNode], first: str, second: str, output: str) -> None:
    """A second writer of ``output`` in the same graph breaks SSA form: it was costed as if
    the first did not exist. (Sibling subgraphs, an If's two branches, may reuse a name.)"""
    earlier, later = nodes[first], nodes[second]
    if earlier.graph_path == later.graph_path:
        raise ModelLoadError(
            f"invalid ONNX graph: tensor '{output}' is written by node "
            f"'{earlier.name or earlier.op_type}' and by node '{later.name or later.op_type}' "
            "(each tensor has one writer)"
        )


def addressable(name: str, size: tuple[int | None, int | None]) -> tuple[int | None, int | None]:
    """``size`` (numel, bytes), unless the tensor could not exist: its costs would be numbers
    past any float (a rank-20 tensor of 2**62-sized dims) that no report can print."""
    if size[0] is not None and size[0] > _MAX_ELEMENTS:
        raise ModelLoadError(
            f"invalid ONNX graph: tensor '{name}' would hold more than 2**63 - 1 elements, "
            "which no runtime can index"
        )
    return size
