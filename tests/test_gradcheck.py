"""The gradient checker itself: it must pass a right gradient and catch a wrong one."""

import numpy as np
import pytest

from rnnbook.cells.numpy_rnn.gradcheck import check_gradients, numerical_gradient, relative_error


def test_numerical_gradient_of_a_known_function():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 4))
    grad = numerical_gradient(lambda: float(np.sum(np.sin(a) * a)), a)
    np.testing.assert_allclose(grad, np.cos(a) * a + np.sin(a), rtol=1e-8, atol=1e-9)


def test_check_gradients_passes_right_and_catches_wrong():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(5,))
    loss = lambda: float(np.sum(w**3))  # noqa: E731
    assert check_gradients(loss, {"w": w}, {"w": 3 * w**2})["w"] < 1e-8
    wrong = 3 * w**2
    wrong[2] *= 1.01  # one entry off by 1%
    assert check_gradients(loss, {"w": w}, {"w": wrong})["w"] > 1e-4


def test_relative_error_scale_and_errors():
    assert relative_error(np.ones(3), np.ones(3)) == 0.0
    assert relative_error(np.ones(3), -np.ones(3)) == pytest.approx(1.0)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    with pytest.raises(TypeError, match="float64"):
        check_gradients(lambda: 0.0, {"w": np.ones(2, np.float32)}, {"w": np.ones(2)})
