"""Freezing a traced TensorFlow function into a GraphDef ready for tf2onnx, the lean way.

tf2onnx freezes with ``convert_variables_to_constants_v2``, which builds a new
ConcreteFunction from the frozen GraphDef (pruning and lifting every op) only for tf2onnx to
turn it straight back into a GraphDef: 1.5 of MobileNetV2's 1.8 s of freezing. Its own
large-model freezer returns the GraphDef itself; Grappler prunes it to the outputs next, as
it does the other. ``fix_freezing_errors`` drops variable assignments, which only a
training-mode trace holds (tf2onnx applies it when the slow freeze fails). The large weights
become placeholders (``placeholders.py``) before Grappler copies them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from modelint.load.tensorflow.placeholders import use_placeholder_weights

__all__ = ["frozen_graph_def", "lean_saved_model_freezing"]


def frozen_graph_def(concrete: Any, inputs: list[str], outputs: list[str]) -> Any:
    """The inference GraphDef of ``concrete``, frozen, with placeholder weights, optimized."""
    import tensorflow as tf
    from tf2onnx import tf_loader

    with tf.device("/cpu:0"):
        graph_def = tf_loader.convert_variables_to_constants_large_model(concrete)
        graph_def = tf_loader.fix_freezing_errors_part2(tf_loader.fix_freezing_errors(graph_def))
        use_placeholder_weights(graph_def)
        # tf2onnx imports the GraphDef into a session here only to drop resource inputs
        # from the feeds, which ``inputs`` already leaves out: Grappler gets it directly.
        with tf.Graph().as_default():
            return tf_loader.tf_optimize(inputs, outputs, graph_def)


@contextlib.contextmanager
def lean_saved_model_freezing() -> Iterator[None]:
    """``tf_loader.from_saved_model`` freezing its signature with ``frozen_graph_def``.

    Its ``from_function`` is replaced for the duration; the inputs it passes already leave
    out resource tensors and captures."""
    from tf2onnx import tf_loader

    original = tf_loader.from_function

    def lean(func: Any, input_names: list[str], output_names: list[str], *_: Any) -> Any:
        return frozen_graph_def(func, input_names, output_names)

    tf_loader.from_function = lean
    try:
        yield
    finally:
        tf_loader.from_function = original
