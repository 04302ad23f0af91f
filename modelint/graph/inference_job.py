"""Shape inference in a forked child, overlapping the parent's walk over the graph.

On a 30k-node model ONNX's C++ inference takes ~0.4 s and the Python walk ~0.2-0.3 s, each
on one core; side by side they take the longer of the two. The child runs inference only
and sends back the inferred model's bytes (~0.1 KB a node); reading types out of them stays
with the parent, which by then knows from its walk which parts of the model to read.
Small graphs are not worth a fork (~10 ms)."""

from __future__ import annotations

import onnx

from modelint.graph.background import BackgroundJob
from modelint.graph.binding import BoundInputs
from modelint.graph.shapes import Inference, run_inference

__all__ = ["MIN_NODES", "start_inference"]

MIN_NODES = 2_000  # below this the fork and the reply cost about what they save


def start_inference(
    model: onnx.ModelProto, bound: BoundInputs, *, min_nodes: int = MIN_NODES
) -> BackgroundJob[Inference] | None:
    """``run_inference`` started in a child, or None (too small a graph, or no fork here)."""
    if len(model.graph.node) < min_nodes:
        return None

    def job() -> tuple[bytes, tuple[str, ...], tuple[str, ...]]:
        inference = run_inference(model, bound)
        # b'': inference failed and kept the model as it was; the parent has it already
        data = b"" if inference.model is model else inference.model.SerializeToString()
        return data, inference.notes, inference.errors

    def decode(reply: object) -> Inference | None:
        if not (isinstance(reply, tuple) and len(reply) == 3 and isinstance(reply[0], bytes)):
            return None
        data, notes, errors = reply
        inferred = onnx.load_from_string(data) if data else model
        return Inference(inferred, tuple(notes), tuple(errors))

    return BackgroundJob.start(job, decode)
