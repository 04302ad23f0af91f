"""``modelint config show``: the effective configuration, and where each value came from."""

from __future__ import annotations

from typing import Any

import yaml

from modelint.config import Config

__all__ = ["render_config"]


def _public(value: Any) -> Any:
    """Drop the bookkeeping keys the loader adds to suppressions (origin, index)."""
    if isinstance(value, list):
        return [_public(item) for item in value]
    if isinstance(value, dict):
        return {k: _public(v) for k, v in value.items() if not str(k).startswith("_")}
    return value


def render_config(config: Config) -> str:
    source = config.path or "preset recommended (no config file found)"
    lines = [f"# effective configuration from {source}", ""]
    values = dict(config.values)
    values.setdefault("fail-on", "error")
    for key in sorted(values):
        text = yaml.safe_dump(
            _public(values[key]), sort_keys=True, default_flow_style=True, width=10_000
        )
        value = text.strip().removesuffix("...").strip()  # a scalar document ends with "..."
        lines.append(f"{key}: {value}  # from {config.origins.get(key, 'default')}")
    return "\n".join(lines) + "\n"
