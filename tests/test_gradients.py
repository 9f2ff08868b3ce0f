"""Gradient-through-time measurement, recurrent matrices with a given radius, clipping."""

import numpy as np
import pytest

from rnnbook.cells.gradients import (
    clip_by_norm,
    clip_by_value,
    cosine_similarity,
    global_norm,
    gradient_norms,
    recurrent_matrix,
    spectral_radius,
    train_rnn_sgd,
)
from rnnbook.training.tasks import adding_problem


@pytest.mark.parametrize("kind", ["orthogonal", "gaussian", "identity"])
def test_recurrent_matrix_has_the_radius_asked_for(kind):
    w = recurrent_matrix(8, 0.9, np.random.default_rng(0), kind=kind)
    assert w.shape == (8, 8)
    assert spectral_radius(w) == pytest.approx(0.9, rel=1e-9)


def test_orthogonal_matrix_scales_every_vector_by_the_radius():
    w = recurrent_matrix(6, 1.5, np.random.default_rng(1))
    v = np.random.default_rng(2).normal(size=(4, 6))
    np.testing.assert_allclose(np.linalg.norm(v @ w, axis=1), 1.5 * np.linalg.norm(v, axis=1))


def test_linear_regime_gradient_norms_decay_by_the_radius_per_step():
    # zero inputs and zero state keep tanh at its linear point (tanh'(0) = 1): the gradient
    # through an orthogonal matrix times r shrinks by exactly r per step
    units, time, r = 8, 12, 0.7
    rng = np.random.default_rng(3)
    weights = [rng.normal(size=(2, units)), recurrent_matrix(units, r, rng), np.zeros(units)]
    norms = gradient_norms("rnn", np.zeros((3, time, 2)), weights)
    assert norms.shape == (time,)
    assert norms[-1] == pytest.approx(1.0)
    np.testing.assert_allclose(norms, r ** np.arange(time)[::-1], rtol=1e-10)


def test_identity_relu_rnn_keeps_the_gradient():
    units, time = 8, 50
    rng = np.random.default_rng(4)
    weights = [np.abs(rng.normal(size=(2, units))), recurrent_matrix(units, 1.0, kind="identity"),
               np.zeros(units)]
    x = np.abs(rng.normal(size=(2, time, 2)))  # positive inputs keep every unit active
    norms = gradient_norms("rnn", x, weights, activation="relu")
    np.testing.assert_allclose(norms, 1.0)


def test_input_gradient_norms_are_the_state_norms_times_the_input_weights():
    # dL/dx_t = dL/da_t W^T, and in the linear regime dL/da_t = dL/dh_t: with an orthogonal W
    # (as many features as units) the input's gradient has the state's norm
    units, time = 6, 9
    rng = np.random.default_rng(5)
    weights = [recurrent_matrix(units, 1.0, rng), recurrent_matrix(units, 0.8, rng),
               np.zeros(units)]
    x = np.zeros((2, time, units))
    np.testing.assert_allclose(gradient_norms("rnn", x, weights, state="x"),
                               gradient_norms("rnn", x, weights), rtol=1e-10)
    lstm_weights = [rng.normal(0, 0.3, (units, 4 * units)), rng.normal(0, 0.3, (units, 4 * units)),
                    np.zeros(4 * units)]
    assert gradient_norms("lstm", rng.normal(size=(2, time, units)), lstm_weights,
                          state="x").shape == (time,)


def test_gradient_norms_rejects_bad_arguments():
    weights = [np.zeros((2, 3)), np.eye(3), np.zeros(3)]
    x = np.zeros((1, 4, 2))
    with pytest.raises(ValueError, match="kind"):
        gradient_norms("transformer", x, weights)
    with pytest.raises(ValueError, match="state"):
        gradient_norms("rnn", x, weights, state="c")
    with pytest.raises(ValueError, match="Argument `x` must be"):
        gradient_norms("rnn", x[0], weights)
    with pytest.raises(ValueError, match=r"Argument `radius` must be a number >= 0\. "
                       r"Received: radius=-1\.0"):
        recurrent_matrix(3, -1.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="rng"):
        recurrent_matrix(3, 1.0)
    with pytest.raises(ValueError, match="square"):
        spectral_radius(np.zeros((2, 3)))


def _grads():
    return {"kernel": np.array([[10.0, -0.5], [0.2, 3.0]]), "bias": np.array([-8.0, 1.0])}


def test_clip_by_value_bounds_each_entry_and_keeps_the_structure():
    clipped = clip_by_value(_grads(), 5.0)
    assert set(clipped) == {"kernel", "bias"}
    np.testing.assert_array_equal(clipped["kernel"], [[5.0, -0.5], [0.2, 3.0]])
    np.testing.assert_array_equal(clipped["bias"], [-5.0, 1.0])
    as_list = clip_by_value(list(_grads().values()), 5.0)
    assert isinstance(as_list, list) and len(as_list) == 2


def test_clip_by_norm_rescales_globally_and_keeps_the_direction():
    grads = _grads()
    clipped = clip_by_norm(grads, 1.0)
    assert global_norm(clipped) == pytest.approx(1.0)
    assert cosine_similarity(grads, clipped) == pytest.approx(1.0)
    ratio = clipped["kernel"] / grads["kernel"]
    np.testing.assert_allclose(ratio, 1.0 / global_norm(grads))
    # below the threshold nothing changes
    small = clip_by_norm(grads, 100.0)
    np.testing.assert_array_equal(small["bias"], grads["bias"])


def test_value_clipping_turns_the_gradient_and_norm_clipping_does_not():
    grads = _grads()
    assert cosine_similarity(grads, clip_by_value(grads, 1.0)) < 0.9
    assert cosine_similarity(grads, clip_by_norm(grads, 1.0)) > 1 - 1e-12


def test_global_norm_is_the_norm_of_everything_together():
    grads = [np.array([3.0]), np.array([[4.0, 0.0]])]
    assert global_norm(grads) == pytest.approx(5.0)


def test_clipping_rejects_bad_thresholds():
    with pytest.raises(ValueError, match="limit"):
        clip_by_value(_grads(), 0)
    with pytest.raises(ValueError, match="max_norm"):
        clip_by_norm(_grads(), -1.0)
    with pytest.raises(ValueError, match="list or dict"):
        clip_by_norm(np.ones(3), 1.0)


def _sgd_weights(units=4):
    rng = np.random.default_rng(5)
    return [rng.normal(0, 0.5, (2, units)), recurrent_matrix(units, 1.0, kind="identity"),
            np.zeros(units), rng.normal(0, 0.5, (units, 1)), np.ones(1)]


def test_train_rnn_sgd_lowers_the_loss_and_clips():
    data_rng = np.random.default_rng(6)
    weights = _sgd_weights()
    run = train_rnn_sgd(lambda: adding_problem(16, 5, data_rng), weights, steps=40,
                        learning_rate=0.05, clip="norm", limit=0.5, activation="relu")
    assert len(run.losses) == len(run.grad_norms) == 40
    assert not run.diverged
    assert np.mean(run.losses[-10:]) < np.mean(run.losses[:10])
    assert len(run.weights) == 5 and run.weights[1] is not weights[1]
    np.testing.assert_array_equal(weights[1], np.eye(4))  # the caller's arrays are untouched
    with pytest.raises(ValueError, match="clip"):
        train_rnn_sgd(lambda: adding_problem(2, 3, data_rng), weights, 1, 0.1, clip="both")
