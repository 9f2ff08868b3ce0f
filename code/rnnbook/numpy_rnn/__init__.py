"""Reference RNN, LSTM and GRU cells in NumPy: the equations of the course, line by line.

Each cell takes exactly the weights its Keras layer's ``get_weights()`` returns, so the two can
be compared number for number, and comes with a hand-written backward pass (backpropagation
through time) that :mod:`rnnbook.numpy_rnn.gradcheck` checks against central differences.
"""

from rnnbook.numpy_rnn.gradcheck import check_gradients, numerical_gradient, relative_error
from rnnbook.numpy_rnn.gru import gru_backward, gru_forward, gru_step
from rnnbook.numpy_rnn.lstm import lstm_backward, lstm_forward, lstm_step
from rnnbook.numpy_rnn.vanilla import rnn_backward, rnn_forward, rnn_step

__all__ = [
    "check_gradients", "numerical_gradient", "relative_error",
    "rnn_forward", "rnn_backward", "rnn_step",
    "lstm_forward", "lstm_backward", "lstm_step",
    "gru_forward", "gru_backward", "gru_step",
]
