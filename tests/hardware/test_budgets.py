"""Each budget rule at 89 % (silent), 91 % (warning) and 101 % (error) of its budget."""

from __future__ import annotations

from pathlib import Path

import pytest
from hardware_support import round_profile

from modelint.analysis import ModelAnalysis
from modelint.analysis.target import estimate_target
from modelint.findings import Severity
from modelint.profiles import Budgets
from modelint.rules import RuleSettings, load_lint_rules, run_rules
from modelint.rules.target_views import Hardware
from modelint.testing import analyze_text

MODEL = """<ir_version: 8, opset_import: ["" : 17]>
g (float[1, 1024] x) => (float[1, 1024] y) {
    m = MatMul (x, w)
    y = Relu (m)
}"""
FLOPS = 2 * 1024 * 1024 + 1024  # MatMul + Relu = 2,098,176
PARAMS = 1024 * 1024
MEMORY = PARAMS * 4 + 2 * 1024 * 4  # weights + x and y live together (m stays in the kernel)


@pytest.fixture(scope="module")
def analysis() -> ModelAnalysis:
    return analyze_text(MODEL, {"w": (1024, 1024)})


def _severity(
    analysis: ModelAnalysis, rule: str, budgets: Budgets, hardware: Hardware | None = None
) -> Severity | None:
    hardware = Hardware(hardware.target if hardware else None, budgets)
    settings = RuleSettings(enabled=frozenset({rule}), hardware=hardware)
    findings = run_rules(analysis, load_lint_rules(), settings).findings
    assert len(findings) <= 1
    return findings[0].severity if findings else None


LEVELS = [(0.89, None), (0.91, Severity.WARNING), (1.01, Severity.ERROR)]


@pytest.mark.parametrize(("share", "expected"), LEVELS)
def test_flop_budget(analysis: ModelAnalysis, share: float, expected: Severity | None) -> None:
    assert analysis.totals.flops == FLOPS
    assert _severity(analysis, "MLH001", Budgets(flops=FLOPS / share)) == expected


@pytest.mark.parametrize(("share", "expected"), LEVELS)
def test_params_budget(analysis: ModelAnalysis, share: float, expected: Severity | None) -> None:
    assert analysis.totals.params == PARAMS
    assert _severity(analysis, "MLH002", Budgets(params=PARAMS / share)) == expected


@pytest.mark.parametrize(("share", "expected"), LEVELS)
def test_memory_budget(analysis: ModelAnalysis, share: float, expected: Severity | None) -> None:
    assert _severity(analysis, "MLH004", Budgets(memory=MEMORY / share)) == expected


@pytest.mark.parametrize(("share", "expected"), LEVELS)
def test_latency_budget(
    analysis: ModelAnalysis, tmp_path: Path, share: float, expected: Severity | None
) -> None:
    target = estimate_target(analysis, round_profile(tmp_path))
    # one kernel (MatMul + Relu): 2.10 MFLOPs / (10 TFLOP/s x 0.25 at batch 1) = 839.3 ns;
    # 4,202,496 B / (100 GB/s x 0.8) = 52.53 us -> memory-bound, + 2 us launch overhead
    latency = 4_202_496 / 80e9 + 2e-6
    assert target.latency.expected_s == pytest.approx(latency)
    budgets = Budgets(latency=latency / share)
    assert _severity(analysis, "MLH003", budgets, Hardware(target)) == expected


def test_budget_rules_are_silent_without_budgets(analysis: ModelAnalysis, tmp_path: Path) -> None:
    target = estimate_target(analysis, round_profile(tmp_path))
    for rule in ("MLH001", "MLH002", "MLH003", "MLH004"):
        assert _severity(analysis, rule, Budgets(), Hardware(target)) is None


def test_warn_and_error_levels_are_parameters(analysis: ModelAnalysis) -> None:
    settings = RuleSettings(
        enabled=frozenset({"MLH001"}),
        parameters={"MLH001": {"warn_at": 0.5, "error_at": 0.8}},
        hardware=Hardware(budgets=Budgets(flops=FLOPS / 0.6)),
    )
    (finding,) = run_rules(analysis, load_lint_rules(), settings).findings
    assert finding.severity is Severity.WARNING
    assert finding.message == ("2.1 MFLOPs per inference is 60.0 % of the FLOP budget (3.5 MFLOPs)")
    assert dict(finding.properties) == {"budget": pytest.approx(FLOPS / 0.6), "value": FLOPS}
