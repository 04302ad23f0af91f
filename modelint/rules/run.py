"""``check``: every model path through load -> graph -> analysis -> rules -> findings."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from modelint.analysis import (
    AnalysisOptions,
    ModelAnalysis,
    PendingAnalysis,
    load_cost_rules,
    start_analysis,
)
from modelint.analysis.cost_rules import CostRules
from modelint.config import Config, find_config_file, load_config
from modelint.errors import (
    ConfigError,
    ModelintError,
    ModelLoadError,
    ProfileError,
    UsageError,
    describe_exception,
)
from modelint.findings import Severity
from modelint.graph import Shape
from modelint.load import DEFAULT_OPSET, LoadOptions, discover_models, load_model
from modelint.load.discover import is_directory
from modelint.load.formats import MODEL_SUFFIXES
from modelint.resources import plugin_rule_dirs
from modelint.rules.early import start_early_rules
from modelint.rules.engine import RuleRun, RuleSettings, run_rules
from modelint.rules.loader import RuleSet, load_lint_rules
from modelint.rules.results import LoadFailure, ModelResult, RunResult
from modelint.rules.selection import Overrides, excluded, rule_settings
from modelint.rules.suppressions import SuppressionLedger
from modelint.rules.target_views import Hardware
from modelint.rules.targets import Binding, bind_target, hardware_before_costs, hardware_for

__all__ = [
    "CheckOptions",
    "analyze_one",
    "check_paths",
    "config_for",
    "load_options",
    "rule_paths",
]

# ONNX files load in well under a second: their shapes are inferred in the background while
# the rules load. Other formats are converted first (minutes): their rules are loaded before.
_QUICK_LOADS = frozenset({".onnx", ".onnxtxt"})
_LOOKED_FOR = f"{', '.join(sorted(MODEL_SUFFIXES))} files and SavedModel directories"


@dataclass(frozen=True)
class CheckOptions:
    """Options from the command line; they override the config file (None/empty: not given)."""

    input_shapes: Mapping[str, Shape] = field(default_factory=dict)
    rule_paths: Sequence[str] = ()
    config_file: str | None = None
    strict: bool = False
    fail_on: str | None = None  # error | warning | info | never
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    debug: bool = False  # let unexpected exceptions propagate (with their traceback)
    opset: int | None = None
    batch: int | None = None
    graphdef_inputs: tuple[str, ...] = ()
    graphdef_outputs: tuple[str, ...] = ()
    cache: bool | None = None
    cache_dir: str | None = None
    progress: Callable[[str | None], None] | None = None  # conversion progress (CLI's line)
    profile: str | None = None  # --profile
    dtype: str | None = None  # --dtype
    exclude: tuple[str, ...] = ()  # --exclude, added to the config's exclude globs
    # The command line's: a large graph's shapes are inferred, and the rules that read no
    # costs run, in forked children (see AnalysisOptions and rules.early).
    background: bool = False
    # The path whose config, targets, per-file ignores and suppressions a model found at a
    # path is judged by (``modelint diff``: a baseline copy, judged as the model it precedes).
    judged_as: Callable[[Path], Path] | None = None

    def judged(self, path: Path) -> Path:
        return path if self.judged_as is None else self.judged_as(path)


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


def config_for(path: Path, options: CheckOptions) -> Config:
    """The model's config: ``--config``, else discovered, with ``--fail-on`` applied."""
    if options.config_file is not None:
        config = load_config(Path(options.config_file).resolve())
    else:
        config = load_config(find_config_file(path))
    if options.fail_on is None:
        return config
    fail_on = None if options.fail_on == "never" else Severity.parse(options.fail_on)
    return replace(config, fail_on=fail_on, origins={**config.origins, "fail-on": "command line"})


def start_one(path: Path, config: Config, options: CheckOptions) -> PendingAnalysis:
    """Load the model and bind its inputs; a large ONNX graph's shapes start being inferred
    in the background (``options.background_inference``) while the caller loads its rules."""
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
    config_file = config.origins.get("input-shapes", "the config")
    analysis_options = AnalysisOptions(
        input_shapes=shapes,
        shape_sources={name: config_file for name in shapes if name not in options.input_shapes},
        notes=notes,
        background_inference=options.background,
    )
    with _naming(path):
        return start_analysis(loaded, analysis_options)


def finish_one(path: Path, pending: PendingAnalysis, rules: CostRules) -> ModelAnalysis:
    with _naming(path):
        return pending.finish(rules)


def analyze_one(
    path: Path, config: Config, options: CheckOptions, rules: CostRules
) -> ModelAnalysis:
    with start_one(path, config, options) as pending:
        return finish_one(path, pending, rules)


@contextlib.contextmanager
def _naming(path: Path) -> Iterator[None]:
    """An invalid graph: the error names its file everywhere."""
    try:
        yield
    except ModelLoadError as exc:
        exc.path = exc.path or str(path)
        raise


class _Rules:
    """Cost and lint rules, loaded once per distinct list of rule paths."""

    def __init__(self, options: CheckOptions) -> None:
        self.options = options
        self.cost: dict[tuple[str, ...], CostRules] = {}
        self.lint: dict[tuple[str, ...], RuleSet] = {}
        self.packs: tuple[str, ...] | None = None

    def for_config(self, config: Config) -> tuple[CostRules, RuleSet]:
        paths = rule_paths(config, self.options.rule_paths)
        if paths not in self.cost:
            if self.packs is None:  # installed rule packs: one entry-point scan per run
                self.packs = tuple(str(directory) for directory in plugin_rule_dirs())
            # packs between built-in entries and the user's own (load_cost_rules' order)
            self.cost[paths] = load_cost_rules((*self.packs, *paths), plugins=False)
            self.lint[paths] = load_lint_rules((*paths, *self.packs), plugins=False)
        return self.cost[paths], self.lint[paths]


def rule_paths(config: Config, extra: Sequence[str | Path] = ()) -> tuple[str, ...]:
    """The rule directories in force: the config's ``rule-paths``, then ``extra``
    (``--rules``); the same directory named in both is one source, not two."""
    paths = (*config.rule_paths, *extra)
    return tuple(dict.fromkeys(str(Path(directory).resolve()) for directory in paths))


def _config_failure(exc: ConfigError | ProfileError, options: CheckOptions) -> LoadFailure:
    """A discovered config that names no rule or no profile is broken like one with an
    unknown key: its models are not checked, the others are (``--config``: the whole run)."""
    if options.config_file is not None or options.debug:
        raise exc
    return LoadFailure(exc.path or "<config>", str(exc), "config")


def _failure(path: Path, exc: Exception, options: CheckOptions) -> LoadFailure:
    if isinstance(exc, ModelintError):
        if options.debug:
            raise exc
        message = str(exc) if exc.path else f"{path}: {exc}"  # every failure names its file
        return LoadFailure(str(path), message)
    if options.debug:
        raise exc
    return LoadFailure(
        str(path),
        f"{path}: internal error while analysing ({describe_exception(exc)}); rerun with --debug",
    )


def _check_one(
    path: Path,
    config: Config,
    *,
    options: CheckOptions,
    overrides: Overrides,
    loaded_rules: _Rules,
    ledger: SuppressionLedger,
) -> ModelResult | LoadFailure:
    if path.suffix.lower() not in _QUICK_LOADS:
        loaded_rules.for_config(config)  # before a conversion of minutes, not after it
    try:
        pending = start_one(path, config, options)
    except UsageError:
        raise
    except Exception as exc:  # a model that breaks a dependency must not stop the run
        return _failure(path, exc, options)
    with pending:  # a broken rule file raises here: the background inference is stopped
        cost_rules, lint_rules = loaded_rules.for_config(config)
        judged = options.judged(path)
        try:
            settings = rule_settings(judged, config, lint_rules, overrides)
            binding = bind_target(judged, config, overrides)
        except (ConfigError, ProfileError) as exc:  # known only once rules and profiles load
            return _config_failure(exc, options)
        try:
            analysis, run, hardware = _cost_and_lint(
                path,
                pending,
                (cost_rules, lint_rules),
                settings,
                binding,
                background=options.background,
            )
        except UsageError:
            raise
        except Exception as exc:
            return _failure(path, exc, options)
    enabled = tuple(rule for rule in lint_rules if rule.id in settings.enabled)
    suppressions = config.suppressions
    findings = ledger.apply(run.findings, suppressions, str(judged), enabled, lint_rules)
    graph_rules = tuple(rule for rule in enabled if rule.kind != "meta")  # MLS*: run-level
    return ModelResult(
        analysis, tuple(sorted(findings)), config, run.undecided, hardware, rules=graph_rules
    )


def _cost_and_lint(
    path: Path,
    pending: PendingAnalysis,
    rules: tuple[CostRules, RuleSet],
    settings: RuleSettings,
    binding: Binding,
    *,
    background: bool,
) -> tuple[ModelAnalysis, RuleRun, Hardware]:
    """Cost the model and run its lint rules (a cyclic graph fails here, alone). With
    ``background``, the rules that read no costs run in a forked child meanwhile."""
    cost_rules, lint_rules = rules
    profile = binding.profile.id if binding.profile is not None else None
    settings = replace(settings, action=binding.action, profile=profile)
    early = None
    if background:
        hardware = hardware_before_costs(binding)  # None: estimated from the costs
        early = start_early_rules(pending, pending.graph(), lint_rules, settings, hardware)
    with early or contextlib.nullcontext():
        analysis = finish_one(path, pending, cost_rules)
        hardware = hardware_for(analysis, binding)
        done = early.result() if early else None
        run = run_rules(analysis, lint_rules, replace(settings, hardware=hardware), *(done or ()))
    return analysis, run, hardware


def check_paths(paths: Iterable[str | Path], options: CheckOptions) -> RunResult:
    """Analyse and lint every model under ``paths``; a bad file, or a broken config found
    beside some of them, becomes a LoadFailure and the rest go on. Errors in options, in
    ``--config`` or in rules concern the whole run and are raised."""
    configs, failures = _found(list(paths), options)
    models = [
        path
        for path in configs
        if not excluded(options.judged(path), configs[path], options.exclude)
    ]
    left_out = len(configs) - len(models)
    if not models and not failures:  # all excluded: pre-commit passed only excluded files
        return RunResult((), (), (), load_config(None).fail_on, excluded=left_out)
    loaded_rules = _Rules(options)
    ledger = SuppressionLedger()
    overrides = Overrides(
        select=options.select,
        ignore=options.ignore,
        strict=options.strict,
        profile=options.profile,
        dtype=options.dtype,
    )
    results: list[ModelResult] = []
    for path in models:
        result = _check_one(
            path,
            configs[path],
            options=options,
            overrides=overrides,
            loaded_rules=loaded_rules,
            ledger=ledger,
        )
        if isinstance(result, LoadFailure):
            if result not in failures:  # a broken config: once, not once per model under it
                failures.append(result)
        else:
            results.append(result)
    if not results:  # every model excluded, unreadable or under a broken config
        return RunResult((), tuple(failures), (), load_config(None).fail_on, excluded=left_out)
    first = Path(results[0].analysis.path)
    default = results[0].config
    _, default_rules = loaded_rules.for_config(default)
    meta = rule_settings(options.judged(first), default, default_rules, overrides).enabled
    config_findings = tuple(ledger.report(meta))
    return RunResult(
        tuple(results), tuple(failures), config_findings, default.fail_on, excluded=left_out
    )


def _found(
    paths: list[str | Path], options: CheckOptions
) -> tuple[dict[Path, Config], list[LoadFailure]]:
    """The models under ``paths`` with their configs, and what could not be searched or is
    under a broken config; no model and no failure at all is a usage error."""
    discovery = discover_models(paths)
    found = discovery.models
    configs, failures = _configs(found, options)
    failures += [LoadFailure(str(path), f"{path}: {cause}") for path, cause in discovery.unreadable]
    failures += _empty_directories(paths, found, discovery.unreadable) if found else []
    if not found and not discovery.unreadable:
        where = ", ".join(str(path) for path in paths)
        raise UsageError(f"no model files found in {where} (looked for {_LOOKED_FOR})")
    return configs, failures


def _empty_directories(
    paths: Iterable[str | Path], found: Sequence[Path], unreadable: Sequence[tuple[Path, str]]
) -> list[LoadFailure]:
    """A directory given with no model under it: most likely a wrong path, or a build that
    wrote nothing, which CI should not pass over in silence (one that could not be searched
    is reported as such)."""
    directories = {path.parent for path in found} | set(found)
    searched = {path for path, _ in unreadable}
    return [
        LoadFailure(str(path), f"{path}: no model files found (looked for {_LOOKED_FOR})")
        for path in map(Path, paths)
        if is_directory(path)
        and path not in searched
        and not any(path == d or path in d.parents for d in directories)
    ]


def _configs(
    found: Iterable[Path], options: CheckOptions
) -> tuple[dict[Path, Config], list[LoadFailure]]:
    """Each model's config. A broken discovered config is reported once (a line per
    problem) and the models under it are not checked; the others go on. A broken
    ``--config`` is the whole run's error."""
    configs: dict[Path, Config] = {}
    failures: list[LoadFailure] = []
    broken: set[str] = set()
    for path in found:
        try:
            configs[path] = config_for(options.judged(path), options)
        except ConfigError as exc:
            if options.config_file is not None:
                raise
            source = exc.path or str(path)
            if source not in broken:
                broken.add(source)
                failures.extend(LoadFailure(source, line, "config") for line in exc.lines())
    return configs, failures
