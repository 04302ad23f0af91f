"""Shape binding: batch defaults, --input-shape, unknown dims make nodes uncosted."""

from __future__ import annotations

import pytest

from modelint.errors import ModelLoadError
from modelint.testing import analyze_text, node_cost

CONV = """
<ir_version: 8, opset_import: ["" : 17]>
g (float[N, 3, H, W] x) => (float[N, 4, H, W] y) {
    y = Conv <pads = [1, 1, 1, 1]> (x, w)
}
"""
WEIGHTS = {"w": (4, 3, 3, 3)}


def test_input_shape_binds_every_symbolic_dim() -> None:
    analysis = analyze_text(CONV, WEIGHTS, input_shapes={"x": (2, 3, 16, 16)})
    # MACs = vol(Y) * prod(W.shape[1:]) = (2*4*16*16) * (3*3*3) = 2,048 * 27
    assert analysis.totals.macs == 55_296
    assert [(b.index, b.symbol, b.value, b.origin) for b in analysis.bindings] == [
        (0, "N", 2, "input-shape"),
        (2, "H", 16, "input-shape"),
        (3, "W", 16, "input-shape"),
    ]


def test_unbound_spatial_dims_leave_the_node_uncosted_never_zero() -> None:
    analysis = analyze_text(CONV, WEIGHTS)
    cost = node_cost(analysis, "Conv")
    assert not cost.costed and cost.macs is None and cost.flops is None
    assert cost.reason is not None and "shape" in cost.reason
    assert analysis.unbound == ("x[2] 'H'", "x[3] 'W'")
    assert [b.describe() for b in analysis.bindings] == ["x[0] 'N'=1 (batch-default)"]
    assert not analysis.coverage.complete and analysis.coverage.flops_share is None


def test_unknown_input_name_is_a_model_error_with_a_hint() -> None:
    with pytest.raises(ModelLoadError, match=r"'y', which is not a graph input; inputs: x$"):
        analyze_text(CONV, WEIGHTS, input_shapes={"y": (1, 3, 8, 8)})
    image = CONV.replace(" x)", " image)").replace("(x,", "(image,")
    with pytest.raises(ModelLoadError, match=r"'imag', .*\(did you mean 'image'\?\)"):
        analyze_text(image, WEIGHTS, input_shapes={"imag": (1, 3, 8, 8)})


def test_rank_mismatch_is_a_model_error() -> None:
    with pytest.raises(
        ModelLoadError, match=r"^input shape for 'x' has 3 dims, the input has rank 4$"
    ):
        analyze_text(CONV, WEIGHTS, input_shapes={"x": (1, 3, 8)})


def test_a_fixed_dim_can_be_rebound_and_the_report_says_so() -> None:
    """Exporters fix a batch-agnostic model's batch at 1; a throughput figure rebinds it."""
    fixed = CONV.replace("float[N, 3, H, W] x", "float[1, 3, 8, 8] x").replace(
        "[N, 4, H, W]", "[1, 4, 8, 8]"
    )
    analysis = analyze_text(fixed, WEIGHTS, input_shapes={"x": (256, 3, 8, 8)})
    assert [b.describe() for b in analysis.bindings] == ["x[0] 1->256 (input-shape)"]
    assert analysis.totals.macs == 256 * 8 * 8 * 4 * 27


def test_constant_chains_are_folded_for_shape_inference() -> None:
    """torch's TorchScript export of BERT computes the mask shape through ConstantOfShape,
    Equal and Where, which ONNX data propagation does not evaluate."""
    analysis = analyze_text("""
    <ir_version: 8, opset_import: ["" : 17]>
    g (bool[1, 1, 4, 4] m, float[1, 2, 4, 4] s) => (float[1, 2, 4, 4] y) {
        target = Constant <value = int64[4] {1, 1, 4, 4}> ()
        four = Constant <value = int64[1] {4}> ()
        ones = ConstantOfShape <value = int64[1] {1}> (four)
        minus_one = Constant <value = int64 {-1}> ()
        neg = Mul (ones, minus_one)
        is_neg = Equal (target, neg)
        shape = Where (is_neg, ones, target)
        mask = Expand (m, shape)
        zero = Constant <value = float[1] {0.0}> ()
        low = Constant <value = float[1] {-1e9}> ()
        bias = Where (mask, zero, low)
        scores = Add (s, bias)
        y = Softmax <axis = -1> (scores)
    }
    """)
    assert analysis.coverage.complete
    assert node_cost(analysis, "Add").flops == 32  # 1*2*4*4 broadcast output elements
    assert node_cost(analysis, "Softmax").flops == 5 * 32
    assert len(analysis.graph.nodes) == 13  # folding never changes the analysed graph


def test_folding_goes_on_while_each_round_reveals_shapes() -> None:
    """tf2onnx lowers a Keras MultiHeadAttention's einsums to Reshapes whose target is
    Shape -> ReduceProd of the previous one's output: the second target is computable only
    once the first fold has given `a` its shape (one round left the last MatMul uncosted)."""
    analysis = analyze_text("""
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[2, 3, 4] x, float[24, 5] w) => (float[1, 5] y) {
        s1 = Shape (x)
        n1 = ReduceProd <keepdims = 1> (s1)
        a = Reshape (x, n1)
        r = Relu (a)
        s2 = Shape (r)
        n2 = ReduceProd <keepdims = 1> (s2)
        one = Constant <value = int64[1] {1}> ()
        t2 = Concat <axis = 0> (one, n2)
        b = Reshape (r, t2)
        y = MatMul (b, w)
    }
    """)
    assert analysis.coverage.complete
    assert analysis.graph.tensor("b").shape == (1, 24)
    assert node_cost(analysis, "MatMul").macs == 24 * 5


TWO_INPUTS = """
<ir_version: 8, opset_import: ["" : 17]>
g (float[B, S, 64] x, float[B, S, 1] mask) => (float[B, S, 64] y) {
    y = Mul (x, mask)
}
"""


def test_input_shapes_that_disagree_on_a_symbol_are_a_model_error() -> None:
    """S cannot be 16 through x and 8 through mask: no graph has both shapes."""
    with pytest.raises(ModelLoadError, match=r"disagree on 'S': x\[1\]=16, mask\[1\]=8"):
        analyze_text(TWO_INPUTS, input_shapes={"x": (1, 16, 64), "mask": (1, 8, 1)})


def test_a_given_shape_binds_its_symbols_in_the_other_inputs_before_any_default() -> None:
    """mask comes second but x's B=4 and S=16 reach it, and nothing defaults B to 1."""
    analysis = analyze_text(TWO_INPUTS, input_shapes={"mask": (4, 16, 1)})
    assert analysis.graph.tensor("x").shape == (4, 16, 64)
    assert node_cost(analysis, "Mul").flops == 4 * 16 * 64
    assert all(b.origin == "input-shape" for b in analysis.bindings)


LSTM = """
<ir_version: 8, opset_import: ["" : 17]>
g (float[{first}, 1, 32] x) => (float[{first}, 1, 1, 16] y) {{
    y = LSTM <hidden_size = 16> (x, w, r)
}}
"""


@pytest.mark.parametrize("first", ["seq_len", "unk__7"])
def test_a_sequence_first_dim_is_not_defaulted_as_a_batch(first: str) -> None:
    """An LSTM's input is [seq, batch, input] by default: binding its first dim to 1 would
    cost one time step as the whole sequence. Named like a sequence, or read by a recurrent
    op sequence-first, the dim stays unbound and the LSTM uncosted, with the reason."""
    weights = {"w": (1, 64, 32), "r": (1, 64, 16)}
    analysis = analyze_text(LSTM.format(first=first), weights)
    assert analysis.bindings == ()
    assert analysis.unbound == (f"x[0] '{first}'",)
    assert not node_cost(analysis, "LSTM").costed
    bound = analyze_text(LSTM.format(first=first), weights, input_shapes={"x": (100, 1, 32)})
    assert node_cost(bound, "LSTM").costed


@pytest.mark.parametrize("dims", [(None, 3, 8, 8), (0, 3, 8, 8), (1.5, 3, 8, 8)])
def test_the_api_refuses_a_dim_without_a_positive_size(dims: tuple[object, ...]) -> None:
    """A None used to be dropped, and the shape then failed as the wrong rank."""
    import modelint
    from modelint.errors import UsageError
    from modelint.testing import model_from_text

    model = model_from_text(CONV, WEIGHTS)
    problem = r"(every dim needs a positive size|a dim is an integer)"
    with pytest.raises(UsageError, match=rf"input_shapes\['x'\]\[0\] is .*: {problem}"):
        modelint.analyze(model, input_shapes={"x": dims})  # type: ignore[dict-item]
    shaped = modelint.analyze(model, input_shapes={"x": (2, 3, 16, 16)})
    assert shaped.totals.macs == 55_296
