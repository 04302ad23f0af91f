"""The analysis layer: shapes are in the graph; here are costs, aggregates and coverage."""

from __future__ import annotations

from modelint.analysis.analyze import (
    AnalysisOptions,
    PendingAnalysis,
    analyze_loaded,
    analyze_path,
    start_analysis,
)
from modelint.analysis.cost_rules import CONVENTION, CostRule, CostRules, load_cost_rules
from modelint.analysis.costs import NodeCost, compute_costs
from modelint.analysis.model import ModelAnalysis
from modelint.analysis.summary import Coverage, Group, Totals, UncostedOp

__all__ = [
    "CONVENTION",
    "AnalysisOptions",
    "CostRule",
    "CostRules",
    "Coverage",
    "Group",
    "ModelAnalysis",
    "NodeCost",
    "PendingAnalysis",
    "Totals",
    "UncostedOp",
    "analyze_loaded",
    "analyze_path",
    "compute_costs",
    "load_cost_rules",
    "start_analysis",
]
