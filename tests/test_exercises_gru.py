"""The GRU chapter's exercise checkers: the solutions pass, typical mistakes are named."""

import numpy as np
import pytest

from rnnbook.cells import costs
from rnnbook.cells.numpy_rnn.activations import sigmoid
from rnnbook.exercises import core
from rnnbook.exercises import gru as check
from tests.conftest import stub


def solution_step(x_t, h_prev, kernel, recurrent_kernel, bias):
    W_z, W_r, W_h = np.split(kernel, 3, axis=-1)
    U_z, U_r, U_h = np.split(recurrent_kernel, 3, axis=-1)
    b_z, b_r, b_h = np.split(bias, 3)
    z = sigmoid(x_t @ W_z + h_prev @ U_z + b_z)
    r = sigmoid(x_t @ W_r + h_prev @ U_r + b_r)
    h_tilde = np.tanh(x_t @ W_h + (r * h_prev) @ U_h + b_h)
    return z * h_prev + (1 - z) * h_tilde


def solution_memory(features, units, keep=30.0):
    kernel = np.zeros((features, 3 * units))
    recurrent = np.zeros((units, 3 * units))
    bias = np.zeros((2, 3 * units))
    bias[0, :units] = keep
    return [kernel, recurrent, bias]



def test_the_stubs_are_not_attempted(capsys):
    assert check.gru_step(stub).passed is False
    assert check.gru_lstm_ratio(...).passed is False
    assert check.perfect_memory(stub).passed is False
    assert capsys.readouterr().out.count("not attempted yet") == 3


def test_the_solution_step_passes(capsys):
    assert check.gru_step(solution_step).passed is True
    assert "gru_step: correct." in capsys.readouterr().out


@pytest.mark.parametrize(("switches", "named"), [
    ({"reset": "after"}, "the reset gate is applied after the matrix product"),
    ({"swap_z": True}, "z and 1 - z are swapped"),
    ({"reset": "none"}, "the reset gate is missing"),
    ({"order": (1, 0, 2)}, "gate order"),
    ({"recurrent": "kernel"}, "the previous"),
])
def test_typical_mistakes_are_named(switches, named):
    with pytest.raises(core.ExerciseError) as error:
        check.gru_step(lambda *a: check.mistaken_step(*a, **switches))
    assert "Likely mistake: " + named in str(error.value)
    assert "h_t differs at example" in str(error.value)


def test_the_ratio():
    right = costs.param_count("gru", 39, 256) / costs.param_count("lstm", 39, 256)
    assert check.gru_lstm_ratio(right).passed is True
    assert check.gru_lstm_ratio(round(right, 4)).passed is True
    with pytest.raises(core.ExerciseError, match="two, one on the input side"):
        check.gru_lstm_ratio(0.75)
    with pytest.raises(core.ExerciseError, match="LSTM's count over the GRU's"):
        check.gru_lstm_ratio(1 / right)
    with pytest.raises(core.ExerciseError, match="a ratio of 0.75"):
        check.gru_lstm_ratio(0.6)


def test_the_perfect_memory(capsys):
    assert check.perfect_memory(solution_memory).passed is True
    assert "perfect_memory: correct." in capsys.readouterr().out


def test_memory_mistakes_are_named():
    def swapped(features, units):  # z near 0: the other convention's "keep"
        return solution_memory(features, units, keep=-30.0)

    def reset_gate(features, units):  # the bias on the reset gate's columns
        w = solution_memory(features, units, keep=0.0)
        w[2][0, units:2 * units] = 30.0
        return w

    def leaky(features, units):  # z = sigmoid(5) = 0.993 leaks over 50 steps
        return solution_memory(features, units, keep=5.0)

    def wrong_layout(features, units):
        kernel, recurrent, bias = solution_memory(features, units)
        return [kernel, recurrent, bias.sum(axis=0)]

    with pytest.raises(core.ExerciseError, match="update gate is near 0"):
        check.perfect_memory(swapped)
    with pytest.raises(core.ExerciseError, match="you set the reset gate"):
        check.perfect_memory(reset_gate)
    with pytest.raises(core.ExerciseError, match=r"the update gate fell to 0\.99"):
        check.perfect_memory(leaky)
    with pytest.raises(core.ExerciseError, match="reset_after=False layout"):
        check.perfect_memory(wrong_layout)


# --- wrong answers outside the named mistakes, and other right answers -----------------------

def float32_step(x_t, h_prev, kernel, recurrent_kernel, bias):
    """Another right answer: float32, the blocks by slicing, z written as (1 - z) mixing."""
    x, h = x_t.astype(np.float32), h_prev.astype(np.float32)
    W, U, b = (a.astype(np.float32) for a in (kernel, recurrent_kernel, bias))
    u = U.shape[0]
    z = sigmoid(x @ W[:, :u] + h @ U[:, :u] + b[:u])
    r = sigmoid(x @ W[:, u:2 * u] + h @ U[:, u:2 * u] + b[u:2 * u])
    cand = np.tanh(x @ W[:, 2 * u:] + (r * h) @ U[:, 2 * u:] + b[2 * u:])
    return cand + z * (h - cand)


def test_a_float32_step_passes():
    assert check.gru_step(float32_step).passed is True


def _in_place(x_t, h_prev, kernel, recurrent_kernel, bias):
    h_prev[...] = solution_step(x_t, h_prev.copy(), kernel, recurrent_kernel, bias)
    return h_prev


@pytest.mark.parametrize(("answer", "named"), [
    (_in_place, "changed its input `h_prev` in place"),
    (lambda *a: (solution_step(*a), None), "h_t should be an array of numbers, got a tuple"),
    (lambda *a: "h", "h_t should be an array of numbers, got a str"),
    (lambda *a: solution_step(*a)[:, ::-1], "h_t differs at example 0"),
])
def test_wrong_steps_outside_the_list_are_rejected(answer, named):
    with pytest.raises(core.ExerciseError) as error:
        check.gru_step(answer)
    assert named in str(error.value)


def test_the_ratio_reads_numpy_scalars_and_answers_malformed_ones_with_a_line():
    measured = costs.param_count("gru", 39, 256) / costs.param_count("lstm", 39, 256)
    assert check.gru_lstm_ratio(np.float32(measured)).passed is True
    assert check.gru_lstm_ratio(np.array(measured)).passed is True
    with pytest.raises(core.ExerciseError, match="should be a number, got a str"):
        check.gru_lstm_ratio("0.75")
    with pytest.raises(core.ExerciseError, match="should be one number"):
        check.gru_lstm_ratio([0.75, 0.76])
    with pytest.raises(core.ExerciseError, match="you predicted 0.8000"):
        check.gru_lstm_ratio(0.8)


def test_malformed_memory_weights_get_a_line():
    with pytest.raises(core.ExerciseError, match="perfect"):
        check.perfect_memory(lambda f, u: ["kernel", "recurrent", "bias"])


@pytest.mark.parametrize(("answer", "named"), [
    (lambda f, u: [w[:, :-1] if w.ndim == 2 else w for w in solution_memory(f, u)],
     "kernel"),  # a block cut short
    (lambda f, u: [*solution_memory(f, u)[:2], solution_memory(f, u)[2][0]], "bias (2,"),
    (lambda f, u: solution_memory(f, u, keep=3.0), "the update gate fell to"),  # not near 1
])
def test_wrong_memories_outside_the_list_are_rejected(answer, named):
    with pytest.raises(core.ExerciseError, match=named.replace("(", r"\(")):
        check.perfect_memory(answer)


def split_bias_memory(features, units):
    """Another right answer: float32 and a tuple, the update gate's bias split between the
    input and the recurrent rows, random weights for the reset gate and the candidate (which z
    near 1 ignores), nested lists for the bias."""
    rng = np.random.default_rng(5)
    kernel = rng.normal(0, 0.5, (features, 3 * units)).astype(np.float32)
    recurrent = rng.normal(0, 0.5, (units, 3 * units)).astype(np.float32)
    kernel[:, :units] = recurrent[:, :units] = 0.0
    bias = np.zeros((2, 3 * units), np.float32)
    bias[:, :units] = 15.0  # 15 + 15: z = sigmoid(30)
    return kernel, recurrent, bias.tolist()


def test_another_right_memory_passes():
    assert check.perfect_memory(split_bias_memory).passed is True
    assert check.perfect_memory(split_bias_memory, units=7, steps=200).passed is True
