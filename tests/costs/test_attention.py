"""Fused attention (ONNX Attention-23; rules/costs/attention.yaml, DESIGN §5).

scores = N·h_q·Sq·Skv; MACs = scores·(d_k + d_v) (QKᵀ + PV); FLOPs = 2·MACs + 7·scores
(softmax 5 + scale and mask 2); transcendentals = scores (one exp each). Skv includes
past_key; GQA/MQA K/V heads do not change the count (h_q drives it).
"""

from __future__ import annotations

import numpy as np
from cost_support import analyze_model, cost_of, header

from modelint.testing import node_cost


def test_attention_4d() -> None:
    # (1, 8, 128, 64) Q, K, V: scores = 1*8*128*128 = 131,072
    cost = cost_of(
        """
        g (float[1, 8, 128, 64] q, float[1, 8, 128, 64] k, float[1, 8, 128, 64] v)
            => (float[1, 8, 128, 64] y) {
            y = Attention (q, k, v)
        }""",
        "Attention",
        opset=23,
    )
    assert cost.costed, cost.reason
    assert cost.macs == 1 * 8 * 128 * 128 * (64 + 64) == 16_777_216
    assert cost.flops == 2 * 16_777_216 + 7 * 131_072  # 34,471,936
    assert cost.transcendentals == 131_072
    assert cost.assumptions == ()


def test_attention_3d_grouped_query() -> None:
    # Q [2, 16, 512] with 8 query heads (d_k = 64); K, V [2, 16, 128] with 2 KV heads (d_v = 64)
    cost = cost_of(
        """
        g (float[2, 16, 512] q, float[2, 16, 128] k, float[2, 16, 128] v)
            => (float[2, 16, 512] y) {
            y = Attention <q_num_heads = 8, kv_num_heads = 2> (q, k, v)
        }""",
        "Attention",
        opset=23,
    )
    scores = 2 * 8 * 16 * 16  # 4,096
    assert cost.macs == scores * (64 + 64) == 524_288
    assert cost.flops == 2 * 524_288 + 7 * scores
    assert cost.transcendentals == scores


def test_attention_with_past_key_and_causal_mask() -> None:
    # 4 new tokens over a 60-token cache: Skv = 4 + 60 = 64; 8 query heads over 2 KV heads
    cost = cost_of(
        """
        g (float[1, 8, 4, 64] q, float[1, 2, 4, 64] k, float[1, 2, 4, 64] v,
           float[1, 2, 60, 64] pk, float[1, 2, 60, 64] pv) => (float[1, 8, 4, 64] y) {
            y, pko, pvo = Attention <is_causal = 1> (q, k, v, "", pk, pv)
        }""",
        "Attention",
        opset=23,
    )
    scores = 1 * 8 * 4 * (4 + 60)  # 2,048
    assert cost.macs == scores * (64 + 64) == 262_144
    assert cost.flops == 2 * 262_144 + 7 * scores
    assert cost.assumptions == ("is_causal: full score matrix counted",)


def test_attention_with_different_value_head_size() -> None:
    # d_k = 64, d_v = 32
    cost = cost_of(
        """
        g (float[1, 4, 16, 64] q, float[1, 4, 16, 64] k, float[1, 4, 16, 32] v)
            => (float[1, 4, 16, 32] y) {
            y = Attention (q, k, v)
        }""",
        "Attention",
        opset=23,
    )
    assert cost.macs == 1 * 4 * 16 * 16 * (64 + 32)


def test_decomposed_attention_costs_the_same_as_fused() -> None:
    # QK^T -> scale -> mask -> softmax -> PV, at (1, 8, 128, 64): the MatMul, Mul, Add and
    # Softmax entries add up to the fused Attention figure (MACs 16,777,216; FLOPs 34,471,936).
    analysis = analyze_model(
        header(17)
        + """
        g (float[1, 8, 128, 64] q, float[1, 8, 64, 128] kt, float[1, 8, 128, 64] v,
           float[1, 1, 128, 128] mask) => (float[1, 8, 128, 64] y) {
            s = MatMul (q, kt)
            scaled = Mul (s, scale)
            masked = Add (scaled, mask)
            p = Softmax <axis = -1> (masked)
            y = MatMul (p, v)
        }""",
        {"scale": np.array(0.125, np.float32)},
    )
    scores = 1 * 8 * 128 * 128
    assert node_cost(analysis, "MatMul", 0).macs == scores * 64  # QK^T
    assert node_cost(analysis, "MatMul", 1).macs == scores * 64  # PV
    assert node_cost(analysis, "Softmax").flops == 5 * scores
    assert analysis.totals.macs == 16_777_216
    assert analysis.totals.flops == 2 * 16_777_216 + (5 + 2) * scores == 34_471_936
    assert analysis.totals.transcendentals == scores
