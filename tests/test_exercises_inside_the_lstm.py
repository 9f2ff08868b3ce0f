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
