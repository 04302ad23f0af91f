"""Every output format of ``modelint check``, behind one function the CLI calls per output."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from modelint.report.ci import render_github, render_gitlab
from modelint.report.concise import render_check_concise
from modelint.report.json_report import render_json, run_dict
from modelint.report.junit import render_junit
from modelint.report.markdown import render_markdown
from modelint.report.printable import valid_utf8
from modelint.report.sarif import render_sarif
from modelint.report.style import Style
from modelint.report.text import render_check_text
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
    renderers = {
        "text": lambda: render_check_text(run, style),
        "concise": lambda: render_check_concise(run, style),
        "json": lambda: render_json(run_dict(run, nodes=options.nodes)),
        "sarif": lambda: render_sarif(run, options.root),
        "github": lambda: render_github(run, options.root),
        "gitlab": lambda: render_gitlab(run, options.root),
        "junit": lambda: render_junit(run, options.root),
        "markdown": lambda: render_markdown(run),
    }
    if fmt not in renderers:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(CHECK_FORMATS)}")
    return valid_utf8(renderers[fmt]())
