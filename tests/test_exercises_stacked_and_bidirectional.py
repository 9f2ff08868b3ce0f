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
