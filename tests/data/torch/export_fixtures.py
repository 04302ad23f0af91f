"""Regenerate the graph-only torch.onnx fixtures of tests/test_torch_exports.py.

NOT run in CI, and not importable from the project's virtualenv: it needs PyTorch, torchvision
and transformers, which CI cannot install. Run it by hand in a separate environment:

    python3 -m venv /work/torchenv
    /work/torchenv/bin/pip install torch==2.14.1 torchvision==0.29.1
    /work/torchenv/bin/pip install 'onnx==1.23.*' transformers onnxscript
    /work/torchenv/bin/python tests/data/torch/export_fixtures.py            # all models
    /work/torchenv/bin/python tests/data/torch/export_fixtures.py resnet18   # some of them

What it does, per model (batch 1, eval mode, opset 17, random init, no download):

1. builds the model: torchvision ``<name>(weights=None)`` at 224x224, or transformers
   ``BertModel(BertConfig())`` (BERT-base, sequence length 128);
2. perturbs every floating-point parameter and buffer with small seeded noise (BatchNorm
   variances drawn in [0.5, 1.5]). A fresh init has bit-identical tensors (zero biases,
   LayerNorm ones, BatchNorm's 1/0 statistics); the exporter's initializer de-duplication would
   merge them and the ONNX parameter count would be an artefact of the init. Trained weights
   never coincide, and neither do these. Shapes, and so every cost, are unchanged;
3. counts the reference figures in PyTorch: parameters (sum of ``numel``) and MACs
   (``torch.utils.flop_counter.FlopCounterMode`` total / 2: convolutions, mm/addmm/bmm and
   attention);
4. exports with the classic TorchScript exporter (``torch.onnx.export(..., dynamo=False)``;
   ``--exporter dynamo`` for the torch.export-based one);
5. strips the weights: every tensor of 1 KiB or more moves to external data
   (``<name>.data``), which is then deleted, so only the graph and small constants remain.
   modelint reads initializer dims, never weights, so the stripped file costs the same.

It rewrites ``manifest.json`` beside itself with the versions used and the figures above;
README.md and tests/test_torch_exports.py quote them (update both by hand after a re-export).
"""

from __future__ import annotations

import argparse
import collections
import json
import platform
import sys
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import onnx
import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

HERE = Path(__file__).resolve().parent
OPSET = 17
SIZE_THRESHOLD = 1024  # bytes: smaller tensors stay inline in the .onnx file
SEED = 0
VISION = ("resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0")
BERT_SEQUENCE = 128


@dataclass
class Fixture:
    """One model to export: the module, example inputs and the ONNX names of its I/O."""

    name: str
    module: torch.nn.Module
    args: tuple[torch.Tensor, ...]
    input_names: list[str]
    output_names: list[str]
    notes: dict[str, Any]


class _TupleOutput(torch.nn.Module):
    """BertModel returns a ModelOutput; the exporter wants plain tensors."""

    def __init__(self, inner: torch.nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.inner(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            return_dict=True,
        )
        return out.last_hidden_state, out.pooler_output


def _vision(name: str) -> Callable[[], Fixture]:
    def build() -> Fixture:
        import torchvision

        module = torchvision.models.get_model(name, weights=None)
        return Fixture(
            name=name,
            module=module,
            args=(torch.randn(1, 3, 224, 224),),
            input_names=["input"],
            output_names=["logits"],
            notes={"input": [1, 3, 224, 224]},
        )

    return build


def _bert() -> Fixture:
    from transformers import BertConfig, BertModel

    config = BertConfig()
    module = BertModel(config)
    ids = torch.randint(0, config.vocab_size, (1, BERT_SEQUENCE), dtype=torch.int64)
    mask = torch.ones(1, BERT_SEQUENCE, dtype=torch.int64)
    types = torch.zeros(1, BERT_SEQUENCE, dtype=torch.int64)
    attention = getattr(config, "_attn_implementation", None)
    return Fixture(
        name="bert_base",
        module=_TupleOutput(module),
        args=(ids, mask, types),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["last_hidden_state", "pooler_output"],
        notes={"input": [1, BERT_SEQUENCE], "attn_implementation": attention},
    )


BUILDERS: dict[str, Callable[[], Fixture]] = {name: _vision(name) for name in VISION}
BUILDERS["vit_b_16"] = _vision("vit_b_16")
BUILDERS["bert_base"] = _bert


def _perturb(module: torch.nn.Module) -> None:
    """Make every float tensor distinct (see the module docstring, step 2)."""
    generator = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for name, tensor in [*module.named_parameters(), *module.named_buffers()]:
            if not tensor.is_floating_point():
                continue
            noise = torch.rand(tensor.shape, generator=generator, dtype=tensor.dtype)
            if name.endswith("running_var"):
                tensor.copy_(0.5 + noise)
            else:
                tensor.add_((noise - 0.5) * 0.02)


def _flop_counter_macs(fixture: Fixture) -> tuple[int, dict[str, int]]:
    """MACs = FlopCounterMode FLOPs / 2, in total and per aten op.

    Attention runs on the math SDPA backend, which decomposes into bmm: the CPU flash kernel
    that torch picks by default is not in the flop counter's registry, and ViT and BERT
    would come out short by their attention products (2·L·S²·d per model). Grad stays
    enabled: with it off, nn.MultiheadAttention (ViT) takes its fused fast path, also uncounted.
    """
    counter = FlopCounterMode(display=False)
    with sdpa_kernel(SDPBackend.MATH), counter:
        fixture.module(*fixture.args)
    per_op = {str(op): flops // 2 for op, flops in counter.get_flop_counts()["Global"].items()}
    return counter.get_total_flops() // 2, per_op


def _export(fixture: Fixture, path: Path, exporter: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if exporter == "torchscript":
            torch.onnx.export(
                fixture.module,
                fixture.args,
                str(path),
                dynamo=False,
                opset_version=OPSET,
                input_names=fixture.input_names,
                output_names=fixture.output_names,
                do_constant_folding=True,
            )
        else:
            program = torch.onnx.export(
                fixture.module,
                fixture.args,
                dynamo=True,
                opset_version=OPSET,
                input_names=fixture.input_names,
                output_names=fixture.output_names,
            )
            assert program is not None
            program.save(str(path))


def _float_initializer_numel(model: onnx.ModelProto) -> int:
    """Elements of floating-point initializers, each counted once (what ONNX stores)."""
    floats = {onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.BFLOAT16}
    total = 0
    for tensor in model.graph.initializer:
        if tensor.data_type in floats:
            count = 1
            for dim in tensor.dims:
                count *= int(dim)
            total += count
    return total


def _strip(model: onnx.ModelProto, path: Path) -> None:
    """Save with every tensor >= SIZE_THRESHOLD bytes external, then delete the data file."""
    data = path.with_suffix(".data")
    data.unlink(missing_ok=True)
    onnx.save_model(
        model,
        str(path),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=data.name,
        size_threshold=SIZE_THRESHOLD,
    )
    data.unlink()


def export_one(name: str, out: Path, exporter: str) -> dict[str, Any]:
    torch.manual_seed(SEED)
    fixture = BUILDERS[name]()
    fixture.module.eval()
    _perturb(fixture.module)
    torch_params = sum(p.numel() for p in fixture.module.parameters())
    batchnorm = [m for m in fixture.module.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    macs, per_op = _flop_counter_macs(fixture)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / f"{name}.onnx"
        _export(fixture, raw, exporter)
        model = onnx.load(str(raw), load_external_data=True)
    onnx.checker.check_model(model)
    onnx_params = _float_initializer_numel(model)
    target = out / f"{name}.onnx"
    _strip(model, target)
    stripped = onnx.load(str(target), load_external_data=False)
    ops = collections.Counter(node.op_type for node in stripped.graph.node)
    return {
        "file": target.name,
        "bytes": target.stat().st_size,
        "exporter": exporter,
        "opset": OPSET,
        "torch_params": torch_params,
        "onnx_float_initializer_params": onnx_params,
        "batchnorm_layers": len(batchnorm),
        "batchnorm_channels": sum(m.num_features for m in batchnorm),
        "flop_counter_macs": macs,
        "flop_counter_macs_by_op": per_op,
        "nodes": len(stripped.graph.node),
        "op_types": dict(sorted(ops.items())),
        **fixture.notes,
    }


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "torch": torch.__version__}
    for package in ("torchvision", "transformers", "onnx", "onnxscript"):
        try:
            versions[package] = __import__(package).__version__
        except ImportError:
            versions[package] = "not installed"
    return versions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", metavar="MODEL", help=", ".join(BUILDERS))
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--exporter", choices=("torchscript", "dynamo"), default="torchscript")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.models) - set(BUILDERS))
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(BUILDERS)}")
    manifest_path = args.out / "manifest.json"
    manifest: dict[str, Any] = {"models": {}}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["versions"] = _versions()
    for name in args.models or list(BUILDERS):
        entry = export_one(name, args.out, args.exporter)
        manifest["models"][name] = entry
        print(  # noqa: T201 - a hand-run script reports what it wrote
            f"{name:20} {entry['bytes']:>9,} B  params torch {entry['torch_params']:,} "
            f"onnx {entry['onnx_float_initializer_params']:,}  "
            f"MACs {entry['flop_counter_macs']:,}  nodes {entry['nodes']}",
            file=sys.stderr,
        )
    manifest["models"] = dict(sorted(manifest["models"].items()))
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
