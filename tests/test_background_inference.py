"""Shape inference in a forked child (the command line's way on large graphs) gives the same
graph as in-process inference, falls back when the child fails, and leaves no child behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import numpy as np
import onnx
import pytest
from fork_support import forkable, no_children_left
from onnx import helper, numpy_helper

from modelint.analysis import AnalysisOptions, analyze_loaded, load_cost_rules
from modelint.errors import CostRuleError, ModelLoadError
from modelint.graph import ModelGraph, build_graph
from modelint.graph import inference_job as inference_job_module
from modelint.graph import shapes as shapes_module
from modelint.graph.background import BackgroundJob, can_fork
from modelint.graph.inference_job import MIN_NODES
from modelint.load import load_model
from modelint.load.weights import MIN_ELEMENTS
from modelint.rules import CheckOptions, check_paths
from modelint.rules import run as run_module
from modelint.testing import model_from_text

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")
RELUS = MIN_NODES  # with the 13 nodes before them: over the threshold


def _large_model(*, undefined: bool = False) -> onnx.ModelProto:
    """A symbolic batch, a shape only constant folding finds (torch's BERT mask pattern:
    ConstantOfShape/Equal/Where, which data propagation does not evaluate), then a chain."""
    chain = "\n".join(f"r{i + 1} = Relu (r{i})" for i in range(RELUS))
    first = "missing" if undefined else "scores"
    text = f"""
    <ir_version: 8, opset_import: ["" : 17]>
    g (bool[1, 1, 4, 4] m, float[N, 2, 4, 4] s) => (float[N, 2, 4, 4] r{RELUS}) {{
        target = Constant <value = int64[4] {{1, 1, 4, 4}}> ()
        four = Constant <value = int64[1] {{4}}> ()
        ones = ConstantOfShape <value = int64[1] {{1}}> (four)
        minus_one = Constant <value = int64 {{-1}}> ()
        neg = Mul (ones, minus_one)
        is_neg = Equal (target, neg)
        shape = Where (is_neg, ones, target)
        mask = Expand (m, shape)
        zero = Constant <value = float[1] {{0.0}}> ()
        low = Constant <value = float[1] {{-1e9}}> ()
        bias = Where (mask, zero, low)
        scores = Add (s, bias)
        r0 = Relu ({first})
        {chain}
    }}
    """
    return model_from_text(text)


def _chain_model(body: str = "", first: str = "s") -> onnx.ModelProto:
    chain = "\n".join(f"r{i + 1} = Relu (r{i})" for i in range(RELUS))
    return model_from_text(f"""
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[N, 2, 4, 4] s) => (float[N, 2, 4, 4] r{RELUS}) {{
        {body}
        r0 = Relu ({first})
        {chain}
    }}
    """)


_LOOP = """
    trips = Constant <value = int64 {3}> ()
    cond = Constant <value = bool {1}> ()
    looped = Loop (trips, cond, s) <body = step (int64 i, bool c, float[N, 2, 4, 4] v)
        => (bool c_out, float[N, 2, 4, 4] v_out) {
            c_out = Identity (c)
            v_out = Sigmoid (v)
        }>
"""


@forkable
@pytest.mark.parametrize(
    ("model", "tensor"),
    [(_chain_model(), "r0"), (_chain_model(_LOOP, first="looped"), "v_out")],
    ids=["no-constants", "loop-body"],
)
def test_the_childs_types_are_completed_by_what_the_walk_finds(
    forks: list[int], model: onnx.ModelProto, tensor: str
) -> None:
    """The child reads neither subgraphs nor Constant nodes: the parent reads them."""
    shapes = {"s": (5, 2, 4, 4)}
    in_process = build_graph(
        onnx.ModelProto.FromString(model.SerializeToString()), input_shapes=shapes
    )
    forked = build_graph(model, input_shapes=shapes, background=True)
    assert len(forks) == 1
    assert forked.tensors == in_process.tensors
    assert forked.tensors[tensor].shape == (5, 2, 4, 4)


def _graph(background: bool) -> ModelGraph:
    return build_graph(_large_model(), input_shapes={"s": (3, 2, 4, 4)}, background=background)


@forkable
def test_the_child_infers_what_inference_in_process_does(
    forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    in_process = _graph(background=False)
    assert forks == []
    parent_runs: list[int] = []  # inference run by this process (the child's are its own)
    run_inference = shapes_module.run_inference
    monkeypatch.setattr(
        shapes_module,
        "run_inference",
        lambda *args: parent_runs.append(1) or run_inference(*args),
    )
    forked = _graph(background=True)
    assert len(forks) == 1 and no_children_left()
    assert parent_runs == []  # the child's inference was used, not run again here
    assert forked.tensors == in_process.tensors
    assert forked.nodes == in_process.nodes
    assert forked.edges == in_process.edges
    assert forked.bindings == in_process.bindings
    # the folded mask shape and the bound batch reach the end of the chain either way
    assert forked.tensors["mask"].shape == (1, 1, 4, 4)
    assert forked.tensors[f"r{RELUS}"].shape == (3, 2, 4, 4)


@forkable
def test_costs_are_the_same_with_the_child(forks: list[int], tmp_path: Path) -> None:
    path = tmp_path / "large.onnx"
    onnx.save(_large_model(), path)
    rules = load_cost_rules()

    def analysis(background: bool) -> tuple[object, ...]:
        options = AnalysisOptions(background_inference=background)
        result = analyze_loaded(load_model(path), rules, options)
        return result.totals, result.coverage, tuple(result.costs.values())

    assert analysis(True) == analysis(False)
    assert len(forks) == 1


@forkable
def test_small_graphs_are_not_worth_a_fork(forks: list[int]) -> None:
    model = model_from_text("""
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[1, 4] x) => (float[1, 4] y) { y = Relu (x) }
    """)
    assert build_graph(model, background=True).tensors["y"].shape == (1, 4)
    assert forks == []


@forkable
def test_a_failing_child_leaves_the_work_to_the_parent(
    forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("the child fails")

    monkeypatch.setattr(inference_job_module, "run_inference", broken)  # the child's copy too
    graph = _graph(background=True)
    assert len(forks) == 1 and no_children_left()
    assert graph.tensors[f"r{RELUS}"].shape == (3, 2, 4, 4)


@forkable
def test_an_invalid_graph_stops_the_child(forks: list[int]) -> None:
    with pytest.raises(ModelLoadError, match="reads tensor 'missing'"):
        build_graph(_large_model(undefined=True), background=True)
    assert len(forks) == 1 and no_children_left()


@forkable
def test_no_fork_while_another_thread_runs(forks: list[int]) -> None:
    release = threading.Event()
    waiter = threading.Thread(target=release.wait)
    waiter.start()
    try:
        assert not can_fork()
        assert _graph(background=True).tensors["mask"].shape == (1, 1, 4, 4)
    finally:
        release.set()
        waiter.join()
    assert forks == []


@forkable
def test_no_fork_once_tensorflow_is_loaded(
    forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "tensorflow", types.ModuleType("tensorflow"))
    assert not can_fork()
    _graph(background=True)
    assert forks == []


@forkable
def test_constant_outputs_the_child_did_not_read_come_from_the_model() -> None:
    """The child reads no Constant node; their types come from the model itself (the same
    nodes), as in-process reading with ``constants=True`` takes them over any other."""
    model = model_from_text("""
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[1, 3] x) => (float[1, 3] y) {
        c = Constant <value = float[3] {1.0, 2.0, 3.0}> ()
        y = Add (x, c)
    }
    """)
    traits = shapes_module.GraphTraits(["c", "y"], subgraphs=False, constants=True)
    childs = shapes_module.Inference(model, {"y": ((1, 3), "float32")}, (False, False), (), ())
    types = shapes_module._all_types(model, childs, traits)
    assert types == {"y": ((1, 3), "float32"), "c": ((3,), "float32")}


@forkable
def test_an_interrupted_wait_kills_the_child_and_keeps_its_exception() -> None:
    """Ctrl-C (here an alarm) while the parent waits: the child is killed and reaped, and
    the interruption, not a follow-up error, reaches the caller."""

    class AlarmError(Exception):
        pass

    def interrupt(*_: object) -> None:
        raise AlarmError

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        job = BackgroundJob.start(lambda: time.sleep(30), lambda reply: reply)
        assert job is not None
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        with pytest.raises(AlarmError), job:
            job.result()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert no_children_left()


@forkable
def test_no_fork_while_sigchld_is_ignored(forks: list[int]) -> None:
    """A supervisor that ignores SIGCHLD passes that on: the kernel would reap the child
    before the parent could wait for it."""
    previous = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        assert not can_fork()
        assert _graph(background=True).tensors["mask"].shape == (1, 1, 4, 4)
    finally:
        signal.signal(signal.SIGCHLD, previous)
    assert forks == []


@forkable
def test_a_child_reaped_by_someone_else_means_no_result(forks: list[int]) -> None:
    job = BackgroundJob.start(lambda: 1, lambda reply: reply)
    assert job is not None and len(forks) == 1
    os.waitpid(forks[0], 0)  # a SIGCHLD handler of the caller's, say
    with job:
        assert job.result() is None  # the caller then infers in-process
    job.cancel()  # nothing left to kill or reap: no error


@forkable
def test_large_weights_held_in_the_model_stay_in_the_parent(forks: list[int]) -> None:
    """A caller's model with inline weights (not loaded from a file, so not dropped): the
    forked path gives the same tensors and leaves the caller's weights as they were."""
    weights = np.arange(MIN_ELEMENTS, dtype=np.float32).reshape(1, MIN_ELEMENTS)
    model = _chain_model("scaled = Mul (s, s)", first="scaled")
    model.graph.initializer.append(numpy_helper.from_array(weights, "w"))
    model.graph.node.append(helper.make_node("Gather", ["w", "idx"], ["picked"], name="pick"))
    model.graph.initializer.append(numpy_helper.from_array(np.array([0], np.int64), "idx"))
    copy = onnx.ModelProto.FromString(model.SerializeToString())
    forked = build_graph(model, background=True)
    assert len(forks) == 1
    assert forked.tensors == build_graph(copy).tensors
    assert forked.tensors["picked"].shape == (1, MIN_ELEMENTS)
    assert numpy_helper.to_array(model.graph.initializer[0]).tolist() == weights.tolist()


ORPHAN = """
import os, sys, time
from modelint.graph.background import BackgroundJob
fork = os.fork
def spy():
    pid = fork()
    if pid:
        print(pid, flush=True)
    return pid
os.fork = spy
BackgroundJob.start(lambda: time.sleep(60), lambda reply: reply)
os._exit(0)  # killed, say, by a CI timeout: no chance to kill the child
"""


@forkable
def test_the_child_dies_with_its_parent_and_holds_none_of_its_streams() -> None:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", ORPHAN], capture_output=True, text=True, timeout=30, check=True
    )
    assert time.monotonic() - started < 20  # the reader got EOF without the child (60 s)
    child = int(result.stdout.split()[0])
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for an init that does not reap is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


@forkable
def test_the_rules_load_while_the_child_infers(
    forks: list[int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An ONNX file is loaded and its child started before the rules are read: their
    loading overlaps the inference, off the run's critical path."""
    path = tmp_path / "large.onnx"
    onnx.save(_large_model(), path)
    forks_when_loading: list[int] = []
    load = run_module.load_cost_rules
    monkeypatch.setattr(
        run_module,
        "load_cost_rules",
        lambda *a, **k: forks_when_loading.append(len(forks)) or load(*a, **k),
    )
    run = check_paths([path], CheckOptions(input_shapes={"s": (3, 2, 4, 4)}, background=True))
    assert forks_when_loading == [1] and no_children_left()
    assert not run.failures and run.models[0].analysis.coverage.complete


@forkable
def test_a_broken_rule_file_stops_the_child(forks: list[int], tmp_path: Path) -> None:
    path = tmp_path / "large.onnx"
    onnx.save(_large_model(), path)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "broken.yaml").write_text("convention: modelint-cc/1\ncosts: [\n")
    options = CheckOptions(rule_paths=(str(rules),), background=True)
    with pytest.raises(CostRuleError, match=r"broken\.yaml"):
        check_paths([path], options)
    assert len(forks) == 1 and no_children_left()
