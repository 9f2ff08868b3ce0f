"""The LSTM chapter's exercise checkers: the solutions pass, typical mistakes are named."""

import numpy as np
import pytest

from rnnbook.cells import costs
from rnnbook.cells.numpy_rnn.lstm import sigmoid
from rnnbook.exercises import core
from rnnbook.exercises import lstm as check
from tests.conftest import stub


def solution_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    z = x_t @ kernel + h_prev @ recurrent_kernel + bias
    z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)
    i, f, o, c_tilde = sigmoid(z_i), sigmoid(z_f), sigmoid(z_o), np.tanh(z_c)
    c = f * c_prev + i * c_tilde
    return o * np.tanh(c), c


def mistake(**switches):
    return lambda *args: check.mistaken_step(*args, **switches)



def test_the_stubs_are_not_attempted(capsys):
    assert check.lstm_step(stub).passed is False
    assert check.lstm_param_count(...).passed is False
    assert check.forget_bias_experiment(stub).passed is False
    assert capsys.readouterr().out.count("not attempted yet") == 3


def test_the_solution_step_passes(capsys):
    assert check.lstm_step(solution_step).passed is True
    assert check.lstm_step(lambda *a: check.reference_step(*a)).passed is True
    assert "lstm_step: correct." in capsys.readouterr().out


@pytest.mark.parametrize(("switches", "named"), [
    ({"order": (0, 1, 3, 2)}, "gate order i, f, o, c~"),
    ({"order": (0, 2, 1, 3)}, "gate order i, c~, f, o"),
    ({"forget": False}, "your cell state never forgets: is the forget gate multiplying"),
    ({"tanh_out": False}, "the tanh is missing on the output"),
    ({"recurrent": "kernel"}, "the previous"),
    ({"bias_used": False}, "the bias is missing"),
    ({"swap_outputs": True}, "you returned (c_t, h_t)"),
])
def test_typical_mistakes_are_named(switches, named):
    with pytest.raises(core.ExerciseError) as error:
        check.lstm_step(mistake(**switches))
    message = str(error.value)
    assert "Likely mistake: " + named in message
    assert "differs at example" in message and "unit" in message


def test_the_message_says_which_output_and_case():
    with pytest.raises(core.ExerciseError) as error:
        check.lstm_step(mistake(tanh_out=False))
    assert "h_t (the new hidden state)" in str(error.value)
    assert "4 features and 4 units" in str(error.value)


def test_a_wrong_return_type_is_explained():
    with pytest.raises(core.ExerciseError, match="return h_t, c_t"):
        check.lstm_step(lambda *a: check.reference_step(*a)[0])


def test_the_parameter_count():
    right = costs.param_count("lstm", 39, 256)
    assert right == 4 * 256 * (39 + 256 + 1)
    assert check.lstm_param_count(right).passed is True
    with pytest.raises(core.ExerciseError, match="the biases are missing"):
        check.lstm_param_count(4 * 256 * (39 + 256))
    with pytest.raises(core.ExerciseError, match="counts one block only"):
        check.lstm_param_count(256 * (39 + 256 + 1))
    with pytest.raises(core.ExerciseError, match="off by"):
        check.lstm_param_count(right + 7)


def test_the_forget_bias_experiment():
    kept = {b: check.measure_kept_per_step(b) for b in (0.0, 1.0, 2.0)}
    assert 0 < kept[0.0] < kept[1.0] < kept[2.0]
    assert check.forget_bias_experiment(check.measure_kept_per_step).passed is True
def test_the_forget_bias_experiment_rejects_a_wrong_direction_and_a_non_share():
    with pytest.raises(core.ExerciseError, match="forget gate's block"):
        check.forget_bias_experiment(lambda b: 0.9 - 0.1 * b)
    with pytest.raises(core.ExerciseError, match="positive number"):
        check.forget_bias_experiment(lambda b: b - 0.5)
