"""Graph-only torch.onnx exports (torchvision classifiers, ViT, BERT) must come out 100 % costed.

The fixtures in tests/data/torch/ were exported by the classic TorchScript exporter
(``torch.onnx.export(..., dynamo=False)``, torch 2.14.1, torchvision 0.29.1, transformers
5.24.0, opset 17, batch 1, eval mode) and then stripped: every tensor of 1 KiB or more was moved
to ``<name>.data`` and that file deleted. modelint never reads weights, so it must cost them all
the same. No torch here: tests/data/torch/export_fixtures.py regenerates them in a separate
environment, and tests/data/torch/README.md lists the versions and every reference figure.

References:

* MACs: torchvision's documented GFLOPS (which are GMACs) within 1 %, and exactly the count of
  ``torch.utils.flop_counter.FlopCounterMode`` / 2 taken in the torch environment (convolutions,
  mm/addmm/bmm, attention on the math SDPA backend). MobileNetV2's published 0.30 is too rounded
  to pin 1 % (it stands for 0.295-0.305), so it is held to the exact count alone. BERT-base has
  no published figure: the analytic count (below) equals the flop counter's.
* Parameters: torch's ``sum(p.numel())``. The exporter folds each eval-mode BatchNorm2d into
  the convolution before it: gamma and beta (2C parameters; the running statistics are buffers)
  become one conv bias of C, so the ONNX file holds ``torch params - sum of BN channels``,
  checked here by hand from the initializer dims. ViT and BERT have no BatchNorm: both figures
  are equal. (The fixtures' weights were perturbed before export so that no two tensors are
  bit-identical, as after training; otherwise the exporter de-duplicates the zero biases and
  the ONNX count would be an artefact of the init.)
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import onnx
import pytest

import modelint
from modelint.analysis import ModelAnalysis

FIXTURES = Path(__file__).resolve().parent / "data" / "torch"
MACS_TOLERANCE = 0.01  # relative, against the published figure
MAX_FIXTURE_BYTES = 300_000  # graph only; weights would be 45 MB (resnet18) to 440 MB (BERT)
FLOAT_TYPES = frozenset(
    {onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.BFLOAT16}
)

# BERT-base at sequence length S=128, hidden H=768, FFN F=3072, L=12 layers, batch 1:
# per layer Q, K, V and output projections 4·S·H², FFN 2·S·H·F, attention QKᵀ and AV 2·S²·H;
# plus the pooler's H². Embedding lookups (Gather) are not MACs.
BERT_S, BERT_H, BERT_F, BERT_L = 128, 768, 3072, 12
BERT_MACS = (
    BERT_L * (4 * BERT_S * BERT_H**2 + 2 * BERT_S * BERT_H * BERT_F + 2 * BERT_S**2 * BERT_H)
    + BERT_H**2
)
assert BERT_MACS == 11_174_215_680


@dataclass(frozen=True)
class TorchCase:
    """One fixture and its reference figures (tests/data/torch/README.md)."""

    name: str
    published_gmacs: float | None  # torchvision docs' "GFLOPS"; None: too rounded, or none
    exact_macs: int  # FlopCounterMode total / 2 in the torch environment
    torch_params: int  # sum(p.numel() for p in model.parameters())
    batchnorm_channels: int  # sum of BatchNorm2d num_features, folded into convs by the export

    @property
    def onnx_params(self) -> int:
        return self.torch_params - self.batchnorm_channels

    @property
    def path(self) -> Path:
        return FIXTURES / f"{self.name}.onnx"


CASES = {
    case.name: case
    for case in (
        TorchCase("resnet18", 1.814, 1_814_073_344, 11_689_512, 4_800),
        TorchCase("resnet50", 4.089, 4_089_184_256, 25_557_032, 26_560),
        TorchCase("mobilenet_v2", None, 300_774_272, 3_504_872, 17_056),
        TorchCase("mobilenet_v3_large", 0.217, 216_589_760, 5_483_032, 12_200),
        TorchCase("efficientnet_b0", 0.386, 385_814_752, 5_288_548, 21_008),
        TorchCase("vit_b_16", 17.56, 17_563_828_224, 86_567_656, 0),
        TorchCase("bert_base", None, BERT_MACS, 109_482_240, 0),
    )
}


def _cases(*, published_only: bool = False) -> list[str]:
    """Every fixture name (only those with a published figure when asked)."""
    return [
        name
        for name, case in CASES.items()
        if case.published_gmacs is not None or not published_only
    ]


@functools.cache
def _analysis(name: str) -> ModelAnalysis:
    return modelint.analyze(CASES[name].path)


def _uncosted_report(analysis: ModelAnalysis) -> str:
    ops = [f"{u.op} x{u.nodes}: {'; '.join(u.reasons)}" for u in analysis.coverage.uncosted]
    nodes = [cost.key for cost in analysis.uncosted_nodes()]
    return (
        f"{analysis.coverage.costed_nodes}/{analysis.coverage.nodes} nodes costed; uncosted:\n  "
        + "\n  ".join(ops)
        + f"\nfirst uncosted nodes: {nodes[:8]}"
    )


@pytest.mark.parametrize("name", list(CASES))
def test_fixture_is_graph_only(name: str) -> None:
    """The weights really are gone: large initializers point at a .data file that is absent."""
    path = CASES[name].path
    data = path.with_suffix(".data")
    assert path.is_file(), f"{path} missing: regenerate with tests/data/torch/export_fixtures.py"
    assert not data.exists(), f"{data} must not exist: the fixtures are graph-only"
    assert path.stat().st_size < MAX_FIXTURE_BYTES
    model = onnx.load(str(path), load_external_data=False)
    external = [t for t in model.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL]
    assert external, "no external initializers: the fixture was not stripped"
    locations = {e.value for t in external for e in t.external_data if e.key == "location"}
    assert locations == {data.name}


@pytest.mark.parametrize("name", list(CASES))
def test_initializer_params_match_torch(name: str) -> None:
    """Hand count from initializer dims: torch params less the BatchNorm folded into convs."""
    model = onnx.load(str(CASES[name].path), load_external_data=False)
    counted = sum(
        math.prod(tensor.dims)
        for tensor in model.graph.initializer
        if tensor.data_type in FLOAT_TYPES
    )
    assert counted == CASES[name].onnx_params


@pytest.mark.parametrize("name", _cases())
def test_every_node_is_costed(name: str) -> None:
    analysis = _analysis(name)
    assert analysis.coverage.complete, _uncosted_report(analysis)
    assert not analysis.coverage.uncosted


@pytest.mark.parametrize("name", _cases())
def test_params(name: str) -> None:
    analysis = _analysis(name)
    assert analysis.totals.params == CASES[name].onnx_params
    assert analysis.totals.unused_params == 0


@pytest.mark.parametrize("name", _cases())
def test_macs_exact(name: str) -> None:
    """Conv + Gemm + MatMul MACs equal torch's own flop counter, to the unit."""
    analysis = _analysis(name)
    assert analysis.totals.macs == CASES[name].exact_macs, _uncosted_report(analysis)


@pytest.mark.parametrize("name", _cases(published_only=True))
def test_macs_match_published(name: str) -> None:
    published = CASES[name].published_gmacs
    assert published is not None
    macs = _analysis(name).totals.macs
    assert macs == pytest.approx(published * 1e9, rel=MACS_TOLERANCE), f"{macs / 1e9:.4f} GMACs"
