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


def test_stretching_draws_the_singular_values_of_each_power():
    import numpy as np
    import pytest

    m = np.array([[0.8, -0.2], [0.1, 0.9]]) * 1.25
    fig = plots.plot_stretching(m, powers=(1, 3))
    left, middle, right = fig.axes
    sigma = np.linalg.svd(m, compute_uv=False)
    assert {t.get_text() for t in left.texts} - {""} == {rf"$\sigma_1 = {sigma[0]:.2f}$",
                                                 rf"$\sigma_2 = {sigma[1]:.2f}$"}
    assert [line.get_label() for line in middle.get_lines()][:2] == ["$v M^{1}$", "$v M^{3}$"]
    s1 = right.get_lines()[0].get_ydata()
    np.testing.assert_allclose(s1[2], np.linalg.svd(np.linalg.matrix_power(m, 3),
                                                   compute_uv=False)[0])
    assert np.all(s1 <= right.get_lines()[2].get_ydata() + 1e-12)  # below the bound
    with pytest.raises(ValueError, match="Argument `matrix` must be 2 x 2"):
        plots.plot_stretching(np.eye(3))


def test_top_p_cut_keeps_the_smallest_set_reaching_p():
    import numpy as np

    p = np.array([0.05, 0.5, 0.3, 0.15])
    ax = plots.plot_top_p_cut(p, 0.75, list("abcd"))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["b", "c", "d", "a"]
    bars = ax.patches
    kept = [bar.get_facecolor() != bars[-1].get_facecolor() for bar in bars]
    assert kept == [True, True, False, False]  # 0.5 + 0.3 reaches 0.75
    assert "2 characters kept" in ax.get_legend().get_texts()[-1].get_text()
