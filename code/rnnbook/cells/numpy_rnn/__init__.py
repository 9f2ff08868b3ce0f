"""Reference RNN, LSTM and GRU cells in NumPy: the equations of the course, line by line.

Each cell takes exactly the weights its Keras layer's ``get_weights()`` returns, so the two can
be compared number for number, and comes with a hand-written backward pass (backpropagation
through time) that the tests check against central differences with
:func:`rnnbook.cells.numpy_rnn.gradcheck.check_gradients` (a test utility, not part of the cells).
"""

from rnnbook.cells.numpy_rnn.gru import gru_backward, gru_forward, gru_step
from rnnbook.cells.numpy_rnn.lstm import lstm_backward, lstm_forward, lstm_step
from rnnbook.cells.numpy_rnn.vanilla import rnn_backward, rnn_forward, rnn_step

__all__ = [
    "rnn_forward", "rnn_backward", "rnn_step",
    "lstm_forward", "lstm_backward", "lstm_step",
    "gru_forward", "gru_backward", "gru_step",
]
