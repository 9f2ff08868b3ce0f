"""Checkers for the exercises of the chapter "Inside the trained LSTM"
(``chapters/inside_the_lstm``).

In a notebook::

    from rnnbook.exercises import inside_the_lstm as check
    check.correlations(my_correlations)          # implement: Pearson's r of every unit
    check.saturation(my_saturation)              # implement: saturated fractions of a gate
    check.context_gain(predict_least_gain, models, ids)   # predict, then measure

The references are the package's own :func:`rnnbook.inside.anatomy.correlations`,
:func:`rnnbook.inside.anatomy.saturation` and :func:`rnnbook.inside.lookback.context_loss`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from rnnbook.exercises import core
from rnnbook.inside import anatomy, lookback

EX_CORRELATIONS = "Correlating every unit with a feature"
EX_SATURATION = "How often is a gate saturated?"
EX_GAIN = "Who gains least from a longer context?"


# ---------------------------------------------------------------- correlations


def _correlation_cases(rng: np.random.Generator) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, activations (time, units), feature (time,)): the last unit of each never moves."""
    cases = []
    for k, steps in enumerate((50, 200)):
        feature = np.tile(np.arange(10.0), steps // 10) + rng.normal(size=steps)
        acts = np.tanh(rng.normal(size=(steps, 6)) + 0.3 * feature[:, None] * rng.normal(size=6))
        acts += 0.5  # activations are not centred: a mean to subtract
        acts[:, -1] = 0.25  # a unit that never changes
        cases.append((f"case {k + 1}: {steps} steps, 6 units (unit 5 is constant)", acts, feature))
    return cases


def _correlation_mistakes(acts: np.ndarray, feature: np.ndarray) -> dict[str, np.ndarray]:
    a, f = acts - acts.mean(axis=0), feature - feature.mean()
    raw = feature @ acts
    raw_norm = np.linalg.norm(acts, axis=0) * np.linalg.norm(feature)
    cosine = np.divide(raw, raw_norm, out=np.zeros_like(raw), where=raw_norm > 0)
    steps = len(feature)
    reference = anatomy.correlations(acts, feature)
    return {
        "you did not subtract the means first: that is the cosine of the raw vectors, not "
        "Pearson's r (centre both the activations and the feature)": cosine,
        "you returned the covariance: divide it by both standard deviations": (f @ a) / steps,
        "the covariance and the standard deviations use different normalisations (1/T against "
        "1/(T-1), ddof): use the same for both, or none at all": reference * (steps - 1) / steps,
        "same as above, the other way round (ddof=1 in the covariance only)":
            reference * steps / (steps - 1),
    }


@core.checker(EX_CORRELATIONS)
def correlations(fn) -> bool:
    """Check ``fn(activations, feature)``: Pearson's r of every unit (column) with ``feature``."""
    rng = np.random.default_rng(11)
    for name, acts, feature in _correlation_cases(rng):
        given = (acts.copy(), feature.copy())
        got = core.call(fn, *given)
        core.unchanged(EX_CORRELATIONS, ("activations", "feature"), given, (acts, feature))
        got = core.as_array(EX_CORRELATIONS, "r", got)
        steps, units = acts.shape
        core.expect(EX_CORRELATIONS, got.shape != (steps,),
                    f"the result has one value per time step {got.shape}, not one per unit "
                    f"({units},) ({name})",
                    "you correlated across the units at each step: correlate each unit (column) "
                    "with the feature along time (axis 0)")
        core.expect(EX_CORRELATIONS, got.shape == (units,),
                    f"the result has shape {got.shape}, expected one r per unit ({units},) "
                    f"({name})")
        core.expect(EX_CORRELATIONS, not np.isnan(got).any(),
                    f"the result contains NaN at unit(s) {np.flatnonzero(np.isnan(got)).tolist()}"
                    f" ({name})",
                    "a unit that never changes has zero variance, and 0/0 is NaN: define its r "
                    "as 0 (e.g. np.divide(cov, norm, out=np.zeros_like(cov), where=norm > 0))")
        core.compare(EX_CORRELATIONS, "r", got, anatomy.correlations(acts, feature), atol=1e-6,
                     axes=("unit",), case=name, mistakes=_correlation_mistakes(acts, feature))
    return core.passed(EX_CORRELATIONS, "matches rnnbook.inside.anatomy.correlations on two random "
                       "cases, including a unit that never changes (r = 0).")


# ---------------------------------------------------------------- saturation


def _gate_case(rng: np.random.Generator) -> np.ndarray:
    gate = rng.beta(0.4, 0.4, size=(40, 5))  # many values near 0 and 1, as trained gates
    gate[:3, 1] = 0.1  # exactly on the thresholds: "below 0.1" and "above 0.9" exclude them
    gate[3:6, 2] = 0.9
    gate[:, 4] = np.linspace(0.3, 0.98, 40)  # a unit that is right-saturated only at the end
    return gate


@core.checker(EX_SATURATION)
def saturation(fn) -> bool:
    """Check ``fn(gate, low, high)``: per unit, the fractions of steps below low and above high."""
    gate = _gate_case(np.random.default_rng(5))
    steps, units = gate.shape
    for low, high in ((0.1, 0.9), (0.2, 0.7)):
        given = gate.copy()
        got = core.call(fn, given, low, high)
        core.unchanged(EX_SATURATION, ("gate",), (given,), (gate,))
        core.expect(EX_SATURATION, isinstance(got, tuple | list) and len(got) == 2,
                    f"expected a pair (left, right), got {type(got).__name__}")
        left, right = (core.as_array(EX_SATURATION, name, g) for name, g in zip(
            ("left", "right"), got, strict=True))
        core.expect(EX_SATURATION, left.shape != (steps,),
                    f"left has one value per time step {left.shape}, not one per unit "
                    f"({units},)", "average over time (axis 0), not over the units (axis 1)")
        ref_left, ref_right = anatomy.saturation(gate, low, high)
        case = f"a (40 steps, 5 units) gate, low = {low}, high = {high}"
        inclusive = ((gate <= low).mean(axis=0), (gate >= high).mean(axis=0))
        for output, value, reference, other, bound in (
                ("left (the fraction below low)", left, ref_left, ref_right, inclusive[0]),
                ("right (the fraction above high)", right, ref_right, ref_left, inclusive[1])):
            core.compare(EX_SATURATION, output, value, reference, atol=1e-9, axes=("unit",),
                         case=case, mistakes={
                             "left and right are swapped: left is the share of steps with the "
                             "gate below low (nearly shut), right above high (nearly open)":
                                 other,
                             "these are counts of steps: divide by the number of steps (or use "
                             ".mean(axis=0))": reference * steps,
                             "a value exactly on the threshold counted as saturated: 'below "
                             "low' is gate < low, 'above high' is gate > high": bound,
                         })
    return core.passed(EX_SATURATION, "matches rnnbook.inside.anatomy.saturation on a gate with "
                       "values exactly on the thresholds, for two pairs of thresholds.")


# ---------------------------------------------------------------- predict, then measure


def gains(models: Mapping[str, object], ids: np.ndarray, positions: np.ndarray,
          short: int = 10, long: int = 50) -> dict[str, float]:
    """Per model: loss with ``short`` characters of context minus loss with ``long`` (nats)."""
    return {label: lookback.context_loss(model, ids, positions, short)
            - lookback.context_loss(model, ids, positions, long)
            for label, model in models.items()}


def _label(answer, labels) -> str:
    """The label ``answer`` names, whatever its case and surrounding spaces ("rnn", " RNN\\n"),
    or a one-line hint saying what came instead."""
    wanted = ", ".join(map(repr, labels))
    kind = type(answer).__name__
    core.expect(EX_GAIN, isinstance(answer, str),
                f"predict() should return one label, a str ({wanted}); got "
                f"{'an' if kind[0].lower() in 'aeiou' else 'a'} {kind}")
    by_name = {str(label).strip().lower(): label for label in labels}
    core.expect(EX_GAIN, answer.strip().lower() in by_name,
                f"predict() returned {answer!r}; expected one of {wanted}")
    return by_name[answer.strip().lower()]


TIE = 1e-9  # nats: gains this close are one measurement (e.g. the same model under two labels)


@core.checker(EX_GAIN)
def context_gain(predict, models: Mapping[str, object], ids: np.ndarray,
                 positions: np.ndarray | None = None) -> bool:
    """Check the form of ``predict()`` (one of ``models``' labels, in any case), then measure
    and compare.

    ``models`` maps labels (e.g. ``"lstm"``, ``"gru"``, ``"rnn"``) to models; the measurement
    is :func:`gains` on ``positions`` of ``ids`` (default: 1,000 random targets). A prediction
    that the measurement contradicts is reported, not an error: it is a prediction. Models tied
    for the least gain are each a right prediction.
    """
    answer = _label(core.call(predict), list(models))
    if positions is None:
        positions = lookback.target_positions(len(ids), 1000)
    measured = gains(models, ids, positions)
    lowest = min(measured.values())
    least = [label for label, gain in measured.items() if gain - lowest <= TIE]
    table = ", ".join(f"{label} {gain:+.4f}" for label, gain in measured.items())
    named = " and ".join(map(repr, least))
    verdict = ("as you predicted" if answer in least
               else f"not {answer!r} as you predicted: look at the curves above again")
    print(f"{EX_GAIN}: loss with 10 characters of context minus loss with 50, in nats, on "
          f"{len(positions):,} held-out targets: {table}. The least gain is {named}, {verdict}.")
    return answer in least
