"""Suppressions from the config: findings they match are kept, marked suppressed (with the
reason), and do not fail the run. An expired suppression no longer suppresses and is itself
reported (MLS001); one that matched nothing in the whole run is reported too (MLS002).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from modelint.config import Suppression, shown_path
from modelint.findings import Finding, Location, Severity
from modelint.rules.spec import LintRule

__all__ = ["EXPIRED_RULE", "UNUSED_RULE", "SuppressionLedger"]

EXPIRED_RULE = ("MLS001", "expired-suppression")
UNUSED_RULE = ("MLS002", "unused-suppression")
_META = (EXPIRED_RULE[0], UNUSED_RULE[0])


def _selects(selector: str, finding: Finding) -> bool:
    return (
        selector == "ALL" or finding.rule_id.startswith(selector) or selector == finding.rule_name
    )


def _file_matches(entry: Suppression, path: str) -> bool:
    if not entry.files:
        return True
    candidates = [path, Path(path).name]
    if entry.origin:
        try:
            base = Path(entry.origin).parent.resolve()
            candidates.append(str(Path(path).resolve().relative_to(base)))
        except ValueError:
            pass
    return any(
        fnmatch.fnmatch(candidate, pattern) for pattern in entry.files for candidate in candidates
    )


def _node_matches(entry: Suppression, where: Location) -> bool:
    names = [name for name in (where.node, where.layer) if name]
    if entry.nodes is not None and not any(fnmatch.fnmatch(n, entry.nodes) for n in names):
        return False
    if entry.node_regex is not None and not any(re.search(entry.node_regex, n) for n in names):
        return False
    return entry.op is None or where.op_type == entry.op


def matches(entry: Suppression, finding: Finding, path: str | None = None) -> bool:
    """``path``: the file the finding's model is judged as (default: where it lies)."""
    where = finding.location
    return (
        any(_selects(s, finding) for s in entry.rules)
        and _file_matches(entry, where.path if path is None else path)
        and _node_matches(entry, where)
    )


def _rule_selected(selector: str, rule: LintRule) -> bool:
    return selector == "ALL" or rule.id.startswith(selector) or selector in rule.codes()


def _selects_any(entry: Suppression, rules: Sequence[LintRule]) -> bool:
    return any(_rule_selected(selector, rule) for selector in entry.rules for rule in rules)


def _shown(origin: str | None) -> str:
    """The config file as reports show model paths: relative to the working directory when
    it lies below it (reports never print an absolute path nobody typed)."""
    return str(shown_path(Path(origin))) if origin else "<config>"


@dataclass
class SuppressionLedger:
    """Applies suppressions across a run and remembers which ones were used, and which ones
    the run could have used: a suppression is reported unused only when one of its rules ran
    on a file it names (pre-commit passes only the changed files; ``--select`` narrows the
    rules)."""

    today: date = field(default_factory=date.today)
    used: set[tuple[str, int]] = field(default_factory=set)
    judged: set[tuple[str, int]] = field(default_factory=set)
    seen: dict[tuple[str, int], Suppression] = field(default_factory=dict)

    def apply(
        self,
        findings: Iterable[Finding],
        entries: Sequence[Suppression],
        path: str,
        rules: Iterable[LintRule],
        known: Iterable[LintRule] = (),
    ) -> list[Finding]:
        """``findings`` of the model judged as ``path`` (its own, or the model a baseline
        copy precedes), on which ``rules`` ran (of the ``known`` rule set: a suppression
        naming no known rule can never match, so it is judged)."""
        result = []
        ran, every = list(rules), list(known)
        for entry in entries:
            key = (entry.origin, entry.index)
            self.seen[key] = entry
            if _file_matches(entry, path) and (
                _selects_any(entry, ran) or not _selects_any(entry, every)
            ):
                self.judged.add(key)
        active = [e for e in entries if e.expires is None or e.expires >= self.today]
        for finding in findings:
            match = next((e for e in active if matches(e, finding, path)), None)
            if match is None:
                result.append(finding)
                continue
            self.used.add((match.origin, match.index))
            result.append(replace(finding, suppression=match.reason))
        return result

    def report(self, enabled: frozenset[str] = frozenset(_META)) -> list[Finding]:
        """MLS001 for each expired suppression seen, MLS002 for each live one that could have
        matched in this run and did not (each only when ``enabled``)."""
        found = []
        for key, entry in sorted(self.seen.items()):
            where = Location(_shown(entry.origin), node=f"suppressions[{entry.index}]")
            if entry.expires is not None and entry.expires < self.today:
                rule, severity = EXPIRED_RULE, Severity.WARNING
                message = (
                    f"suppression expired on {entry.expires.isoformat()} ({entry.reason}); "
                    "it no longer suppresses anything"
                )
            elif key in self.judged - self.used:
                rule, severity = UNUSED_RULE, Severity.INFO
                message = f"suppression matched no finding ({entry.reason}); remove it"
            else:
                continue
            if rule[0] in enabled:
                found.append(
                    Finding.create(
                        rule_id=rule[0],
                        rule_name=rule[1],
                        severity=severity,
                        location=where,
                        message=message,
                    )
                )
        return found
