"""The NumPy replica of a character model: the same probabilities as Keras, one step at a time."""

import keras
import numpy as np
import pytest

from rnnbook import cells
from rnnbook.generation.stepper import CharStepper
from rnnbook.models import build_char_model
from rnnbook.text.vocabulary import Vocabulary

VOCAB = Vocabulary.from_text("shall i compare thee to a summer's day?\n")


def _cells_written(kind: str) -> bool:
    """The NumPy cell of ``kind`` exists (it is written in its own chapter's issue)."""
    stepper = CharStepper.from_model(build_char_model(5, kind=kind, units=3))
    try:
        stepper.step(np.array([0]))
    except NotImplementedError:
        return False
    return True


@pytest.mark.parametrize("kind", cells.KINDS)
@pytest.mark.parametrize("embedding_dim, layers", [(None, 1), (5, 2)])
def test_stepper_matches_predict(kind, embedding_dim, layers):
    if not _cells_written(kind):
        pytest.skip(f"the NumPy {kind} cell is not written yet")
    keras.utils.set_random_seed(0)
    model = build_char_model(len(VOCAB), kind=kind, units=12, embedding_dim=embedding_dim,
                             layers=layers, dropout=0.2 if layers > 1 else 0.0)
    ids = np.random.default_rng(1).integers(0, len(VOCAB), (3, 30))
    expected = model.predict(ids, verbose=0)
    stepper = CharStepper.from_model(model)
    assert stepper.vocab_size == len(VOCAB)
    state = stepper.initial_state(3)
    assert len(state) == layers * (2 if kind == "lstm" else 1)
    assert all(s.shape == (3, 12) for s in state)
    got = []
    for t in range(ids.shape[1]):
        probs, state = stepper.step(ids[:, t], state)
        got.append(probs)
    assert np.abs(np.stack(got, axis=1) - expected).max() < 1e-5
    # feed() reads a whole prefix: the same probabilities after its last character.
    fed, _ = stepper.feed(ids, None)
    assert np.abs(fed - expected[:, -1]).max() < 1e-5
    # Feeding in two parts, carrying the state, is the same as feeding once.
    _, half = stepper.feed(ids[:, :10])
    probs, _ = stepper.feed(ids[:, 10:], half)
    assert np.abs(probs - expected[:, -1]).max() < 1e-5


@pytest.mark.parametrize("kind", cells.KINDS)
def test_step_arrays_and_advance_replay_the_same_steps(kind):
    keras.utils.set_random_seed(0)
    model = build_char_model(len(VOCAB), kind=kind, units=6, embedding_dim=5, layers=2)
    stepper = CharStepper.from_model(model)
    ids = np.random.default_rng(1).integers(0, len(VOCAB), (2, 12))
    state = arrays_state = advanced = None
    for t in range(ids.shape[1]):
        probs, state = stepper.step(ids[:, t], state)
        probs_a, arrays_state, arrays = stepper.step_arrays(ids[:, t], arrays_state)
        advanced, advanced_arrays = stepper.advance(stepper.input_table[ids[:, t]], advanced)
        np.testing.assert_array_equal(probs_a, probs)
        for s, a, v in zip(state, arrays_state, advanced, strict=True):
            np.testing.assert_array_equal(a, s)
            np.testing.assert_array_equal(v, s)
        assert len(arrays) == 2 and [list(a) for a in arrays] == [list(stepper.cell.arrays)] * 2
        size = stepper.cell.state_size
        for layer in range(2):
            np.testing.assert_array_equal(arrays[layer]["h"], state[size * layer])
            for name in arrays[layer]:
                np.testing.assert_array_equal(advanced_arrays[layer][name], arrays[layer][name])


def test_stepper_rejects_bad_ids_and_state():
    stepper = CharStepper.from_model(build_char_model(len(VOCAB), units=4))
    with pytest.raises(ValueError, match="ids"):
        stepper.step(np.array([len(VOCAB)]))
    with pytest.raises(ValueError, match="ids"):
        stepper.step(np.array([[1, 2]]))
    with pytest.raises(ValueError, match="ids"):
        stepper.feed(np.array([1, 2]))
    with pytest.raises(ValueError, match="state"):
        stepper.step(np.array([1, 2]), stepper.initial_state(3))
    with pytest.raises(ValueError, match="batch_size"):
        stepper.initial_state(0)
    with pytest.raises(ValueError, match="Argument `model` must be a character model"):
        CharStepper.from_model(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]))


def test_weights_are_checked_and_split_once_not_per_step(monkeypatch):
    from rnnbook.cells.numpy_rnn import lstm

    stepper = CharStepper.from_model(build_char_model(len(VOCAB), "lstm", units=4, layers=2))
    calls = []
    original = lstm._check_weights
    monkeypatch.setattr(lstm, "_check_weights",
                        lambda *a, **k: calls.append(1) or original(*a, **k))
    stepper.feed(VOCAB.encode("shall i compare")[None])
    assert calls == []  # the LSTMWeights built with the stepper skip every check
    lstm.lstm_step(np.zeros((1, 4)), np.zeros((1, 4)), np.zeros((1, 4)), stepper.cells[1])
    assert calls == [1]  # whereas Keras's arrays are checked at every call
