"""``profiles`` and ``profile ID``: the hardware profiles and one profile in full."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from modelint.cli.commands import EXIT_CLEAN
from modelint.cli.parser import UsageExit

__all__ = ["run_profile", "run_profiles"]


def _extra_paths(args: argparse.Namespace) -> tuple[str, ...]:
    """Profile files and directories the config adds (``profiles:``)."""
    from modelint.config import find_config_file, load_config

    path = Path(args.config).resolve() if args.config else find_config_file(Path.cwd() / "x")
    return load_config(path).profile_paths


def run_profiles(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from modelint.profiles import list_profiles
    from modelint.report.profiles_report import render_profiles_json, render_profiles_text

    profiles = list_profiles(_extra_paths(args))
    render = render_profiles_json if args.format == "json" else render_profiles_text
    out.write(render(profiles))
    return EXIT_CLEAN


def run_profile(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from modelint.analysis.calibration import calibrate_with_models
    from modelint.errors import ProfileError
    from modelint.profiles import find_profile
    from modelint.report.profiles_report import render_profile

    try:
        found = find_profile(args.ref, _extra_paths(args))
    except ProfileError as exc:
        if exc.path:  # a profile file that is broken names itself
            raise
        raise UsageExit(f"modelint profile: {exc.message}") from exc
    profile = calibrate_with_models(found)
    out.write(render_profile(profile))
    return EXIT_CLEAN
