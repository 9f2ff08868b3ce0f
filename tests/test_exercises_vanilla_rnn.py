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


def measure(x, w_in, radius, rng, activation="tanh"):
    weights = [w_in, gradients.recurrent_matrix(32, radius, rng), np.zeros(32)]
    norms = gradients.gradient_norms("rnn", x, weights, activation=activation)
    return check.steps_to_tenfold(norms)


def measure_float32_numpy_scalar(x, w_in, radius, rng):
    """Another right answer: float32 inputs, a NumPy integer, a loop instead of argmax."""
    weights = [w_in.astype(np.float32), gradients.recurrent_matrix(32, radius, rng),
               np.zeros(32)]
    back = gradients.gradient_norms("rnn", x, weights)[::-1]
    steps = 0
    while back[steps] >= 0.1 * back[0]:
        steps += 1
    return np.int64(steps)


def test_tenfold_a_right_measurement_passes_whatever_the_prediction(capsys):
    assert check.tenfold(7, measure).passed is True
    out = capsys.readouterr().out
    assert "agrees with the checker's on 4 draws" in out
    assert check.tenfold(np.float32(30.0), measure).passed is True  # a wrong guess is reported
    assert "steps off" in capsys.readouterr().out
    assert check.tenfold(7, measure_float32_numpy_scalar).passed is True


def test_tenfold_not_attempted(capsys):
    assert check.tenfold(None, stub).passed is False
    assert "not attempted yet" in capsys.readouterr().out
    with pytest.raises(ExerciseError, match="prediction"):
        check.tenfold(None, measure)


@pytest.mark.parametrize(("mistake", "named"), [
    ("from_start", "Reverse the norms"), ("time_step", "distance back from the last step"),
    ("bound", "is the bound"),
])
def test_tenfold_mistakes_are_named(mistake, named):
    def wrong(x, w_in, radius, rng):
        return check.measure_reference(x, w_in, radius, rng, mistake=mistake)
    with pytest.raises(ExerciseError, match=named):
        check.tenfold(8, wrong)


def test_tenfold_relu_is_named():
    with pytest.raises(ExerciseError, match="ReLU units"):
        check.tenfold(8, lambda x, w, r, g: measure(x, w, r, g, activation="relu"))


@pytest.mark.parametrize(("answer", "named"), [
    (lambda x, w, r, g: 7, "on the checker's draw 1 is 7 steps"),  # typed in
    (lambda x, w, r, g: measure(x, w, r, np.random.default_rng(8)), "the same draw measures"),
    (lambda x, w, r, g: measure(x, w, r, g) + 1, "the same draw measures"),  # off by one
    (lambda x, w, r, g: "7", "should be a number, got a str"),
    (lambda x, w, r, g: np.array([7, 8]), "should be one number"),
    (lambda x, w, r, g: 7.5, "should be a whole number"),
])
def test_tenfold_wrong_measurements_outside_the_list_are_rejected(answer, named):
    with pytest.raises(ExerciseError, match=named.replace("(", r"\(")):
        check.tenfold(7, answer)


def test_tenfold_a_measurement_copying_the_prediction_is_named():
    with pytest.raises(ExerciseError, match="that is your prediction"):
        check.tenfold(9, lambda x, w, r, g: 9)


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


def left_after(x, w_in, c, activation="relu", last=False):
    weights = [w_in, gradients.recurrent_matrix(32, c, kind="identity"), np.zeros(32)]
    norms = gradients.gradient_norms("rnn", x, weights, activation=activation)
    return norms[-1] if last else norms[0]


def test_irnn_measurement_passes_and_stub_is_not_attempted(capsys):
    assert check.irnn_scales(left_after).passed is True
    assert check.irnn_scales(lambda x, w, c: np.float32(left_after(x, w, c))).passed is True
    assert check.irnn_scales(lambda x, w, c: np.eye(32)[0] @ np.eye(32)[0] * left_after(
        x, w, c)).passed is True  # a NumPy scalar from another computation
    assert check.irnn_scales(stub).passed is False
    assert "not attempted yet" in capsys.readouterr().out


def test_irnn_mistakes_are_named():
    with pytest.raises(ExerciseError, match="norms\\[0\\]"):
        check.irnn_scales(lambda x, w, c: left_after(x, w, c, last=True))
    with pytest.raises(ExerciseError, match="activation='relu'"):
        check.irnn_scales(lambda x, w, c: left_after(x, w, c, activation="tanh"))
    with pytest.raises(ExerciseError, match="is c passed"):
        check.irnn_scales(lambda x, w, c: left_after(x, w, 1.0))


def test_irnn_relu_is_not_asked_of_who_passed_it():
    """ReLU passed, but the inputs' own draw: the hint must not ask for activation='relu'."""
    def own_inputs(x, w, c):
        return left_after(x[:, ::-1].copy(), w, c)
    with pytest.raises(ExerciseError) as error:
        check.irnn_scales(own_inputs)
    assert "activation='relu'" not in str(error.value)
    assert "the checker measures" in str(error.value)


@pytest.mark.parametrize(("answer", "named"), [
    (lambda x, w, c: c ** 99, "at scale 0.9 your function measures"),  # a formula, not measured
    (lambda x, w, c: [left_after(x, w, c)] * 2, "should be one number"),
    (lambda x, w, c: "1e-5", "should be a number, got a str"),
])
def test_irnn_wrong_answers_outside_the_list_are_rejected(answer, named):
    with pytest.raises(ExerciseError, match=named):
        check.irnn_scales(answer)


# --- wrong answers outside the named mistakes, and other right answers -----------------------

def step_backward_float32_einsum(dh, x_t, h_prev, h, weights):
    """Another right answer: float32, einsum, the state's slope from h recomputed."""
    W, U, b = (np.asarray(w, np.float32) for w in weights)
    h_again = np.tanh(x_t.astype(np.float32) @ W + h_prev.astype(np.float32) @ U + b)
    da = dh.astype(np.float32) * (1 - h_again ** 2)
    return (np.einsum("bf,bu->fu", x_t, da), np.einsum("bh,bu->hu", h_prev, da),
            da.sum(0), np.einsum("bu,hu->bh", da, U))


def step_backward_in_place(dh, x_t, h_prev, h, weights):
    dh *= 1 - h ** 2  # overwrites the caller's dh with da
    W, U, b = weights
    return x_t.T @ dh, h_prev.T @ dh, dh.sum(axis=0), dh @ U.T


def test_another_right_step_backward_passes():
    assert check.rnn_step_backward(step_backward_float32_einsum).passed is True


@pytest.mark.parametrize(("wrong", "named"), [
    (step_backward_in_place, "changed its input `dh` in place"),
    (lambda *a: (*step_backward(*a)[:3], "dh"), "dh_prev should be an array of numbers"),
    (lambda *a: (step_backward(*a)[0][::-1], *step_backward(*a)[1:]), "dW differs at feature"),
])
def test_wrong_step_backwards_outside_the_list_are_rejected(wrong, named):
    with pytest.raises(ExerciseError, match=named):
        check.rnn_step_backward(wrong)


def clip_float32_tuple(grads, max_norm):
    """Another right answer: float32, a tuple, np.linalg.norm of the concatenation."""
    flat = np.concatenate([np.ravel(g) for g in grads]).astype(np.float32)
    scale = min(1.0, max_norm / float(np.linalg.norm(flat)))
    return tuple(np.float32(scale) * g.astype(np.float32) for g in grads)


def test_another_right_clip_passes():
    assert check.clip_global_norm(clip_float32_tuple).passed is True


@pytest.mark.parametrize(("wrong", "named"), [
    (lambda grads, m: grads if gradients.global_norm(grads) <= m else clip_global(grads, m)[:1],
     "return a list of"),
    (lambda grads, m: [g.T for g in clip_global(grads, m)], "has shape"),
    (lambda grads, m: ["g"] * len(grads), "should be an array of numbers"),
])
def test_wrong_clips_outside_the_list_are_rejected(wrong, named):
    with pytest.raises(ExerciseError, match=named):
        check.clip_global_norm(wrong)
