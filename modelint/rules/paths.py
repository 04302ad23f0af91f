"""Path counts for ``kind: path`` rules: one dynamic-programming pass, never path enumeration.

For every node, the number of *counted* nodes (an op set) on the longest (or shortest) path
downstream to a graph output — or upstream from a graph input — stopping at *reset* nodes,
and the next node on that path so the path itself can be reported. Linear in nodes + edges.

Paths follow data, not shapes: ``Shape``/``Size`` and the nodes computing only from their
outputs carry no activation (and no gradient), so an input → Shape → Reshape chain is not a
path around the layers between them.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from modelint.graph import ModelGraph
from modelint.rules.lazy_paths import Chain, LazyPath
from modelint.rules.spec import PathSpec

__all__ = ["PathCounts", "path_counts", "shape_computations"]

_SHAPE_SOURCES = frozenset({"Shape", "Size"})


@dataclass(frozen=True)
class PathCounts:
    """``count[key]``: counted nodes after ``key`` on the best path (absent: no path reaches
    the graph's end, shortest measure only); ``step[key]``: the next node on it (None at the
    end); ``counted``: which nodes count."""

    count: dict[str, int]
    step: dict[str, str | None]
    counted: frozenset[str]
    resets: frozenset[str] = frozenset()  # a path reaching one ends there, as its count does
    chain: Chain = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "chain", Chain(self.step, self.resets))

    def route(self, start: str) -> LazyPath:
        """Every node along the best path from ``start`` (``start`` excluded)."""
        return LazyPath(self.chain, start, name="route")

    def path(self, start: str, label: Callable[[str], str] | None = None) -> LazyPath:
        """The counted nodes along the best path from ``start`` (``start`` excluded), or
        their ``label`` (a run of equal labels once)."""
        if label is None:
            return LazyPath(self.chain, start, self.counted.__contains__, name="path")
        return LazyPath(self.chain, start, self.counted.__contains__, label, name=label)


_SHAPES: weakref.WeakKeyDictionary[ModelGraph, frozenset[str]] = weakref.WeakKeyDictionary()


def shape_computations(graph: ModelGraph, order: Iterable[str]) -> frozenset[str]:
    """Nodes that compute only shapes: Shape/Size, and nodes whose every non-constant input
    comes from one of them (one pass in topological order; memoized per graph)."""
    cached = _SHAPES.get(graph)
    if cached is not None:
        return cached
    found: set[str] = set()
    if any(node.op_type in _SHAPE_SOURCES for node in graph.nodes.values()):
        for key in order:
            node = graph.node(key)
            if node.op_type in _SHAPE_SOURCES:
                found.add(key)
                continue
            sources = [
                graph.producers.get(name)
                for name in node.inputs
                if name and not graph.is_constant(name)
            ]
            if sources and all(source in found for source in sources):
                found.add(key)
    _SHAPES[graph] = result = frozenset(found)
    return result


def _ends(graph: ModelGraph, downstream: bool) -> frozenset[str]:
    """Nodes where a path may end: producers of graph outputs (downstream), consumers of
    graph inputs (upstream)."""
    if downstream:
        return frozenset(key for name in graph.outputs if (key := graph.producers.get(name)))
    return frozenset(key for name in graph.inputs for key in graph.consumers.get(name, ()))


def path_counts(
    graph: ModelGraph, spec: PathSpec, counts: frozenset[str], resets: frozenset[str]
) -> PathCounts:
    """Counts for every node; ``counts``/``resets``: the keys of the nodes in each set."""
    order = graph.topological_order()
    downstream = spec.direction == "downstream"
    shapes = shape_computations(graph, order)
    walk: Iterable[str] = reversed(order) if downstream else order
    adjacency = graph.adjacency(downstream=downstream)
    shortest = spec.measure == "shortest"
    better = min if shortest else max
    ends = _ends(graph, downstream) if shortest else frozenset()
    counted, reset = counts - shapes, resets - shapes
    count: dict[str, int] = {}
    step: dict[str, str | None] = {}
    for key in walk:
        if key in shapes:
            continue
        neighbours = adjacency.get(key, ())
        if len(neighbours) == 1 and key not in ends:  # a chain link: nothing to choose
            (other,) = neighbours
            below = count.get(other)
            if below is not None:
                count[key] = (other in counted) + (0 if other in reset else below)
                step[key] = other
                continue
        options: list[tuple[int, str | None]] = [
            ((1 if other in counted else 0) + (0 if other in reset else count[other]), other)
            for other in neighbours
            if other in count
        ]
        if (not shortest and not options) or key in ends:
            options.append((0, None))
        if len(options) == 1:  # a chain: nothing to choose
            count[key], step[key] = options[0]
        elif options:
            best = better(options, key=lambda option: (option[0], option[1] or ""))
            count[key], step[key] = best
    return PathCounts(count, step, counted, reset)
