"""Tests of rnnbook.inside.lookback: truncated context and saliency over distance, on small
untrained models (the `model` and `ids` fixtures of conftest, one model per kind of cell)."""

from __future__ import annotations

import numpy as np
import pytest

from rnnbook import cells, models
from rnnbook.inside import lookback


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


def test_context_curve_has_every_context_and_the_full_loss(model, ids):
    positions = np.arange(30, len(ids), 7)
    curve = lookback.context_curve(model, ids, positions, contexts=(1, 5, len(ids)))
    assert set(curve) == {1, 5, len(ids), None}
    assert curve[len(ids)] == pytest.approx(curve[None], abs=1e-5)  # back to the start
    assert curve[5] == pytest.approx(lookback.context_loss(model, ids, positions, 5))


def test_model_saliency_equals_the_numpy_backward_pass(model, ids):
    """The backend's differentiation and the course's BPTT agree on a one-hot, one-layer model."""
    positions = np.array([30, 45, 60])
    np.testing.assert_allclose(lookback.model_saliency(model, ids, positions, distance=12),
                               lookback.saliency(model, ids, positions, distance=12),
                               rtol=1e-4, atol=1e-7)


def _tiny_transformer(vocab_size):
    import keras

    from rnnbook.cells.attention import TransformerSize, build_char_transformer
    keras.utils.set_random_seed(2)
    return build_char_transformer(vocab_size, TransformerSize(16, 2, 1, 2, 20, "learned"))


def test_a_transformer_reads_at_most_its_window(ids):
    model = _tiny_transformer(int(ids.max()) + 1)
    positions = np.arange(25, len(ids), 9)
    curve = lookback.context_curve(model, ids, positions, contexts=(1, 5, 20, 60))
    # Its full context is its window: more characters than 20 are not read.
    assert curve[20] == curve[60] == curve[None]
    last = model.predict(np.stack([ids[p - 5:p] for p in positions]), verbose=0)[:, -1]
    expected = -np.log(last[np.arange(len(positions)), ids[positions]]).mean()
    assert curve[5] == pytest.approx(expected, rel=1e-5)
    # a target with fewer characters before it than the context reads what there is
    (early,) = lookback.target_losses(model, ids, [3], context=10)
    assert early == pytest.approx(-np.log(model.predict(ids[None, :3], verbose=0)[0, -1,
                                                                                   ids[3]]))


def test_model_saliency_of_a_transformer_is_the_one_hot_gradient(ids):
    """Through the embedding: moving the one-hot input d steps back from its character c
    towards another, v, changes the loss at the rate grad[v] - grad[c] (finite differences)."""
    import keras

    from rnnbook.inside.input_gradients import input_gradients
    model = _tiny_transformer(int(ids.max()) + 1)
    positions = np.array([40, 50])
    windows = np.stack([ids[p - 20:p] for p in positions])
    sal = lookback.model_saliency(model, ids, positions, distance=20)
    grads = input_gradients(model, windows, ids[positions])  # (2, 20, vocab)
    np.testing.assert_allclose(input_gradients(model, windows, ids[positions], batch=1), grads,
                               rtol=1e-5, atol=1e-6)  # one window at a time (float32 sums)
    np.testing.assert_allclose(sal, np.linalg.norm(grads, axis=2).mean(axis=0)[::-1], rtol=1e-6)
    embedding = model.get_layer("embedding")
    tail = keras.Model(embedding.output, model.output)
    table = keras.ops.convert_to_numpy(embedding.embeddings)
    d, v = 3, (windows[0, -3] + 1) % len(table)

    def loss(eps):
        x = table[windows[:1]].copy()  # (1, 20, dim)
        x[0, -d] += eps * (table[v] - table[windows[0, -d]])
        probs = keras.ops.convert_to_numpy(tail(x))[0, -1]
        return -np.log(probs[ids[positions[0]]])

    numerical = (loss(0.05) - loss(-0.05)) / 0.1  # a step float32 resolves
    assert numerical == pytest.approx(grads[0, -d, v] - grads[0, -d, windows[0, -d]], rel=2e-2,
                                      abs=1e-5)
