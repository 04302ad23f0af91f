"""Which hardware profile, budgets and precision a model is checked against.

The profile: ``--profile`` on the command line (the config's ``targets`` are then ignored,
their budgets and dtype too), else the first config ``targets`` entry whose ``files`` glob
matches the model (with its ``action``: ``warning`` makes the target advisory), else the
config's ``profile``. Budgets: the target entry's, over the config's, over the
profile's own. Precision: ``--dtype``, else the target's or the config's ``dtype``, else the
model's own dtypes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from modelint.analysis import ModelAnalysis
from modelint.config import Config, Target
from modelint.errors import ConfigError, ProfileError, UsageError
from modelint.findings import Severity
from modelint.profiles import Budgets, HardwareProfile, find_profile
from modelint.rules.selection import Overrides, _file_matches
from modelint.rules.target_views import Hardware

__all__ = ["Binding", "bind_target", "hardware_before_costs", "hardware_for"]


@dataclass(frozen=True)
class Binding:
    profile: HardwareProfile | None = None
    origin: str = ""  # where the profile came from: --profile, config targets[i], config profile
    action: Severity | None = None  # the most a hardware finding says (None: as the rule says)
    budgets: Budgets = field(default_factory=Budgets)
    precision: str | None = None
    precision_origin: str = ""


def _matching_target(path: Path, config: Config) -> tuple[int, Target] | None:
    base = Path(config.path).parent if config.path else None
    for index, target in enumerate(config.targets):
        if any(_file_matches(pattern, path, base) for pattern in target.files):
            return index, target
    return None


def _find_profile(ref: str, extra: tuple[str, ...], config: Config, where: str) -> HardwareProfile:
    """``find_profile``, its error naming where the reference came from: the command line,
    or the config file and key (a broken profile file names itself)."""
    try:
        return find_profile(ref, extra)
    except ProfileError as exc:
        if exc.path:
            raise
        if where == "--profile":
            raise UsageError(f"--profile: {exc.message}") from exc
        origin = config.origins.get(re.split(r"[.\[]", where, maxsplit=1)[0])
        raise ProfileError(exc.message, path=origin, key=where) from exc


def bind_target(path: Path, config: Config, overrides: Overrides) -> Binding:
    """The binding for one model (profiles are loaded, and their errors raised, here)."""
    found = None if overrides.profile is not None else _matching_target(path, config)
    target = found[1] if found else None
    extra = config.profile_paths
    if overrides.profile is not None:
        profile = _find_profile(overrides.profile, extra, config, "--profile")
        origin, action = "--profile", None
    elif found is not None and target is not None:
        profile = _find_profile(target.profile, extra, config, f"targets[{found[0]}].profile")
        origin, action = f"config targets[{found[0]}]", target.action
    elif config.profile is not None:
        profile = _find_profile(config.profile, extra, config, "profile")
        origin, action = "config profile", None
    else:
        profile, origin, action = None, "", None
        if overrides.dtype is not None and not config.targets:
            raise UsageError(
                "--dtype sets the precision of a hardware profile's estimate: pass --profile "
                "too (or bind one in the config: profile, targets)"
            )
        if config.dtype is not None and not config.targets:
            raise ConfigError(
                "dtype sets the precision of a hardware profile's estimate: set profile or "
                "targets too (or pass --profile)",
                path=config.origins.get("dtype", config.path),
                key="dtype",
            )
    budgets = config.budgets.over(profile.budgets) if profile else config.budgets
    if target is not None:
        budgets = target.budgets.over(budgets)
    choices = [
        (overrides.dtype, "--dtype"),
        (target.dtype if target else None, "config target"),
        (config.dtype, "config"),
    ]
    precision, precision_origin = next(((d, o) for d, o in choices if d), (None, ""))
    return Binding(profile, origin, action, budgets, precision, precision_origin)


def hardware_before_costs(binding: Binding) -> Hardware | None:
    """What ``hardware_for`` gives without the model's costs: all of it when no profile is
    bound (budgets alone), else nothing (the estimates are computed from the costs)."""
    return Hardware(None, binding.budgets, binding.precision) if binding.profile is None else None


def hardware_for(analysis: ModelAnalysis, binding: Binding) -> Hardware:
    """The model's estimates on its bound profile (none without one)."""
    if binding.profile is None:
        return Hardware(None, binding.budgets, binding.precision)
    from modelint.analysis.target import estimate_target  # noqa: PLC0415 - profile runs only

    target = estimate_target(
        analysis, binding.profile, binding.precision, binding.precision_origin or "--dtype"
    )
    return Hardware(target, binding.budgets, binding.precision)
