"""The reference of what rule expressions can read, generated from the code that defines it
(the names each kind binds, each view's fields, the registered functions), so it cannot
drift from what the expression compiler accepts."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from modelint.analysis.views import TensorView
from modelint.rules.functions import RULE_FUNCTIONS
from modelint.rules.spec import KIND_NAMES
from modelint.rules.target_views import BudgetView, ProfileView
from modelint.rules.views import CostView, ModelView, NodeView

__all__ = ["NAME_DOCS", "expression_reference", "function_doc"]

# What each name a rule kind binds holds (tests/test_rule_sources.py: every name has one).
NAME_DOCS: Mapping[str, str] = {
    "node": "the node (fields below)",
    "op": "its op type ('Conv')",
    "domain": "its domain ('' for ONNX's own ops)",
    "name": "its ONNX name ('' when unnamed)",
    "key": "its node key (unique; subgraph nodes path-qualified)",
    "layer": "its source layer (Keras), else its name scope ('' at the root)",
    "attr": "its attributes, with the ONNX schema's defaults (`attr.kernel_shape`)",
    "inputs": "its inputs (tensors, fields below; an omitted optional input is None)",
    "outputs": "its outputs (tensors)",
    "x": "`inputs[0]`",
    "y": "`outputs[0]`",
    "cost": "its cost under modelint-cc/1 (fields below)",
    "params": "the rule's parameters (`params.depth`), defaults overridden by the config",
    "model": "the whole model (fields below)",
    "profile": "the hardware profile the model is checked against (None without one)",
    "target": "the model's estimate on that profile (None without one): for built-in rules",
    "budget": "the config's budgets (fields below; None where not set)",
    "count": "path rules: counted nodes on the best path from the node",
    "path": "path rules: those counted nodes, in order",
    "route": "path rules: every node on that path, in order",
    "path_layers": "path rules: the layers the counted nodes belong to, a run of one layer once",
}

_VIEWS: tuple[tuple[str, type[Any]], ...] = (
    ("node", NodeView),
    ("inputs[i], outputs[i], x, y", TensorView),
    ("cost", CostView),
    ("model", ModelView),
    ("profile", ProfileView),
    ("budget", BudgetView),
)

# Functions whose docstring is Python's, or which have none.
_FUNCTION_DOCS: Mapping[str, str] = {
    "abs": "absolute value",
    "ceil": "smallest integer not below x",
    "floor": "largest integer not above x",
    "len": "number of items",
    "log2": "base-2 logarithm",
    "max": "largest of several values, or of one sequence",
    "min": "smallest of several values, or of one sequence",
    "prod": "product of a sequence (1 when empty)",
    "round": "round to an integer, or to n digits",
    "sqrt": "square root",
    "sum": "sum of a sequence",
    "str": "text of a value",
    "join": "items joined with a separator: `join(path, ' -> ')`",
    "numel": "element count of a tensor (unknown shape: the node is uncosted or undecided)",
    "shape": "shape of a tensor, a tuple",
    "consumer_ops": "op types of the nodes reading this node's outputs",
    "producer_ops": "op types of the nodes producing this node's inputs",
    "node_costed": "whether the node's cost is known",
    "is_saturating": "whether the node is a saturating activation (sigmoid, tanh, hard-sigmoid...)",
    "output_dtypes": "dtypes of the node's outputs",
    "unsupported_reason": "why the target cannot run the node ('' when it can)",
}


def function_doc(name: str, function: Callable[..., Any]) -> str:
    """One line about a registered function: ours, else its docstring's first sentence."""
    if name in _FUNCTION_DOCS:
        return _FUNCTION_DOCS[name]
    doc = inspect.getdoc(function) or ""
    return " ".join(doc.split("\n\n")[0].split())


def expression_reference() -> list[str]:
    """The markdown section."""
    lines = [
        "## Rule expressions",
        "",
        "Generated with the catalogue above. `where`, `exclude`, `levels[].when`,",
        "`properties` and `{placeholders}` in messages are expressions: Python's syntax,",
        "compiled once, never `eval`ed; a name, field or function not listed here is a load",
        "error. A value that is not known (an unknown shape) makes the rule *undecided* on",
        "that node, never silently false. Message formats: Python's (`:,`, `:.1f`), `si`",
        "(1.23 G), `si:<unit>` (4.1 GFLOPs; `si:B` binary sizes) and `%` (a ratio).",
        "",
        "| name | kinds | holds |",
        "|---|---|---|",
    ]
    for name, doc in NAME_DOCS.items():
        kinds = ", ".join(kind for kind, names in KIND_NAMES.items() if name in names)
        lines.append(f"| `{name}` | {kinds} | {doc} |")
    lines += ["", "Fields:", ""]
    for label, view in _VIEWS:
        fields = ", ".join(f"`{field}`" for field in sorted(view.EXPR_FIELDS))
        lines.append(f"- {label}: {fields}")
    lines += ["", "Functions:", ""]
    for name, function in sorted(RULE_FUNCTIONS.items()):
        lines.append(f"- `{name}`: {function_doc(name, function)}")
    return lines
