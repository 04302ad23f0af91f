"""One call from a model path (or a loaded model) to its ModelAnalysis."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from modelint.analysis.cost_rules import CostRules, load_cost_rules
from modelint.analysis.costs import compute_costs
from modelint.analysis.model import ModelAnalysis
from modelint.analysis.summary import coverage, totals
from modelint.errors import ModelLoadError
from modelint.graph import Shape, start_build
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

    def finish(self, rules: CostRules) -> ModelAnalysis:
        loaded, options = self.loaded, self.options
        try:
            graph = self._build.finish(loaded.layer_of)
            graph.topological_order()  # raises on a cyclic graph: every command refuses it
        except ModelLoadError as exc:  # an invalid graph: the error names its file
            exc.path = exc.path or loaded.path
            raise
        costs = compute_costs(graph, rules)
        return ModelAnalysis(
            path=loaded.path,
            format=loaded.format,
            graph=graph,
            costs=MappingProxyType(costs),  # frozen as the rest: totals are sums over it
            totals=totals(graph, costs),
            coverage=coverage(graph, costs),
            source_params=loaded.source_params,
            notes=(*loaded.notes, *graph.notes, *options.notes),
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
