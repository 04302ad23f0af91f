"""``python -m modelint``."""

from __future__ import annotations

from modelint.cli import run

run()
