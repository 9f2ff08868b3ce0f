"""The one sigmoid of the NumPy cells: exact, overflow-free, and the one lstm and gru use."""

import numpy as np

from rnnbook.cells.numpy_rnn import gru, lstm
from rnnbook.cells.numpy_rnn.activations import sigmoid, softmax


def test_sigmoid_is_stable_and_exact():
    z = np.array([-1000.0, -3.0, 0.0, 2.0, 1000.0])
    with np.errstate(all="raise"):  # no overflow (nor any other floating-point warning)
        s = sigmoid(z)
    np.testing.assert_allclose(s[1:4], 1 / (1 + np.exp(-z[1:4])), rtol=1e-12)
    assert s[0] == 0.0 and s[-1] == 1.0


def test_sigmoid_keeps_float32():
    z = np.linspace(-8, 8, 9, dtype=np.float32)
    s = sigmoid(z)
    assert s.dtype == np.float32 and s.shape == z.shape
    # absolute accuracy: 1 + tanh cancels in the far negative tail, where the value is tiny
    np.testing.assert_allclose(s, 1 / (1 + np.exp(-z.astype(np.float64))), rtol=0, atol=1e-7)


def test_the_cells_share_it():
    assert lstm.sigmoid is sigmoid and gru.sigmoid is sigmoid


def test_softmax_is_a_distribution_without_overflow_and_keeps_float32():
    logits = np.array([[1000.0, 998.0, 990.0, 0.0], [0.5, -1.0, 2.0, 0.0]])
    with np.errstate(over="raise", invalid="raise"):  # exp(-1000) may underflow to 0: fine
        p = softmax(logits)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0)
    naive = np.exp(logits[1]) / np.exp(logits[1]).sum()
    np.testing.assert_allclose(p[1], naive, rtol=1e-12)
    assert softmax(logits.astype(np.float32)).dtype == np.float32
