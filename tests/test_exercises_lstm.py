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


# --- wrong answers outside the named mistakes, and other right answers -----------------------

def float32_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    """Another right answer: float32 throughout, a list returned, gates by slicing."""
    u = recurrent_kernel.shape[0]
    z = (x_t.astype(np.float32) @ kernel.astype(np.float32)
         + h_prev.astype(np.float32) @ recurrent_kernel.astype(np.float32) + bias)
    i, f = 1 / (1 + np.exp(-z[:, :u])), 1 / (1 + np.exp(-z[:, u:2 * u]))
    g, o = np.tanh(z[:, 2 * u:3 * u]), 1 / (1 + np.exp(-z[:, 3 * u:]))
    c = f * c_prev + i * g
    return [o * np.tanh(c), c]


def test_a_float32_step_passes():
    assert check.lstm_step(float32_step).passed is True


def _in_place_cell(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    h, c = solution_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)
    c_prev[...] = c  # the new cell state written over the caller's c_{t-1}
    return h, c_prev


@pytest.mark.parametrize(("answer", "named"), [
    (_in_place_cell, "changed its input `c_prev` in place"),
    (lambda *a: (solution_step(*a)[0], "c"), "c_t should be an array of numbers, got a str"),
    (lambda *a: solution_step(*a)[0], "should return the pair (h_t, c_t)"),
    (lambda *a: (solution_step(*a)[0][:, :-1], solution_step(*a)[1]), "h_t"),
])
def test_wrong_steps_outside_the_list_are_rejected(answer, named):
    with pytest.raises(core.ExerciseError) as error:
        check.lstm_step(answer)
    assert named in str(error.value)


def test_the_parameter_count_accepts_numpy_scalars_and_whole_floats():
    right = costs.param_count("lstm", 39, 256)
    assert check.lstm_param_count(np.int64(right)).passed is True
    assert check.lstm_param_count(float(right)).passed is True
    assert check.lstm_param_count(np.array(right)).passed is True


@pytest.mark.parametrize(("answer", "named"), [
    ("305152", "should be a number, got a str"),
    (np.array([1, 2]), "should be one number"),
    (305152.5, "should be a whole number"),
    (True, "should be a number"),
])
def test_malformed_parameter_counts_get_a_line(answer, named):
    with pytest.raises(core.ExerciseError, match=named):
        check.lstm_param_count(answer)


def test_an_inverted_forget_ratio_is_named_as_such():
    with pytest.raises(core.ExerciseError) as error:
        check.forget_bias_experiment(lambda b: 1 / (0.5 + 0.2 * b))
    assert "the ratio is inverted" in str(error.value)
    assert "block of the bias" not in str(error.value)


@pytest.mark.parametrize(("answer", "named"), [
    (lambda b: "0.7", "should be a number, got a str"),
    (lambda b: np.array([0.5, 0.6]), "should be one number"),
    (lambda b: float("nan"), "finite number"),
])
def test_malformed_forget_measurements_get_a_line(answer, named):
    with pytest.raises(core.ExerciseError, match=named):
        check.forget_bias_experiment(answer)


def test_a_float32_forget_measurement_passes():
    assert check.forget_bias_experiment(
        lambda b: np.float32(check.measure_kept_per_step(b))).passed is True
