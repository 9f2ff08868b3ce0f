"""The checkers of the chapter "More Shakespeare": references pass, typical mistakes are named."""

import keras
import numpy as np
import pytest

from rnnbook.exercises import core
from rnnbook.exercises import more_shakespeare as check
from rnnbook.models import build_char_model
from rnnbook.text import baselines
from rnnbook.text.vocabulary import Vocabulary
from rnnbook.text.windows import held_out_windows
from rnnbook.training.fitting import compile_char_model
from tests.conftest import QUATRAIN, stub, tiny_char_model


def test_stubs_are_not_attempted(capsys):
    model = keras.Model()
    assert check.cut_windows(stub).passed is False
    assert check.compressor_score(stub).passed is False
    assert check.forgetting(..., ..., model, model, None, prediction=...).passed is False
    assert check.frozen_experiment(stub, model, None).passed is False
    assert capsys.readouterr().out.count("not attempted yet") == 4


# ---------------------------------------------------------------- windows


def test_cut_windows_reference_passes(capsys):
    assert check.cut_windows(check.reference_cut_windows).passed is True
    assert "correct" in capsys.readouterr().out


def test_cut_windows_reference_is_window_streams():
    ids = np.random.default_rng(1).integers(0, 39, 5000).astype(np.uint8)
    stream = check.reference_cut_windows  # the same code as WindowStream.__getitem__, unshuffled
    from rnnbook.text.streams import WindowStream

    windows = WindowStream(ids, seq_len=10, batch_size=4, shuffle=False)
    x, y = windows[2]
    want_x, want_y = stream(ids, np.arange(8, 12) * 10, 10)
    np.testing.assert_array_equal(x, want_x)
    np.testing.assert_array_equal(y, want_y)


def _rows(ids, starts, length, shift=1):
    rows = np.asarray(starts)[:, None] + np.arange(length)[None, :]
    return ids[rows], ids[rows + shift]


@pytest.mark.parametrize(("wrong", "named"), [
    (lambda ids, s, n: (_rows(ids, s, n)[0],) * 2, "y equals x"),
    (lambda ids, s, n: _rows(ids, s, n, -1), "wrong way"),
    (lambda ids, s, n: _rows(ids, s + 1, n, -1), "swapped"),
    (lambda ids, s, n: _rows(ids, s, n - 1), "one character short"),
    (lambda ids, s, n: _rows(ids, s, n + 1), "one character long"),
    (lambda ids, s, n: _rows(ids, 0 * s, n), "starts at 0"),
    (lambda ids, s, n: _rows(ids, np.arange(len(s)) * n, n), "ignore `starts`"),
])
def test_cut_windows_mistakes_are_named(wrong, named):
    with pytest.raises(core.ExerciseError, match=f"(?s)Likely mistake.*{named}"):
        check.cut_windows(wrong)


def test_cut_windows_past_the_end_is_told_why():
    with pytest.raises(core.ExerciseError, match="raised IndexError"):
        check.cut_windows(lambda ids, s, n: _rows(ids, s * n, n))


def test_cut_windows_wants_a_pair():
    with pytest.raises(core.ExerciseError, match="pair"):
        check.cut_windows(lambda ids, starts, seq_len: ids[:seq_len])


# ---------------------------------------------------------------- a compressor's score


def test_compressor_score_reference_passes(capsys):
    assert check.compressor_score(check.reference_compressor_score).passed is True
    assert "correct" in capsys.readouterr().out


def test_compressor_reference_is_compressor_nats():
    train, held = check.compressor_texts()
    bz2 = baselines.COMPRESSORS["bz2"]
    assert check.reference_compressor_score(train, held, 40, bz2) == pytest.approx(
        baselines.compressor_nats(train, held, 40, "bz2", drops=1), abs=1e-12)


def test_compressor_texts_give_distinct_mistakes():
    train, held = check.compressor_texts()
    for first, compress in ((40, baselines.COMPRESSORS["bz2"]),
                            (100, baselines.COMPRESSORS["lzma"])):
        right = check.reference_compressor_score(train, held, first, compress)
        values = [right, *check._compressor_mistakes(train, held, first, compress).values()]
        assert min(np.diff(sorted(values))) > 1e-3
        assert 0 < right < np.log(len(set(train)))  # a compressor learns something of the order


def _bits(train, held, first, compress):
    before, whole = (train + held[:first]).encode(), (train + held).encode()
    return 8 * (len(compress(whole)) - len(compress(before)))


@pytest.mark.parametrize(("wrong", "named"), [
    (lambda t, h, f, c: _bits(t, h, f, c) / 8 * np.log(2) / (len(h) - f), "in bytes"),
    (lambda t, h, f, c: _bits(t, h, f, c) / (len(h) - f), "bits per character"),
    (lambda t, h, f, c: _bits(t, h, f, c) * np.log(2) / len(h), "every held-out character"),
    (lambda t, h, f, c: _bits("", h, f, c) * np.log(2) / (len(h) - f), "without the training"),
    (lambda t, h, f, c: 8 * (len(c((t + h).encode())) - len(c(t.encode()))) * np.log(2)
     / (len(h) - f), "context, not targets"),
])
def test_compressor_score_mistakes_are_named(wrong, named):
    with pytest.raises(core.ExerciseError, match=f"(?s)Likely mistake.*{named}"):
        check.compressor_score(wrong)


# ---------------------------------------------------------------- forgetting


@pytest.fixture(scope="module")
def two_models():
    """A tiny model, a copy trained a few steps further, and held-out targets of 12 windows."""
    vocab = Vocabulary.from_text(QUATRAIN.lower())
    ids = vocab.encode(QUATRAIN.lower())
    keras.utils.set_random_seed(0)
    before = build_char_model(len(vocab), units=8, embedding_dim=4)
    after = keras.models.clone_model(before)
    after.set_weights(before.get_weights())
    compile_char_model(after, 1e-2)
    x = np.stack([ids[i:i + 20] for i in range(0, 400, 20)])
    y = np.stack([ids[i + 1:i + 21] for i in range(0, 400, 20)])
    after.fit(x, y, epochs=30, verbose=0)
    held = check.first_windows(held_out_windows(ids, seq_len=20, context=5), 12)
    return before, after, held


def test_first_windows_keeps_the_mask():
    ids = np.arange(300) % 7
    held = held_out_windows(ids, seq_len=20, context=5)
    part = check.first_windows(held, 3)
    assert part.x.shape == (3, 20) and part.targets == held.mask[:3].sum()
    assert check.first_windows(held, None) is held
    with pytest.raises(ValueError, match="windows"):
        check.first_windows(held, 0)


@pytest.mark.parametrize("prediction", ["better", "worse", None])
def test_forgetting_right_numbers_pass_whatever_the_prediction(two_models, prediction, capsys):
    pretrained, tuned, held = two_models
    before, after = held.loss(pretrained), held.loss(tuned)
    assert check.forgetting(before, after, pretrained, tuned, held,
                            prediction=prediction).passed is True
    out = capsys.readouterr().out
    assert "correct" in out and f"{after - before:+.3f} nats" in out
    if prediction is not None:
        assert "You predicted" in out


def test_forgetting_mistakes_are_named(two_models):
    pretrained, tuned, held = two_models
    before, after = held.loss(pretrained), held.loss(tuned)
    with pytest.raises(core.ExerciseError, match="(?s)Likely mistake.*swapped"):
        check.forgetting(after, before, pretrained, tuned, held)
    with pytest.raises(core.ExerciseError, match="(?s)Likely mistake.*in bits"):
        check.forgetting(before / np.log(2), after, pretrained, tuned, held)
    unmasked = type(held)(held.x, held.y, None)
    with pytest.raises(core.ExerciseError, match="(?s)Likely mistake.*masked"):
        check.forgetting(before, unmasked.loss(tuned), pretrained, tuned, held)
    with pytest.raises(core.ExerciseError, match="(?s)same model.*in place"):
        check.forgetting(before, before, pretrained, pretrained, held)
    with pytest.raises(core.ExerciseError, match="better.*worse"):
        check.forgetting(before, after, pretrained, tuned, held, prediction="the same")


# ---------------------------------------------------------------- a frozen first layer


def fine_tuner(data, freezing=True, copying=True, bits=False):
    def fine_tune_dev(model, freeze):
        copy = model
        if copying:
            copy = keras.models.clone_model(model)
            copy.set_weights(model.get_weights())
        if freeze and freezing:
            copy.get_layer("lstm_0").trainable = False
        compile_char_model(copy, 1e-2)
        copy.fit(data.x_train, data.y_train, batch_size=32, epochs=1, verbose=0)
        loss = data.held_out.loss(copy)
        return copy, loss / np.log(2) if bits else loss
    return fine_tune_dev


def test_frozen_experiment_reference_passes(capsys):
    data, model = tiny_char_model()
    assert check.frozen_experiment(fine_tuner(data), model, data).passed is True
    out = capsys.readouterr().out
    assert "lstm_0 frozen" in out and "correct" in out


@pytest.mark.parametrize(("kwargs", "named"), [
    ({"freezing": False}, "weights changed"),
    ({"copying": False}, "changed `pretrained`"),
    ({"bits": True}, "(?s)Likely mistake.*in bits"),
])
def test_frozen_experiment_mistakes_are_named(kwargs, named):
    data, model = tiny_char_model()
    with pytest.raises(core.ExerciseError, match=named):
        check.frozen_experiment(fine_tuner(data, **kwargs), model, data)


# --- wrong answers outside the named mistakes, and other right answers -----------------------

def windows_by_stacking(ids, starts, seq_len):
    """Another right answer: a list of slices stacked, a list returned."""
    rows = np.stack([ids[s:s + seq_len + 1] for s in starts])
    return [rows[:, :-1], rows[:, 1:]]


def windows_sorting_starts(ids, starts, seq_len):
    starts.sort()  # reorders the caller's starts in place
    return check.reference_cut_windows(ids, starts, seq_len)


def test_another_right_cut_windows_passes():
    assert check.cut_windows(windows_by_stacking).passed is True


@pytest.mark.parametrize(("wrong", "named"), [
    (windows_sorting_starts, "changed its input `starts` in place"),
    (lambda ids, starts, n: (_rows(ids, starts, n)[0], "y"), "your y"),
    (lambda ids, starts, n: _rows(ids, np.sort(starts), n), "differs at window"),
])
def test_wrong_cut_windows_outside_the_list_are_rejected(wrong, named):
    with pytest.raises(core.ExerciseError, match=named):
        check.cut_windows(wrong)


def test_compressor_score_accepts_a_numpy_scalar_and_rejects_a_string():
    def float32_score(*args):
        return np.float64(check.reference_compressor_score(*args))

    assert check.compressor_score(float32_score).passed is True
    with pytest.raises(core.ExerciseError, match="one number"):
        check.compressor_score(lambda *a: str(check.reference_compressor_score(*a)))
    with pytest.raises(core.ExerciseError, match="one number"):
        check.compressor_score(lambda *a: [check.reference_compressor_score(*a)])


# --- forgetting: wrong answers outside the named mistakes, and other right answers ------------

@pytest.mark.parametrize("form", [np.float32, np.asarray, lambda x: round(x, 3)])
def test_forgetting_accepts_numpy_and_rounded_numbers(two_models, form):
    pretrained, tuned, held = two_models
    before, after = held.loss(pretrained), held.loss(tuned)
    assert check.forgetting(form(before), form(after), pretrained, tuned, held,
                            prediction=" Worse").passed is True


def _every_window(held, model):
    """The loss on every held-out window of the text, not on the first 12 the cell keeps."""
    ids = Vocabulary.from_text(QUATRAIN.lower()).encode(QUATRAIN.lower())
    return held_out_windows(ids, seq_len=20, context=5).loss(model)


@pytest.mark.parametrize(("wrong", "named"), [
    (lambda held, model: str(held.loss(model)), r"`after` \(nats per character\) should be a "
     "number, got a str"),
    (lambda held, model: [held.loss(model)], "should be one number, got a list"),
    (_every_window, "`after` = .* is not `tuned`'s loss on `held_out`"),
    (lambda held, model: np.log(len(Vocabulary.from_text(QUATRAIN.lower()))),
     "`after` = .* is not `tuned`'s loss on `held_out`"),
])
def test_wrong_afters_outside_the_list_are_rejected(two_models, wrong, named):
    # `tuned` is the trained one of the two: its loss differs from window to window.
    pretrained, tuned, held = two_models
    with pytest.raises(core.ExerciseError, match=named) as error:
        check.forgetting(held.loss(pretrained), wrong(held, tuned), pretrained, tuned, held)
    # The measured loss is not in the message: a number copied from it would pass.
    assert f"{held.loss(tuned):.3f}" not in str(error.value)


def test_forgetting_rejects_the_pretrained_loss_twice(two_models):
    pretrained, tuned, held = two_models
    with pytest.raises(core.ExerciseError, match="`after` = .* is not `tuned`'s loss"):
        check.forgetting(held.loss(pretrained), held.loss(pretrained), pretrained, tuned, held)


# --- a frozen first layer: wrong answers outside the list, and other right answers -----------

def other_fine_tuner(data):
    """Another right answer: the layer found by position, trainable set in both runs, a list
    with a NumPy float32 loss."""
    def fine_tune_dev(model, freeze):
        copy = keras.models.clone_model(model)
        copy.set_weights(model.get_weights())
        recurrent = [layer for layer in copy.layers if isinstance(layer, keras.layers.LSTM)]
        recurrent[0].trainable = not freeze
        compile_char_model(copy, 1e-2)
        copy.fit(data.x_train, data.y_train, batch_size=16, epochs=1, verbose=0)
        return [copy, np.float32(data.held_out.loss(copy))]
    return fine_tune_dev


def test_another_right_frozen_experiment_passes():
    data, model = tiny_char_model()
    assert check.frozen_experiment(other_fine_tuner(data), model, data).passed is True


def wrong_fine_tuner(data, how):
    def fine_tune_dev(model, freeze):
        copy = keras.models.clone_model(model)
        if how != "no set_weights":
            copy.set_weights(model.get_weights())
        if freeze:
            if how == "everything":
                copy.trainable = False
            elif how == "the output layer":
                copy.get_layer("next_char").trainable = False
            else:
                copy.get_layer("lstm_0").trainable = False
        compile_char_model(copy, 1e-2)
        copy.fit(data.x_train, data.y_train, batch_size=32, epochs=1, verbose=0)
        loss = data.held_out.loss(model if how == "loss before" else copy)
        if how == "reversed pair":
            return loss, copy
        if how == "loss as text":
            return copy, f"{loss:.3f}"
        return copy, loss
    return fine_tune_dev


@pytest.mark.parametrize(("how", "named"), [
    ("everything", "(?s)the weights of next_char stayed as they were too.*freeze lstm_0 alone"),
    ("the output layer", "(?s)lstm_0's weights changed and those of next_char stayed.*you froze "
     "next_char, not lstm_0"),
    ("no set_weights", "(?s)lstm_0 is frozen but its weights are not `pretrained`'s.*"
     "set_weights"),
    ("loss before", "(?s)Likely mistake: that is the loss of `pretrained`"),
    ("reversed pair", "got a tuple of \\(float, Functional\\)"),
    ("loss as text", "should be a number, got a str"),
])
def test_wrong_frozen_experiments_outside_the_list_are_rejected(how, named):
    data, model = tiny_char_model()
    with pytest.raises(core.ExerciseError, match=named):
        check.frozen_experiment(wrong_fine_tuner(data, how), model, data)


def test_returning_pretrained_itself_is_not_called_a_change():
    data, model = tiny_char_model()
    with pytest.raises(core.ExerciseError, match="returned `pretrained` itself, not a fine-tuned"):
        check.frozen_experiment(lambda m, freeze: (m, data.held_out.loss(m)), model, data)


# --- a compressor's score: wrong answers that are not malformed, and other right answers ------

def _per_byte(t, h, f, c):  # divided by the targets' UTF-8 bytes, not their characters
    return _bits(t, h, f, c) * np.log(2) / len(h[f:].encode("utf-8"))


def _always_bz2(t, h, f, c):  # the compressor it is given ignored
    import bz2
    return _bits(t, h, f, lambda data: bz2.compress(data, 9)) * np.log(2) / (len(h) - f)


def _one_target_more(t, h, f, c):  # off by one: the character before the targets counted
    return _bits(t, h, f, c) * np.log(2) / (len(h) - f + 1)


def _shorter_minus_longer(t, h, f, c):  # the two sizes subtracted the other way round
    return -_bits(t, h, f, c) * np.log(2) / (len(h) - f)


def _latin1_replaced(t, h, f, c):  # non-ASCII characters replaced by one "?" byte each
    return _bits(t.encode("ascii", "replace").decode(), h.encode("ascii", "replace").decode(), f,
                 c) * np.log(2) / (len(h) - f)


@pytest.mark.parametrize(("wrong", "named"), [
    (_per_byte, r"differs at the value.*\(lzma, curly apostrophes"),
    (_always_bz2, r"differs at the value.*\(lzma, the first 100"),
    (_one_target_more, r"differs at the value.*\(bz2, the first 40"),
    (_shorter_minus_longer, r"your score is -0.8571 nats per character \(bz2, the first 40.*"
     "positive"),
    (_latin1_replaced, r"differs at the value.*\(lzma, curly apostrophes"),
    (lambda *a: {"nats": check.reference_compressor_score(*a)},
     "your score .* should be one number, got a dict"),
])
def test_compressor_score_wrong_values_outside_the_list_are_rejected(wrong, named):
    with pytest.raises(core.ExerciseError, match=f"(?s){named}") as error:
        check.compressor_score(wrong)
    message = str(error.value)
    assert message.startswith(check.EX_COMPRESSOR)
    assert "unexpected form" not in message
    assert not any(hint in message for hint in check._compressor_mistakes(
        *check.compressor_texts(), 40, baselines.COMPRESSORS["bz2"]))


def test_compressor_score_other_right_answers_pass():
    import math

    def base_change(t, h, f, c):  # bytes to nats in one go: ln 256 nats per byte, float32
        before, whole = (t + h[:f]).encode("utf-8"), (t + h).encode("utf-8")
        return np.float32((len(c(whole)) - len(c(before))) * math.log(256) / len(h[f:]))

    def log2_e(t, h, f, c):  # bits divided by log2(e), a 0-d array
        return np.asarray(_bits(t, h, f, c) / math.log2(math.e) / (len(h) - f))

    assert check.compressor_score(base_change).passed is True
    assert check.compressor_score(log2_e).passed is True


# --- a frozen first layer: more wrong answers outside the named list ------------------------

def more_wrong_fine_tuner(data, how):
    runs = []

    def fine_tune_dev(model, freeze):
        copy = keras.models.clone_model(model)
        copy.set_weights(model.get_weights())
        frozen = not freeze if how == "inverted" else freeze
        copy.get_layer("lstm_0").trainable = not frozen
        compile_char_model(copy, 1e-2)
        copy.fit(data.x_train, data.y_train, batch_size=32, epochs=1, verbose=0)
        if how == "training windows":  # measured on what it trained on, not the held-out text
            loss = copy.evaluate(data.x_train, data.y_train, verbose=0, return_dict=True)["loss"]
        else:
            loss = data.held_out.loss(copy)
        runs.append(loss)
        if how == "first run's loss":  # the loss of the first run, reported for both
            loss = runs[0]
        return copy, loss
    return fine_tune_dev


@pytest.mark.parametrize(("how", "named"), [
    ("inverted", "in the trained run, lstm_0's weights stayed as they were"),
    ("training windows", "the dev loss of the trained run differs at the value"),
    ("first run's loss", "the dev loss of the frozen run differs at the value"),
])
def test_more_wrong_frozen_experiments_outside_the_list_are_rejected(how, named):
    data, model = tiny_char_model()
    with pytest.raises(core.ExerciseError) as error:
        check.frozen_experiment(more_wrong_fine_tuner(data, how), model, data)
    message = str(error.value)
    assert message.startswith(check.EX_FROZEN) and named in message, message
    assert not any(hint in message for hint in ("in bits", "the loss of `pretrained`",
                                                "freeze lstm_0 alone", "you froze"))
