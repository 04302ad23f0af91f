"""Hardware profiles: devices as sourced data (DESIGN §7). Part of the base layer: it imports
none of the pipeline, so config, analysis and rules can all read profiles."""

from __future__ import annotations

from modelint.profiles.model import (
    DTYPES,
    OP_CLASSES,
    Budgets,
    CalibrationPoint,
    Constraint,
    Efficiency,
    Engine,
    Figure,
    Fusion,
    HardwareProfile,
    Memory,
    Operators,
)
from modelint.profiles.read import DEFAULT_FUSION, parse_budgets, read_profile
from modelint.profiles.registry import find_profile, list_profiles, load_profile_file, with_mode

__all__ = [
    "DEFAULT_FUSION",
    "DTYPES",
    "OP_CLASSES",
    "Budgets",
    "CalibrationPoint",
    "Constraint",
    "Efficiency",
    "Engine",
    "Figure",
    "Fusion",
    "HardwareProfile",
    "Memory",
    "Operators",
    "find_profile",
    "list_profiles",
    "load_profile_file",
    "parse_budgets",
    "read_profile",
    "with_mode",
]
