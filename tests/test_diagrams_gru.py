"""The GRU drawing (appended to rnnbook.book.diagrams) carries the symbols of the GRU equations."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from rnnbook.book import diagrams  # noqa: E402


def test_gru_drawing_names_every_symbol_of_the_equations():
    fig = diagrams.gru_cell_figure()
    labels = {t.get_text() for ax in fig.axes for t in ax.texts}
    for symbol in ("$z_t$", "$r_t$", r"$\tilde{h}_t$", "$h_{t-1}$", "$h_t$", "$x_t$"):
        assert symbol in labels, symbol
    assert {"σ", "tanh", "×", "+", "1−"} <= labels
    assert "$c_t$" not in labels  # one state only: no cell state
    assert fig.axes[0].get_title() == "One step of a GRU cell"
    plt.close(fig)
