"""The cell drawings carry the equations' symbols, and the primitives reject bad input."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from rnnbook.book import diagrams  # noqa: E402


def texts(fig):
    return {t.get_text() for ax in fig.axes for t in ax.texts}


def test_lstm_drawing_names_every_symbol_of_the_equations():
    fig = diagrams.lstm_cell_figure()
    labels = texts(fig)
    for symbol in ("$f_t$", "$i_t$", r"$\tilde{c}_t$", "$o_t$", "$c_{t-1}$", "$c_t$",
                   "$h_{t-1}$", "$h_t$", "$x_t$"):
        assert symbol in labels, symbol
    assert {"σ", "tanh", "×", "+"} <= labels
    assert fig.axes[0].get_title()
    plt.close(fig)


def test_primitives():
    fig, ax = diagrams.canvas((0, 4), (0, 3), title="t")
    bottom, top = diagrams.gate(ax, (2, 1.5), "σ", "$z_t$")
    assert bottom[0] == top[0] == 2 and bottom[1] < 1.5 < top[1]
    diagrams.op(ax, (1, 1), "1−")
    diagrams.wire(ax, [(0, 0), (1, 0), (1, 1)], label="$a$")
    assert {"σ", "$z_t$", "1−", "$a$"} <= texts(fig)
    with pytest.raises(ValueError, match="points"):
        diagrams.wire(ax, [(0, 0)])
    plt.close(fig)
