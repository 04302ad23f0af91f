"""The architecture rules proven on real architectures, built at test time with
``weights=None`` (or seeded random weights) and converted through tf2onnx.

MLA001 must fire on an early sigmoid/tanh/hard-sigmoid in front of a deep stack and stay
silent on output heads, gates (swish, hard-swish, GELU-tanh, squeeze-excitation, WaveNet)
and recurrent cells; MLA002 must stay silent on every Keras Application and fire on a
40-layer plain stack. The results table in ``docs/rules.md`` is rendered from these runs and
compared here: regenerate it with ``MODELINT_WRITE_PROOFS=1 pytest tests/tensorflow -k proofs``.

The CI run covers one or more members of every Keras Applications family (those the issue
names among them; VGG's plain stack is represented by MobileNet v1, the deeper plain net:
converting VGG takes 2 minutes and 16 GB each). ``MODELINT_ALL_APPLICATIONS=1`` adds the
remaining members (38 in all, about 40 minutes on two cores).
"""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("tensorflow", reason="the proofs need the tensorflow extra")
pytest.importorskip("tf2onnx", reason="the proofs need tf2onnx (the tensorflow extra)")

import keras_models as km
from applications import application

import modelint
from modelint.findings import Finding

pytestmark = pytest.mark.tensorflow

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
MARKER = "<!-- proofs: written by tests/tensorflow/test_architecture_proofs.py -->"
END_MARKER = "<!-- end of proofs -->"
HEADER = (
    "## Proof on real architectures\n\n"
    "Rendered by `tests/tensorflow/test_architecture_proofs.py` from the findings of the\n"
    "built-in rules on each model (Keras 3, `weights=None` or seeded random weights,\n"
    "converted by tf2onnx at opset 17, batch 1). *Shortest path*: weight layers on the\n"
    "shortest input-to-output path, the measure MLA002 compares with 30.\n\n"
    "| architecture | expected | MLA001 | shortest path (MLA002) | other MLA findings |\n"
    "|---|---|---|---|---|\n"
)


@dataclass(frozen=True)
class Proof:
    """One architecture and what the rules must say about it."""

    label: str
    build: Callable[[], Any] | None = None  # a model of keras_models, or
    application: tuple[str, int] | None = None  # (keras.applications name, input size)
    mla001: str = "silent"  # "silent", "warning" or "error"
    mla002: bool = False  # fires
    slow: bool = False


PROOFS = (
    Proof(
        "Dense MLP, sigmoid on the first of 10 layers",
        lambda: km.dense_stack(["sigmoid", *["relu"] * 8, "softmax"], "mlp_sigmoid_first"),
        mla001="warning",
    ),
    Proof(
        "CNN, tanh on the first of 7 convolutions",
        lambda: km.conv_stack(["tanh", *["relu"] * 6], "softmax", "cnn_early_tanh"),
        mla001="warning",
    ),
    Proof(
        "Dense hard-sigmoid, then 5 softsign layers",
        lambda: km.dense_stack(["hard_sigmoid", *["softsign"] * 5, None], "hard_softsign"),
        mla001="error",
    ),
    Proof(
        "CNN whose only sigmoid is the output head",
        lambda: km.conv_stack(["relu"] * 6, "sigmoid", "cnn_sigmoid_head", units=1),
    ),
    Proof("Transformer blocks, GELU (tanh approximation)", km.transformer_gelu),
    Proof("WaveNet-style tanh * sigmoid gated stack", km.wavenet),
    Proof("2 LSTM layers, then 6 Dense", lambda: km.recurrent("lstm")),
    Proof("2 GRU layers, then 6 Dense", lambda: km.recurrent("gru")),
    Proof(
        "40 plain Conv2D layers",
        lambda: km.conv_stack(["relu"] * 40, "softmax", "plain40"),
        mla002=True,
    ),
    Proof("41 Conv2D layers with identity shortcuts", lambda: km.residual_stack(20, "res41")),
    Proof("EfficientNetB0", application=("EfficientNetB0", 224), slow=True),
    Proof("EfficientNetB2", application=("EfficientNetB2", 260), slow=True),
    Proof("MobileNetV3Large", application=("MobileNetV3Large", 224)),
    Proof("MobileNetV3Small", application=("MobileNetV3Small", 224)),
    Proof("ResNet50", application=("ResNet50", 224), slow=True),
    Proof("DenseNet121", application=("DenseNet121", 224), slow=True),
    Proof("NASNetMobile", application=("NASNetMobile", 224), slow=True),
    Proof("MobileNet (v1)", application=("MobileNet", 224)),
    Proof("MobileNetV2", application=("MobileNetV2", 224)),
    Proof("InceptionV3", application=("InceptionV3", 299), slow=True),
    Proof("InceptionResNetV2", application=("InceptionResNetV2", 299), slow=True),
    Proof("Xception", application=("Xception", 299), slow=True),
    Proof("ResNet50V2", application=("ResNet50V2", 224), slow=True),
    Proof("EfficientNetV2B0", application=("EfficientNetV2B0", 224), slow=True),
    Proof("ConvNeXtTiny", application=("ConvNeXtTiny", 224), slow=True),
)


@dataclass(frozen=True)
class Outcome:
    findings: tuple[Finding, ...]  # MLA rules at their defaults
    shortest_path: int


@functools.cache
def outcome(label: str) -> Outcome:
    proof = next(p for p in PROOFS if p.label == label)
    if proof.application is not None:
        result = application(*proof.application)
        return Outcome(result.findings, result.shortest_path)
    assert proof.build is not None
    analysis = modelint.analyze(proof.build())
    found = modelint.lint(analysis, select=["MLA"])
    probe = modelint.lint(analysis, select=["MLA002"], parameters={"MLA002": {"depth": 0}})
    shortest = min(int(dict(f.properties)["depth"]) for f in probe)
    del analysis
    gc.collect()
    return Outcome(found, shortest)


def _params(proofs: tuple[Proof, ...]) -> list[Any]:
    return [pytest.param(p, id=p.label, marks=[pytest.mark.slow] if p.slow else []) for p in proofs]


def _of(found: tuple[Finding, ...], rule: str) -> list[Finding]:
    return [finding for finding in found if finding.rule_id == rule]


@pytest.mark.parametrize("proof", _params(PROOFS))
def test_saturating_activation_rule(proof: Proof) -> None:
    found = _of(outcome(proof.label).findings, "MLA001")
    if proof.mla001 == "silent":
        assert found == [], [f.message for f in found]
    else:
        assert found, "MLA001 did not fire"
        assert found[0].severity.name.lower() == proof.mla001, found[0].message


@pytest.mark.parametrize("proof", _params(PROOFS))
def test_deep_plain_stack_rule(proof: Proof) -> None:
    result = outcome(proof.label)
    assert bool(_of(result.findings, "MLA002")) == proof.mla002, result.shortest_path
    assert (result.shortest_path > 30) == proof.mla002


def test_first_layer_findings_name_layer_depth_and_path() -> None:
    (finding,) = _of(outcome(PROOFS[0].label).findings, "MLA001")
    assert finding.location.layer == "dense1"
    props = dict(finding.properties)
    assert props["depth"] == 9
    assert props["path"] == " -> ".join(f"dense{i}" for i in range(2, 11))
    escalated = _of(outcome(PROOFS[2].label).findings, "MLA001")
    assert [f.location.layer for f in escalated] == ["dense1", "dense2", "dense3"]
    assert dict(escalated[0].properties)["activation"] == "hard-sigmoid (decomposed)"


def test_simple_rnn_is_a_vanilla_rnn() -> None:
    analysis = modelint.analyze(km.recurrent("rnn"))
    found = modelint.lint(analysis, select=["MLA"])
    assert [f.rule_id for f in found] == ["MLA003", "MLA003"]  # rnn1 and rnn2
    assert {f.location.layer for f in found} == {"rnn1", "rnn2"}
    assert _of(outcome("2 LSTM layers, then 6 Dense").findings, "MLA003") == []


# Every keras.applications model at its default input size (Keras 3.15). ConvNeXtLarge and
# ConvNeXtXLarge are left out: tf2onnx peaks above 22 GB converting them (ConvNeXtBase, with
# the same block structure and 88M parameters, is in: shortest path 5).
EVERY_APPLICATION = {
    **dict.fromkeys(("ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase"), 224),
    **dict.fromkeys(("DenseNet121", "DenseNet169", "DenseNet201"), 224),
    **{
        f"EfficientNetB{i}": size for i, size in enumerate((224, 240, 260, 300, 380, 456, 528, 600))
    },
    **{f"EfficientNetV2B{i}": size for i, size in enumerate((224, 240, 260, 300))},
    "EfficientNetV2S": 384,
    "EfficientNetV2M": 480,
    "EfficientNetV2L": 480,
    **dict.fromkeys(("InceptionV3", "InceptionResNetV2", "Xception"), 299),
    **dict.fromkeys(("MobileNet", "MobileNetV2", "MobileNetV3Large", "MobileNetV3Small"), 224),
    "NASNetMobile": 224,
    "NASNetLarge": 331,
    **dict.fromkeys(("ResNet50", "ResNet101", "ResNet152"), 224),
    **dict.fromkeys(("ResNet50V2", "ResNet101V2", "ResNet152V2"), 224),
    **dict.fromkeys(("VGG16", "VGG19"), 224),
}


# The sweep of every Application takes about 40 minutes on two cores: it is collected only
# when asked for (MODELINT_ALL_APPLICATIONS=1), so a normal run shows no skipped tests; CI
# covers every family through PROOFS, and docs/rules.md carries the sweep's measured table.
if os.environ.get("MODELINT_ALL_APPLICATIONS"):

    @pytest.mark.slow
    @pytest.mark.parametrize(("name", "size"), sorted(EVERY_APPLICATION.items()))
    def test_every_application_is_silent(name: str, size: int) -> None:
        result = application(name, size)
        flagged = [f.message for f in result.findings if f.rule_id in ("MLA001", "MLA002")]
        assert flagged == [] and result.shortest_path <= 30, (result.shortest_path, flagged)


def _describe(found: tuple[Finding, ...]) -> str:
    flagged = _of(found, "MLA001")
    if not flagged:
        return "silent"
    first = flagged[0]
    where = first.location.layer or first.location.node
    depth = dict(first.properties)["depth"]
    more = f" (+{len(flagged) - 1} more)" if len(flagged) > 1 else ""
    return f"{first.severity.name.lower()}: {where}, depth {depth}{more}"


def _row(proof: Proof) -> str:
    result = outcome(proof.label)
    expected = f"MLA001 {proof.mla001}" + (", MLA002 fires" if proof.mla002 else "")
    fired = " (fires)" if _of(result.findings, "MLA002") else ""
    others = sorted({f.rule_id for f in result.findings} - {"MLA001", "MLA002"})
    counts = ", ".join(f"{rule}: {len(_of(result.findings, rule))}" for rule in others)
    return (
        f"| {proof.label} | {expected} | {_describe(result.findings)} | "
        f"{result.shortest_path}{fired} | {counts or '-'} |\n"
    )


@pytest.mark.slow
def test_docs_table_matches_the_proofs() -> None:
    table = HEADER + "".join(_row(proof) for proof in PROOFS)
    text = DOCS.read_text(encoding="utf-8")
    generated, marker, rest = text.partition(MARKER)
    assert marker, f"{DOCS} lost its marker"
    _, end, after = rest.partition(END_MARKER)
    rendered = generated + MARKER + "\n\n" + table + "\n" + END_MARKER + (after if end else "\n")
    if os.environ.get("MODELINT_WRITE_PROOFS"):
        DOCS.write_text(rendered, encoding="utf-8")
    assert text == rendered, "regenerate: MODELINT_WRITE_PROOFS=1 pytest tests/tensorflow -k proofs"
