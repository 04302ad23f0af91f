"""LRN, MeanVarianceNormalization, GridSample, RotaryEmbedding (ONNX domain)."""

from __future__ import annotations

from cost_support import analyze_model, header

from modelint.testing import node_cost as cost_of


def test_mean_variance_normalization_default_axes() -> None:
    analysis = analyze_model(
        header(13)
        + """
    g (float[2, 8, 4, 4] x) => (float[2, 8, 4, 4] y) { y = MeanVarianceNormalization (x) }
    """
    )
    cost = cost_of(analysis, "MeanVarianceNormalization")
    # axes [0, 2, 3]: groups = 256 / (2*4*4) = 8 channels; 4 FLOPs/element + 1 sqrt per group
    assert (cost.flops, cost.transcendentals) == (4 * 256 + 8, 8)


def test_lrn_window_of_five() -> None:
    analysis = analyze_model(
        header(13)
        + """
    g (float[1, 16, 8, 8] x) => (float[1, 16, 8, 8] y) { y = LRN <size = 5> (x) }
    """
    )
    cost = cost_of(analysis, "LRN")
    # 2*5 + 3 = 13 FLOPs and one power per element; 1*16*8*8 = 1,024 elements
    assert (cost.macs, cost.flops, cost.transcendentals) == (0, 13 * 1_024, 1_024)


def test_grid_sample_bilinear_and_nearest() -> None:
    text = (
        header(22, 10)
        + """
    g (float[1, 8, 4, 4] x, float[1, 6, 6, 2] grid) => (float[1, 8, 6, 6] y) {
        y = GridSample <mode = "MODE"> (x, grid)
    }
    """
    )
    bilinear = cost_of(analyze_model(text.replace("MODE", "linear")), "GridSample")
    # 11 per output (1*8*6*6 = 288) + unnormalising 2 coords * 2 FLOPs per position (36)
    assert bilinear.flops == 11 * 288 + 2 * 2 * 36
    nearest = cost_of(analyze_model(text.replace("MODE", "nearest")), "GridSample")
    assert nearest.flops == 2 * 2 * 36


def test_rotary_embedding_rotates_the_given_dims_only() -> None:
    text = (
        header(23, 10)
        + """
    g (float[1, 2, 5, 16] q, float[5, 8] c, float[5, 8] s, int64[1, 5] p)
        => (float[1, 2, 5, 16] y) {
        y = RotaryEmbedding ATTRS (q, c, s, p)
    }
    """
    )
    full = cost_of(analyze_model(text.replace("ATTRS", "")), "RotaryEmbedding")
    assert full.flops == 3 * 160  # 1*2*5*16 elements, 2 mul + 1 add each
    half = cost_of(
        analyze_model(text.replace("ATTRS", "<rotary_embedding_dim = 8>")), "RotaryEmbedding"
    )
    assert half.flops == 3 * 160 * 8 // 16
