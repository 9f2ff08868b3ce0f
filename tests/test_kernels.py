"""The kernels of a gated cell, checked once for every kind (the LSTM's four blocks, the GRU's
three), with the message naming what was expected and what came."""

import numpy as np
import pytest

from rnnbook.cells.numpy_rnn import gru, lstm
from rnnbook.cells.numpy_rnn.kernels import block_units


def test_the_units_of_well_shaped_kernels():
    assert block_units(np.zeros((3, 20)), np.zeros((5, 20)), 4) == 5
    assert block_units(np.zeros((3, 15)), np.zeros((5, 15)), 3) == 5


@pytest.mark.parametrize("split, blocks", [(lstm.split_weights, 4), (gru.split_weights, 3)])
def test_the_cells_name_the_kernel_of_the_wrong_shape(split, blocks):
    units, features = 5, 3
    bias = np.zeros(blocks * units) if blocks == 4 else np.zeros((2, blocks * units))
    with pytest.raises(ValueError, match=rf"Argument `weights` must have a recurrent_kernel "
                       rf"\(weights\[1\]\) of shape \(units, {blocks} \* units\)\. "
                       r"Received: weights\[1\]\.shape=\(5, 7\)"):
        split([np.zeros((features, blocks * units)), np.zeros((units, 7)), bias])
    with pytest.raises(ValueError, match=rf"Argument `weights` must have a kernel \(weights\[0\]\)"
                       rf" of shape \(features, {blocks * units}\)\. "
                       r"Received: weights\[0\]\.shape=\(3, 2\)"):
        split([np.zeros((features, 2)), np.zeros((units, blocks * units)), bias])
