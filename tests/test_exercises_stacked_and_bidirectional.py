"""The checkers of the chapter "Stacked and bidirectional RNNs": the reference passes, typical
mistakes are named."""

import numpy as np
import pytest

from rnnbook.cells import param_count
from rnnbook.cells.numpy_rnn import rnn_forward
from rnnbook.exercises import core
from rnnbook.exercises import stacked_and_bidirectional as check
from rnnbook.training import deep
from tests.conftest import stub


def test_stack_params_reference_passes_and_stub_is_not_attempted(capsys):
    assert check.stack_params(deep.char_model_params).passed is True
    assert "correct" in capsys.readouterr().out
    assert check.stack_params(stub).passed is False
    assert "not attempted yet" in capsys.readouterr().out


def test_stack_params_every_layer_reading_the_characters_is_named():
    def wrong(vocab, units, layers):
        return layers * param_count("lstm", vocab, units) + (units + 1) * vocab

    with pytest.raises(core.ExerciseError, match="only the first layer reads the one-hot"):
        check.stack_params(wrong)


def test_stack_params_missing_read_out_is_named():
    def wrong(vocab, units, layers):
        return param_count("lstm", vocab, units) + (layers - 1) * param_count("lstm", units, units)

    with pytest.raises(core.ExerciseError, match="count the softmax read-out"):
        check.stack_params(wrong)


def test_stack_params_one_block_instead_of_four_is_named():
    def wrong(vocab, units, layers):
        return (units * (vocab + units + 1) + (layers - 1) * units * (2 * units + 1)
                + (units + 1) * vocab)

    with pytest.raises(core.ExerciseError, match="four blocks"):
        check.stack_params(wrong)


def test_bidirectional_reference_passes(capsys):
    assert check.bidirectional(check.reference_bidirectional).passed is True
    assert "correct" in capsys.readouterr().out
    assert check.bidirectional(stub).passed is False


def test_bidirectional_unreversed_backward_states_are_named():
    def wrong(x, fw, bw):
        return np.concatenate([rnn_forward(x, fw)[0], rnn_forward(x[:, ::-1], bw)[0]], axis=-1)

    with pytest.raises(core.ExerciseError, match="still in reading order"):
        check.bidirectional(wrong)


def test_bidirectional_unreversed_input_and_shared_weights_are_named():
    def not_reversed(x, fw, bw):
        return np.concatenate([rnn_forward(x, fw)[0], rnn_forward(x, bw)[0]], axis=-1)

    def shared(x, fw, bw):
        return check.reference_bidirectional(x, fw, fw)

    with pytest.raises(core.ExerciseError, match="read the sequence reversed"):
        check.bidirectional(not_reversed)
    with pytest.raises(core.ExerciseError, match="weights of its own"):
        check.bidirectional(shared)


def test_matched_units_prediction(capsys):
    exact = deep.matched_units(39, 128, 3)
    assert check.matched_units(exact).passed is True
    assert check.matched_units(...).passed is False
    assert "not attempted yet. Replace the `...`" in capsys.readouterr().out
    with pytest.raises(core.ExerciseError, match="closest width is"):
        check.matched_units(128 // 3)


# ---------------------------------------------------------------- outside the named list


def _gru_stack(vocab, units, layers):  # three blocks, a GRU's count, not an LSTM's four
    return deep.char_model_params(vocab, units, layers, kind="gru")


def _one_layer_only(vocab, units, layers):  # right for one layer, `layers` ignored
    return deep.char_model_params(vocab, units, 1)


def _bidirectional_stack(vocab, units, layers):  # later layers read 2 * units, as after a
    # Bidirectional layer
    later = param_count("lstm", 2 * units, units)
    return param_count("lstm", vocab, units) + (layers - 1) * later + (units + 1) * vocab


@pytest.mark.parametrize(("answer", "named"), [
    (_gru_stack, "your formula gives 69,927 for vocab_size=39, units=128, layers=1"),
    (_one_layer_only, "layers=2; Keras counts"),
    (_bidirectional_stack, "layers=2; Keras counts"),
    (lambda v, u, n: f"{deep.char_model_params(v, u, n):,}",
     "the count for vocab_size=39, units=128, layers=1 should be a number, got a str"),
    (lambda v, u, n: deep.char_model_params(v, u, n) + 0.5, "should be a whole number"),
    (lambda v, u, n: [param_count("lstm", v, u)] * n, "should be one number, got a list"),
])
def test_stack_params_wrong_answers_outside_the_list_are_rejected(answer, named):
    with pytest.raises(core.ExerciseError) as error:
        check.stack_params(answer)
    message = str(error.value)
    assert message.startswith(check.PARAMS) and named in message
    assert "Traceback" not in message and "Likely mistake" not in message


def test_stack_params_other_right_formulas_pass():
    def numpy_loop(vocab, units, layers):  # a loop over the layers, an np.int64
        total, features = np.int64(0), vocab
        for _ in range(layers):
            total += 4 * units * (features + units + 1)
            features = units
        return total + units * vocab + vocab

    assert check.stack_params(numpy_loop).passed is True
    assert check.stack_params(lambda *a: float(deep.char_model_params(*a))).passed is True


def _fw_then_bw_in_place(x, fw, bw):  # right states, but x reversed in place for the backward
    h_fw, _ = rnn_forward(x, fw)
    x[:] = x[:, ::-1]
    h_bw, _ = rnn_forward(x, bw)
    return np.concatenate([h_fw, h_bw[:, ::-1]], axis=-1)



def _wrong_axis(x, fw, bw):  # backward states flipped over the batch, not over time
    h_bw, _ = rnn_forward(x[:, ::-1], bw)
    return np.concatenate([rnn_forward(x, fw)[0], h_bw[::-1]], axis=-1)


def _summed(x, fw, bw):  # the two directions added, not put side by side (merge_mode="sum")
    h_bw, _ = rnn_forward(x[:, ::-1], bw)
    return rnn_forward(x, fw)[0] + h_bw[:, ::-1]


@pytest.mark.parametrize(("answer", "named"), [
    (_fw_then_bw_in_place, "changed its input `x` in place"),
    (_wrong_axis, "the states differs at example 0"),
    (_summed, "the states has shape (2, 5, 4), expected (2, 5, 8)"),
    (lambda x, fw, bw: rnn_forward(x, fw)[0], "has shape (2, 5, 4), expected (2, 5, 8)"),
    (lambda x, fw, bw: "states", "the states should be an array of numbers, got a str"),
    (lambda x, fw, bw: [rnn_forward(x, fw)[0], rnn_forward(x[:, ::-1], bw)[0]],
     "has shape (2, 2, 5, 4)"),
])
def test_bidirectional_wrong_answers_outside_the_list_are_rejected(answer, named):
    with pytest.raises(core.ExerciseError) as error:
        check.bidirectional(answer)
    message = str(error.value)
    assert message.startswith(check.BIDIRECTIONAL) and named in message
    assert "Traceback" not in message
    assert not any(hint in message for hint in ("reading order", "read the sequence reversed",
                                                "weights of its own", "forward states come"))


def test_bidirectional_another_right_implementation_passes():
    def loops_float32(x, fw, bw):  # one loop per direction, float32, written into one array
        batch, time, _ = x.shape
        units = fw[1].shape[0]
        out = np.zeros((batch, time, 2 * units), dtype=np.float32)
        h = np.zeros((batch, units), dtype=np.float32)
        for t in range(time):
            h = np.tanh(x[:, t] @ fw[0] + h @ fw[1] + fw[2]).astype(np.float32)
            out[:, t, :units] = h
        h = np.zeros((batch, units), dtype=np.float32)
        for t in reversed(range(time)):
            h = np.tanh(x[:, t] @ bw[0] + h @ bw[1] + bw[2]).astype(np.float32)
            out[:, t, units:] = h
        return out

    assert check.bidirectional(loops_float32).passed is True
    assert check.bidirectional(lambda *a: check.reference_bidirectional(*a).tolist()).passed


@pytest.mark.parametrize("width", [np.int64(62), 62.0, np.array(62), 61, 64])
def test_matched_units_accepts_numpy_whole_floats_and_widths_within_the_tolerance(width, capsys):
    assert deep.matched_units(39, 128, 3) == 62
    assert check.matched_units(width).passed is True
    assert f"3 x {int(width)} units" in capsys.readouterr().out


@pytest.mark.parametrize(("prediction", "named"), [
    ("62", "your prediction (units per layer) should be a number, got a str '62'"),
    (62.5, "should be a whole number, got 62.5"),
    ([62], "should be one number, got a list"),
    (-62, "-62 units per layer: a layer has at least one unit"),
    (0, "0 units per layer"),
    (128, "3 layers of 128 units"),  # the one layer's width, unchanged
    (66, "+11% from one layer"),  # just outside the tolerance
    (deep.char_model_params(39, 128, 1), "the closest width is 62"),  # parameters, not units
])
def test_matched_units_wrong_and_malformed_predictions_are_refused(prediction, named):
    with pytest.raises(core.ExerciseError) as error:
        check.matched_units(prediction)
    message = str(error.value)
    assert message.startswith(check.MATCHED) and named in message and "Traceback" not in message
