"""The checkers of the chapter "Inside the trained LSTM": references pass, mistakes are named."""

from __future__ import annotations

import numpy as np
import pytest

from rnnbook import models
from rnnbook.exercises import core
from rnnbook.exercises import inside_the_lstm as check
from rnnbook.inside import anatomy
from tests.conftest import SONNET_LINES, stub


def test_stubs_are_not_attempted(capsys, vocab):
    assert check.correlations(stub).passed is False
    assert check.saturation(stub).passed is False
    assert check.context_gain(stub, {}, np.zeros(3, int)).passed is False
    assert capsys.readouterr().out.count("not attempted yet") == 3


# ---------------------------------------------------------------- correlations


def test_the_reference_correlations_pass(capsys):
    assert check.correlations(anatomy.correlations).passed is True
    assert "correct" in capsys.readouterr().out


def _no_centring(acts, feature):
    raw = feature @ acts
    norm = np.linalg.norm(acts, axis=0) * np.linalg.norm(feature)
    return np.divide(raw, norm, out=np.zeros_like(raw), where=norm > 0)


def _covariance(acts, feature):
    return (feature - feature.mean()) @ (acts - acts.mean(axis=0)) / len(feature)


def _nan_for_constant(acts, feature):
    a, f = acts - acts.mean(axis=0), feature - feature.mean()
    with np.errstate(invalid="ignore", divide="ignore"):
        return (f @ a) / np.sqrt((a * a).sum(axis=0) * (f * f).sum())


def _mixed_ddof(acts, feature):
    cov = (feature - feature.mean()) @ (acts - acts.mean(axis=0)) / len(feature)
    sd = acts.std(axis=0, ddof=1) * feature.std(ddof=1)
    return np.divide(cov, sd, out=np.zeros_like(cov), where=sd > 0)


def _wrong_axis(acts, feature):
    return np.array([np.corrcoef(row, row)[0, 1] for row in acts])


@pytest.mark.parametrize("wrong, named", [
    (_no_centring, "did not subtract the means"),
    (_covariance, "returned the covariance"),
    (_nan_for_constant, "0/0 is NaN"),
    (_mixed_ddof, "different normalisations"),
    (_wrong_axis, "correlated across the units at each step"),
])
def test_correlation_mistakes_are_named(wrong, named):
    with pytest.raises(core.ExerciseError, match=f"(?s)Likely mistake.*{named}"):
        check.correlations(wrong)


# ---------------------------------------------------------------- saturation


def test_the_reference_saturation_passes(capsys):
    assert check.saturation(anatomy.saturation).passed is True
    assert "correct" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, named", [
    (lambda g, lo, hi: ((g > hi).mean(axis=0), (g < lo).mean(axis=0)), "swapped"),
    (lambda g, lo, hi: ((g < lo).sum(axis=0), (g > hi).sum(axis=0)), "counts of steps"),
    (lambda g, lo, hi: ((g <= lo).mean(axis=0), (g >= hi).mean(axis=0)), "exactly on the"),
    (lambda g, lo, hi: ((g < lo).mean(axis=1), (g > hi).mean(axis=1)), "over time"),
])
def test_saturation_mistakes_are_named(wrong, named):
    with pytest.raises(core.ExerciseError, match=f"(?s)Likely mistake.*{named}"):
        check.saturation(wrong)


def test_saturation_must_return_a_pair():
    with pytest.raises(core.ExerciseError, match="expected a pair"):
        check.saturation(lambda g, lo, hi: (g < lo).mean(axis=0))


# ---------------------------------------------------------------- predict, then measure


@pytest.fixture(scope="module")
def tiny_models(vocab):
    import keras

    keras.utils.set_random_seed(2)
    return {kind: models.build_char_model(len(vocab), kind=kind, units=6)
            for kind in ("lstm", "rnn")}


def test_context_gain_measures_and_compares(capsys, tiny_models, vocab):
    ids = vocab.encode(SONNET_LINES * 3)
    positions = np.arange(60, len(ids), 3)
    measured = check.gains(tiny_models, ids, positions)
    least = min(measured, key=measured.get)
    other = next(k for k in tiny_models if k != least)
    assert check.context_gain(lambda: least, tiny_models, ids, positions).passed is True
    assert "as you predicted" in capsys.readouterr().out
    assert check.context_gain(lambda: other, tiny_models, ids, positions).passed is False
    assert f"not {other!r} as you predicted" in capsys.readouterr().out


def test_context_gain_rejects_an_unknown_answer(tiny_models, vocab):
    ids = vocab.encode(SONNET_LINES * 3)
    with pytest.raises(core.ExerciseError, match="expected one of 'lstm', 'rnn'"):
        check.context_gain(lambda: "transformer", tiny_models, ids, np.arange(60, 80))


# --- wrong answers outside the named mistakes, and other right answers -----------------------

def correlations_float32(acts, feature):
    """Another right answer: float32, np.corrcoef-like with an epsilon in the denominator."""
    a = np.asarray(acts, np.float32) - np.mean(acts, axis=0, dtype=np.float32)
    f = np.asarray(feature, np.float32) - np.float32(np.mean(feature))
    norm = np.sqrt((a ** 2).sum(axis=0) * (f ** 2).sum())
    return (a * f[:, None]).sum(axis=0) / (norm + 1e-12)


def correlations_in_place(acts, feature):
    acts -= acts.mean(axis=0)  # centres the caller's activations
    return anatomy.correlations(acts, feature)


def test_a_float32_epsilon_correlation_passes():
    assert check.correlations(correlations_float32).passed is True


@pytest.mark.parametrize(("wrong", "named"), [
    (correlations_in_place, "changed its input `activations` in place"),
    (lambda acts, feature: "r", "r should be an array of numbers, got a str"),
    (lambda acts, feature: anatomy.correlations(acts, feature)[::-1], "differs at unit"),
])
def test_wrong_correlations_outside_the_list_are_rejected(wrong, named):
    with pytest.raises(core.ExerciseError, match=named):
        check.correlations(wrong)


def saturation_in_place(gate, low, high):
    out = anatomy.saturation(gate.copy(), low, high)
    gate.clip(low, high, out=gate)
    return out


@pytest.mark.parametrize(("wrong", "named"), [
    (saturation_in_place, "changed its input `gate` in place"),
    (lambda gate, low, high: ("left", "right"), "left should be an array of numbers"),
    (lambda gate, low, high: anatomy.saturation(gate[:, ::-1], low, high), "differs at unit"),
])
def test_wrong_saturations_outside_the_list_are_rejected(wrong, named):
    with pytest.raises(core.ExerciseError, match=named):
        check.saturation(wrong)


def test_a_list_of_lists_saturation_passes():
    assert check.saturation(lambda g, lo, hi: [list(x) for x in anatomy.saturation(g, lo, hi)])


# --- context_gain: wrong answers outside the named mistakes, and other right answers ---------

def _least_and_most(tiny_models, ids, positions):
    measured = check.gains(tiny_models, ids, positions)
    return min(measured, key=measured.get), max(measured, key=measured.get)


@pytest.mark.parametrize("spelling", [str.upper, lambda label: f" {label}\n", np.str_])
def test_context_gain_accepts_a_label_in_another_case_or_spacing(spelling, tiny_models, vocab,
                                                                  capsys):
    ids = vocab.encode(SONNET_LINES * 3)
    positions = np.arange(60, len(ids), 3)
    least, _ = _least_and_most(tiny_models, ids, positions)
    assert check.context_gain(lambda: spelling(least), tiny_models, ids, positions).passed
    assert "as you predicted" in capsys.readouterr().out


def test_context_gain_accepts_either_of_two_tied_models(tiny_models, vocab, capsys):
    # The same model under two labels: both gains are one measurement, a tie for the least.
    ids = vocab.encode(SONNET_LINES * 3)
    twins = {"first": tiny_models["lstm"], "second": tiny_models["lstm"]}
    for label in twins:
        predict = lambda label=label: label  # noqa: E731
        assert check.context_gain(predict, twins, ids, np.arange(60, 200, 3)).passed
    assert capsys.readouterr().out.count("The least gain is 'first' and 'second'") == 2


def test_context_gain_reports_the_most_gaining_model_as_a_miss(tiny_models, vocab, capsys):
    # The opposite end of the question: the model that gains MOST from a longer context.
    ids = vocab.encode(SONNET_LINES * 3)
    positions = np.arange(60, len(ids), 3)
    least, most = _least_and_most(tiny_models, ids, positions)
    assert least != most
    assert check.context_gain(lambda: most, tiny_models, ids, positions).passed is False
    assert f"The least gain is {least!r}, not {most!r} as you predicted" in capsys.readouterr().out


@pytest.mark.parametrize(("answer", "named"), [
    (lambda models: ["rnn"], "should return one label, a str ('lstm', 'rnn'); got a list"),
    (lambda models: models["rnn"], "should return one label, a str ('lstm', 'rnn'); got a "),
    (lambda models: 1, "should return one label, a str ('lstm', 'rnn'); got an int"),
    (lambda models: "vanilla rnn", "returned 'vanilla rnn'; expected one of 'lstm', 'rnn'"),
])
def test_context_gain_rejects_a_malformed_answer_with_one_line(answer, named, tiny_models, vocab):
    ids = vocab.encode(SONNET_LINES * 3)
    with pytest.raises(core.ExerciseError, match="^Who gains least") as error:
        check.context_gain(lambda: answer(tiny_models), tiny_models, ids, np.arange(60, 80))
    assert named in str(error.value) and "\n" not in str(error.value)
