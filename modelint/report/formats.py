"""Every output format of ``modelint check``, behind one function the CLI calls per output."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from types import ModuleType

from modelint.report.printable import valid_utf8
from modelint.report.style import Style
from modelint.rules import RunResult

__all__ = ["CHECK_FORMATS", "RenderOptions", "render_check"]

CHECK_FORMATS = ("text", "concise", "json", "sarif", "github", "gitlab", "junit", "markdown")


@dataclass(frozen=True)
class RenderOptions:
    root: Path  # file locations in CI formats are relative to it (the repository root)
    color: bool = False  # text and concise only
    nodes: bool = False  # json: every node


def render_check(run: RunResult, fmt: str, options: RenderOptions) -> str:
    """``run`` in format ``fmt`` (one of CHECK_FORMATS)."""
    style = Style(color=options.color)
    renderers: dict[str, Callable[[], str]] = {
        "text": lambda: _report("text").render_check_text(run, style),
        "concise": lambda: _report("concise").render_check_concise(run, style),
        "json": lambda: _json(run, nodes=options.nodes),
        "sarif": lambda: _report("sarif").render_sarif(run, options.root),
        "github": lambda: _report("ci").render_github(run, options.root),
        "gitlab": lambda: _report("ci").render_gitlab(run, options.root),
        "junit": lambda: _report("junit").render_junit(run, options.root),
        "markdown": lambda: _report("markdown").render_markdown(run),
    }
    if fmt not in renderers:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(CHECK_FORMATS)}")
    return valid_utf8(renderers[fmt]())


def _report(name: str) -> ModuleType:
    """A format's module, imported when that format is written: a run pays only for its
    own (JUnit's pulls in xml.etree; all of them, ~15 ms)."""
    return import_module(f"modelint.report.{name}")


def _json(run: RunResult, *, nodes: bool) -> str:
    module = _report("json_report")
    text: str = module.render_json(module.run_dict(run, nodes=nodes))
    return text
