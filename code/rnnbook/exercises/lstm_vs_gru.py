"""Checkers for the exercises of the chapter "LSTM or GRU?" (``chapters/lstm_vs_gru``).

In a notebook::

    from rnnbook.exercises import lstm_vs_gru as check
    check.matched_params(predict_params)        # predict, then measure: parameter counts
    check.time_to_target(time_to_target)        # implement: first crossing, interpolated
    check.gap_verdict(gap_verdict)              # implement: a gap against the seed spread
    check.seed_experiment(run_experiment, gap_verdict)   # experiment: two cells, two seeds

The references are the package's own :func:`rnnbook.training.comparison.char_model_params`,
:func:`~rnnbook.training.comparison.matched_units`,
:func:`~rnnbook.training.summaries.time_to_loss` and
:func:`~rnnbook.training.summaries.quality_gap`.
"""

from __future__ import annotations

import math

import numpy as np

from rnnbook.cells.costs import param_count
from rnnbook.exercises import core
from rnnbook.training import comparison, summaries

VOCAB_SIZE = 39  # characters of the lower-cased sonnets: the course's vocabulary
RAW_VOCAB_SIZE = 62  # characters of the sonnets before lower-casing
UNITS = 128

EX_PARAMS = "Parameter counts of the matched models"
EX_TIME = "Time to a common target"
EX_VERDICT = "Is the gap real?"
EX_EXPERIMENT = "Two cells, two seeds"


# ---------------------------------------------------------------- predict, then measure


def reference_params(vocab_size: int = VOCAB_SIZE, units: int = UNITS) -> dict[str, int]:
    """The three numbers of the exercise: the LSTM's count, the GRU width that matches it, and
    that GRU's count."""
    lstm = comparison.char_model_params("lstm", units, vocab_size)
    gru_units = comparison.matched_units("gru", lstm, vocab_size)
    return {"lstm_params": lstm, "gru_units": gru_units,
            "gru_params": comparison.char_model_params("gru", gru_units, vocab_size)}


def _closest_units(count, params: int) -> int:
    """The width whose ``count(width)`` is closest to ``params`` (as matched_units does)."""
    widths = np.arange(1, 2000)
    return int(widths[np.argmin([abs(count(int(u)) - params) for u in widths])])


def _params_mistakes(name: str) -> dict[str, int]:
    """What each typical mistake gives for the prediction ``name``."""
    v, u = VOCAB_SIZE, UNITS
    softmax = lambda units: units * v + v  # noqa: E731
    lstm_layer_only = param_count("lstm", v, u)
    lstm_no_bias = param_count("lstm", v, u, use_bias=False) + u * v
    lstm_raw = comparison.char_model_params("lstm", u, RAW_VOCAB_SIZE)
    lstm = comparison.char_model_params("lstm", u, v)
    gru_one_bias = lambda units: param_count("gru", v, units, reset_after=False) + softmax(units)  # noqa: E731
    gru_layer_only = lambda units: param_count("gru", v, units)  # noqa: E731
    units_one_bias = _closest_units(gru_one_bias, lstm)
    units_layers = _closest_units(gru_layer_only, lstm_layer_only)
    raw_units = comparison.matched_units("gru", lstm_raw, RAW_VOCAB_SIZE)
    if name == "lstm_params":
        return {
            "that is the LSTM layer alone: the softmax layer's 128 x 39 weights and 39 biases "
            "count too": lstm_layer_only,
            "that is the count without the biases: each of the four gates has one bias per "
            "unit": lstm_no_bias,
            "that is the count for 62 input characters, the sonnets before lower-casing; the "
            "course's vocabulary has 39": lstm_raw,
        }
    if name == "gru_units":
        return {
            "that width matches with a GRU of one bias vector per gate (reset_after=False); "
            "Keras's default GRU (reset_after=True) has two": units_one_bias,
            "that width matches the recurrent layers alone; the whole models (with their "
            "softmax layers) are what is matched": units_layers,
            "that is 128 x 4/3: parameters grow with the square of the width, not linearly":
                round(u * 4 / 3),
            "that width matches for 62 input characters, not the course's 39": raw_units,
        }
    return {
        "that is the GRU's count with one bias vector per gate (reset_after=False); Keras's "
        "default GRU has a second, recurrent one": gru_one_bias(reference_params()["gru_units"]),
        "that is the GRU layer alone: the softmax layer counts too":
            gru_layer_only(reference_params()["gru_units"]),
        "that is the LSTM's count: a matched width comes closest to it, it rarely hits it "
        "exactly": lstm,
    }


def _merge(mistakes: dict[str, int]) -> dict[str, int]:
    """One hint per wrong value: mistakes that give the same number are named together."""
    by_value: dict[int, list[str]] = {}
    for hint, value in mistakes.items():
        by_value.setdefault(value, []).append(hint)
    return {"; or ".join(hints): value for value, hints in by_value.items()}


WHAT = {"lstm_params": "the LSTM(128) model's parameter count",
        "gru_units": "the GRU width that matches it", "gru_params": "that GRU model's count"}


@core.checker(EX_PARAMS)
def matched_params(predict) -> bool:
    """Check the predictions ``predict()`` returns: a dict with ``lstm_params``, ``gru_units``
    and ``gru_params``, for one-hot character models of the course's 39 characters."""
    got = core.call(predict)
    core.expect(EX_PARAMS, isinstance(got, dict) and set(WHAT) <= set(got),
                f"return a dict with the keys {sorted(WHAT)}; got {got!r}")
    expected = reference_params()
    for name, what in WHAT.items():
        value = core.as_number(EX_PARAMS, f"{what} ({name!r})", got[name], whole=True)
        core.compare(EX_PARAMS, what, value, expected[name], atol=0.5,
                     mistakes=_merge(_params_mistakes(name)))
    return core.passed(EX_PARAMS, f"LSTM(128): {expected['lstm_params']:,} parameters; the GRU "
                       f"of {expected['gru_units']} units has {expected['gru_params']:,}, "
                       f"{expected['gru_params'] / expected['lstm_params'] - 1:+.2%} of it.")


# ---------------------------------------------------------------- implement: time to target


def _no_interpolation(loss, seconds, target):
    hit = np.flatnonzero(np.asarray(loss) <= target)
    return float(np.cumsum(seconds)[hit[0]]) if hit.size else math.nan


def _last_crossing(loss, seconds, target):
    loss, elapsed = np.asarray(loss, dtype=float), np.cumsum(seconds)
    below = loss <= target
    starts = [k for k in range(len(loss)) if below[k] and (k == 0 or not below[k - 1])]
    if not starts:
        return math.nan
    k = starts[-1]
    if k == 0:
        return float(elapsed[0])
    fraction = (loss[k - 1] - target) / (loss[k - 1] - loss[k])
    return float(elapsed[k - 1] + fraction * (elapsed[k] - elapsed[k - 1]))


def _no_cumsum(loss, seconds, target):
    loss, seconds = np.asarray(loss, dtype=float), np.asarray(seconds, dtype=float)
    hit = np.flatnonzero(loss <= target)
    if not hit.size:
        return math.nan
    k = int(hit[0])
    if k == 0:
        return float(seconds[0])
    fraction = (loss[k - 1] - target) / (loss[k - 1] - loss[k])
    return float(seconds[k - 1] + fraction * seconds[k])


def _first_epoch_wraps(loss, seconds, target):
    """Interpolating from epoch k - 1 even when k = 0: Python's index -1 is the last epoch."""
    loss, elapsed = np.asarray(loss, dtype=float), np.cumsum(seconds)
    hit = np.flatnonzero(loss <= target)
    if not hit.size:
        return math.nan
    k = int(hit[0])
    fraction = (loss[k - 1] - target) / (loss[k - 1] - loss[k])
    return float(elapsed[k - 1] + fraction * (elapsed[k] - elapsed[k - 1]))


def _fraction_reversed(loss, seconds, target):
    loss, elapsed = np.asarray(loss, dtype=float), np.cumsum(seconds)
    hit = np.flatnonzero(loss <= target)
    if not hit.size:
        return math.nan
    k = int(hit[0])
    if k == 0:
        return float(elapsed[0])
    fraction = (target - loss[k]) / (loss[k - 1] - loss[k])
    return float(elapsed[k - 1] + fraction * (elapsed[k] - elapsed[k - 1]))


TIME_CASES = [
    ("a curve that crosses the target between epochs 2 and 3",
     [2.5, 2.2, 1.9, 1.7, 1.6], [3.0, 1.0, 1.2, 0.9, 1.1], 2.0),
    ("a curve that crosses the target, rises above it and crosses it again",
     [2.3, 1.95, 2.05, 1.9, 1.8], [1.5, 1.0, 1.0, 1.0, 1.0], 2.0),
    ("a curve already below the target after the first epoch",
     [1.5, 1.4, 1.3], [2.5, 1.0, 1.0], 2.0),
    ("a curve that never reaches the target", [2.5, 2.3, 2.2], [1.0, 1.0, 1.0], 2.0),
    ("a curve that lands on the target exactly at epoch 2", [2.2, 2.0, 1.8], [1.0, 2.0, 1.0],
     2.0),
    ("a curve that touches the target at epoch 2 and rises again", [2.4, 2.0, 2.1],
     [1.0, 1.0, 1.0], 2.0),
]


@core.checker(EX_TIME)
def time_to_target(fn) -> bool:
    """Check ``fn(val_loss, seconds, target)``: training seconds until the validation loss first
    reaches ``target``, interpolated along a straight line within the epoch that crosses it, and
    ``nan`` for a curve that never gets there (reference:
    :func:`rnnbook.training.summaries.time_to_loss`)."""
    mistakes = {
        "you return the end of the epoch that crosses the target; interpolate between the two "
        "epochs around the crossing": _no_interpolation,
        "you take the last crossing; the first epoch at or below the target counts":
            _last_crossing,
        "you interpolate within one epoch's seconds instead of the cumulative training time "
        "(np.cumsum(seconds))": _no_cumsum,
        "your fraction runs from the wrong end: (loss before - target) / (loss before - loss "
        "after) is the share of the epoch spent before the crossing": _fraction_reversed,
        "a curve at or below the target after the first epoch has no epoch before it: its "
        "time is the first epoch's end (index k - 1 = -1 is the last epoch in Python)":
            _first_epoch_wraps,
    }
    core.call(fn, *TIME_CASES[0][1:])  # a stub is not attempted
    for case, loss, seconds, target in TIME_CASES:
        try:
            given = (list(loss), list(seconds))
            got = fn(*given, target)
            core.unchanged(EX_TIME, ("val_loss", "seconds"), tuple(map(np.asarray, given)),
                           (np.asarray(loss), np.asarray(seconds)))
        except (IndexError, ValueError) as error:
            raise core.ExerciseError(
                f"{EX_TIME}: your function raised {type(error).__name__}: {error} ({case}).\n"
                "Likely mistake: a curve below the target from the first epoch has no epoch "
                "before it to interpolate from (the answer is that epoch's end); one that never "
                "gets there returns math.nan") from error
        expected = summaries.time_to_loss(loss, seconds, target)
        if math.isnan(expected):
            core.expect(EX_TIME, got is not None and np.ndim(got) == 0 and math.isnan(got),
                        f"the seconds to the target are {got!r} ({case}), expected nan",
                        "a run that never reaches the target has no time to it: return "
                        "math.nan (not the total time, 0, inf or None), so that a median over "
                        "seeds says 'not reached'")
            continue
        core.expect(EX_TIME, got is not None and np.ndim(got) == 0,
                    f"return one number of seconds; got {got!r} ({case})")
        got = core.as_number(EX_TIME, f"the seconds to the target ({case})", got)
        core.compare(EX_TIME, "the seconds to the target", got, expected, atol=1e-6,
                     case=case, mistakes={hint: wrong(loss, seconds, target)
                                          for hint, wrong in mistakes.items()})
    return core.passed(EX_TIME, f"{len(TIME_CASES)} curves, including one that crosses twice, "
                       "one below the target from the start and one that never reaches it.")


# ---------------------------------------------------------------- a gap against the seed spread


def reference_verdict(a: summaries.Summary, b: summaries.Summary) -> str:
    """``a``'s or ``b``'s label when its every seed beat every seed of the other (two or more
    seeds each), else ``"no real gap"``."""
    gap = summaries.quality_gap(a, b)
    if not gap.separated:
        return "no real gap"
    return a.label if gap.difference > 0 else b.label


def _runs(label: str, bests: list[float]) -> list[summaries.RunResult]:
    return [summaries.RunResult(label=label, kind="gru", units=8, seed=seed, params=1,
                                 seconds=[1.0, 1.0], val_loss=[best + 0.3, best])
            for seed, best in enumerate(bests, start=1)]


def _summaries(bests_a: list[float], bests_b: list[float]) -> tuple[summaries.Summary, ...]:
    runs = _runs("model A", bests_a) + _runs("model B", bests_b)
    return tuple(summaries.summarize(runs, labels=["model A", "model B"]).values())


VERDICT_CASES = [
    ("A's seeds all beat B's", [1.70, 1.72], [1.80, 1.83]),
    ("B's seeds all beat A's", [2.00, 2.05], [1.90, 1.91]),
    ("A's mean is better, but the ranges overlap", [1.70, 1.85], [1.80, 1.82]),
    ("B's mean is better by a lot, but its ranges overlap A's", [1.80, 1.84], [1.50, 1.81]),
    ("a single seed each: no spread to judge by", [1.70], [1.90]),
    ("ranges that touch: A's worst equals B's best", [1.70, 1.80], [1.80, 1.85]),
]


@core.checker(EX_VERDICT)
def gap_verdict(fn) -> bool:
    """Check ``fn(a, b)`` on two :class:`rnnbook.training.summaries.Summary`: the label of the model
    whose every seed beat the other's, or ``"no real gap"``."""
    a, b = _summaries(*VERDICT_CASES[0][1:])
    core.call(fn, a, b)
    for case, bests_a, bests_b in VERDICT_CASES:
        a, b = _summaries(bests_a, bests_b)
        got, expected = core.call(fn, a, b), reference_verdict(a, b)
        if got == expected:
            continue
        means = "model A" if a.best_nats < b.best_nats else "model B"
        worse = "model B" if expected == "model A" else "model A"
        if expected == "no real gap" and got == means:
            hint = ("you compared the mean losses only; a gap is real when the ranges over seeds "
                    "do not overlap (summaries.quality_gap(a, b).separated)")
        elif got == worse:
            hint = ("you named the worse model: a lower validation loss is better, and "
                    "quality_gap's difference is b's loss minus a's (positive: a is better)")
        elif expected != "no real gap" and got == "no real gap":
            hint = "the ranges over seeds do not overlap here: that gap is real"
        else:
            hint = "return a.label, b.label or the string 'no real gap'"
        raise core.ExerciseError(
            f"{EX_VERDICT}: your verdict is {got!r}, expected {expected!r} ({case}: best losses "
            f"{bests_a} against {bests_b}).\nLikely mistake: {hint}")
    return core.passed(EX_VERDICT, f"{len(VERDICT_CASES)} pairs of models, with and without a "
                       "gap beyond the spread between seeds, and a single seed each.")


@core.checker(EX_EXPERIMENT)
def seed_experiment(run, fn) -> bool:
    """Run the learner's experiment ``run()`` (runs of two models, two or more seeds each, as
    :func:`rnnbook.training.comparison.run_comparison` returns them) and check the verdict ``fn(a,
    b)``
    on its summaries. Checked: that it ran as asked, not which cell wins."""
    runs = core.call(run)
    core.expect(EX_EXPERIMENT, not isinstance(runs, (dict, str)) and hasattr(runs, "__iter__"),
                f"run_experiment() should return the list of runs that run_comparison returns; "
                f"got a {type(runs).__name__}",
                "return the runs themselves, not summaries.summarize(runs)"
                if isinstance(runs, dict) else "")
    runs = list(runs)  # a tuple or a generator is read twice below
    odd = [type(one).__name__ for one in runs if not isinstance(one, summaries.RunResult)]
    core.expect(EX_EXPERIMENT, not odd,
                f"run_experiment() should return runs (RunResult, as run_comparison returns "
                f"them); {len(odd)} of its {len(runs)} items are not, the first is a "
                f"{odd[0] if odd else ''}",
                "return the list that comparison.run_comparison returns")
    for one in runs:
        losses = np.asarray(one.val_loss, dtype=float)
        bad = np.flatnonzero(~np.isfinite(losses))
        if losses.size and not bad.size:
            continue
        core.expect(EX_EXPERIMENT, False, f"{one.label} (seed {one.seed}) has no validation loss"
                    if not losses.size else f"{one.label} (seed {one.seed}) has a validation "
                    f"loss of {losses[bad[0]]} at epoch {bad[0] + 1}: a run that diverged has "
                    "no best loss to compare",
                    "look at every run's val_loss before comparing: a NaN or an infinity means "
                    "that training diverged, and that run must be made again")
    groups = summaries.group_runs(runs)
    core.expect(EX_EXPERIMENT, len(groups) == 2,
                f"the experiment must train two models; its runs hold {list(groups)}",
                "pass two ModelSpec to comparison.run_comparison")
    for label, group in groups.items():
        seeds = sorted(run.seed for run in group)
        core.expect(EX_EXPERIMENT, len(set(seeds)) >= 2,
                    f"{label} ran with seeds {seeds}; the spread needs two seeds or more",
                    "give the Plan seeds=(1, 2)")
        core.expect(EX_EXPERIMENT, len(set(seeds)) == len(seeds),
                    f"{label} ran with seeds {seeds}: a seed twice counts one run as two",
                    "give the Plan distinct seeds, e.g. seeds=(1, 2)")
    (first, one), (second, other) = ((label, group[0]) for label, group in groups.items())
    core.expect(EX_EXPERIMENT, one.kind != other.kind,
                f"{first} and {second} are both {one.kind} cells; the experiment compares two "
                "cells", "give the two ModelSpec different kinds, e.g. 'rnn' and 'gru'")
    core.expect(EX_EXPERIMENT, one.units == other.units,
                f"the two models differ in width ({first}: {one.units} units, {second}: "
                f"{other.units}); the experiment compares two cells of the same width",
                "give the two ModelSpec the same units")
    a, b = summaries.summarize(runs).values()
    expected, got = reference_verdict(a, b), core.call(fn, a, b)
    core.expect(EX_EXPERIMENT, got == expected,
                f"your verdict is {got!r}, the spread between seeds says {expected!r} (best "
                f"losses {a.label} {a.best_range}, {b.label} {b.best_range})",
                "run check.gap_verdict on your gap_verdict first")
    gap = summaries.quality_gap(a, b)
    return core.passed(EX_EXPERIMENT, f"{a.label} {a.best_nats:.3f} ± {a.best_nats_sd:.3f} nats, "
                       f"{b.label} {b.best_nats:.3f} ± {b.best_nats_sd:.3f}: difference "
                       f"{abs(gap.difference):.3f} nats; verdict: {expected}.")
