"""The Python API: the same data the CLI reports, as frozen objects."""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, SupportsIndex

import onnx

from modelint.analysis import AnalysisOptions, ModelAnalysis, analyze_loaded, load_cost_rules
from modelint.errors import UsageError
from modelint.findings import Finding
from modelint.load import LoadedModel, LoadOptions, load_model

__all__ = ["analyze", "lint"]


def _is_keras_model(model: object) -> bool:
    kind = type(model)
    return (
        kind.__module__.startswith("keras")
        and hasattr(model, "inputs")
        and hasattr(model, "layers")
    )


def analyze(
    model: str | Path | onnx.ModelProto | Any,
    *,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    rule_paths: Sequence[str | Path] = (),
) -> ModelAnalysis:
    """Load ``model`` (a path in any supported format, an in-memory ONNX ModelProto, or an
    in-memory Keras model), infer shapes and cost every node.

    ``input_shapes`` binds graph inputs (``{"input": (1, 3, 224, 224)}``); ``rule_paths``
    adds cost-rule directories whose entries override the built-in ones. Raises
    ``ModelintError`` subclasses (``ModelLoadError``, ``UsageError``, ``CostRuleError``).
    A ModelProto is copied, never modified.
    """
    shapes = _checked_shapes(input_shapes or {})
    options = AnalysisOptions(input_shapes=shapes)
    rules = load_cost_rules(tuple(str(p) for p in rule_paths))
    if isinstance(model, onnx.ModelProto):
        copy = onnx.ModelProto()
        copy.CopyFrom(model)
        loaded = LoadedModel("<memory>", "onnx", copy)
    elif isinstance(model, str | Path):
        loaded = load_model(model, LoadOptions(input_shapes=shapes))
    elif _is_keras_model(model):
        from modelint.load.tensorflow import load_keras_object  # noqa: PLC0415 - TF is heavy

        loaded = load_keras_object(model, LoadOptions(input_shapes=shapes))
    else:
        raise UsageError(
            f"cannot analyze a {type(model).__name__}: pass a path, an ONNX "
            "ModelProto or a Keras model"
        )
    return analyze_loaded(loaded, rules, options)


def _checked_shapes(input_shapes: Mapping[str, Sequence[int]]) -> dict[str, tuple[int, ...]]:
    """Every dim a positive int, as ``--input-shape`` requires (a None was dropped before,
    and the shape then had the wrong rank)."""
    shapes = {}
    for name, dims in input_shapes.items():
        shapes[name] = tuple(_dim(name, index, dim) for index, dim in enumerate(dims))
    return shapes


def _dim(name: str, index: int, dim: object) -> int:
    """An integer of any kind (numpy's included: ``tuple(array.shape)``), as a plain int."""
    where = f"input_shapes[{name!r}][{index}] is {dim!r}"
    if isinstance(dim, bool):
        raise UsageError(f"{where}: a dim is an integer, not a bool")
    if not isinstance(dim, SupportsIndex):
        raise UsageError(
            f"{where}: a dim is an integer (leave an input out to keep the model's own dims)"
        )
    size = operator.index(dim)
    if size <= 0:
        raise UsageError(f"{where}: every dim needs a positive size")
    return size


def _selected(rules: Any, select: str | Sequence[str]) -> frozenset[str]:
    chosen = set()
    for selector in (select,) if isinstance(select, str) else select:
        found = {r.id for r in rules if selector == "ALL" or r.id.startswith(selector)}
        rule = rules.get(selector)
        found |= {rule.id} if rule is not None else set()
        if not found:
            from modelint.expr import did_you_mean  # noqa: PLC0415

            hint = did_you_mean(selector, rules.codes())
            raise UsageError(f"select: {selector!r} selects no rule{hint}")
        chosen |= found
    return frozenset(chosen)


def _checked_parameters(
    rules: Any, parameters: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Parameters by rule id, each checked as the config checks them (a typo is an error,
    never a silently ignored setting)."""
    from modelint.expr import did_you_mean  # noqa: PLC0415

    checked: dict[str, dict[str, Any]] = {}
    for code, values in parameters.items():
        rule = rules.get(code)
        if rule is None:
            raise UsageError(f"parameters: no rule {code!r}{did_you_mean(code, rules.codes())}")
        for name, value in values.items():
            parameter = rule.parameters.get(name)
            if parameter is None:
                hint = did_you_mean(name, list(rule.parameters))
                known = ", ".join(sorted(rule.parameters)) or "none"
                raise UsageError(
                    f"parameters: {rule.id} has no parameter {name!r}{hint}; parameters: {known}"
                )
            problem = parameter.check(value)
            if problem is not None:
                raise UsageError(f"parameters: {rule.id}: {problem}")
            checked.setdefault(rule.id, {})[name] = value
    return checked


def lint(
    model: str | Path | onnx.ModelProto | ModelAnalysis | Any,
    *,
    select: str | Sequence[str] = ("ALL",),
    parameters: Mapping[str, Mapping[str, Any]] | None = None,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    rule_paths: Sequence[str | Path] = (),
) -> tuple[Finding, ...]:
    """The lint findings on ``model`` (anything :func:`analyze` takes, or its result).

    ``select`` takes rule ids, id prefixes (``"MLA"``), names or ``"ALL"``, one or a sequence
    of them; ``parameters`` sets rule parameters by id (``{"MLA001": {"depth": 6}}``);
    ``rule_paths`` adds rule directories (lint and cost rules). No config file is read: that
    is the CLI's job.
    """
    from modelint.rules import RuleSettings, load_lint_rules, run_rules  # noqa: PLC0415

    analysis = (
        model
        if isinstance(model, ModelAnalysis)
        else analyze(model, input_shapes=input_shapes, rule_paths=rule_paths)
    )
    rules = load_lint_rules(tuple(str(p) for p in rule_paths))
    checked = _checked_parameters(rules, parameters or {})
    settings = RuleSettings(enabled=_selected(rules, select), parameters=checked)
    return run_rules(analysis, rules, settings).findings
