"""Lint rules that read no costs run in a forked child while the parent costs the graph
(``rules.early``): the findings are the serial ones, each rule runs once, and a rule that
reads a cost, in the child, is left to the parent."""

from __future__ import annotations

import sys
from pathlib import Path

import onnx
import pytest
from fork_support import forkable, no_children_left

from modelint.analysis import start_analysis
from modelint.findings import Finding
from modelint.graph.inference_job import MIN_NODES
from modelint.load import load_model
from modelint.rules import CheckOptions, RuleSettings, check_paths, load_lint_rules
from modelint.rules import early as early_module
from modelint.rules.early import CostsNeeded, start_early_rules
from modelint.rules.engine import RuleRunner
from modelint.rules.loader import RuleSet
from modelint.rules.target_views import Hardware
from modelint.testing import model_from_text

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")

LAYERS = 35  # weight layers in sequence: MLA002 (more than 30 on the shortest path)
MODEL_FLOPS = """
id: USR001
name: any-flops
summary: The model counts FLOPs.
description: Reads the model's total, which only the parent knows.
severity: info
kind: aggregate
levels:
  - severity: info
    when: model.flops > 0
message: "{model.flops} FLOPs"
"""


def _model() -> onnx.ModelProto:
    """A plain stack (MLA002), a dead node (MLG004), an op with no cost rule (MLC001), and
    a chain long enough for the command line to fork."""
    identity = ", ".join(["1.0, 0.0, 0.0, 0.0, 0.0"] * 3 + ["1.0"])
    stack = "\n".join(f"m{i + 1} = MatMul (m{i}, w)" for i in range(LAYERS - 1))
    chain = "\n".join(f"r{i + 1} = Relu (r{i})" for i in range(MIN_NODES))
    return model_from_text(f"""
    <ir_version: 8, opset_import: ["" : 17, "acme" : 1]>
    g (float[1, 4] x) => (float[1, 4] y, float[1, 4] z) <float[4, 4] w = {{{identity}}}> {{
        m0 = MatMul (x, w)
        {stack}
        r0 = Relu (m{LAYERS - 1})
        {chain}
        y = Identity (r{MIN_NODES})
        z = acme.Frobnicate (x)
        unused = Neg (x)
    }}
    """)


@pytest.fixture
def model_path(tmp_path: Path) -> Path:
    path = tmp_path / "large.onnx"
    onnx.save(_model(), path)
    return path


@pytest.fixture
def user_rules(tmp_path: Path) -> Path:
    directory = tmp_path / "rules"
    directory.mkdir()
    (directory / "USR001.yaml").write_text(MODEL_FLOPS)
    return directory


def _early(path: Path, rules: RuleSet) -> tuple[set[str], set[str]]:
    """(rules the child ran, rules its findings come from)."""
    pending = start_analysis(load_model(path))
    settings = RuleSettings(enabled=frozenset(rule.id for rule in rules))
    job = start_early_rules(pending, pending.graph(), rules, settings, Hardware())
    assert job is not None
    with job:
        reply = job.result()
    assert reply is not None
    run, done = reply
    return set(done), {finding.rule_id for finding in run.findings}


@forkable
def test_the_child_runs_the_rules_that_read_no_costs(
    forks: list[int], model_path: Path, user_rules: Path
) -> None:
    rules = load_lint_rules((str(user_rules),))
    done, found = _early(model_path, rules)
    assert len(forks) == 1 and no_children_left()
    assert {"MLA001", "MLA002", "MLG003", "MLG004", "MLG005"} <= done
    # MLC001 reads whether a node is costed, MLG009 the nodes left uncosted by their
    # schema, USR001 the model's FLOPs; MLH* need a profile or a budget, none set here
    assert not done & {"MLC001", "MLG009", "USR001"}
    assert not any(rule.startswith("MLH") for rule in done)
    assert found == {"MLA002", "MLG004"}


def _findings(path: Path, options: CheckOptions) -> tuple[tuple[object, ...], ...]:
    run = check_paths([path], options)
    assert not run.failures
    (result,) = run.models
    return (
        *((f, f.fingerprint, f.structural) for f in result.findings),
        *((entry,) for entry in result.undecided),
    )


@forkable
def test_check_finds_what_it_finds_without_the_child(
    forks: list[int], model_path: Path, user_rules: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule_paths = (str(user_rules),)
    serial = _findings(model_path, CheckOptions(rule_paths=rule_paths))
    assert forks == []
    ran_here: list[str] = []  # rules run by this process (the child's are its own)
    run = RuleRunner.run
    monkeypatch.setattr(
        RuleRunner, "run", lambda self, rule: ran_here.append(rule.id) or run(self, rule)
    )
    forked = _findings(model_path, CheckOptions(rule_paths=rule_paths, background=True))
    assert len(forks) == 2 and no_children_left()  # shape inference, then the early rules
    assert forked == serial
    found = {entry.rule_id for entry, *_ in serial if isinstance(entry, Finding)}
    unsure = {entry.rule_id for entry, *_ in serial if not isinstance(entry, Finding)}
    assert found == {"MLA002", "MLC001", "MLG004"}
    assert "USR001" in unsure  # model.flops: a lower bound only, with Frobnicate uncosted
    assert "MLA002" not in ran_here and "MLG004" not in ran_here  # run once, in the child
    assert {"MLC001", "USR001"} <= set(ran_here)


@forkable
@pytest.mark.parametrize(
    ("config", "severity"),
    [
        ("profile: st-stm32h743-cortex-m7", "error"),  # estimated from the costs: MLH010
        ("budgets: {params: 1}", "error"),  # known before the costs, read after: MLH002
        (  # a target's action caps its hardware findings
            'targets: [{files: ["*.onnx"], profile: st-stm32h743-cortex-m7, action: warning}]',
            "warning",
        ),
    ],
    ids=["profile", "budget", "target-action"],
)
def test_hardware_rules_find_what_they_find_without_the_child(
    forks: list[int], model_path: Path, config: str, severity: str
) -> None:
    (model_path.parent / ".modelint.yaml").write_text(f"{config}\n")
    serial = _findings(model_path, CheckOptions())
    forked = _findings(model_path, CheckOptions(background=True))
    assert len(forks) == 2 and no_children_left()
    assert forked == serial
    hardware = [f for f, *_ in serial if isinstance(f, Finding) and f.rule_id[:3] == "MLH"]
    assert [str(finding.severity) for finding in hardware] == [severity]


WIDE_RULES = {
    "macros.yaml": """
macros:
  "@wide": {doc: a Relu whose output is wide, ops: [Relu], where: "y.shape[-1] > 4"}
""",
    "USR001.yaml": """
id: USR001
name: wide-op
summary: A wide op.
description: Reads only shapes, through a macro.
severity: info
kind: node
match: {op: "@wide"}
message: "wide {op}"
""",
    "USR002.yaml": """
id: USR002
name: wide-costly-op
summary: A wide op with FLOPs.
description: The same macro, and a cost.
severity: warning
kind: node
match: {op: "@wide"}
where: cost.flops > 100
message: "wide {op} with {cost.flops} FLOPs"
""",
}


@forkable
def test_a_macro_undecided_on_a_node_leaves_each_rule_using_it_undecided(
    forks: list[int], tmp_path: Path
) -> None:
    """Whichever rule asks first, and in whichever process: the macro's value is shared,
    its undecided nodes are every asking rule's."""
    rules = tmp_path / "rules"
    rules.mkdir()
    for name, text in WIDE_RULES.items():
        (rules / name).write_text(text)
    chain = "\n".join(f"r{i + 1} = Relu (r{i})" for i in range(MIN_NODES))
    path = tmp_path / "open.onnx"
    onnx.save(model_from_text(f"""
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[1, D] x) => (float[1, D] r{MIN_NODES}) {{
        r0 = Relu (x)
        {chain}
    }}
    """), path)  # fmt: skip
    rule_paths, select = (str(rules),), ("USR001", "USR002")
    serial = _findings(path, CheckOptions(rule_paths=rule_paths, select=select))
    forked = _findings(path, CheckOptions(rule_paths=rule_paths, select=select, background=True))
    assert len(forks) == 2 and forked == serial
    undecided = [entry for entry, *_ in serial if not isinstance(entry, Finding)]
    counts = {rule: sum(1 for e in undecided if e.rule_id == rule) for rule in ("USR001", "USR002")}
    assert counts == {"USR001": MIN_NODES + 1, "USR002": MIN_NODES + 1}


@forkable
def test_a_failing_child_leaves_every_rule_to_the_parent(
    forks: list[int], model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = _findings(model_path, CheckOptions())

    def broken(*_: object) -> None:
        raise RuntimeError("the child fails")

    monkeypatch.setattr(early_module, "_run", broken)  # the child's copy too
    assert _findings(model_path, CheckOptions(background=True)) == serial
    assert len(forks) == 2 and no_children_left()


@forkable
def test_small_graphs_lint_without_a_fork(forks: list[int], tmp_path: Path) -> None:
    path = tmp_path / "small.onnx"
    onnx.save(model_from_text("""
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[1, 4] x) => (float[1, 4] y) { y = Relu (x) }
    """), path)  # fmt: skip
    assert check_paths([path], CheckOptions(background=True)).models
    assert forks == []


def test_what_the_child_lacks_stops_a_rule_on_any_use() -> None:
    deferred = early_module._Deferred()
    uses = [
        lambda: deferred.flops,
        lambda: deferred["node"],
        lambda: len(deferred),  # type: ignore[arg-type]
        lambda: list(deferred),  # type: ignore[call-overload]
        lambda: "node" in deferred,  # type: ignore[operator]
    ]
    for use in uses:
        with pytest.raises(CostsNeeded):
            use()
    assert deferred  # ``hardware or Hardware()`` keeps the stand-in
    assert not issubclass(CostsNeeded, Exception)  # no rule code takes it for a failure


@pytest.mark.parametrize(
    "reply",
    [None, (), ("MLA002",), ((), (("not", "a", "finding"),), ()), ((), (), (("a", "b"),))],
    ids=["none", "empty", "short", "bad-finding", "bad-undecided"],
)
def test_a_reply_that_is_not_the_childs_is_refused(reply: object) -> None:
    assert early_module._decode(reply) is None
