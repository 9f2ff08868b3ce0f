"""Tests of rnnbook.anatomy, rnnbook.lookback and rnnbook.unit_explorer (inside the LSTM).

Small untrained models (a few units) so that the tests run in seconds: the recorded states
equal the stepper's, the truncated-context loss with unlimited context equals the full loss,
the correlation finder recovers a planted unit, the coloured text is static HTML.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from rnnbook import anatomy, cells, lookback, models
from rnnbook.stepper import CharStepper
from tests.conftest import SONNET_LINES

TEXT = SONNET_LINES * 3


@pytest.fixture(scope="module", params=cells.KINDS)
def model(request, vocab):
    import keras

    keras.utils.set_random_seed(1)
    return models.build_char_model(len(vocab), kind=request.param, units=8)


@pytest.fixture(scope="module")
def ids(vocab):
    return vocab.encode(TEXT)


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
    assert set(rec.values) == set(anatomy.RECORDED[rec.kind])
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


def test_every_kind_of_cell_has_its_recorder():
    assert set(anatomy.RECORDERS) == set(cells.KINDS)
    for kind, recorder in anatomy.RECORDERS.items():
        assert recorder.arrays[-1] == "h" and set(recorder.gates) <= set(recorder.arrays), kind


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


def test_unlimited_context_equals_the_full_loss(model, ids):
    positions = np.arange(1, len(ids))
    full = lookback.target_losses(model, ids, positions, None)
    unlimited = lookback.target_losses(model, ids, positions, context=len(ids))
    np.testing.assert_allclose(unlimited, full, atol=1e-5)
    # and the full loss is Keras's on the same targets
    probs = model.predict(ids[None], verbose=0)[0]
    keras_nll = -np.log(probs[positions - 1, ids[positions]])
    np.testing.assert_allclose(full, keras_nll, atol=1e-4)


def test_a_context_of_k_reads_exactly_the_last_k_characters(model, ids):
    positions = np.array([30, 45, 70])
    got = lookback.target_losses(model, ids, positions, context=7)
    for p, loss in zip(positions, got, strict=True):
        probs = model.predict(ids[None, p - 7:p], verbose=0)[0, -1]
        assert loss == pytest.approx(-np.log(probs[ids[p]]), abs=1e-4)


def test_context_curve_and_reached():
    curve = {1: 2.5, 5: 1.9, 10: 1.805, 20: 1.80, None: 1.80}
    assert lookback.context_reached(curve) == 10
    assert lookback.context_reached(curve, tol=0.001) == 20
    assert lookback.context_reached({1: 2.0, None: 1.0}) is None


def test_target_positions_are_random_sorted_and_in_range():
    pos = lookback.target_positions(1000, 50, first=100, seed=3)
    assert len(pos) == 50 and (np.diff(pos) > 0).all() and pos.min() >= 100 and pos.max() < 1000
    assert (lookback.target_positions(150, 500) == np.arange(100, 150)).all()
    with pytest.raises(ValueError, match=r"Argument `first` must lie in \[0, n\) = \[0, 50\)\. "
                       "Received: first=100"):
        lookback.target_positions(50, 10, first=100)
    with pytest.raises(ValueError, match="Argument `count` must be a positive integer. "
                       "Received: count=0"):
        lookback.target_positions(1000, 0)


def test_bad_positions_and_context_are_named(model, ids):
    with pytest.raises(ValueError, match=r"Argument `positions` must lie in \[1, \d+\)\. "
                       "Received: positions from 0 to 5"):
        lookback.target_losses(model, ids, [0, 5])
    with pytest.raises(ValueError, match=r"Argument `positions` must be a non-empty 1-D array\. "
                       r"Received: positions.shape=\(0,\)"):
        lookback.target_losses(model, ids, [])
    with pytest.raises(ValueError, match="Argument `context` must be None or a positive integer. "
                       "Received: context=0"):
        lookback.target_losses(model, ids, [5], context=0)
    with pytest.raises(ValueError, match=r"Argument `positions` must lie in \[12, \d+\) for "
                       "distance=12. Received: positions from 5 to 40"):
        lookback.saliency(model, ids, [5, 40], distance=12)


def test_saliency_matches_a_numerical_gradient(model, ids):
    positions = np.array([40, 60])
    sal = lookback.saliency(model, ids, positions, distance=12)
    assert sal.shape == (12,) and (sal >= 0).all()
    # the gradient norm at distance 1 by finite differences on the one-hot input
    layer = models.recurrent_layers(model)[0]
    dense_k, dense_b = (np.asarray(w, np.float64) for w in model.layers[-1].get_weights())
    forward = cells.cell(models.model_config(model)["kind"]).forward
    weights = [np.asarray(w, np.float64) for w in layer.get_weights()]

    def loss(x, y):
        logits = forward(x, weights)[0][:, -1] @ dense_k + dense_b
        return -(logits[0, y] - np.log(np.exp(logits[0]).sum()))

    norms = []
    for p in positions:
        x = np.eye(len(dense_b))[ids[p - 12:p]][None]
        grad = np.zeros(x.shape[2])
        for v in range(x.shape[2]):
            up, down = x.copy(), x.copy()
            up[0, -1, v] += 1e-5
            down[0, -1, v] -= 1e-5
            grad[v] = (loss(up, ids[p]) - loss(down, ids[p])) / 2e-5
        norms.append(np.linalg.norm(grad))
    assert sal[0] == pytest.approx(np.mean(norms), rel=1e-4)


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


def test_unit_explorer_finds_and_shows_a_unit(model, ids):
    from rnnbook.unit_explorer import UnitExplorer

    rec = anatomy.record(model, ids)
    explorer = UnitExplorer({"tiny": rec}, TEXT, passage=50)
    assert explorer.array.value == ("c" if rec.kind == "lstm" else "h")
    assert explorer.view.value.count("<span title=") == 50
    unit, r = explorer.find_unit(r"\n")
    assert explorer.unit.value == unit
    assert unit == anatomy.best_unit(rec[explorer.array.value], anatomy.regex_feature(TEXT,
                                                                                      r"\n"))[0]
    assert f"r = {r:+.2f}" in explorer.status.value
    explorer.start.value = 20
    np.testing.assert_allclose(explorer.activations(), rec[explorer.array.value][:, unit])
    assert explorer.find_unit("(") is None
    assert "Argument `pattern` must be a valid regular expression" in explorer.status.value
    with pytest.raises(ValueError, match=r"Argument `recordings` must have one step per "
                       r"character of text \(\d+\)\. Received: recordings\['tiny'\] has \d+ "
                       "steps"):
        UnitExplorer({"tiny": rec}, TEXT[:-1])
    with pytest.raises(ValueError, match="Argument `recordings` must name at least one "
                       "recording. Received: recordings={}"):
        UnitExplorer({}, TEXT)
    with pytest.raises(ValueError, match="Argument `passage` must be a positive integer. "
                       "Received: passage=0"):
        UnitExplorer({"tiny": rec}, TEXT, passage=0)


def test_unit_explorer_status_follows_the_view(model, ids):
    from rnnbook.unit_explorer import UnitExplorer

    rec = anatomy.record(model, ids)
    explorer = UnitExplorer({"tiny": rec, "again": rec}, TEXT, passage=50)
    for control in (explorer.model, explorer.array, explorer.unit, explorer.start,
                    explorer.pattern, explorer.find):  # no label shows the tooltip "null"
        said = control.tooltip if control.has_trait("tooltip") else control.description_tooltip
        assert said and len(said.split()) >= 5
    unit, r = explorer.find_unit(r"\n")
    assert f"unit {unit} of" in explorer.status.value and "follows" in explorer.status.value
    other = (unit + 1) % rec.units
    explorer.unit.set_state({"value": other})  # typed in the box
    assert explorer.status.value.startswith(f"unit {other} of") and "follows" not in \
        explorer.status.value
    explorer.unit.value = unit  # back to the unit found: the search's answer again
    assert f"r = {r:+.2f}" in explorer.status.value
    explorer.pattern.set_state({"value": "e"})  # a new pattern after the search: searched
    assert "<code>e</code>" in explorer.status.value
    assert explorer.unit.value == anatomy.best_unit(rec[explorer.array.value],
                                                    anatomy.regex_feature(TEXT, "e"))[0]
    assert explorer.find_unit("(") is None
    assert "valid regular expression" in explorer.status.value
    explorer.model.value = "again"  # the error no longer applies
    assert "valid regular expression" not in explorer.status.value
    assert explorer.status.value.startswith(f"unit {explorer.unit.value} of")
    assert explorer.find_unit("[") is None
    explorer.pattern.set_state({"value": "a"})  # the pattern meant arrives after the click
    assert "<code>a</code>" in explorer.status.value


def test_context_curve_has_every_context_and_the_full_loss(model, ids):
    positions = np.arange(30, len(ids), 7)
    curve = lookback.context_curve(model, ids, positions, contexts=(1, 5, len(ids)))
    assert set(curve) == {1, 5, len(ids), None}
    assert curve[len(ids)] == pytest.approx(curve[None], abs=1e-5)  # back to the start
    assert curve[5] == pytest.approx(lookback.context_loss(model, ids, positions, 5))
