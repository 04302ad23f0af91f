"""Findings: frozen, complete at construction, totally ordered (DESIGN §8, §10.7)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

__all__ = [
    "Finding",
    "Location",
    "Property",
    "Scalar",
    "Severity",
    "node_fingerprint",
    "plain_property",
]


class Severity(IntEnum):
    """Ordered so that ``severity >= Severity.WARNING`` reads naturally."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            choices = ", ".join(level.label for level in cls)
            raise ValueError(f"unknown severity {text!r}; choose one of {choices}") from None

    @property
    def label(self) -> str:
        return self.name.lower()

    def __str__(self) -> str:  # 'warning', not IntEnum's '2'
        return self.label

    def __format__(self, spec: str) -> str:
        return format(self.label, spec)


@dataclass(frozen=True, order=True, slots=True)
class Location:
    """Where a finding points: a model file, and a node in it (None: the whole model)."""

    path: str
    graph_path: str = ""  # '' for the main graph, else the subgraph path
    node: str | None = None  # node key (ModelGraph)
    op_type: str | None = None
    layer: str | None = None  # source-framework layer name when known

    @property
    def shown_layer(self) -> str:
        """What a report's layer column shows: the source layer, else the node's name scope
        as messages name it ('block2' for an exporter's 'block2/conv'); '' for neither."""
        if self.layer or not self.node:
            return self.layer or ""
        local = self.node.removeprefix(f"{self.graph_path}/") if self.graph_path else self.node
        return local.rpartition("/")[0]


def node_fingerprint(rule_id: str, location: Location) -> str:
    """``modelintNode/v1`` = sha256(rule | path | graph path | node key), hex (DESIGN §8)."""
    text = "|".join((rule_id, location.path, location.graph_path, location.node or ""))
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


Scalar = str | int | float | None
# A finding's property: a scalar, or a sequence of them (a path's nodes: a JSON array).
Property = Scalar | tuple[Scalar, ...]


def plain_property(value: Any) -> Property:
    """A property value as reports carry it: scalars as they are, a sequence (a path, a
    tuple of op types) item by item, anything else as its text."""
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, Sequence):
        return tuple(_scalar(item) for item in value)
    return str(value)


def _scalar(value: Any) -> Scalar:
    return value if value is None or isinstance(value, str | int | float) else str(value)


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding. Ordered by file, then severity (highest first), rule, node, message."""

    location: Location
    severity_rank: int  # -severity, so that errors sort first within a file
    rule_id: str
    message: str
    rule_name: str = ""
    properties: tuple[tuple[str, Property], ...] = ()
    fingerprint: str = field(default="", compare=False)
    suppression: str | None = None  # the reason, when a config suppression matched it
    structural: str = field(default="", compare=False)  # survives renames (rules/fingerprints)

    def sort_key(self) -> tuple[str, int, str, str, str, str]:
        where = self.location
        return (
            where.path,
            self.severity_rank,
            self.rule_id,
            where.graph_path,
            where.node or "",
            self.message,
        )

    def __lt__(self, other: Finding) -> bool:
        return self.sort_key() < other.sort_key()

    @classmethod
    def create(
        cls,
        *,
        rule_id: str,
        rule_name: str,
        severity: Severity,
        message: str,
        location: Location,
        properties: dict[str, Property] | None = None,
    ) -> Finding:
        return cls(
            location=location,
            severity_rank=-int(severity),
            rule_id=rule_id,
            message=message,
            rule_name=rule_name,
            properties=tuple(sorted((properties or {}).items())),
            fingerprint=node_fingerprint(rule_id, location),
        )

    @property
    def severity(self) -> Severity:
        return Severity(-self.severity_rank)
