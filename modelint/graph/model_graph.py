"""ModelGraph: a typed view of an ONNX model held in a networkx MultiDiGraph.

A vertex per op node (keyed by ``OpNode.key``), an edge per tensor use (producer -> consumer,
edge key = tensor name, data ``tensor=TensorInfo``). Subgraph nodes (If/Loop/Scan bodies) are
vertices too, keyed by their path (``loop_3/body/MatMul_2``); a body's use of an outer tensor
is an edge into the control-flow node that owns the body, so the top-level graph stays a DAG
with the real data dependencies. Rules and analyses use the query methods, never raw nx dicts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

from modelint.errors import ModelLoadError
from modelint.graph.binding import ShapeBinding
from modelint.graph.constants import ConstantFolder
from modelint.graph.tensors import TensorInfo

if TYPE_CHECKING:  # networkx takes 0.2-0.3 s to import; cost-only runs never need it
    import networkx as nx

__all__ = ["DEFAULT_DOMAIN", "Links", "ModelGraph", "OpNode", "find_links"]

DEFAULT_DOMAIN = "ai.onnx"


class Links(NamedTuple):
    """Every tensor use between nodes, found in one pass (``find_links``)."""

    edges: tuple[tuple[str, str, str], ...]  # (producer, consumer, tensor)
    successors: dict[str, list[str]]
    predecessors: dict[str, list[str]]
    in_order: bool  # every producer comes before its consumers in node order


class OpNode(NamedTuple):
    """One operator node. ``inputs`` keeps '' for omitted optional inputs, as ONNX does.

    An immutable record (NamedTuple: 3x cheaper to create than a frozen dataclass, and a
    100k-node model creates 100k of them)."""

    key: str
    name: str
    op_type: str
    domain: str
    opset: int
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    attributes: Mapping[str, Any]
    order: int  # position in a depth-first walk of the model: a stable, topological order
    graph_path: str = ""  # '' for the main graph, else '<owner key>/<attribute>'
    parent: str | None = None  # key of the control-flow node whose body holds this node
    subgraphs: tuple[str, ...] = ()  # graph paths of this node's bodies
    layer: str | None = None  # source-framework layer (Keras layer name) when known

    @property
    def scope(self) -> str:
        """Name scope: the node name up to its last '/', as exporters nest modules."""
        head, sep, _ = self.name.rpartition("/")
        return head if sep else ""

    @property
    def qualified_op(self) -> str:
        return self.op_type if self.domain == DEFAULT_DOMAIN else f"{self.domain}::{self.op_type}"


@dataclass(frozen=True, eq=False)
class ModelGraph:
    """The whole model: nodes, tensors and the dependency graph.

    ``digraph`` (the networkx MultiDiGraph) is built on first use: costing needs only the
    node and tensor tables, and building 100k networkx vertices costs more than the costing.
    """

    nodes: Mapping[str, OpNode]  # in topological order
    tensors: Mapping[str, TensorInfo]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    opsets: Mapping[str, int]
    producers: Mapping[str, str]
    consumers: Mapping[str, tuple[str, ...]]
    constants: ConstantFolder
    initializer_params: Mapping[str, str | None] = field(default_factory=dict)
    bindings: tuple[ShapeBinding, ...] = ()
    unbound: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    shape_errors: tuple[str, ...] = ()  # what strict ONNX shape inference rejects
    ir_version: int = 0
    producer_name: str = ""
    links: Links | None = field(default=None, repr=False)  # find_links(nodes, producers)

    def __len__(self) -> int:
        return len(self.nodes)

    @property
    def edges(self) -> tuple[tuple[str, str, str], ...]:
        """(producer, consumer, tensor) per tensor use, the consumer lifted to the producer's
        graph (a body's use of an outer tensor is its control-flow owner's use)."""
        return self._links.edges

    @property
    def _adjacency(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        return self._links.successors, self._links.predecessors

    @cached_property
    def _links(self) -> Links:
        """Edges, successor and predecessor lists (given by the builder, or found now)."""
        return self.links or find_links(self.nodes, self.producers)

    @cached_property
    def digraph(self) -> nx.MultiDiGraph:
        """A vertex per node, an edge per tensor use (key: tensor name, data: ``tensor``)."""
        import networkx as nx  # noqa: PLC0415 - see TYPE_CHECKING above

        digraph = nx.MultiDiGraph()
        digraph.add_nodes_from((key, {"op": node}) for key, node in self.nodes.items())
        digraph.add_edges_from(
            (producer, consumer, name, {"tensor": self.tensors.get(name)})
            for producer, consumer, name in self.edges
        )
        return digraph

    def node(self, key: str) -> OpNode:
        return self.nodes[key]

    def tensor(self, name: str) -> TensorInfo | None:
        return self.tensors.get(name) if name else None

    def main_nodes(self) -> Iterator[OpNode]:
        """Nodes of the top-level graph, in topological order."""
        return (node for node in self.nodes.values() if not node.graph_path)

    def body_nodes(self, graph_path: str) -> Iterator[OpNode]:
        """Nodes directly inside one subgraph (not nested deeper)."""
        return (node for node in self.nodes.values() if node.graph_path == graph_path)

    def producer_of(self, tensor: str) -> OpNode | None:
        key = self.producers.get(tensor)
        return self.nodes[key] if key is not None else None

    def consumers_of(self, tensor: str) -> tuple[OpNode, ...]:
        return tuple(self.nodes[key] for key in self.consumers.get(tensor, ()))

    def adjacency(self, *, downstream: bool) -> Mapping[str, list[str]]:
        """Successor (downstream) or predecessor lists of every node that has any, for
        walks over the whole graph (one lookup per node instead of one call)."""
        return self._adjacency[0] if downstream else self._adjacency[1]

    def successors(self, key: str) -> Iterator[str]:
        """Nodes that read this node's outputs (no networkx needed)."""
        return iter(self._adjacency[0].get(key, ()))

    def predecessors(self, key: str) -> Iterator[str]:
        return iter(self._adjacency[1].get(key, ()))

    def topological_order(self) -> list[str]:
        """Node keys, producers before consumers: the model's own order when it is one (the
        ONNX spec requires it), else networkx's topological sort."""
        return list(self._topological_order)

    @cached_property
    def _topological_order(self) -> tuple[str, ...]:
        if self._links.in_order:
            return tuple(self.nodes)
        import networkx as nx  # noqa: PLC0415 - only for models whose node order is not one

        try:
            return tuple(nx.topological_sort(self.digraph))
        except nx.NetworkXUnfeasible as exc:
            raise ModelLoadError("the graph has a cycle (ONNX graphs must be acyclic)") from exc

    def unused_initializers(self) -> tuple[str, ...]:
        """Initializers no node reads and no graph output returns, sorted."""
        return tuple(
            sorted(
                name
                for name, info in self.tensors.items()
                if info.is_initializer and not self.consumers.get(name) and not info.is_graph_output
            )
        )

    def is_weight(self, tensor: str) -> bool:
        info = self.tensors.get(tensor)
        return info is not None and info.is_weight

    def is_constant(self, tensor: str) -> bool:
        info = self.tensors.get(tensor)
        return info is not None and info.is_constant


def find_links(nodes: Mapping[str, OpNode], producers: Mapping[str, str]) -> Links:
    """Edges, successor and predecessor lists, in one pass over the nodes. A body's use of an
    outer tensor is lifted to the control-flow node that owns the body."""
    found: list[tuple[str, str, str]] = []
    successors: dict[str, list[str]] = {}
    predecessors: dict[str, list[str]] = {}
    in_order = True
    for key, node in nodes.items():  # '' (an omitted input) is never a producer key
        inputs = node.inputs
        if len(inputs) > 1 and (len(inputs) > 2 or inputs[0] == inputs[1]):
            inputs = tuple(dict.fromkeys(inputs))  # one edge per tensor read
        for name in inputs:
            producer = producers.get(name)
            if producer is None:
                continue
            source = nodes[producer]
            scope = source.graph_path
            target = key if node.graph_path == scope else _owner_in_scope(nodes, key, scope)
            if target is None or (target == producer and target != key):
                continue  # a body's use of its owner's own output: no edge (key == producer:
                # a node reading its own output, a cycle that the topological order refuses)
            found.append((producer, target, name))
            if source.order >= (node if target == key else nodes[target]).order:
                in_order = False  # ``order`` is the position in ``nodes``
            targets = successors.get(producer)
            if targets is None:
                successors[producer] = [target]
            elif target in targets:
                continue
            else:
                targets.append(target)
            sources = predecessors.get(target)
            if sources is None:
                predecessors[target] = [producer]
            else:
                sources.append(producer)
    return Links(tuple(found), successors, predecessors, in_order)


def _owner_in_scope(nodes: Mapping[str, OpNode], key: str, scope: str) -> str | None:
    """The vertex standing for node ``key`` in graph ``scope``: itself or the control-flow
    ancestor that owns its body (a body's use of an outer tensor is the owner's use)."""
    current: str | None = key
    while current is not None and nodes[current].graph_path != scope:
        current = nodes[current].parent
    return current
