"""Path counts for ``kind: path`` rules: one dynamic-programming pass, never path enumeration.

For every node, the number of *counted* nodes (an op set) on the longest (or shortest) path
downstream to a graph output — or upstream from a graph input — stopping at *reset* nodes,
and the next node on that path so the path itself can be reported. Linear in nodes + edges.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from modelint.graph import ModelGraph
from modelint.rules.spec import PathSpec

__all__ = ["PathCounts", "path_counts"]


@dataclass(frozen=True)
class PathCounts:
    """``count[key]``: counted nodes after ``key`` on the best path; ``step[key]``: the next
    node on it (None at the end); ``counted``: which nodes count."""

    count: dict[str, int]
    step: dict[str, str | None]
    counted: frozenset[str]

    def route(self, start: str) -> tuple[str, ...]:
        """Every node along the best path from ``start`` (``start`` excluded)."""
        keys = []
        key = self.step.get(start)
        while key is not None:
            keys.append(key)
            key = self.step.get(key)
        return tuple(keys)

    def path(self, start: str) -> tuple[str, ...]:
        """The counted nodes along the best path from ``start`` (``start`` excluded)."""
        return tuple(key for key in self.route(start) if key in self.counted)


def path_counts(
    graph: ModelGraph, spec: PathSpec, counts: Callable[[str], bool], resets: Callable[[str], bool]
) -> PathCounts:
    """Counts for every node; ``counts``/``resets`` say whether a node key is in each set."""
    order = graph.topological_order()
    downstream = spec.direction == "downstream"
    walk: Iterable[str] = reversed(order) if downstream else order
    neighbours = graph.successors if downstream else graph.predecessors
    better = max if spec.measure == "longest" else min
    counted = frozenset(key for key in order if counts(key))
    reset = frozenset(key for key in order if resets(key))
    count: dict[str, int] = {}
    step: dict[str, str | None] = {}
    for key in walk:
        options = [
            ((1 if other in counted else 0) + (0 if other in reset else count[other]), other)
            for other in neighbours(key)
        ]
        if options:
            best = better(options, key=lambda option: (option[0], option[1]))
            count[key], step[key] = best
        else:
            count[key], step[key] = 0, None
    return PathCounts(count, step, counted)
