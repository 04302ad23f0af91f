"""Generated names that do not depend on what the process converted before.

tf2onnx names the nodes it inserts from a process-wide counter (``Relu__5``,
``const_fold_opt__22``): a model converted after other models in the same run, or converted
first, got other names. Names key findings, SARIF fingerprints, ``diff`` matching and the
cache, so each conversion starts the counter afresh. One of tf2onnx's modules takes a name
when it is first imported (``loop_rewriter_base.INVALID_INPUT_ID``), during the first
conversion: it is imported before the reset. The constants tf2onnx folds are numbered in
the order of a set (``const_fold_opt__27``), so generated initializer names are renumbered
in the order the graph first reads them.

Not covered: tf2onnx's loop rewriter visits some nodes in set order, which depends on the
process's string hashing, so the names inside a converted Keras LSTM/GRU ``while`` loop can
still differ from one process to the next (docs/tensorflow.md).
"""

from __future__ import annotations

import re

import onnx

from modelint.load.subgraphs import walk_graphs

__all__ = ["renumber_generated_constants", "reset_generated_names"]

_GENERATED = re.compile(r"__\d+$")  # tf2onnx's make_name: '<base>__<counter>'


def reset_generated_names() -> None:
    """Start tf2onnx's name counter (``tf2onnx.utils.make_name``) over."""
    import tf2onnx.rewriter.loop_rewriter_base  # noqa: F401 - takes a name when imported
    from tf2onnx import utils

    utils.INTERNAL_NAME = 1


def renumber_generated_constants(model: onnx.ModelProto) -> None:
    """Give generated initializer names numbers in the order the graph first reads them."""
    graphs = list(walk_graphs(model.graph))
    initializers = {tensor.name for graph in graphs for tensor in graph.initializer}
    reads = (name for graph in graphs for node in graph.node for name in node.input)
    order = dict.fromkeys(n for n in reads if n in initializers and _GENERATED.search(n))
    if not order:
        return
    renamed = {  # '__c<n>': never a counter's '__<n>'
        name: f"{name.rpartition('__')[0]}__c{index}" for index, name in enumerate(order, 1)
    }
    for graph in graphs:
        for tensor in graph.initializer:
            tensor.name = renamed.get(tensor.name, tensor.name)
        for node in graph.node:
            node.input[:] = [renamed.get(name, name) for name in node.input]
        for value in (*graph.input, *graph.value_info, *graph.output):
            value.name = renamed.get(value.name, value.name)
