"""MatMul, Gemm and Einsum cost formulas (rules/costs/linear.yaml, DESIGN §5).

MatMul MACs = vol(Y)·K with Y the broadcast output (1-D operands promoted, then squeezed);
Gemm MACs = M·N·K, FLOPs 2MNK (+MN for C, +MN for alpha != 1); Einsum with 2 operands =
product of all distinct label sizes, 3+ operands = left-to-right pairwise path, 1 operand = no
MACs and one add per element when a label is summed away.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from cost_support import Initializers, cost_of

from modelint.analysis import NodeCost


def matmul(a: str, b: str, y: str) -> NodeCost:
    """Cost of ``y = MatMul(a, b)`` with both operands graph inputs (``a``, ``b`` type text)."""
    return cost_of(f"g ({a} a, {b} b) => ({y} y) {{ y = MatMul (a, b) }}", "MatMul")


def test_matmul_2d() -> None:
    cost = matmul("float[64, 128]", "float[128, 256]", "float[64, 256]")
    assert cost.macs == 64 * 256 * 128 == 2_097_152
    assert cost.flops == 2 * 2_097_152
    assert cost.transcendentals == 0


def test_matmul_broadcasts_a_2d_operand_against_a_batched_one() -> None:
    # [64,128] x [8,128,256] -> [8,64,256]: the B-side batch counts (fvcore's prod(A)*N would
    # give 64*128*256 = 2,097,152, 8x too little).
    cost = matmul("float[64, 128]", "float[8, 128, 256]", "float[8, 64, 256]")
    assert cost.macs == 8 * 64 * 256 * 128 == 16_777_216
    assert cost.flops == 2 * 16_777_216


def test_matmul_batched_on_both_sides() -> None:
    cost = matmul("float[4, 64, 128]", "float[4, 128, 32]", "float[4, 64, 32]")
    assert cost.macs == 4 * 64 * 32 * 128  # 1,048,576


def test_matmul_broadcasts_batch_dims_from_both_operands() -> None:
    # [2,1,8,16] x [1,3,16,4] -> [2,3,8,4]
    cost = matmul("float[2, 1, 8, 16]", "float[1, 3, 16, 4]", "float[2, 3, 8, 4]")
    assert cost.macs == 2 * 3 * 8 * 4 * 16  # 3,072


def test_matmul_matrix_times_vector() -> None:
    # [64,128] x [128] -> [64]: the vector is promoted to [128,1], N = 1.
    cost = matmul("float[64, 128]", "float[128]", "float[64]")
    assert cost.macs == 64 * 128 == 8_192
    assert cost.flops == 2 * 8_192


def test_matmul_vector_times_matrix() -> None:
    # [128] x [128,256] -> [256]: the vector is promoted to [1,128], M = 1.
    cost = matmul("float[128]", "float[128, 256]", "float[256]")
    assert cost.macs == 128 * 256 == 32_768


def test_matmul_vector_dot_vector() -> None:
    cost = matmul("float[128]", "float[128]", "float")
    assert cost.macs == 128


def test_matmul_batched_matrix_times_vector() -> None:
    cost = matmul("float[3, 64, 128]", "float[128]", "float[3, 64]")
    assert cost.macs == 3 * 64 * 128  # 24,576


def test_matmul_weight_params() -> None:
    cost = cost_of(
        "g (float[1, 768] x) => (float[1, 3072] y) { y = MatMul (x, w) }",
        "MatMul",
        {"w": (768, 3072)},
    )
    assert cost.macs == 768 * 3072
    assert cost.params == 768 * 3072
    assert cost.weight_bytes == 4 * 768 * 3072


# Gemm: A [32, 64], B [64, 128] -> Y [32, 128]; M=32, N=128, K=64.
GEMM_MACS = 32 * 128 * 64  # 262,144
GEMM_MN = 32 * 128  # 4,096


def gemm(
    attributes: str, inputs: str, initializers: Initializers, a: str = "float[32, 64]"
) -> NodeCost:
    """``y = Gemm(...)`` with A a graph input, giving Y [32, 128]."""
    attrs = f" <{attributes}>" if attributes else ""
    cost = cost_of(
        f"g ({a} a) => (float[32, 128] y) {{ y = Gemm{attrs} ({inputs}) }}",
        "Gemm",
        initializers,
    )
    assert cost.costed, cost.reason
    assert cost.transcendentals == 0
    return cost


def test_gemm_without_c() -> None:
    cost = gemm("", "a, b", {"b": (64, 128)})
    assert cost.macs == GEMM_MACS
    assert cost.flops == 2 * GEMM_MACS  # 524,288
    assert cost.params == 64 * 128


def test_gemm_with_c_adds_mn() -> None:
    cost = gemm("", "a, b, c", {"b": (64, 128), "c": (128,)})
    assert cost.macs == GEMM_MACS
    assert cost.flops == 2 * GEMM_MACS + GEMM_MN  # 528,384
    assert cost.params == 64 * 128 + 128


def test_gemm_with_c_and_beta_zero_does_not_add() -> None:
    cost = gemm("beta = 0.0", "a, b, c", {"b": (64, 128), "c": (128,)})
    assert cost.flops == 2 * GEMM_MACS


def test_gemm_alpha_not_one_adds_a_scaling() -> None:
    cost = gemm("alpha = 0.5", "a, b, c", {"b": (64, 128), "c": (128,)})
    assert cost.macs == GEMM_MACS
    assert cost.flops == 2 * GEMM_MACS + GEMM_MN + GEMM_MN  # C add + alpha scaling: 532,480


def test_gemm_alpha_without_c() -> None:
    cost = gemm("alpha = 2.0", "a, b", {"b": (64, 128)})
    assert cost.flops == 2 * GEMM_MACS + GEMM_MN


def test_gemm_trans_a() -> None:
    # A stored as [K, M] = [64, 32]; K is read from A.shape[0].
    cost = gemm("transA = 1", "a, b", {"b": (64, 128)}, a="float[64, 32]")
    assert cost.macs == GEMM_MACS


def test_gemm_trans_b() -> None:
    # The classic fully-connected layer: B stored as [N, K] = [128, 64].
    cost = gemm("transB = 1", "a, b, c", {"b": (128, 64), "c": (128,)})
    assert cost.macs == GEMM_MACS
    assert cost.flops == 2 * GEMM_MACS + GEMM_MN


def test_gemm_trans_a_and_trans_b() -> None:
    cost = gemm("transA = 1, transB = 1", "a, b", {"b": (128, 64)}, a="float[64, 32]")
    assert cost.macs == GEMM_MACS


def einsum(equation: str, inputs: Sequence[tuple[str, str]], output: str) -> NodeCost:
    """Cost of an Einsum over graph inputs given as (name, type text) pairs."""
    signature = ", ".join(f"{kind} {name}" for name, kind in inputs)
    names = ", ".join(name for name, _ in inputs)
    cost = cost_of(
        f'g ({signature}) => ({output} y) {{ y = Einsum <equation = "{equation}"> ({names}) }}',
        "Einsum",
    )
    assert cost.costed, cost.reason
    assert cost.transcendentals == 0
    return cost


def test_einsum_attention_scores() -> None:
    # bhqd,bhkd->bhqk at (1, 8, 128, 64): labels b h q d k = 1*8*128*64*128.
    cost = einsum(
        "bhqd,bhkd->bhqk",
        [("q", "float[1, 8, 128, 64]"), ("k", "float[1, 8, 128, 64]")],
        "float[1, 8, 128, 128]",
    )
    assert cost.macs == 1 * 8 * 128 * 64 * 128 == 8_388_608
    assert cost.flops == 2 * 8_388_608


def test_einsum_matrix_product_with_implicit_output() -> None:
    cost = einsum("ij,jk", [("a", "float[2, 3]"), ("b", "float[3, 4]")], "float[2, 4]")
    assert cost.macs == 2 * 3 * 4


def test_einsum_with_ellipsis_batch() -> None:
    # ...ij,...jk->...ik with A [2,3,4,5], B [5,6]: vol(Y) = 2*3*4*6, K = 5.
    cost = einsum(
        "...ij,...jk->...ik",
        [("a", "float[2, 3, 4, 5]"), ("b", "float[5, 6]")],
        "float[2, 3, 4, 6]",
    )
    assert cost.macs == 2 * 3 * 4 * 5 * 6  # 720


def test_einsum_three_operands_follow_a_left_to_right_path() -> None:
    # ij,jk,kl->il with i=2, j=3, k=4, l=5:
    #   (ij,jk) -> ik over labels i j k: 2*3*4 = 24
    #   (ik,kl) -> il over labels i k l: 2*4*5 = 40
    cost = einsum(
        "ij,jk,kl->il",
        [("a", "float[2, 3]"), ("b", "float[3, 4]"), ("c", "float[4, 5]")],
        "float[2, 5]",
    )
    assert cost.macs == 2 * 3 * 4 + 2 * 4 * 5 == 64
    assert cost.flops == 2 * 64


def test_einsum_three_operands_keep_labels_needed_later() -> None:
    # bi,bj,bk->bijk (outer products) with b=2, i=3, j=4, k=5:
    #   (bi,bj) -> bij: 2*3*4 = 24;  (bij,bk) -> bijk: 2*3*4*5 = 120
    cost = einsum(
        "bi,bj,bk->bijk",
        [("a", "float[2, 3]"), ("b", "float[2, 4]"), ("c", "float[2, 5]")],
        "float[2, 3, 4, 5]",
    )
    assert cost.macs == 2 * 3 * 4 + 2 * 3 * 4 * 5 == 144


def test_einsum_one_operand_reduction() -> None:
    # bij->bi sums j away: no MACs, one add per input element.
    cost = einsum("bij->bi", [("a", "float[2, 3, 4]")], "float[2, 3]")
    assert cost.costed
    assert cost.macs == 0
    assert cost.flops == 2 * 3 * 4


def test_einsum_one_operand_transpose_is_free() -> None:
    cost = einsum("ij->ji", [("a", "float[3, 4]")], "float[4, 3]")
    assert cost.costed
    assert (cost.macs, cost.flops) == (0, 0)


def test_einsum_trace_reads_the_diagonal() -> None:
    cost = einsum("ii->", [("a", "float[5, 5]")], "float")
    assert cost.macs == 0
    assert cost.flops == 5  # five diagonal elements summed


@pytest.mark.parametrize(
    ("equation", "left", "right", "output", "macs"),
    [
        # P.V of attention: labels b h q k d = 1*8*128*128*64
        (
            "bhqk,bhkd->bhqd",
            "float[1, 8, 128, 128]",
            "float[1, 8, 128, 64]",
            "float[1, 8, 128, 64]",
            1 * 8 * 128 * 128 * 64,
        ),
        # a dense layer: labels b s d f = 2*16*32*48
        ("bsd,df->bsf", "float[2, 16, 32]", "float[32, 48]", "float[2, 16, 48]", 2 * 16 * 32 * 48),
        # an outer product: labels i j = 7*9, nothing summed
        ("i,j->ij", "float[7]", "float[9]", "float[7, 9]", 7 * 9),
    ],
)
def test_einsum_two_operand_figures(
    equation: str, left: str, right: str, output: str, macs: int
) -> None:
    cost = einsum(equation, [("a", left), ("b", right)], output)
    assert cost.macs == macs
    assert cost.flops == 2 * macs
