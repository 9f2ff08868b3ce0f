"""The window layouts and the beam-search tree draw what they are given."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnnbook.book import diagrams_text  # noqa: E402
from rnnbook.text.vocabulary import Vocabulary  # noqa: E402

TEXT = "from fairest creatures we desire increase"


def texts(ax):
    return [t.get_text() for t in ax.texts]


def test_window_layouts_show_the_windows_and_what_each_target_sees():
    fig = diagrams_text.window_layouts(TEXT, seq_len=6, windows=3)
    left, right = fig.axes
    assert [t for t in texts(left) if t.startswith("window")] == ["window 1", "window 2",
                                                                  "window 3"]
    # the tutorial's targets are the characters after each window
    assert texts(left).count("a") >= 1 and "6 characters" in left.get_title()
    assert [t for t in texts(right) if t.startswith("sees")] == ["sees 1", "sees 4", "sees 6"]
    plt.close(fig)


def test_window_layouts_refuse_a_short_text():
    with pytest.raises(ValueError, match="Argument `text` must hold at least"):
        diagrams_text.window_layouts("short", seq_len=6, windows=3)
    with pytest.raises(ValueError, match="seq_len"):
        diagrams_text.window_layouts(TEXT, seq_len=1)


def test_beam_tree_follows_the_best_beam_back():
    vocab = Vocabulary.from_text("abc")
    # two steps, beam of 2: the best final beam (0) extends beam 1 of the first step
    trace = [(np.array([0, 0]), np.array([0, 1]), np.array([-0.5, -0.9])),
             (np.array([1, 0]), np.array([2, 2]), np.array([-1.2, -1.4]))]
    fig = diagrams_text.beam_tree(trace, vocab, "seed")
    ax = fig.axes[0]
    red = [t.get_text() for t in ax.texts if t.get_color() == diagrams_text.CELL_COLOR]
    assert red == [" b  -0.90", " c  -1.20"]
    assert "A beam of 2" in ax.get_title()
    plt.close(fig)
    with pytest.raises(ValueError, match="trace"):
        diagrams_text.beam_tree([], vocab)
