"""Lint rules that read no costs, run in a forked child while this process costs the graph.

Once a large graph's shapes are inferred, two jobs are left, each a pass over every node on
one core: costing it (~0.8 s on a 100k-node chain) and linting it (~0.8 s, mostly path
counts and dead nodes). Most rules read only the graph, so a forked child
(``graph.background``) runs them while the parent costs, and the parent runs the rest after.

The child's analysis has no costs yet: its costs, totals, coverage and hardware estimate are
stand-ins that raise ``CostsNeeded`` on any use, and a rule that reaches one is left to the
parent. No list of "cost-free" rules has to be kept right by hand, user rules included, and
the result is the serial one: each rule runs in exactly one process, on the same graph, and
the parent merges the findings before fingerprinting and sorting them (``run_rules``).
Wherever the child cannot run (no fork here, a small graph) or fails, the parent runs every
rule itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import astuple, fields, replace
from typing import Any, NoReturn, cast

from modelint.analysis import Coverage, NodeCost, PendingAnalysis, Totals
from modelint.findings import Finding, Location
from modelint.graph import ModelGraph
from modelint.graph.background import BackgroundJob
from modelint.graph.inference_job import MIN_NODES
from modelint.rules.engine import RuleRun, RuleRunner, RuleSettings, Undecided
from modelint.rules.spec import LintRule
from modelint.rules.target_views import Hardware

__all__ = ["CostsNeeded", "EarlyRules", "start_early_rules"]

EarlyRules = BackgroundJob[tuple[RuleRun, frozenset[str]]]
_FINDING_FIELDS = tuple(field.name for field in fields(Finding) if field.name != "location")


class CostsNeeded(BaseException):
    """A rule read a cost in the child, which has none. A BaseException, so that rule code
    turning an expression's failure (an ``Exception``) into an undecided node lets it pass."""


class _Deferred:
    """Stands in for what the child does not have yet: any use raises ``CostsNeeded``."""

    def __getattr__(self, name: str) -> NoReturn:
        raise CostsNeeded(name)

    def __getitem__(self, key: object) -> NoReturn:
        raise CostsNeeded(key)

    def __iter__(self) -> NoReturn:
        raise CostsNeeded("iteration")

    def __len__(self) -> NoReturn:
        raise CostsNeeded("length")

    def __contains__(self, key: object) -> NoReturn:
        raise CostsNeeded(key)

    def __bool__(self) -> bool:  # ``hardware or Hardware()`` must keep the stand-in
        return True


def start_early_rules(
    pending: PendingAnalysis,
    graph: ModelGraph,
    rules: Iterable[LintRule],
    settings: RuleSettings,
    hardware: Hardware | None,
) -> EarlyRules | None:
    """The rules run in a forked child on ``graph`` before it is costed; None where no child
    runs (a small graph is not worth a fork, ~10 ms, nor a process that cannot fork).
    ``hardware``: the model's, when it is known without costs (None: it is not)."""
    if len(graph.nodes) < MIN_NODES:
        return None
    deferred = _Deferred()
    analysis = pending.assemble(
        graph,
        cast(Mapping[str, NodeCost], deferred),
        cast(Totals, deferred),
        cast(Coverage, deferred),
    )
    settings = replace(settings, hardware=hardware or cast(Hardware, deferred))
    runner = RuleRunner(analysis, settings)
    candidates = tuple(rules)
    return BackgroundJob.start(lambda: _run(runner, candidates), _decode)


def _run(runner: RuleRunner, rules: tuple[LintRule, ...]) -> tuple[object, ...]:
    """In the child: every rule that runs without costs, as ``marshal``-able data."""
    done: list[str] = []
    findings: list[Finding] = []
    undecided: list[Undecided] = []
    for rule in rules:
        try:
            if not runner.applies(rule):
                continue
            found, unsure = runner.run(rule)
        except CostsNeeded:
            continue
        done.append(rule.id)
        findings.extend(found)
        undecided.extend(unsure)
    return (
        tuple(done),
        tuple(_encode(finding) for finding in findings),
        tuple(astuple(entry) for entry in undecided),
    )


def _encode(finding: Finding) -> tuple[object, ...]:
    return (astuple(finding.location), *(getattr(finding, name) for name in _FINDING_FIELDS))


def _decode(reply: object) -> tuple[RuleRun, frozenset[str]] | None:
    """The child's findings and undecided nodes, and which rules it ran (None: not the
    reply our child writes)."""
    if not (isinstance(reply, tuple) and len(reply) == 3):
        return None
    done, found, undecided = reply
    try:
        run = RuleRun(
            tuple(_finding(entry) for entry in found),
            tuple(Undecided(*entry) for entry in undecided),
        )
        return run, frozenset(done)
    except (TypeError, ValueError):
        return None


def _finding(entry: Any) -> Finding:
    location, *rest = entry
    return Finding(location=Location(*location), **dict(zip(_FINDING_FIELDS, rest, strict=True)))
