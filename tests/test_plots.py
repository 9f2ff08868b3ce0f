"""Figures drawn from package data."""

import matplotlib

matplotlib.use("Agg")

from rnnbook.book import plots  # noqa: E402  (after the backend is chosen)


def test_plot_epochs_draws_one_line_per_curve_from_epoch_one():
    ax = plots.plot_epochs({"training": [3.0, 2.0, 1.5], "held out": [3.1, 2.2, 1.9]},
                           title="t")
    assert [line.get_label() for line in ax.get_lines()] == ["training", "held out"]
    assert list(ax.get_lines()[0].get_xdata()) == [1, 2, 3]
    assert ax.get_xlabel() == "epoch" and ax.get_title() == "t"
