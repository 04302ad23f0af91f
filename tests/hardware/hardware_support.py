"""A small profile with round numbers, for hand-computed estimates."""

from __future__ import annotations

from pathlib import Path

from modelint.profiles import HardwareProfile, load_profile_file

# peak fp32 10 TFLOP/s, int8 40 TOP/s; DRAM 100 GB/s at η 0.8; 2 µs per kernel (see the file).
ROUND_PROFILE = (
    Path(__file__).resolve().parents[1] / "data" / "profiles" / "round-numbers.yaml"
).read_text(encoding="utf-8")


def round_profile(tmp_path: Path, text: str = ROUND_PROFILE) -> HardwareProfile:
    path = tmp_path / "round.yaml"
    path.write_text(text)
    return load_profile_file(path)
