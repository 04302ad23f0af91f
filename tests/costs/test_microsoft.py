"""ONNX Runtime contrib ops, domain com.microsoft (rules/costs/microsoft.yaml).

ONNX shape inference does not know these ops, so each model declares the shapes of their
outputs (graph outputs, or value_info for intermediate tensors).
"""

from __future__ import annotations

import numpy as np
import pytest
from cost_support import Initializers, analyze_model, cost_of, header

from modelint.analysis import NodeCost
from modelint.testing import node_cost


def ms_cost(graph: str, op: str, initializers: Initializers | None = None) -> NodeCost:
    cost = cost_of(graph, op, initializers, microsoft=True)
    assert cost.costed, cost.reason
    return cost


def test_fused_matmul_trans_b_and_alpha() -> None:
    # [2, 64, 128] x [2, 256, 128]^T -> [2, 64, 256]; alpha 0.125 adds one multiply per output
    cost = ms_cost(
        """
        g (float[2, 64, 128] a, float[2, 256, 128] b) => (float[2, 64, 256] y) {
            y = com.microsoft.FusedMatMul <transB = 1, alpha = 0.125> (a, b)
        }""",
        "FusedMatMul",
    )
    assert cost.macs == 2 * 64 * 256 * 128 == 4_194_304
    assert cost.flops == 2 * 4_194_304 + 2 * 64 * 256  # 8,421,376
    assert cost.transcendentals == 0


def test_fused_matmul_trans_a_reads_k_from_the_second_last_dim() -> None:
    # A stored as [2, 128, 64] (K = 128, M = 64), alpha 1: no scaling
    cost = ms_cost(
        """
        g (float[2, 128, 64] a, float[2, 128, 256] b) => (float[2, 64, 256] y) {
            y = com.microsoft.FusedMatMul <transA = 1> (a, b)
        }""",
        "FusedMatMul",
    )
    assert cost.macs == 2 * 64 * 256 * 128
    assert cost.flops == 2 * cost.macs


def test_fused_matmul_output_declared_as_value_info_feeds_the_next_node() -> None:
    analysis = analyze_model(
        header(17, microsoft=True)
        + """
        g (float[8, 32] a) => (float[8, 16] y) <float[8, 16] t> {
            t = com.microsoft.FusedMatMul (a, w)
            y = Relu (t)
        }""",
        {"w": (32, 16)},
    )
    assert node_cost(analysis, "FusedMatMul").macs == 8 * 16 * 32
    assert node_cost(analysis, "FusedMatMul").params == 32 * 16
    assert node_cost(analysis, "Relu").flops == 8 * 16
    assert analysis.coverage.complete


@pytest.mark.parametrize(("bias", "per_element"), [(True, 7), (False, 6)])
def test_skip_layer_normalization(bias: bool, per_element: int) -> None:
    # residual add (+ bias add) + LayerNorm 5 per element; rows = 1 * 128, one rsqrt each
    inputs = "x, s, gamma, beta, bias" if bias else "x, s, gamma, beta"
    cost = ms_cost(
        f"""
        g (float[1, 128, 768] x, float[1, 128, 768] s) => (float[1, 128, 768] y) {{
            y = com.microsoft.SkipLayerNormalization <epsilon = 0.00001> ({inputs})
        }}""",
        "SkipLayerNormalization",
        {"gamma": (768,), "beta": (768,), "bias": (768,)},
    )
    assert cost.macs == 0
    assert cost.flops == per_element * 128 * 768 + 128  # 688,256 with bias, 589,952 without
    assert cost.transcendentals == 128


@pytest.mark.parametrize(("bias", "per_element"), [(True, 6), (False, 5)])
def test_skip_simplified_layer_normalization(bias: bool, per_element: int) -> None:
    inputs = "x, s, gamma, bias" if bias else "x, s, gamma"
    cost = ms_cost(
        f"""
        g (float[2, 10, 256] x, float[2, 10, 256] s) => (float[2, 10, 256] y) {{
            y = com.microsoft.SkipSimplifiedLayerNormalization ({inputs})
        }}""",
        "SkipSimplifiedLayerNormalization",
        {"gamma": (256,), "bias": (256,)},
    )
    assert cost.macs == 0
    assert cost.flops == per_element * 2 * 10 * 256 + 2 * 10
    assert cost.transcendentals == 2 * 10


def test_attention_fused_qkv_projection() -> None:
    # BERT-base layer: input [1, 128, 768], weights [768, 3 * 768], 12 heads
    cost = ms_cost(
        """
        g (float[1, 128, 768] x) => (float[1, 128, 768] y) {
            y = com.microsoft.Attention <num_heads = 12> (x, w, b)
        }""",
        "Attention",
        {"w": (768, 2304), "b": (2304,)},
    )
    projection = 1 * 128 * 768 * 2304  # 226,492,416
    scores = 1 * 12 * 128 * 128  # 196,608
    assert cost.macs == projection + 1 * 128 * 128 * (768 + 768) == 251_658_240
    # 2 MACs + bias add on the projection + 7 per score
    assert cost.flops == 2 * 251_658_240 + 128 * 2304 + 7 * scores == 504_987_648
    assert cost.transcendentals == scores
    assert cost.params == 768 * 2304 + 2304


def test_attention_without_bias_and_with_qkv_hidden_sizes() -> None:
    # q, k hidden 768, v hidden 512: weights [768, 2048]
    cost = ms_cost(
        """
        g (float[1, 128, 768] x) => (float[1, 128, 512] y) {
            y = com.microsoft.Attention <num_heads = 8, qkv_hidden_sizes = [768, 768, 512]> (x, w)
        }""",
        "Attention",
        {"w": (768, 2048)},
    )
    assert cost.macs == 128 * 768 * 2048 + 128 * 128 * (768 + 512)  # 222,298,112
    assert cost.flops == 2 * cost.macs + 7 * 8 * 128 * 128


def test_attention_with_past_state() -> None:
    # one new token over a 32-token past: past [2, 1, 12, 32, 64]; T = 1 + 32 = 33
    cost = ms_cost(
        """
        g (float[1, 1, 768] x, float[2, 1, 12, 32, 64] past)
            => (float[1, 1, 768] y, float[2, 1, 12, 33, 64] present) {
            y, present = com.microsoft.Attention <num_heads = 12> (x, w, b, "", past)
        }""",
        "Attention",
        {"w": (768, 2304), "b": (2304,)},
    )
    assert cost.macs == 1 * 768 * 2304 + 1 * 33 * (768 + 768)  # 1,820,160
    assert cost.flops == 2 * 1_820_160 + 2304 + 7 * 12 * 1 * 33


# MultiHeadAttention on projected Q, K, V: MACs = 2 * B * Sq * Skv * hidden, + 7 FLOPs per score
@pytest.mark.parametrize(
    ("signature", "inputs", "q_len", "kv_len"),
    [
        # separate Q, K, V [B, S, hidden]
        ("float[1, 128, 768] q, float[1, 128, 768] k, float[1, 128, 768] v", "q, k, v", 128, 128),
        # cross attention: 4 queries over 64 keys
        ("float[1, 4, 768] q, float[1, 64, 768] k, float[1, 64, 768] v", "q, k, v", 4, 64),
        # packed QKV [B, S, N, 3, H]: no key, Skv = Sq
        ("float[1, 128, 12, 3, 64] q", "q", 128, 128),
        # packed KV [B, Skv, N, 2, H]
        ("float[1, 4, 768] q, float[1, 64, 12, 2, 64] kv", "q, kv", 4, 64),
        # key / value given as caches [B, N, Skv, H]
        ("float[1, 4, 768] q, float[1, 12, 64, 64] k, float[1, 12, 64, 64] v", "q, k, v", 4, 64),
        # past_key / past_value [B, N, P, H] before the new keys: Skv = 4 + 60
        (
            "float[1, 4, 768] q, float[1, 4, 768] k, float[1, 4, 768] v, "
            "float[1, 12, 60, 64] pk, float[1, 12, 60, 64] pv",
            'q, k, v, "", "", "", pk, pv',
            4,
            64,
        ),
    ],
)
def test_multi_head_attention(signature: str, inputs: str, q_len: int, kv_len: int) -> None:
    cost = ms_cost(
        f"""
        g ({signature}) => (float[1, {q_len}, 768] y) {{
            y = com.microsoft.MultiHeadAttention <num_heads = 12> ({inputs})
        }}""",
        "MultiHeadAttention",
    )
    scores = 1 * 12 * q_len * kv_len
    assert cost.macs == 2 * 1 * q_len * kv_len * 768
    assert cost.flops == 2 * cost.macs + 7 * scores
    assert cost.transcendentals == scores


def test_multi_head_attention_bert_figures() -> None:
    cost = ms_cost(
        """
        g (float[1, 128, 768] q, float[1, 128, 768] k, float[1, 128, 768] v)
            => (float[1, 128, 768] y) {
            y = com.microsoft.MultiHeadAttention <num_heads = 12> (q, k, v)
        }""",
        "MultiHeadAttention",
    )
    assert cost.macs == 25_165_824  # 2 * 128 * 128 * 768
    assert cost.flops == 51_707_904  # 2 * 25,165,824 + 7 * 196,608


def test_group_query_attention() -> None:
    # 32 query heads over 8 KV heads, head 64; 16 new tokens, 112 past -> present 128
    cost = ms_cost(
        """
        g (float[1, 16, 2048] q, float[1, 16, 512] k, float[1, 16, 512] v,
           float[1, 8, 112, 64] pk, float[1, 8, 112, 64] pv, int32[1] seqlens, int32 total)
            => (float[1, 16, 2048] y, float[1, 8, 128, 64] pko, float[1, 8, 128, 64] pvo) {
            y, pko, pvo = com.microsoft.GroupQueryAttention <num_heads = 32, kv_num_heads = 8>
                (q, k, v, pk, pv, seqlens, total)
        }""",
        "GroupQueryAttention",
    )
    scores = 1 * 32 * 16 * 128  # 65,536
    assert cost.macs == 2 * 1 * 16 * 128 * 2048 == 8_388_608
    assert cost.flops == 2 * 8_388_608 + 7 * scores == 17_235_968
    assert cost.transcendentals == scores


@pytest.mark.parametrize(("bias", "extra"), [(False, 0), (True, 4 * 128)])
def test_matmul_n_bits(bias: bool, extra: int) -> None:
    # 4-bit weights, K = 256, N = 128, block 32: B [N, K / 32, 16] uint8, scales [N * K / 32]
    inputs = 'a, b, scales, "", "", bias' if bias else "a, b, scales"
    cost = ms_cost(
        f"""
        g (float[1, 4, 256] a) => (float[1, 4, 128] y) {{
            y = com.microsoft.MatMulNBits <K = 256, N = 128, bits = 4, block_size = 32> ({inputs})
        }}""",
        "MatMulNBits",
        {
            "b": np.zeros((128, 8, 16), np.uint8),
            "scales": (128 * 8,),
            "bias": (128,),
        },
    )
    assert cost.macs == 4 * 128 * 256  # 131,072
    assert cost.flops == 2 * 131_072 + extra
    assert cost.transcendentals == 0
    # the packed uint8 blob (1 byte per 2 weights) + float32 scales (+ float32 bias)
    assert cost.weight_bytes == 128 * 8 * 16 + 4 * 128 * 8 + (4 * 128 if bias else 0)


@pytest.mark.parametrize(("residual", "extra"), [(False, 0), (True, 16 * 32 * 32)])
def test_fused_conv(residual: bool, extra: int) -> None:
    inputs = "x, w, b, z" if residual else "x, w, b"
    signature = "float[1, 3, 32, 32] x" + (", float[1, 16, 32, 32] z" if residual else "")
    cost = ms_cost(
        f"""
        g ({signature}) => (float[1, 16, 32, 32] y) {{
            y = com.microsoft.FusedConv <activation = "Relu", pads = [1, 1, 1, 1]> ({inputs})
        }}""",
        "FusedConv",
        {"w": (16, 3, 3, 3), "b": (16,)},
    )
    assert cost.macs == 16 * 32 * 32 * 27  # 442,368
    # 2 MACs + bias add + fused activation (+ residual add)
    assert cost.flops == 2 * 442_368 + 16_384 + 16_384 + extra
    assert cost.transcendentals == 0


@pytest.mark.parametrize(
    ("call", "op", "flops_per_element", "transcendentals_per_element"),
    [
        ("Gelu (x)", "Gelu", 5, 1),
        ("BiasGelu (x, bias)", "BiasGelu", 6, 1),
        ("FastGelu (x)", "FastGelu", 9, 1),
        ("FastGelu (x, bias)", "FastGelu", 10, 1),
        ("QuickGelu (x)", "QuickGelu", 5, 1),
        ("BiasAdd (x, bias, skip)", "BiasAdd", 2, 0),
    ],
)
def test_pointwise_contrib_ops(
    call: str, op: str, flops_per_element: int, transcendentals_per_element: int
) -> None:
    cost = ms_cost(
        f"""
        g (float[2, 16, 64] x, float[2, 16, 64] skip) => (float[2, 16, 64] y) {{
            y = com.microsoft.{call}
        }}""",
        op,
        {"bias": (64,)},
    )
    assert cost.macs == 0
    assert cost.flops == flops_per_element * 2 * 16 * 64
    assert cost.transcendentals == transcendentals_per_element * 2 * 16 * 64


def test_rotary_embedding() -> None:
    cost = ms_cost(
        """
        g (float[1, 16, 768] x, int64[1, 16] pos) => (float[1, 16, 768] y) {
            y = com.microsoft.RotaryEmbedding (x, pos, cos, sin)
        }""",
        "RotaryEmbedding",
        {"cos": (512, 32), "sin": (512, 32)},
    )
    assert cost.flops == 3 * 16 * 768  # 2 multiplies + 1 add per element
    assert (cost.macs, cost.transcendentals) == (0, 0)


@pytest.mark.parametrize(
    ("op", "inputs", "per_element"),
    [("LayerNormalization", "x, scale, bias", 5), ("SimplifiedLayerNormalization", "x, scale", 4)],
)
def test_layer_norms_tagged_com_microsoft(op: str, inputs: str, per_element: int) -> None:
    # the ONNX-domain forms are the ones ORT registers; these entries cover graphs that tag
    # them com.microsoft. [2, 10, 256], last axis: rows = 20, one rsqrt each.
    cost = ms_cost(
        f"""
        g (float[2, 10, 256] x) => (float[2, 10, 256] y) {{
            y = com.microsoft.{op} ({inputs})
        }}""",
        op,
        {"scale": (256,), "bias": (256,)},
    )
    assert cost.macs == 0
    assert cost.flops == per_element * 2 * 10 * 256 + 20
    assert cost.transcendentals == 20
