"""The unrolled RNN drawing (appended to rnnbook.book.diagrams) names every step and both
directions."""

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from rnnbook.book import diagrams  # noqa: E402


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_unrolled_drawing_names_every_step_and_the_backward_paths():
    fig = diagrams.unrolled_rnn(3)
    labels = texts(fig)
    for step in (1, 2, 3):
        for symbol in (f"$x_{{{step}}}$", f"$h_{{{step}}}$"):
            assert symbol in labels, symbol
        assert any(f"$y_{{{step}}}$" in t for t in labels), step
    assert "$h_0$" in labels and "$x_{4}$" not in labels
    assert labels.count("$U$") == 3 and labels.count("$W$") == 3  # shared weights, every step
    assert sum("U^{\\top}" in t for t in labels) == 3  # one backward step per time step
    assert "forward" in fig.axes[0].get_title()
    plt.close(fig)


def test_forward_only_and_bad_input():
    fig = diagrams.unrolled_rnn(2, backward=False)
    assert not any("U^{\\top}" in t or "partial" in t for t in texts(fig))
    plt.close(fig)
    for bad in (0, 2.5):
        with pytest.raises(ValueError, match=re.escape(
                f"Argument `steps` must be a positive integer. Received: steps={bad!r}")):
            diagrams.unrolled_rnn(bad)
