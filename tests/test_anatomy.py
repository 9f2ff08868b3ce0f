"""Tests of rnnbook.inside.anatomy (inside the LSTM).

Small untrained models (a few units) so that the tests run in seconds: the recorded states
equal the stepper's, the truncated-context loss with unlimited context equals the full loss,
the correlation finder recovers a planted unit, the coloured text is static HTML.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from rnnbook import cells
from rnnbook.generation.stepper import CharStepper
from rnnbook.inside import anatomy
from tests.conftest import INSIDE_TEXT as TEXT


def test_recorded_states_equal_the_steppers(model, ids):
    rec = anatomy.record(model, ids)
    stepper = CharStepper.from_model(model)
    state, hs, cs, probs = None, [], [], []
    for t in range(len(ids)):
        p, state = stepper.step(ids[t:t + 1], state)
        hs.append(state[0][0])
        probs.append(p[0])
        if rec.kind == "lstm":
            cs.append(state[1][0])
    assert list(rec.values) == list(cells.cell(rec.kind).arrays)
    np.testing.assert_allclose(rec["h"], np.stack(hs), atol=1e-6)
    np.testing.assert_allclose(rec.probs, np.stack(probs), atol=1e-6)
    if rec.kind == "lstm":
        np.testing.assert_allclose(rec["c"], np.stack(cs), atol=1e-6)
        # the recorded gates give the recorded states: c_t = f c_{t-1} + i g, h_t = o tanh(c_t)
        c_prev = np.vstack([np.zeros((1, rec.units)), rec["c"][:-1]])
        np.testing.assert_allclose(rec["c"], rec["f"] * c_prev + rec["i"] * rec["g"], atol=1e-5)
        np.testing.assert_allclose(rec["h"], rec["o"] * np.tanh(rec["c"]), atol=1e-5)
    for gate in rec.gates:
        assert ((rec[gate] > 0) & (rec[gate] < 1)).all()


def test_recorded_states_equal_keras(model, ids):
    rec = anatomy.record(model, ids)
    np.testing.assert_allclose(rec.probs, model.predict(ids[None], verbose=0)[0], atol=1e-5)


def test_record_rejects_bad_ids(model):
    with pytest.raises(ValueError, match=r"Argument `ids` must be a non-empty 1-D integer array "
                       r".* Received: ids.dtype=int64, ids.shape=\(2, 3\)"):
        anatomy.record(model, np.zeros((2, 3), np.int64))
    with pytest.raises(ValueError, match=r"Argument `ids` must lie in \[0, \d+\)\. "
                       "Received: ids from 0 to 99"):
        anatomy.record(model, np.array([0, 99]))
    with pytest.raises(ValueError, match=r"Argument `layer` .* Received: layer=3"):
        anatomy.record(model, np.array([0, 1]), layer=3)
    with pytest.raises(KeyError, match="Argument `name` must be one of .* Received: "
                       "name='nonsense'"):
        anatomy.record(model, np.array([0, 1]))["nonsense"]


def test_correlation_finder_recovers_a_planted_unit():
    rng = np.random.default_rng(0)
    feature = np.tile(np.arange(40.0), 25)  # like a position in the line
    acts = rng.normal(size=(len(feature), 64))
    acts[:, 17] = 0.02 * feature + rng.normal(scale=0.2, size=len(feature))
    acts[:, 3] = 1.0  # a unit that never changes: r = 0, not NaN
    r = anatomy.correlations(acts, feature)
    assert np.isfinite(r).all() and r[3] == 0
    unit, best = anatomy.best_unit(acts, feature)
    assert unit == 17 and best > 0.7  # the others are noise: |r| < 0.1
    acts[:, 17] *= -1  # anti-correlated counts as well
    assert anatomy.best_unit(acts, feature) == (17, pytest.approx(-best))
    np.testing.assert_allclose(r[:3], [np.corrcoef(acts[:, k], feature)[0, 1] for k in range(3)])
    with pytest.raises(ValueError, match=r"Argument `feature` must be \(time,\) = \(1000,\), "
                       r"one value per row of activations\. Received: feature.shape=\(999,\)"):
        anatomy.correlations(acts, feature[:-1])
    with pytest.raises(ValueError, match=r"Argument `activations` must be \(time, units\)\. "
                       r"Received: activations.shape=\(1000,\)"):
        anatomy.correlations(feature, feature)


def test_text_features():
    text = "ab, c\nd'e-f\n\ngh\n"
    f = anatomy.text_features(text)
    assert list(f["position in line"]) == [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 0, 0, 1, 2]
    assert list(f["characters to line end"]) == [5, 4, 3, 2, 1, 0, 5, 4, 3, 2, 1, 0, 0, 2, 1, 0]
    assert list(f["inside a word"]) == [1, 1, 0, 0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0]
    assert list(f["space or newline"]) == [0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1]
    assert list(f["since punctuation"]) == [0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert list(f["line in the sonnet"]) == [0] * 6 + [1] * 6 + [2] + [0, 0, 0]
    tail = anatomy.text_features(text, start=7)
    assert all((tail[k] == f[k][7:]).all() for k in f)


def test_regex_feature():
    assert list(anatomy.regex_feature("thou and thee", r"th\w+")) == [1] * 4 + [0] * 5 + [1] * 4
    with pytest.raises(ValueError, match=r"Argument `pattern` must be a valid regular "
                       r"expression\. Received: pattern='\('"):
        anatomy.regex_feature("abc", "(")
    with pytest.raises(ValueError, match="Argument `pattern` must match at least one character "
                       "of the text. Received: pattern='z'"):
        anatomy.regex_feature("abc", "z")


def test_saturation():
    gate = np.array([[0.05, 0.5], [0.95, 0.5], [0.05, 0.99], [0.5, 0.1]])
    left, right = anatomy.saturation(gate)
    np.testing.assert_allclose(left, [0.5, 0.0])
    np.testing.assert_allclose(right, [0.25, 0.25])
    with pytest.raises(ValueError, match=r"Argument `gate` must be a non-empty \(time, units\) "
                       r"array\. Received: gate.shape=\(4,\)"):
        anatomy.saturation(gate[:, 0])


def test_colored_text_is_static_html_with_one_span_per_character():
    text = "a <b>&\nc"
    page = anatomy.colored_text_html(text, np.array([1.0, 0, -1, 0.5, 0, 0, 0, 0]),
                                     title="unit 3")
    assert "<script" not in page and "<style" not in page
    assert page.count("<span title=") == len(text)
    assert "rgb(255,0,0)" in page and "rgb(0,0,255)" in page  # +1 red, -1 blue at full scale
    assert "&lt;b&gt;&amp;" in re.sub(r"<[^>]+>", "", page)  # the text is escaped
    with pytest.raises(ValueError, match=r"Argument `values` must have one entry per character "
                       r"of text: \(2,\)\. Received: values.shape=\(1,\)"):
        anatomy.colored_text_html("ab", [0.0])


def test_best_units_rows(model, ids):
    rec = anatomy.record(model, ids)
    rows = anatomy.best_units({"m": rec}, anatomy.text_features(TEXT))
    arrays = 2 if rec.kind == "lstm" else 1
    assert len(rows) == len(anatomy.FEATURES) * arrays
    assert all(-1 <= row["r"] <= 1 and 0 <= row["unit"] < rec.units for row in rows)
