"""The gate-by-gate drawings: one panel per gate, its equation under it, the rest faded."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from rnnbook.book import diagrams_gates  # noqa: E402


def texts(ax):
    return [t.get_text() for t in ax.texts]


def bright(ax, text):
    """Whether ``text`` is drawn in full (not faded) somewhere on ``ax``."""
    return any(t.get_text() == text and (t.get_alpha() is None or t.get_alpha() == 1)
               for t in ax.texts)


@pytest.mark.parametrize("figure, panels, first_gate", [
    (diagrams_gates.lstm_gates_figure, diagrams_gates.LSTM_PANELS, "$f_t$"),
    (diagrams_gates.gru_gates_figure, diagrams_gates.GRU_PANELS, "$r_t$"),
])
def test_one_panel_per_gate_with_its_equation(figure, panels, first_gate):
    fig = figure()
    assert len(fig.axes) == len(panels) == 4
    for ax, (title, _, equations) in zip(fig.axes, panels, strict=True):
        assert ax.get_title() == title
        for equation in equations:
            assert equation in texts(ax)
    # the first panel's gate is drawn in full; the last panel's leaves it faded
    assert bright(fig.axes[0], first_gate) and not bright(fig.axes[-1], first_gate)
    plt.close(fig)


def test_lstm_panels_use_the_chapters_symbols():
    fig = diagrams_gates.lstm_gates_figure()
    every = {t for ax in fig.axes for t in texts(ax)}
    for symbol in ("$f_t$", "$i_t$", r"$\tilde{c}_t$", "$o_t$", "$c_{t-1}$", "$c_t$", "$h_t$",
                   r"$c_t = f_t \odot c_{t-1} + i_t \odot \tilde c_t$"):
        assert symbol in every, symbol
    # the output gate's panel shows h_t in full, the forget gate's panel does not
    assert bright(fig.axes[3], "$h_t$") and not bright(fig.axes[0], "$h_t$")
    plt.close(fig)


def test_a_panel_naming_an_unknown_part_is_refused():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="Argument `active` must name parts of the cell"):
        diagrams_gates._panel(ax, diagrams_gates._lstm_parts(), ["forget", "peephole"], "t",
                              (), (0, 1), (0, 1))
    plt.close(fig)
