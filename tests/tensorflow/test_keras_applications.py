"""Keras Applications (``weights=None``) through tf2onnx: modelint's MACs against the oracle.

The oracle is the "Keras MACs [C]" column of ``reference-figures.md`` Part A: exact Conv +
MatMul/Gemm multiply-accumulates of the tf2onnx graph (opset 17, batch 1) at the listed
resolution. modelint's ``totals.macs`` sums the MACs of every contraction op, the same set, so
the two must agree within 1 %. Every node must be costed.

Parameters: Keras ``count_params()`` includes BatchNormalization's moving mean and variance,
which fold into Conv weights/biases (or a Mul + Add) in the ONNX graph, so the ONNX initializer
count is at most Keras' total. Untrained constant-valued weights (zero biases, unit BN scale)
are perturbed (seeded) first, since tf2onnx merges bit-identical constants into one shared
initializer and would undercount them.

Measured here (tensorflow-cpu 2.21, Keras 3.15.1, tf2onnx 1.17, opset 17, batch 1). "BN" is
the BatchNormalization weights (gamma, beta, moving mean, moving variance); the test asserts
``Keras total - BN <= ONNX params <= Keras total``. Every model: 100 % of nodes costed, MACs only
on Conv and Gemm.

| model            | px  | Keras total | Keras trainable | BN      | ONNX params | modelint MACs |
|------------------|-----|-------------|-----------------|---------|-------------|---------------|
| ResNet50         | 224 | 25,636,712  | 25,583,592      | 106,240 | 25,583,592  | 3,857,973,248 |
| MobileNetV2      | 224 | 3,538,984   | 3,504,872       | 68,224  | 3,494,954   | 300,774,272   |
| MobileNetV3Large | 224 | 5,507,432   | 5,483,032       | 48,800  | 5,475,854   | 216,589,760   |
| EfficientNetB0   | 224 | 5,330,571   | 5,288,548       | 84,032  | 5,276,507   | 385,814,752   |
| DenseNet121      | 224 | 8,062,504   | 7,978,856       | 167,296 | 7,971,368   | 2,834,161,664 |
| InceptionV3      | 299 | 23,851,784  | 23,817,352      | 51,648  | 23,817,352  | 5,713,216,096 |
| Xception         | 299 | 22,910,480  | 22,855,952      | 109,056 | 22,828,688  | 8,357,403,496 |
| NASNetMobile     | 224 | 5,326,716   | 5,289,978       | 73,476  | 5,271,939   | 563,638,816   |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

pytest.importorskip(
    "tensorflow", reason="Keras Applications tests need the tensorflow extra (modelint[tensorflow])"
)
pytest.importorskip(
    "tf2onnx", reason="Keras Applications tests need tf2onnx (the modelint[tensorflow] extra)"
)

from applications import Application, application

pytestmark = pytest.mark.tensorflow

MACS_TOLERANCE = 0.01  # relative; the oracle is given to 4-5 significant digits
CONTRACTIONS = frozenset({"Conv", "Gemm", "MatMul"})


@dataclass(frozen=True)
class AppCase:
    """One Keras application and its reference figures (reference-figures.md Part A.1)."""

    name: str  # attribute of keras.applications
    size: int  # input height = width
    reference_macs: float  # "Keras MACs [C]"
    keras_total: int  # Keras count_params() with weights=None
    slow: bool = True


CASES = (
    AppCase("ResNet50", 224, 3.8580e9, 25_636_712),
    AppCase("MobileNetV2", 224, 0.3008e9, 3_538_984, slow=False),
    AppCase("MobileNetV3Large", 224, 0.2166e9, 5_507_432, slow=False),
    AppCase("EfficientNetB0", 224, 0.3858e9, 5_330_571),
    AppCase("DenseNet121", 224, 2.8342e9, 8_062_504),
    AppCase("InceptionV3", 299, 5.7132e9, 23_851_784),
    AppCase("Xception", 299, 8.3574e9, 22_910_480),
    AppCase("NASNetMobile", 224, 0.5636e9, 5_326_716),
)

# (model name, check) -> reason; such a test is xfail(strict=True) until modelint is fixed.
KNOWN_PROBLEMS: dict[tuple[str, str], str] = {}


def _cases(check: str) -> list[Any]:
    """``pytest.param`` per case, marked slow and (for known problems) strict xfail."""
    params = []
    for case in CASES:
        marks: list[Any] = [pytest.mark.slow] if case.slow else []
        reason = KNOWN_PROBLEMS.get((case.name, check))
        if reason is not None:
            marks.append(pytest.mark.xfail(strict=True, reason=reason))
        params.append(pytest.param(case, id=case.name, marks=marks))
    return params


def converted(name: str) -> Application:
    case = next(c for c in CASES if c.name == name)
    return application(case.name, case.size)


@pytest.mark.parametrize("case", _cases("keras_build"))
def test_keras_model_is_the_reference_variant(case: AppCase) -> None:
    assert converted(case.name).keras_total == case.keras_total


@pytest.mark.parametrize("case", _cases("macs"))
def test_macs_match_reference(case: AppCase) -> None:
    macs = converted(case.name).macs
    error = abs(macs - case.reference_macs) / case.reference_macs
    assert error <= MACS_TOLERANCE, (
        f"{case.name}@{case.size}: modelint {macs / 1e9:.4f} GMACs vs reference "
        f"{case.reference_macs / 1e9:.4f} ({error:.2%})"
    )


@pytest.mark.parametrize("case", _cases("coverage"))
def test_every_node_costed(case: AppCase) -> None:
    coverage = converted(case.name).coverage
    assert coverage.complete, [(u.op, u.nodes, u.reasons) for u in coverage.uncosted]


@pytest.mark.parametrize("case", _cases("mac_ops"))
def test_macs_only_on_contractions(case: AppCase) -> None:
    """The oracle counts Conv + MatMul/Gemm only; no other op may carry MACs."""
    assert converted(case.name).mac_ops <= CONTRACTIONS


@pytest.mark.parametrize("case", _cases("params"))
def test_onnx_params_within_keras_count(case: AppCase) -> None:
    result = converted(case.name)
    params = result.params
    # BN folds into Conv weights and biases or becomes Mul + Add; every other weight survives.
    lowest = result.keras_total - result.bn_params
    assert 0 < lowest <= params <= result.keras_total, (params, result.keras_total, lowest)
