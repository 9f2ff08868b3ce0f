"""The LSTM backward-step exercise: the solution and other right answers pass, every named
mistake is named, and wrong answers outside the list are rejected with what and where."""

import numpy as np
import pytest

from rnnbook.cells.numpy_rnn.lstm import lstm_gates, sigmoid
from rnnbook.exercises import core
from rnnbook.exercises import lstm_backward as check
from tests.conftest import stub


def solution(dh, dc_next, x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    s = lstm_gates(x_t, h_prev, c_prev, [kernel, recurrent_kernel, bias])
    dc = dc_next + dh * s["o"] * (1 - s["tanh_c"] ** 2)
    dz = np.concatenate([dc * s["g"] * s["i"] * (1 - s["i"]),
                         dc * c_prev * s["f"] * (1 - s["f"]),
                         dc * s["i"] * (1 - s["g"] ** 2),
                         dh * s["tanh_c"] * s["o"] * (1 - s["o"])], axis=-1)
    return {"dx": dz @ kernel.T, "dh_prev": dz @ recurrent_kernel.T, "dc_prev": dc * s["f"],
            "dW": x_t.T @ dz, "dU": h_prev.T @ dz, "db": dz.sum(axis=0)}


def float32_tuple(dh, dc_next, x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    """Another right answer: float32 throughout, its own forward pass, a tuple, einsum."""
    a = [np.asarray(v, np.float32) for v in (dh, dc_next, x_t, h_prev, c_prev, kernel,
                                             recurrent_kernel, bias)]
    dh, dc_next, x_t, h_prev, c_prev, W, U, b = a
    z = x_t @ W + h_prev @ U + b
    zi, zf, zg, zo = np.split(z, 4, axis=1)
    i, f, g, o = sigmoid(zi), sigmoid(zf), np.tanh(zg), sigmoid(zo)
    c = f * c_prev + i * g
    tc = np.tanh(c)
    dc = dh * o * (1 - tc * tc) + dc_next
    dz = np.hstack([dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g * g),
                    dh * tc * o * (1 - o)])
    return (dz @ W.T, dz @ U.T, dc * f, np.einsum("bf,bu->fu", x_t, dz),
            np.einsum("bh,bu->hu", h_prev, dz), dz.sum(0))


def test_the_stub_is_not_attempted(capsys):
    assert check.lstm_step_backward(stub).passed is False
    assert "not attempted yet" in capsys.readouterr().out


def test_the_solution_and_a_float32_tuple_pass(capsys):
    assert check.lstm_step_backward(solution).passed is True
    assert check.lstm_step_backward(float32_tuple).passed is True
    assert check.lstm_step_backward(check.reference_step_backward).passed is True
    out = capsys.readouterr().out
    assert out.count("lstm_step_backward: correct.") == 3 and "central differences" in out


def test_the_reference_agrees_with_central_differences():
    label, args = check._cases(np.random.default_rng(0))[1]
    ref, num = check.reference_step_backward(*args), check.numerical_step_backward(*args)
    for key in check.OUTPUTS:
        assert np.allclose(ref[key], num[key], atol=1e-7), key


@pytest.mark.parametrize(("hint", "switches"), list(check.MISTAKES.items()))
def test_every_named_mistake_is_named(hint, switches):
    with pytest.raises(core.ExerciseError) as error:
        check.lstm_step_backward(lambda *a: check.mistaken_step_backward(*a, **switches))
    assert "Likely mistake: " + hint in str(error.value)


def _mutating(dh, dc_next, x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    out = solution(dh, dc_next, x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)
    dc_next *= 0.5  # updates the caller's incoming gradient in place
    return out


def _aliasing(*args):
    out = solution(*args)
    out["dc_prev"] = args[1]  # hands back the caller's own dc_next
    return out


def _one_entry_off(*args):
    out = solution(*args)
    out["dU"] = out["dU"].copy()
    out["dU"][1, 2] += 1e-3
    return out


def _nearly(*args):
    out = solution(*args)
    out["dW"] = out["dW"] * 1.0001
    return out


@pytest.mark.parametrize(("answer", "named"), [
    (_mutating, "changed its input `dc_next` in place"),
    (_one_entry_off, "dU (the recurrent kernel's gradient) differs at row 1, column 2"),
    (_nearly, "close but not equal"),
    (lambda *a: "dx", "should return (dx, dh_prev, dc_prev, dW, dU, db), got a str"),
    (lambda *a: {"dx": 0}, "lacks dh_prev"),
    (lambda *a: {**solution(*a), "db": "zero"}, "db (the bias's gradient) should be an array"),
])
def test_wrong_answers_outside_the_list_are_rejected_with_what_and_where(answer, named):
    with pytest.raises(core.ExerciseError) as error:
        check.lstm_step_backward(answer)
    assert named in str(error.value)
    assert str(error.value).startswith("lstm_step_backward: ")


def test_an_output_aliasing_an_input_is_rejected():
    with pytest.raises(core.ExerciseError, match="dc_prev"):
        check.lstm_step_backward(_aliasing)


def test_a_bug_in_the_learners_code_keeps_its_traceback():
    def buggy(*args):
        return args[0] @ np.ones((7, 7))
    with pytest.raises(ValueError):
        check.lstm_step_backward(buggy)
