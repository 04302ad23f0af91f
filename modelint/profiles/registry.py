"""Where profiles come from, and finding one by id, alias or path.

Built-in profiles are ``profiles/*.yaml`` (shipped in the wheel); users add files or
directories (config ``profiles:``), or name a file directly (``--profile boards/my.yaml``).
``ID@MODE`` applies one of the profile's power modes (``nvidia-jetson-orin-nano-8gb@MAXN_SUPER``).
Two files that claim one id or alias are an error naming both.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from modelint.errors import ProfileError
from modelint.expr import did_you_mean
from modelint.profiles.calibrate import calibrate_microbenchmarks
from modelint.profiles.model import Engine, HardwareProfile, PowerMode
from modelint.profiles.read import read_profile
from modelint.resources import builtin_profiles_dir

__all__ = ["find_profile", "list_profiles", "load_profile_file", "with_mode"]


def _is_path(ref: str) -> bool:
    return ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref


def _files(sources: Iterable[str | Path]) -> list[Path]:
    found: list[Path] = []
    for source in sources:
        path = Path(source)
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml")))
        elif path.is_file():
            found.append(path)
        else:
            raise ProfileError("no such profile file or directory", path=str(path))
    return found


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def load_profile_file(path: str | Path) -> HardwareProfile:
    """One profile file, validated and calibrated (cached while the file is unchanged)."""
    resolved = Path(path).resolve()
    if not resolved.is_file():
        raise ProfileError("no such profile file", path=str(path))
    return _load(resolved, _stamp(resolved))


@functools.lru_cache(maxsize=128)
def _load(path: Path, stamp: tuple[int, int]) -> HardwareProfile:
    return calibrate_microbenchmarks(read_profile(path))


def _index(extra: Sequence[str | Path]) -> dict[str, HardwareProfile]:
    index: dict[str, HardwareProfile] = {}
    for path in _files([builtin_profiles_dir(), *extra]):
        profile = load_profile_file(path)
        for name in (profile.id, *profile.aliases):
            other = index.get(name)
            if other is not None and other.path != profile.path:
                raise ProfileError(
                    f"profile id {name!r} is also used by {other.path}", path=profile.path, key="id"
                )
            index[name] = profile
    return index


def list_profiles(extra: Sequence[str | Path] = ()) -> list[HardwareProfile]:
    """Every profile (built-in, then ``extra`` files and directories), sorted by id."""
    unique = {profile.path: profile for profile in _index(extra).values()}
    return sorted(unique.values(), key=lambda profile: profile.id)


def _engine_in_mode(engine: Engine, mode: PowerMode) -> Engine:
    overrides = mode.engines.get(engine.id, {})
    return replace(
        engine,
        peak_dense={**engine.peak_dense, **overrides.get("peak_dense", {})},
        peak_sparse={**engine.peak_sparse, **overrides.get("peak_sparse", {})},
    )


def with_mode(profile: HardwareProfile, name: str) -> HardwareProfile:
    """The profile in power mode ``name`` (its peaks, bandwidth and TDP)."""
    mode = next((m for m in profile.modes if m.name == name), None)
    if mode is None:
        names = [m.name for m in profile.modes]
        hint = did_you_mean(name, names)
        modes = f"modes: {', '.join(names)}" if names else f"{profile.id} has no power modes"
        raise ProfileError(
            f"no power mode {name!r}{hint}; {modes}",
            path=profile.path,
            key="power.modes",
        )
    memory = profile.memory
    if mode.bandwidth is not None:
        memory = replace(memory, bandwidth=mode.bandwidth)
    return replace(
        profile,
        engines=tuple(_engine_in_mode(engine, mode) for engine in profile.engines),
        memory=memory,
        tdp=mode.tdp or profile.tdp,
        mode=name,
    )


def find_profile(ref: str, extra: Sequence[str | Path] = ()) -> HardwareProfile:
    """A profile by id, alias or file path, optionally ``@MODE``."""
    name, _, mode = ref.partition("@")
    if _is_path(name):
        profile = load_profile_file(name)
    else:
        index = _index(extra)
        found = index.get(name)
        if found is None:
            raise ProfileError(
                f"unknown profile {name!r}{did_you_mean(name, index)}; "
                "see `modelint profiles` (or give a profile file's path)"
            )
        profile = found
    return with_mode(profile, mode) if mode else profile
