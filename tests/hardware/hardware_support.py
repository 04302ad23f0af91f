"""A small profile with round numbers, for hand-computed estimates."""

from __future__ import annotations

from pathlib import Path

from modelint.profiles import HardwareProfile, load_profile_file

# peak fp32 10 TFLOP/s, int8 40 TOP/s; DRAM 100 GB/s at η 0.8; 2 µs per kernel.
ROUND_PROFILE = """\
schema_version: "1"
id: round-numbers
name: Round Numbers Accelerator
vendor: Test
category: edge_gpu
confidence: estimate
engines:
  - id: core
    kind: gpu_tensor
    default: true
    peak_dense:
      fp32: 10 TFLOPS [T1]
      int8: 40 TOPS [T1]
    precisions: [fp32, int8]
memory:
  capacity: 1 GiB [T1]
  bandwidth: 100 GB/s [T1]
operators: {policy: broad}
efficiency:
  compute: {matmul: 0.5, conv: 0.4, conv_small: 0.25, depthwise_conv: 0.1, default: 0.2}
  memory: 0.8
  overhead_per_kernel: 2 us
  source: round numbers for hand-computed tests
sources:
  T1: the test suite
"""


def round_profile(tmp_path: Path, text: str = ROUND_PROFILE) -> HardwareProfile:
    path = tmp_path / "round.yaml"
    path.write_text(text)
    return load_profile_file(path)
