"""One call from a model path (or a loaded model) to its ModelAnalysis."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from modelint.analysis.cost_rules import CostRules, load_cost_rules
from modelint.analysis.costs import NodeCost, compute_costs
from modelint.analysis.model import ModelAnalysis
from modelint.analysis.summary import Coverage, Totals, coverage, totals
from modelint.errors import ModelLoadError
from modelint.graph import ModelGraph, Shape, start_build
from modelint.load import LoadedModel, load_model

__all__ = [
    "AnalysisOptions",
    "PendingAnalysis",
    "analyze_loaded",
    "analyze_path",
    "start_analysis",
]


@dataclass(frozen=True)
class AnalysisOptions:
    """What shapes the inputs take and which cost rules apply."""

    input_shapes: Mapping[str, Shape] = field(default_factory=dict)
    shape_sources: Mapping[str, str] = field(default_factory=dict)  # input -> config file
    rule_paths: Sequence[str] = ()
    notes: tuple[str, ...] = ()  # carried into the analysis (e.g. about the config)
    # Infer shapes of a large graph in a forked child (see graph.background): the command
    # line's choice; a library caller's process is not ours to fork.
    background_inference: bool = False


class PendingAnalysis:
    """A model loaded and bound, its shapes possibly being inferred in a forked child
    (``graph.start_build``): ``finish`` costs it with the rules given then. A context
    manager: leaving the block unfinished stops the child."""

    def __init__(self, loaded: LoadedModel, options: AnalysisOptions) -> None:
        self.loaded = loaded
        self.options = options
        self._build = start_build(
            loaded.proto,
            input_shapes=options.input_shapes,
            serialized=loaded.serialized,
            background=options.background_inference,
            shape_sources=options.shape_sources,
        )
        self._graph: ModelGraph | None = None

    def graph(self) -> ModelGraph:
        """The model's graph, shapes inferred and order checked (built on the first call):
        what lint rules that read no costs need, before any cost exists."""
        if self._graph is None:
            try:
                graph = self._build.finish(self.loaded.layer_of)
                graph.topological_order()  # raises on a cyclic graph: every command refuses it
            except ModelLoadError as exc:  # an invalid graph: the error names its file
                exc.path = exc.path or self.loaded.path
                raise
            self._graph = graph
        return self._graph

    def finish(self, rules: CostRules) -> ModelAnalysis:
        graph = self.graph()
        costs = compute_costs(graph, rules)
        # frozen as the rest: totals are sums over it
        return self.assemble(
            graph, MappingProxyType(costs), totals(graph, costs), coverage(graph, costs)
        )

    def assemble(
        self, graph: ModelGraph, costs: Mapping[str, NodeCost], sums: Totals, shares: Coverage
    ) -> ModelAnalysis:
        """The analysis of ``graph`` with these costs and their totals and coverage."""
        loaded = self.loaded
        return ModelAnalysis(
            path=loaded.path,
            format=loaded.format,
            graph=graph,
            costs=costs,
            totals=sums,
            coverage=shares,
            source_params=loaded.source_params,
            notes=(*loaded.notes, *graph.notes, *self.options.notes),
        )

    def __enter__(self) -> PendingAnalysis:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._build.cancel()


def start_analysis(loaded: LoadedModel, options: AnalysisOptions | None = None) -> PendingAnalysis:
    """Bind the inputs and start inferring shapes (see ``PendingAnalysis``)."""
    return PendingAnalysis(loaded, options or AnalysisOptions())


def analyze_loaded(
    loaded: LoadedModel, rules: CostRules, options: AnalysisOptions | None = None
) -> ModelAnalysis:
    with start_analysis(loaded, options) as pending:
        return pending.finish(rules)


def analyze_path(
    path: str | Path, options: AnalysisOptions | None = None, rules: CostRules | None = None
) -> ModelAnalysis:
    """Load, build and cost one model. Raises ModelintError subclasses on bad input."""
    options = options or AnalysisOptions()
    if rules is None:
        rules = load_cost_rules(options.rule_paths)
    return analyze_loaded(load_model(path), rules, options)
