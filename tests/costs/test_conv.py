"""Conv and ConvTranspose cost formulas (rules/costs/linear.yaml, DESIGN §5).

Conv MACs = vol(Y)·(Cin/g)·∏k = vol(Y)·prod(W.shape[1:]); ConvTranspose MACs are input-based,
vol(X)·(Cout/g)·∏k = vol(X)·prod(W.shape[1:]). FLOPs = 2·MACs (+ vol(Y) with a bias).
"""

from __future__ import annotations

from cost_support import cost_of


def test_conv_3x3_same_padding() -> None:
    cost = cost_of(
        """
        g (float[1, 3, 32, 32] x) => (float[1, 16, 32, 32] y) {
            y = Conv <pads = [1, 1, 1, 1]> (x, w)
        }""",
        "Conv",
        {"w": (16, 3, 3, 3)},
    )
    assert cost.costed
    assert cost.macs == 16 * 32 * 32 * 3 * 3 * 3  # vol(Y) * Cin * kh * kw = 442,368
    assert cost.flops == 2 * 442_368  # no bias
    assert cost.transcendentals == 0
    assert cost.params == 16 * 3 * 3 * 3
    assert cost.weight_bytes == 4 * 432  # float32


def test_conv_with_bias_adds_one_flop_per_output_element() -> None:
    cost = cost_of(
        """
        g (float[1, 3, 32, 32] x) => (float[1, 16, 32, 32] y) {
            y = Conv <pads = [1, 1, 1, 1]> (x, w, b)
        }""",
        "Conv",
        {"w": (16, 3, 3, 3), "b": (16,)},
    )
    assert cost.macs == 442_368
    assert cost.flops == 2 * 442_368 + 16 * 32 * 32  # + one bias add per output element
    assert cost.params == 432 + 16


def test_resnet_stem_conv_7x7_stride_2() -> None:
    # The torchvision ResNet-50 stem: 64 x 112 x 112 outputs, 3*7*7 MACs each (118.0 M).
    cost = cost_of(
        """
        g (float[1, 3, 224, 224] x) => (float[1, 64, 112, 112] y) {
            y = Conv <strides = [2, 2], pads = [3, 3, 3, 3]> (x, w)
        }""",
        "Conv",
        {"w": (64, 3, 7, 7)},
    )
    assert cost.macs == 64 * 112 * 112 * 3 * 7 * 7 == 118_013_952


def test_grouped_conv_counts_cin_over_groups() -> None:
    # group=4: each of the 32 output channels sees 16/4 = 4 input channels.
    cost = cost_of(
        """
        g (float[1, 16, 8, 8] x) => (float[1, 32, 8, 8] y) {
            y = Conv <group = 4, pads = [1, 1, 1, 1]> (x, w, b)
        }""",
        "Conv",
        {"w": (32, 4, 3, 3), "b": (32,)},
    )
    assert cost.macs == 32 * 8 * 8 * (16 // 4) * 3 * 3  # 73,728
    assert cost.flops == 2 * 73_728 + 32 * 8 * 8
    assert cost.params == 32 * 4 * 9 + 32


def test_depthwise_3x3() -> None:
    # Depthwise 3x3 over 32 x 56 x 56 (MobileNet-style): vol(Y) * 9.
    cost = cost_of(
        """
        g (float[1, 32, 56, 56] x) => (float[1, 32, 56, 56] y) {
            y = Conv <group = 32, pads = [1, 1, 1, 1]> (x, w)
        }""",
        "Conv",
        {"w": (32, 1, 3, 3)},
    )
    assert cost.macs == 1 * 32 * 56 * 56 * 9 == 903_168
    assert cost.flops == 2 * 903_168


def test_depthwise_with_channel_multiplier() -> None:
    # g = Cin = 32, Cout = 2 * Cin: still vol(Y) * kh * kw.
    cost = cost_of(
        """
        g (float[1, 32, 56, 56] x) => (float[1, 64, 56, 56] y) {
            y = Conv <group = 32, pads = [1, 1, 1, 1]> (x, w)
        }""",
        "Conv",
        {"w": (64, 1, 3, 3)},
    )
    assert cost.macs == 64 * 56 * 56 * 9 == 1_806_336


def test_pointwise_conv_batch_2() -> None:
    cost = cost_of(
        """
        g (float[2, 64, 14, 14] x) => (float[2, 128, 14, 14] y) {
            y = Conv (x, w)
        }""",
        "Conv",
        {"w": (128, 64, 1, 1)},
    )
    assert cost.macs == 2 * 128 * 14 * 14 * 64  # batch counts: 3,211,264
    assert cost.macs == 3_211_264


def test_conv_1d() -> None:
    cost = cost_of(
        """
        g (float[1, 8, 100] x) => (float[1, 16, 96] y) {
            y = Conv (x, w)
        }""",
        "Conv",
        {"w": (16, 8, 5)},
    )
    assert cost.macs == 16 * 96 * 8 * 5  # 61,440 (valid padding: 100 - 5 + 1 = 96)


def test_conv_3d() -> None:
    cost = cost_of(
        """
        g (float[1, 4, 8, 8, 8] x) => (float[1, 8, 8, 8, 8] y) {
            y = Conv <pads = [1, 1, 1, 1, 1, 1]> (x, w, b)
        }""",
        "Conv",
        {"w": (8, 4, 3, 3, 3), "b": (8,)},
    )
    assert cost.macs == 8 * 8 * 8 * 8 * 4 * 27  # 442,368
    assert cost.flops == 2 * 442_368 + 8 * 512


def test_conv_transpose_is_input_based() -> None:
    # 64 -> 32 channels, kernel 4, stride 2, 16x16 -> 32x32: each input element scatters into
    # Cout * 4 * 4 outputs. Output-based counters (onnx-tool, onnx-opcounter) report
    # vol(Y) * Cin * 16 = 32*32*32 * 64 * 16 = 33,554,432 (4x) or half of it (2x).
    cost = cost_of(
        """
        g (float[1, 64, 16, 16] x) => (float[1, 32, 32, 32] y) {
            y = ConvTranspose <strides = [2, 2], pads = [1, 1, 1, 1]> (x, w)
        }""",
        "ConvTranspose",
        {"w": (64, 32, 4, 4)},
    )
    assert cost.macs == 64 * 16 * 16 * 32 * 4 * 4 == 8_388_608
    assert cost.flops == 2 * 8_388_608
    assert cost.transcendentals == 0
    assert cost.params == 64 * 32 * 16


def test_conv_transpose_with_bias() -> None:
    cost = cost_of(
        """
        g (float[1, 64, 16, 16] x) => (float[1, 32, 32, 32] y) {
            y = ConvTranspose <strides = [2, 2], pads = [1, 1, 1, 1]> (x, w, b)
        }""",
        "ConvTranspose",
        {"w": (64, 32, 4, 4), "b": (32,)},
    )
    assert cost.macs == 8_388_608
    assert cost.flops == 2 * 8_388_608 + 32 * 32 * 32  # bias: one add per output element


def test_grouped_conv_transpose() -> None:
    # W = [Cin, Cout/g, k, k] = [8, 2, 3, 3], group 2: Cout = 4; each input element scatters
    # into Cout/g * 9 = 18 outputs. Output 4 x 6 x 6 (stride 1, no padding).
    cost = cost_of(
        """
        g (float[1, 8, 4, 4] x) => (float[1, 4, 6, 6] y) {
            y = ConvTranspose <group = 2> (x, w)
        }""",
        "ConvTranspose",
        {"w": (8, 2, 3, 3)},
    )
    assert cost.macs == 8 * 4 * 4 * 2 * 3 * 3  # 2,304
    assert cost.flops == 2 * 2_304
