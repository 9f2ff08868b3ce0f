"""The checkers of the Shakespeare chapters' exercises: the reference passes, mistakes named."""

import keras
import numpy as np
import pytest

from rnnbook import models
from rnnbook.config import Recipe
from rnnbook.exercises import core
from rnnbook.exercises import shakespeare_lstm as check
from rnnbook.text import windows
from tests.conftest import stub

TEXT = ("shall i compare thee to a summer's day?\nthou art more lovely and more temperate:\n"
        "rough winds do shake the darling buds of may,\nand summer's lease hath all too short "
        "a date:\n") * 4



def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# ---------------------------------------------------------------- temperature from logits


def test_temperature_reference_passes_and_stub_is_not_attempted(capsys):
    assert check.temperature_softmax(lambda z, t: softmax(np.asarray(z) / t)).passed is True
    assert check.temperature_softmax(stub).passed is False
    out = capsys.readouterr().out
    assert "correct" in out and "not attempted yet" in out


def test_temperature_dividing_probabilities_is_named():
    def renormalised(z, t):
        q = softmax(z) / t
        return q / q.sum(axis=-1, keepdims=True)

    with pytest.raises(core.ExerciseError, match="(?s)T = 0.5.*cancels out"):
        check.temperature_softmax(renormalised)
    with pytest.raises(core.ExerciseError, match="divided the probabilities by T: divide"):
        check.temperature_softmax(lambda z, t: softmax(z) / t)


def test_temperature_softmax_twice_is_named():
    with pytest.raises(core.ExerciseError, match="softmax twice"):
        check.temperature_softmax(lambda z, t: softmax(softmax(np.asarray(z) / t)))


def test_temperature_multiplied_is_named():
    with pytest.raises(core.ExerciseError, match="multiplied by the temperature"):
        check.temperature_softmax(lambda z, t: softmax(np.asarray(z) * t))


def test_temperature_overflow_is_named():
    def naive(z, t):
        e = np.exp(np.asarray(z) / t)
        return e / e.sum(axis=-1, keepdims=True)

    with np.errstate(over="ignore", invalid="ignore"):
        with pytest.raises(core.ExerciseError, match="(?s)NaN.*subtract the largest logit"):
            check.temperature_softmax(naive)


# ---------------------------------------------------------------- an Embedding, a second layer


@pytest.fixture(scope="module")
def small_data():
    return windows.prepare_char_data(TEXT, seq_len=20)


RECIPE = Recipe(seq_len=20, batch_size=8, learning_rate=1e-2, dropout=0.0)


def test_variant_reference_runs_and_reports(small_data, capsys):
    def variant(vocab_size, dropout):
        return models.build_char_model(vocab_size, "lstm", 16, embedding_dim=8, layers=2,
                                       dropout=dropout)

    assert check.variant_experiment(variant, small_data, epochs=2, recipe=RECIPE).passed is True
    out = capsys.readouterr().out
    assert "your variant" in out and "held-out nats" in out and "correct" in out


def test_variant_stub_is_not_attempted(small_data, capsys):
    assert check.variant_experiment(stub, small_data, epochs=1, recipe=RECIPE).passed is False
    assert "not attempted yet" in capsys.readouterr().out


def test_variant_same_as_baseline_is_named(small_data):
    with pytest.raises(core.ExerciseError, match="course's model again"):
        check.variant_experiment(
            lambda v, d: models.build_char_model(v, "lstm", 16, dropout=d), small_data,
            epochs=1, recipe=RECIPE)


def test_variant_without_return_sequences_is_named(small_data):
    def last_only(vocab_size, dropout):
        ids = keras.Input(shape=(None,), dtype="int32")
        x = keras.layers.Embedding(vocab_size, 8)(ids)
        x = keras.layers.LSTM(16)(x)
        return keras.Model(ids, keras.layers.Dense(vocab_size, activation="softmax")(x))

    with pytest.raises(core.ExerciseError, match="return_sequences"):
        check.variant_experiment(last_only, small_data, epochs=1, recipe=RECIPE)


def test_variant_without_softmax_is_named(small_data):
    def logits(vocab_size, dropout):
        ids = keras.Input(shape=(None,), dtype="int32")
        x = keras.layers.Embedding(vocab_size, 8)(ids)
        x = keras.layers.LSTM(16, return_sequences=True)(x)
        return keras.Model(ids, keras.layers.Dense(vocab_size)(x))

    with pytest.raises(core.ExerciseError, match="softmax"):
        check.variant_experiment(logits, small_data, epochs=1, recipe=RECIPE)


# ---------------------------------------------------------------- temperature: outside the list

def float32_softmax(logits, temperature):
    """Another right answer: float32, scipy-free, the row maxima by np.amax."""
    z = np.asarray(logits, np.float32) / np.float32(temperature)
    e = np.exp(z - np.amax(z, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_a_float32_softmax_passes():
    assert check.temperature_softmax(float32_softmax).passed is True


def _in_place(logits, temperature):
    logits /= temperature  # divides the caller's logits
    logits -= logits.max(axis=-1, keepdims=True)
    np.exp(logits, out=logits)
    logits /= logits.sum(axis=-1, keepdims=True)
    return logits


def _one_max_for_the_batch(logits, temperature):
    e = np.exp((logits - logits.max()) / temperature)
    return e / e.sum(axis=-1, keepdims=True)


def _first_row_only(logits, temperature):
    z = np.atleast_2d(logits)[0] / temperature
    e = np.exp(z - z.max())
    return e / e.sum()


@pytest.mark.parametrize(("answer", "named"), [
    (_in_place, "changed its input `logits` in place"),
    (_one_max_for_the_batch, "each row's own largest logit"),
    (_first_row_only, "has shape (6,), expected (3, 6)"),
    (lambda logits, t: "p", "should be an array of numbers, got a str"),
])
def test_wrong_softmaxes_outside_the_list_are_rejected(answer, named):
    with np.errstate(all="ignore"), pytest.raises(core.ExerciseError) as error:
        check.temperature_softmax(answer)
    assert named in str(error.value)


# ---------------------------------------------------------------- variant: outside the list

def _head(vocab_size, x):
    return keras.layers.Dense(vocab_size, activation="softmax")(x)


def stacked_cells(vocab_size, dropout):
    """Another right answer: two LSTM cells stacked inside one RNN layer, one-hot input."""
    ids = keras.Input(shape=(None,), dtype="int32")
    x = keras.layers.Lambda(lambda i: keras.ops.one_hot(i, vocab_size))(ids)
    cells = [keras.layers.LSTMCell(12, dropout=dropout), keras.layers.LSTMCell(12)]
    x = keras.layers.RNN(cells, return_sequences=True)(x)
    return keras.Model(ids, _head(vocab_size, x))


def nested_gru(vocab_size, dropout):
    """Another right answer: an Embedding and a GRU inside a nested Sequential."""
    body = keras.Sequential([keras.layers.Embedding(vocab_size, 8),
                             keras.layers.GRU(12, return_sequences=True, dropout=dropout)])
    ids = keras.Input(shape=(None,), dtype="int32")
    return keras.Model(ids, _head(vocab_size, body(ids)))


@pytest.mark.parametrize("build", [stacked_cells, nested_gru])
def test_other_right_variants_pass(build, small_data, capsys):
    assert check.variant_experiment(build, small_data, epochs=1, recipe=RECIPE).passed is True
    assert "your variant" in capsys.readouterr().out


def bidirectional(vocab_size, dropout):
    ids = keras.Input(shape=(None,), dtype="int32")
    x = keras.layers.Embedding(vocab_size, 8)(ids)
    x = keras.layers.Bidirectional(keras.layers.LSTM(8, return_sequences=True))(x)
    return keras.Model(ids, _head(vocab_size, x))


def one_more_character(vocab_size, dropout):
    return models.build_char_model(vocab_size + 1, "lstm", 16, embedding_dim=8)


def fixed_one_hot_input(vocab_size, dropout):
    x = keras.Input(shape=(20, vocab_size))
    y = keras.layers.LSTM(16, return_sequences=True)(x)
    y = keras.layers.LSTM(16, return_sequences=True)(y)
    return keras.Model(x, _head(vocab_size, y))


@pytest.mark.parametrize(("build", "named"), [
    (bidirectional, "(?s)prediction at step 0 changes when only the character at step 6 "
     "changes.*Bidirectional"),
    (one_more_character, r"(?s)\(2, 7, \d+\): one probability per character.*vocab_size it is "
     "given"),
    (fixed_one_hot_input, r"(?s)cannot read a batch of ids of shape \(2, 7\).*shape=\(None,\)"),
    (lambda vocab_size, dropout: keras.layers.LSTM(16), "should return a keras.Model; got LSTM"),
])
def test_wrong_variants_outside_the_list_are_rejected(build, named, small_data):
    with pytest.raises(core.ExerciseError, match=named) as error:
        check.variant_experiment(build, small_data, epochs=1, recipe=RECIPE)
    assert "Traceback" not in str(error.value)
