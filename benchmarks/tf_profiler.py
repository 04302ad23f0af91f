"""The recipe people paste today to estimate a Keras model's FLOPs (TensorFlow's v1 profiler).

    python benchmarks/tf_profiler.py MODEL.keras

Loads the model, freezes its traced function and runs ``tf.compat.v1.profiler.profile`` with
``ProfileOptionBuilder.float_operation()``; prints ``{"flops": N}``. ``benchmarks/convert.py``
times it in a fresh process beside modelint. The profiler counts 2 FLOPs per multiply-add and
a ``while`` body (a Keras LSTM/GRU) once.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def profile_flops(path: str) -> int:
    import keras
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2_as_graph,
    )

    model = keras.saving.load_model(path, compile=False)
    shape = (1, *model.inputs[0].shape[1:])
    spec = tf.TensorSpec(shape, model.inputs[0].dtype)
    concrete = tf.function(lambda x: model(x, training=False)).get_concrete_function(spec)
    _, graph_def = convert_variables_to_constants_v2_as_graph(concrete)
    with tf.Graph().as_default() as graph:
        tf.graph_util.import_graph_def(graph_def, name="")
        options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
        options["output"] = "none"
        result = tf.compat.v1.profiler.profile(graph=graph, cmd="op", options=options)
    return int(result.total_float_ops)


if __name__ == "__main__":
    print(json.dumps({"flops": profile_flops(sys.argv[1])}))
