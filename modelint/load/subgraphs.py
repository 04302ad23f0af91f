"""Walking an ONNX graph together with its subgraphs (If/Loop/Scan bodies)."""

from __future__ import annotations

from collections.abc import Iterator

import onnx

__all__ = ["walk_graphs"]


def walk_graphs(graph: onnx.GraphProto) -> Iterator[onnx.GraphProto]:
    """Yield ``graph`` and every subgraph (If/Loop/Scan bodies), depth first."""
    yield graph
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.GRAPH:
                yield from walk_graphs(attribute.g)
            elif attribute.type == onnx.AttributeProto.GRAPHS:
                for subgraph in attribute.graphs:
                    yield from walk_graphs(subgraph)
