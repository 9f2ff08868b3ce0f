"""The checkers of the chapter "LSTM or GRU?": references pass, typical mistakes are named."""

import dataclasses
import math

import numpy as np
import pytest

from rnnbook.cells.costs import param_count
from rnnbook.exercises import core
from rnnbook.exercises import lstm_vs_gru as check
from rnnbook.training import comparison, summaries
from tests.conftest import stub


def test_stubs_are_not_attempted(capsys):
    assert check.matched_params(stub).passed is False
    assert check.time_to_target(stub).passed is False
    assert check.gap_verdict(stub).passed is False
    assert check.seed_experiment(stub, stub).passed is False
    assert capsys.readouterr().out.count("not attempted yet") == 4


# ---------------------------------------------------------------- parameter counts


def right_params():
    lstm = 4 * 128 * (39 + 128 + 1) + 128 * 39 + 39
    return {"lstm_params": lstm, "gru_units": 149, "gru_params": 3 * 149 * (39 + 149 + 2)
            + 149 * 39 + 39}


def test_matched_params_reference_passes(capsys):
    assert check.matched_params(right_params).passed is True
    assert "91,047" in capsys.readouterr().out


@pytest.mark.parametrize(("key", "value", "named"), [
    ("lstm_params", param_count("lstm", 39, 128), "softmax layer"),
    ("lstm_params", comparison.char_model_params("lstm", 128, 62), "62 input characters"),
    ("gru_units", 171, "square of the width"),
    ("gru_units", 150, "reset_after=False"),
    ("gru_params", 91047, "rarely hits it exactly"),
    ("gru_params", param_count("gru", 39, 149, reset_after=False) + 149 * 39 + 39,
     "one bias vector"),
])
def test_matched_params_mistakes_are_named(key, value, named):
    wrong = {**right_params(), key: value}
    with pytest.raises(core.ExerciseError, match=f"(?s)Likely mistake.*{named}"):
        check.matched_params(lambda: wrong)


def test_matched_params_wants_whole_numbers():
    with pytest.raises(core.ExerciseError, match="whole number"):
        check.matched_params(lambda: {**right_params(), "gru_units": 149.3})


# ---------------------------------------------------------------- time to target


def reference_time(loss, seconds, target):
    return summaries.time_to_loss(loss, seconds, target)


def test_time_to_target_reference_passes(capsys):
    assert check.time_to_target(reference_time).passed is True
    assert "correct" in capsys.readouterr().out


@pytest.mark.parametrize(("wrong", "named"), [
    (check._no_interpolation, "end of the epoch"),
    (check._last_crossing, "last crossing"),
    (check._no_cumsum, "cumulative"),
    (check._fraction_reversed, "wrong end"),
    (check._first_epoch_wraps, "first epoch's end"),
])
def test_time_to_target_mistakes_are_named(wrong, named):
    with pytest.raises(core.ExerciseError, match=f"(?s)Likely mistake.*{named}"):
        check.time_to_target(wrong)


@pytest.mark.parametrize("never", [lambda e: float(e[-1]), lambda e: math.inf, lambda e: None])
def test_time_to_target_never_reached_must_be_nan(never):
    def learner(loss, seconds, target):
        t = reference_time(loss, seconds, target)
        return never(np.cumsum(seconds)) if math.isnan(t) else t

    with pytest.raises(core.ExerciseError, match="(?s)never reaches.*math.nan"):
        check.time_to_target(learner)


def test_time_to_target_that_raises_is_told_why():
    def learner(loss, seconds, target):
        if min(loss) > target:
            raise IndexError("index 0 is out of bounds")
        return reference_time(loss, seconds, target)

    with pytest.raises(core.ExerciseError, match="raised IndexError"):
        check.time_to_target(learner)


# ---------------------------------------------------------------- the verdict and the experiment


def test_gap_verdict_reference_passes():
    assert check.gap_verdict(check.reference_verdict).passed is True
def test_gap_verdict_mistakes_are_named():
    by_means = lambda a, b: a.label if a.best_nats < b.best_nats else b.label  # noqa: E731
    with pytest.raises(core.ExerciseError, match="(?s)Likely mistake.*mean losses only"):
        check.gap_verdict(by_means)

    def flipped(a, b):
        gap = summaries.quality_gap(a, b)
        return "no real gap" if not gap.separated else (b.label if gap.difference > 0 else a.label)

    with pytest.raises(core.ExerciseError, match="(?s)Likely mistake.*worse model"):
        check.gap_verdict(flipped)


def fake_runs(seeds=(1, 2)):
    runs = []
    for seed in seeds:
        for label, kind, best in (("RNN 8", "rnn", 2.2), ("GRU 8", "gru", 2.0)):
            runs.append(summaries.RunResult(label=label, kind=kind, units=8, seed=seed,
                                             params=1, seconds=[1.0, 1.0],
                                             val_loss=[best + 0.2, best + 0.01 * seed]))
    return runs


def test_seed_experiment_checks_running_and_verdict(capsys):
    assert check.seed_experiment(fake_runs, check.reference_verdict).passed is True
    assert "verdict: GRU 8" in capsys.readouterr().out
    with pytest.raises(core.ExerciseError, match="two seeds"):
        check.seed_experiment(lambda: fake_runs(seeds=(1,)), check.reference_verdict)
    with pytest.raises(core.ExerciseError, match="spread between seeds says"):
        check.seed_experiment(fake_runs, lambda a, b: "no real gap")


# --- wrong answers outside the named mistakes, and other right answers -----------------------

def test_matched_params_accept_whole_floats_and_numpy_integers():
    right = right_params()
    assert check.matched_params(lambda: {k: float(v) for k, v in right.items()}).passed is True
    assert check.matched_params(lambda: {k: np.int32(v) for k, v in right.items()}).passed


@pytest.mark.parametrize(("value", "named"), [
    ("149", "should be a number, got a str"), ([149], "should be one number"),
    (True, "should be a number"),
])
def test_matched_params_malformed_answers_get_a_line(value, named):
    with pytest.raises(core.ExerciseError, match=named):
        check.matched_params(lambda: {**right_params(), "gru_units": value})


def time_float32(loss, seconds, target):
    """Another right answer: float32, np.interp on the crossing epoch."""
    loss = np.asarray(loss, np.float32)
    elapsed = np.cumsum(np.asarray(seconds, np.float32))
    hit = np.flatnonzero(loss <= target)
    if not hit.size:
        return np.float32("nan")
    k = int(hit[0])
    if k == 0:
        return elapsed[0]
    return np.float32(np.interp(target, [loss[k], loss[k - 1]], [elapsed[k], elapsed[k - 1]]))


def time_strictly_below(loss, seconds, target):
    """Wrong on a curve that touches the target: `<` where the task says 'reaches'."""
    return reference_time([x + (1e-9 if x == target else 0) for x in loss], seconds, target)


def time_sorting_in_place(loss, seconds, target):
    out = reference_time(list(loss), seconds, target)
    loss.sort()  # sorts the caller's curve
    return out


def test_another_right_time_to_target_passes():
    assert check.time_to_target(time_float32).passed is True


@pytest.mark.parametrize(("wrong", "named"), [
    (time_strictly_below, "touches the target at epoch 2"),
    (time_sorting_in_place, "changed its input `val_loss` in place"),
    (lambda loss, seconds, target: "3.5", "should be a number, got a str"),
])
def test_wrong_times_outside_the_list_are_rejected(wrong, named):
    with pytest.raises(core.ExerciseError, match=named):
        check.time_to_target(wrong)


def verdict_by_ranges(a, b):
    """Another right answer: the ranges compared by hand."""
    if min(a.seeds, b.seeds) < 2:
        return "no real gap"
    if a.best_range[1] < b.best_range[0]:
        return a.label
    if b.best_range[1] < a.best_range[0]:
        return b.label
    return "no real gap"


def test_another_right_verdict_passes():
    assert check.gap_verdict(verdict_by_ranges).passed is True


def _touching_counts_as_a_gap(a, b):
    if min(a.seeds, b.seeds) < 2:
        return "no real gap"
    if a.best_range[1] <= b.best_range[0]:
        return a.label
    if b.best_range[1] <= a.best_range[0]:
        return b.label
    return "no real gap"


@pytest.mark.parametrize(("wrong", "named"), [
    (_touching_counts_as_a_gap, "ranges that touch"),
    (lambda a, b: check.reference_verdict(a, b).title(), "your verdict is 'Model A'"),
    (lambda a, b: a if check.reference_verdict(a, b) == a.label else
     check.reference_verdict(a, b), "return a.label, b.label or the string"),
])
def test_wrong_verdicts_outside_the_list_are_rejected(wrong, named):
    with pytest.raises(core.ExerciseError, match=named):
        check.gap_verdict(wrong)


# --- the seed experiment: wrong answers outside the list, and other right answers ------------

def test_seed_experiment_accepts_a_generator_and_three_seeds():
    assert check.seed_experiment(lambda: (r for r in fake_runs()), check.reference_verdict)
    assert check.seed_experiment(lambda: tuple(fake_runs(seeds=(1, 2, 3))), verdict_by_ranges)


def _relabelled(runs, label, **changes):
    return [dataclasses.replace(r, **changes) if r.label == label else r for r in runs]


@pytest.mark.parametrize(("run", "named"), [
    (lambda: summaries.summarize(fake_runs()), "(?s)should return the list of runs.*got a dict"
     ".*not summaries.summarize"),
    (lambda: (fake_runs(), "GRU 8"), "2 of its 2 items are not, the first is a list"),
    (lambda: fake_runs(seeds=(1, 1, 2)), r"seeds \[1, 1, 2\]: a seed twice"),
    (lambda: _relabelled(fake_runs(), "RNN 8", kind="gru"), "are both gru cells"),
    (lambda: _relabelled(fake_runs(), "RNN 8", units=16),
     r"differ in width \(RNN 8: 16 units, GRU 8: 8\)"),
])
def test_wrong_seed_experiments_outside_the_list_are_rejected(run, named):
    with pytest.raises(core.ExerciseError, match=named):
        check.seed_experiment(run, check.reference_verdict)


# --- more wrong answers outside the named lists ------------------------------------------------

def _diverged(runs, label="RNN 8", seed=1):
    """One run whose validation loss became NaN after its first epoch."""
    return [dataclasses.replace(r, val_loss=[r.val_loss[0], math.nan])
            if (r.label, r.seed) == (label, seed) else r for r in runs]


@pytest.mark.parametrize(("run", "named"), [
    (lambda: "runs", "should return the list of runs that run_comparison returns; got a str"),
    (lambda: 4, "got a int"),
    (lambda: list(summaries.summarize(fake_runs()).values()),
     "2 of its 2 items are not, the first is a Summary"),
    (lambda: [dataclasses.asdict(r) for r in fake_runs()], "4 of its 4 items are not, the first "
     "is a dict"),
    (lambda: _diverged(fake_runs()), "RNN 8 (seed 1) has a validation loss of nan at epoch 2: "
     "a run that diverged"),
    (lambda: _diverged(fake_runs(), "GRU 8", 2)[:3] + [dataclasses.replace(
        fake_runs()[3], val_loss=[2.2, math.inf])], "GRU 8 (seed 2) has a validation loss of inf"),
])
def test_more_wrong_seed_experiments_outside_the_list_are_rejected(run, named):
    with pytest.raises(core.ExerciseError) as error:
        check.seed_experiment(run, check.reference_verdict)
    message = str(error.value)
    assert message.startswith(check.EX_EXPERIMENT) and named in message, message
    assert "unexpected form" not in message and "not summaries.summarize" not in message


def test_seed_experiment_accepts_runs_of_other_seeds_and_numpy_losses():
    runs = [dataclasses.replace(r, seed=r.seed + 40, val_loss=list(np.float32(r.val_loss)))
            for r in fake_runs()]
    assert check.seed_experiment(lambda: runs, verdict_by_ranges).passed is True


@pytest.mark.parametrize(("key", "value"), [
    ("gru_units", 148),  # one unit short of the closest width
    ("gru_params", param_count("gru", 39, 128) + 128 * 39 + 39),  # the GRU at the LSTM's width
    ("lstm_params", 4 * 128 * (39 + 128 + 2) + 128 * 39 + 39),  # a GRU-style second bias
])
def test_matched_params_wrong_numbers_outside_the_list_are_rejected(key, value):
    assert value not in check._params_mistakes(key).values()
    with pytest.raises(core.ExerciseError) as error:
        check.matched_params(lambda: {**right_params(), key: value})
    message = str(error.value)
    assert message.startswith(check.EX_PARAMS) and f"{value:.8g} instead of" in message
    assert "Likely mistake" not in message
