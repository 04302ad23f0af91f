"""docs/profiles.md shows the estimator's errors against published measurements; the table
there is what benchmarks/profile_validation.py prints today (no row edited by hand)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent.parent


def _validation() -> ModuleType:
    path = ROOT / "benchmarks" / "profile_validation.py"
    spec = importlib.util.spec_from_file_location("profile_validation", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


def test_docs_table_is_what_the_estimator_says_today() -> None:
    validation = _validation()
    rows = [validation.estimate(m) for m in validation.MEASUREMENTS]
    docs = (ROOT / "docs" / "profiles.md").read_text(encoding="utf-8")
    assert validation.table(rows) in docs, (
        "regenerate the table in docs/profiles.md: python benchmarks/profile_validation.py"
    )


def test_every_research_measurement_is_compared() -> None:
    validation = _validation()
    profiles = {m.profile for m in validation.MEASUREMENTS}
    assert {
        "nvidia-h100-sxm",
        "nvidia-a100-sxm-80gb",
        "nvidia-l4",
        "nvidia-jetson-agx-orin-64gb",
        "google-coral-edgetpu-usb",
        "alif-ensemble-e8-ethos-u55",
        "raspberry-pi-4",
        "raspberry-pi-5",
    } <= profiles
