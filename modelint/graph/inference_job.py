"""Shape inference in a forked child, overlapping the parent's walk over the graph.

On a 30k-node model ONNX's C++ inference takes ~0.4 s and the Python walk ~0.3 s, each on
one core; side by side they take the longer of the two. The child infers, reads the types of
the main graph's tensors, and sends them back with the inferred model's bytes; the parent
parses those only when its walk found subgraphs to read, or shapes left for constant folding.
Large weights held in an ONNX file never reach the child: loading drops them
(``load.weights``), so neither inference nor the reply carries them. Small graphs are not
worth a fork (~10 ms)."""

from __future__ import annotations

from collections.abc import Mapping

import onnx

from modelint.graph.background import BackgroundJob
from modelint.graph.binding import BoundInputs
from modelint.graph.shapes import Inference, TypeEntry, run_inference

__all__ = ["MIN_NODES", "start_inference"]

MIN_NODES = 2_000  # below this the fork and the reply cost about what they save

_Reply = tuple[bytes, Mapping[str, TypeEntry], tuple[str, ...], tuple[str, ...]]


def start_inference(
    model: onnx.ModelProto, bound: BoundInputs, *, min_nodes: int = MIN_NODES
) -> BackgroundJob[Inference] | None:
    """``run_inference`` started in a child, or None (too small a graph, or no fork here).
    The child does not know whether the model has subgraphs or Constant nodes, and reads
    neither (``Inference.read``): the parent completes the types if its walk finds any."""
    if len(model.graph.node) < min_nodes:
        return None

    def job() -> _Reply:
        inference = run_inference(model, bound, subgraphs=False, constants=False)
        # b'': inference failed and kept the model as it was; the parent has it already
        data = b"" if inference.source is model else inference.model.SerializeToString()
        return data, dict(inference.types), inference.notes, inference.errors

    def decode(reply: object) -> Inference | None:
        if not (isinstance(reply, tuple) and len(reply) == 4 and isinstance(reply[1], dict)):
            return None
        data, types, notes, errors = reply
        source = data or model
        return Inference(source, types, (False, False), tuple(notes), tuple(errors))

    return BackgroundJob.start(job, decode)
