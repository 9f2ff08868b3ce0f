"""Summaries of a comparison: over seeds, time to a common target, the quality gap, figures."""

import math

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnnbook.book import plots
from rnnbook.cells import CELLS
from rnnbook.training.summaries import (
    RunResult,
    common_target,
    format_table,
    loss_band,
    median_epoch_seconds,
    quality_gap,
    speedup,
    summarize,
    time_to_loss,
)

matplotlib.use("Agg")


def run(label="GRU 8", seed=1, seconds=(5.0, 1.0, 2.0, 3.0), val_loss=(3.0, 2.0, 1.5, 1.6),
        kind="gru", units=8, speed=100.0):
    return RunResult(label=label, kind=kind, units=units, seed=seed, params=10,
                     seconds=list(seconds), val_loss=list(val_loss), chars_per_second=speed)


def test_median_epoch_seconds_leaves_out_the_first_epoch():
    assert median_epoch_seconds([9.0, 1.0, 3.0, 2.0]) == 2.0
    assert median_epoch_seconds([4.0]) == 4.0
    with pytest.raises(ValueError, match="seconds"):
        median_epoch_seconds([])


def test_time_to_loss_interpolates_between_epoch_ends():
    seconds, loss = [2.0, 2.0, 2.0], [3.0, 2.0, 1.0]  # epochs end at 2, 4 and 6 s
    assert time_to_loss(loss, seconds, 3.5) == 2.0  # reached in the first epoch: its end
    assert time_to_loss(loss, seconds, 2.0) == 4.0  # reached exactly at an epoch end
    assert time_to_loss(loss, seconds, 1.5) == pytest.approx(5.0)  # half-way through epoch 3
    assert math.isnan(time_to_loss(loss, seconds, 0.5))  # never reached
    # the first crossing counts, even if the loss rises again
    assert time_to_loss([3.0, 1.0, 4.0], seconds, 2.0) == pytest.approx(3.0)
    with pytest.raises(ValueError, match="val_loss and seconds"):
        time_to_loss([1.0], [1.0, 2.0], 1.0)


def test_summaries_over_seeds():
    runs = [
        run("GRU 8", 1, val_loss=(3.0, 2.0, 1.5, 1.6)),
        run("LSTM 8", 1, seconds=(6.0, 2.0, 2.0, 2.0), val_loss=(3.0, 2.5, 1.9, 1.8), kind="lstm"),
        run("GRU 8", 2, seconds=(5.0, 3.0, 3.0, 1.0), val_loss=(3.0, 2.0, 1.7, 1.7)),
        run("LSTM 8", 2, seconds=(6.0, 2.0, 2.0, 2.0), val_loss=(3.0, 2.2, 2.0, 2.0), kind="lstm",
            speed=50.0),
    ]
    assert common_target(runs) == 2.0  # the worst run's best: every run reaches it
    s = summarize(runs)
    assert list(s) == ["GRU 8", "LSTM 8"]
    gru, lstm = s["GRU 8"], s["LSTM 8"]
    assert gru.seeds == 2 and gru.target == lstm.target == 2.0
    assert gru.epoch_seconds == 2.5  # medians 2 and 3 (first epochs left out), their median
    assert gru.best_nats == pytest.approx(1.6) and gru.best_range == (1.5, 1.7)
    assert gru.best_nats_sd == pytest.approx(np.std([1.5, 1.7], ddof=1))
    assert gru.best_bits == pytest.approx(1.6 / math.log(2))
    assert gru.time_to_target == 7.0  # both reach 2.0 at the end of epoch 2: 6 and 8 s
    assert lstm.time_to_target == pytest.approx((8 + 0.5 / 0.6 * 2 + 10) / 2)  # interpolated
    assert gru.epochs_to_target == 2.0 and lstm.epochs_to_target == pytest.approx((2 + 0.5 / 0.6
                                                                                   + 3) / 2)
    assert lstm.chars_per_second == 75.0
    assert speedup(lstm, gru) == pytest.approx(2.5 / 2.0)  # LSTM's epochs are 1.25x shorter
    # a target one run never reaches: the model's time to it is unknown, not a partial median
    assert math.isnan(summarize(runs, target=1.6)["LSTM 8"].time_to_target)
    assert list(summarize(runs, labels=["LSTM 8"])) == ["LSTM 8"]
    with pytest.raises(ValueError, match="labels"):
        summarize(runs, labels=["RNN 8"])


def test_quality_gap_against_the_seed_spread():
    def run(label, seed, val_loss):
        return RunResult(label, "gru", 8, seed, 10, seconds=[1.0], val_loss=val_loss)

    apart = summarize([run("A", 1, val_loss=[1.0]), run("A", 2, val_loss=[1.1]),
                       run("B", 1, val_loss=[1.3]), run("B", 2, val_loss=[1.2])],
                      target=2.0)
    gap = quality_gap(apart["A"], apart["B"])
    assert gap.separated and gap.difference == pytest.approx(0.2)
    assert gap.spread == pytest.approx(np.std([1.0, 1.1], ddof=1))
    mixed = summarize([run("A", 1, val_loss=[1.0]), run("A", 2, val_loss=[1.25]),
                       run("B", 1, val_loss=[1.3]), run("B", 2, val_loss=[1.2])], target=2.0)
    assert not quality_gap(mixed["A"], mixed["B"]).separated
    single = summarize([run("A", 1, val_loss=[1.0]), run("B", 1, val_loss=[1.3])], target=2.0)
    assert not quality_gap(single["A"], single["B"]).separated  # one seed: no spread to judge by


def test_format_table_has_a_row_per_model():
    runs = [run("GRU 8"), run("LSTM 8", kind="lstm", speed=math.nan)]
    table = format_table(summarize(runs))
    lines = table.splitlines()
    assert len(lines) == 4 and lines[0].startswith("| model |")
    assert "| GRU 8 | 10 | 2.00 | 3.0 | 8.0 |" in lines[2] and "1.500 ± 0.000" in lines[2]
    assert lines[3].endswith("| - |")  # no generation speed measured
    assert f"| {math.exp(1.5):.2f} |" in lines[2]  # the perplexity of the best 1.5 nats


def test_loss_band_and_plots():
    runs = [run("GRU 8", 1), run("GRU 8", 2, seconds=(7.0, 1.0, 2.0, 3.0),
                                 val_loss=(2.8, 2.2, 1.5, 1.4))]
    xs, mean, lo, hi = loss_band(runs, "seconds")
    np.testing.assert_allclose(xs, [6.0, 7.0, 9.0, 12.0])
    np.testing.assert_allclose(lo, [2.8, 2.0, 1.5, 1.4])
    np.testing.assert_allclose(hi, [3.0, 2.2, 1.5, 1.6])
    np.testing.assert_allclose(mean, (lo + hi) / 2)
    assert loss_band(runs, "epoch")[0].tolist() == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="Argument `x` must be one of .* Received: x='steps'"):
        loss_band(runs, "steps")
    fig, (a, b) = plt.subplots(1, 2)
    plots.plot_loss(a, runs, "seconds", target=2.0, title="t")
    plots.plot_epoch_seconds(b, summarize(runs), title="t")
    assert len(a.collections) == 1 and len(b.patches) == 1
    assert "2 seeds" in a.get_legend().get_texts()[0].get_text()
    assert a.lines[0].get_color() == CELLS["gru"].color
    plt.close(fig)
