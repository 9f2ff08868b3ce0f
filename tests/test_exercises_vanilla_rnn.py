"""The vanilla-RNN chapter's checkers: references pass, typical mistakes are named, stubs are not
attempted."""

import numpy as np
import pytest

from rnnbook.cells import gradients
from rnnbook.exercises import vanilla_rnn as check
from rnnbook.exercises.core import ExerciseError
from tests.conftest import stub

# --- the backward pass of one step -----------------------------------------------------------

def step_backward(dh, x_t, h_prev, h, weights, *, slope=True, transpose=True, sum_db=True,
                  dU_transposed=False):
    W, U, b = weights
    da = dh * (1 - h**2) if slope else dh
    dW = x_t.T @ da
    dU = da.T @ h_prev if dU_transposed else h_prev.T @ da
    db = da.sum(axis=0) if sum_db else da
    dh_prev = da @ U.T if transpose else da @ U
    return dW, dU, db, dh_prev


def test_step_backward_reference_passes(capsys):
    assert check.rnn_step_backward(step_backward).passed is True
    assert "rnn_step_backward: correct." in capsys.readouterr().out


def test_step_backward_stub_is_not_attempted(capsys):
    assert check.rnn_step_backward(stub).passed is False
    assert "not attempted yet" in capsys.readouterr().out


@pytest.mark.parametrize("mistake, named", [
    ({"slope": False}, "(?s)dW differs.*left out the tanh derivative"),
    ({"transpose": False}, "(?s)dh_prev differs.*transpose of U is missing"),
    ({"sum_db": False}, "(?s)db has shape.*summed over the batch"),
    ({"dU_transposed": True}, "(?s)dU differs.*its transpose"),
])
def test_step_backward_mistakes_are_named(mistake, named):
    with pytest.raises(ExerciseError, match=named):
        check.rnn_step_backward(lambda *a: step_backward(*a, **mistake))


def test_step_backward_wrong_slope_and_averaged_db():
    def one_minus_h(dh, x_t, h_prev, h, weights):
        return step_backward(dh * (1 - h) / (1 - h**2), x_t, h_prev, h, weights)

    with pytest.raises(ExerciseError, match="1 - h\\*\\*2"):
        check.rnn_step_backward(one_minus_h)

    def mean_db(*args):
        dW, dU, db, dh_prev = step_backward(*args)
        return dW, dU, db / len(args[0]), dh_prev

    with pytest.raises(ExerciseError, match="(?s)db differs.*not averaged"):
        check.rnn_step_backward(mean_db)


def test_step_backward_must_return_four_arrays():
    with pytest.raises(ExerciseError, match="four gradients"):
        check.rnn_step_backward(lambda *a: step_backward(*a)[:3])


# --- predict, then measure -------------------------------------------------------------------

def test_tenfold_reference_and_bound():
    assert check.tenfold_bound(0.8) == 11 and check.tenfold_bound(0.5) == 4
    reference = check.tenfold_reference()
    assert 6 <= reference <= 9 < check.tenfold_bound()  # tanh shrinks faster than the bound
    assert check.steps_to_tenfold(np.array([0.05, 0.5, 1.0])) == 2
    assert check.steps_to_tenfold(np.ones(4)) is None


def measure(seed=3, radius=0.8, activation="tanh"):
    x, w_in, rng = check.probe(seed)
    weights = [w_in, gradients.recurrent_matrix(32, radius, rng), np.zeros(32)]
    norms = gradients.gradient_norms("rnn", x, weights, activation=activation)
    return norms, check.steps_to_tenfold(norms)


def test_tenfold_a_right_measurement_passes_whatever_the_prediction(capsys):
    _, measured = measure()
    assert check.tenfold(measured, measured).passed is True
    assert "was exactly that" in capsys.readouterr().out
    assert check.tenfold(measured + 1, measured).passed is True
    assert "within 1 step of" in capsys.readouterr().out
    assert check.tenfold(11, measured).passed is True  # a wrong guess is reported, not failed
    assert "steps off" in capsys.readouterr().out


def test_tenfold_not_attempted(capsys):
    assert check.tenfold(None, None).passed is False
    assert "not attempted yet" in capsys.readouterr().out
    with pytest.raises(ExerciseError, match="prediction"):
        check.tenfold(None, 8)


def test_tenfold_mistakes_are_named():
    norms, _ = measure()
    from_the_start = int(np.argmax(norms < 0.1))  # forgot to reverse: counts from step 0
    with pytest.raises(ExerciseError, match="Reverse the norms"):
        check.tenfold(8, from_the_start)
    time_step = len(norms) - 1 - check.steps_to_tenfold(norms)  # t instead of T - 1 - t
    with pytest.raises(ExerciseError, match="distance back from the last step"):
        check.tenfold(8, time_step)
    with pytest.raises(ExerciseError, match="is the bound"):
        check.tenfold(8, check.tenfold_bound())
    _, relu = measure(activation="relu")
    with pytest.raises(ExerciseError, match="relu"):
        check.tenfold(8, relu)


# --- global-norm clipping --------------------------------------------------------------------

def clip_global(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    scale = max_norm / norm if norm > max_norm else 1.0
    return [g * scale for g in grads]


def test_clip_reference_passes_and_stub_is_not_attempted(capsys):
    assert check.clip_global_norm(clip_global).passed is True
    assert check.clip_global_norm(stub).passed is False
    assert "not attempted yet" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, named", [
    (lambda grads, m: [np.clip(g, -m, m) for g in grads], "clipping by value"),
    (lambda grads, m: [g * min(1.0, m / np.linalg.norm(g)) for g in grads], "its own norm"),
    (lambda grads, m: [g * m / gradients.global_norm(grads) for g in grads], "scaled it up"),
])
def test_clip_mistakes_are_named(wrong, named):
    with pytest.raises(ExerciseError, match=named):
        check.clip_global_norm(wrong)


def test_clip_in_place_is_rejected():
    def in_place(grads, max_norm):
        scale = min(1.0, max_norm / gradients.global_norm(grads))
        for g in grads:
            g *= scale
        return grads

    with pytest.raises(ExerciseError, match="in place"):
        check.clip_global_norm(in_place)


# --- the IRNN experiment ---------------------------------------------------------------------

SCALES = (0.9, 0.95, 1.0, 1.05, 1.1)


def test_irnn_measurement_passes_and_empty_is_not_attempted(capsys):
    left = {c: check.irnn_left(c, seed=4) for c in SCALES}
    assert check.irnn_scales(left).passed is True
    assert check.irnn_scales({}).passed is False and check.irnn_scales(None).passed is False
    assert "not attempted yet" in capsys.readouterr().out


def test_irnn_mistakes_are_named():
    with pytest.raises(ExerciseError, match="norms\\[0\\]"):
        check.irnn_scales({c: check.irnn_left(c, last=True) for c in SCALES})
    with pytest.raises(ExerciseError, match="activation='relu'"):
        check.irnn_scales({c: check.irnn_left(c, seed=2, activation="tanh") for c in SCALES})
    with pytest.raises(ExerciseError, match="some below 1 and some above"):
        check.irnn_scales({c: check.irnn_left(c) for c in (1.0, 1.05, 1.1)})
