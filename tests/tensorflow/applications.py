"""Keras Applications (``weights=None``) converted once per test session and reduced to the
figures the tests check, so that several test modules share one conversion and no converted
graph (with its weights) stays in memory."""

from __future__ import annotations

import functools
import gc
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from keras_models import SEED, perturb_constant_weights

import modelint

if TYPE_CHECKING:
    from modelint.analysis import Coverage
    from modelint.findings import Finding


@dataclass(frozen=True)
class Application:
    """One converted application: Keras' counts, modelint's figures and its findings."""

    name: str
    size: int
    keras_total: int
    keras_trainable: int
    bn_params: int  # BatchNormalization weights, moving statistics included
    seconds: float  # conversion + analysis
    nodes: int
    macs: int | None
    params: int
    coverage: Coverage
    mac_ops: frozenset[str]  # ops that carry MACs
    findings: tuple[Finding, ...]  # architecture rules (MLA*) at their defaults
    shortest_path: int  # weight layers on the shortest input-to-output path (MLA002's measure)


def _keras_counts(model: Any) -> tuple[int, int, int]:
    import keras

    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    bn_params = sum(
        layer.count_params()
        for layer in model.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    )
    return model.count_params(), trainable, bn_params


def _shortest_path(analysis: Any) -> int:
    probe = modelint.lint(analysis, select=["MLA002"], parameters={"MLA002": {"depth": 0}})
    return min(int(dict(f.properties)["depth"]) for f in probe)


@functools.cache
def application(name: str, size: int) -> Application:
    """Build ``keras.applications.<name>`` (weights=None) at ``size`` px, convert, analyse and
    lint it, once per session."""
    import keras

    keras.utils.set_random_seed(SEED)
    model = getattr(keras.applications, name)(weights=None, input_shape=(size, size, 3))
    perturb_constant_weights(model, SEED)
    total, trainable, bn_params = _keras_counts(model)
    start = time.perf_counter()
    analysis = modelint.analyze(model)  # in-memory Keras -> tf2onnx (opset 17, batch 1)
    seconds = time.perf_counter() - start
    result = Application(
        name=name,
        size=size,
        keras_total=total,
        keras_trainable=trainable,
        bn_params=bn_params,
        seconds=seconds,
        nodes=len(analysis.graph.nodes),
        macs=analysis.totals.macs,
        params=analysis.totals.params,
        coverage=analysis.coverage,
        mac_ops=frozenset(group.name for group in analysis.by_op if group.macs),
        findings=modelint.lint(analysis, select=["MLA"]),
        shortest_path=_shortest_path(analysis),
    )
    del model, analysis
    keras.backend.clear_session()
    gc.collect()
    return result
