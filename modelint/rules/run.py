"""``check``: every model path through load -> graph -> analysis -> findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from modelint.analysis import AnalysisOptions, ModelAnalysis, analyze_loaded, load_cost_rules
from modelint.analysis.cost_rules import CostRules
from modelint.config import Config, find_config_file, load_config
from modelint.errors import ModelintError, UsageError
from modelint.findings import Severity
from modelint.graph import Shape
from modelint.load import DEFAULT_OPSET, LoadOptions, discover_models, load_model
from modelint.rules.coverage import uncosted_findings
from modelint.rules.results import LoadFailure, ModelResult, RunResult

__all__ = ["CheckOptions", "analyze_one", "check_paths", "load_options"]


@dataclass(frozen=True)
class CheckOptions:
    """Options from the command line; they override the config file (None: not given)."""

    input_shapes: Mapping[str, Shape] = field(default_factory=dict)
    rule_paths: Sequence[str] = ()
    config_file: str | None = None
    strict: bool = False
    fail_on: Severity | None = None
    debug: bool = False  # let unexpected exceptions propagate (with their traceback)
    opset: int | None = None
    batch: int | None = None
    graphdef_inputs: tuple[str, ...] = ()
    graphdef_outputs: tuple[str, ...] = ()
    cache: bool | None = None
    cache_dir: str | None = None
    progress: Callable[[str | None], None] | None = None  # conversion progress (CLI's line)


def load_options(
    config: Config, options: CheckOptions, shapes: Mapping[str, tuple[int, ...]]
) -> LoadOptions:
    """Conversion settings: the command line over the config over the defaults."""
    conversion = config.conversion
    return LoadOptions(
        input_shapes=shapes,
        opset=options.opset or conversion.opset or DEFAULT_OPSET,
        batch=options.batch or conversion.batch or 1,
        graphdef_inputs=options.graphdef_inputs or conversion.graphdef_inputs,
        graphdef_outputs=options.graphdef_outputs or conversion.graphdef_outputs,
        cache=conversion.cache if options.cache is None else options.cache,
        cache_dir=options.cache_dir or conversion.cache_dir,
        debug=options.debug,
        progress=options.progress,
    )


class _RuleCache:
    """Cost rules compiled once per distinct list of rule paths."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, ...], CostRules] = {}

    def get(self, paths: tuple[str, ...]) -> CostRules:
        if paths not in self._cache:
            self._cache[paths] = load_cost_rules(paths)
        return self._cache[paths]


def _config_for(path: Path, options: CheckOptions) -> Config:
    if options.config_file is not None:
        return load_config(Path(options.config_file).resolve())
    return load_config(find_config_file(path))


def analyze_one(
    path: Path, config: Config, options: CheckOptions, rules: CostRules
) -> ModelAnalysis:
    shapes = {**config.input_shapes, **options.input_shapes}
    known = {name: tuple(int(d) for d in dims if d is not None) for name, dims in shapes.items()}
    loaded = load_model(path, load_options(config, options, known))
    inputs = {value.name for value in loaded.proto.graph.input}
    unknown_config = sorted(set(config.input_shapes) - inputs - set(options.input_shapes))
    shapes = {name: dims for name, dims in shapes.items() if name not in unknown_config}
    notes = (
        (f"config input-shapes names no input of this model: {', '.join(unknown_config)}",)
        if unknown_config
        else ()
    )
    return analyze_loaded(loaded, rules, AnalysisOptions(input_shapes=shapes, notes=notes))


def check_paths(paths: Iterable[str | Path], options: CheckOptions) -> RunResult:
    """Analyse every model under ``paths``; a bad file becomes a LoadFailure, the rest go on.

    Errors in options, config or rules (UsageError, ConfigError, CostRuleError) concern the
    whole run and are raised."""
    models = discover_models(paths)
    if not models:
        raise UsageError(
            "no model files found (looked for .onnx, .keras, .h5, .tflite, .pb "
            "and SavedModel directories)"
        )
    cache = _RuleCache()
    results: list[ModelResult] = []
    failures: list[LoadFailure] = []
    for path in models:
        config = _config_for(path, options)
        rules = cache.get((*config.rule_paths, *options.rule_paths))
        try:
            analysis = analyze_one(path, config, options, rules)
        except UsageError:
            raise
        except ModelintError as exc:
            failures.append(LoadFailure(str(path), str(exc)))
            continue
        except Exception as exc:  # a model that breaks a dependency must not stop the run
            if options.debug:
                raise
            failures.append(
                LoadFailure(
                    str(path),
                    f"{path}: internal error while analysing "
                    f"({type(exc).__name__}: {exc}); rerun with --debug",
                )
            )
            continue
        findings = uncosted_findings(analysis, Severity.ERROR) if options.strict else []
        if options.fail_on is not None:
            config = replace(
                config,
                fail_on=options.fail_on,
                origins={**config.origins, "fail-on": "command line"},
            )
        results.append(ModelResult(analysis, tuple(findings), config))
    return RunResult(tuple(results), tuple(failures))
