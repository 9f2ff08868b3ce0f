"""The tutorial's program, kept as it was: data, sampler, generation loop, weight transfer."""

import keras
import numpy as np
import pytest

from rnnbook.training.tutorial_program import (
    TutorialSampleCallback,
    fit_tutorial,
    tutorial_generate,
    tutorial_held_out,
    tutorial_model,
    tutorial_prepare,
    tutorial_sample,
    tutorial_to_char_model,
)

TEXT = ("From fairest creatures we desire increase,\nThat thereby beauty's rose might never die,\n"
        "But as the riper should by time decease,\nHis tender heir might bear his memory:\n") * 8


def test_tutorial_prepare_builds_one_hot_next_char_windows():
    tut = tutorial_prepare(TEXT[:200], maxlen=10)
    assert sorted(tut.chars) == sorted(set(TEXT[:200].lower()))
    assert tut.x.dtype == bool and tut.x.shape == (190, 10, len(tut.chars))
    assert tut.y.shape == (190, len(tut.chars))
    decoded = "".join(tut.chars[i] for i in tut.x[3].argmax(-1))
    assert decoded == TEXT[:200].lower()[3:13] and tut.chars[tut.y[3].argmax()] == TEXT[13].lower()


def test_tutorial_sampler_flattens_the_distribution():
    preds = np.array([0.9, 0.05, 0.03, 0.02] + [0.0] * 35)
    p = np.exp(preds) / np.exp(preds).sum()
    assert p.max() < 2.5 / len(preds)  # the model's 0.9 becomes about 2.4 / 39
    rng = np.random.default_rng(0)
    draws = [tutorial_sample(preds, rng) for _ in range(400)]
    assert np.mean(np.array(draws) == 0) < 0.15  # a correct sampler would pick 0 ~90% of the time


def test_tutorial_generate_and_weight_transfer_agree_with_the_tutorials_model():
    keras.utils.set_random_seed(0)
    tut = tutorial_prepare(TEXT[:400], maxlen=12)
    model = tutorial_model(12, len(tut.chars), units=8)
    model.fit(tut.x[:64], tut.y[:64], batch_size=32, epochs=1, verbose=0)
    out = tutorial_generate(model, TEXT[:12].lower(), tut.chars, length=5,
                                     rng=np.random.default_rng(0))
    assert len(out) == 5 and set(out) <= set(tut.chars)
    with pytest.raises(ValueError, match="seed"):
        tutorial_generate(model, "short", tut.chars, length=1)
    char_model, vocab = tutorial_to_char_model(model, tut.chars)
    ids = np.stack([vocab.encode("".join(tut.chars[i] for i in w.argmax(-1))) for w in tut.x[:20]])
    expected = model.predict(tut.x[:20], verbose=0)  # tutorial's order
    got = char_model.predict(ids, verbose=0)[:, -1]  # sorted order
    perm = [tut.chars.index(c) for c in vocab.chars]
    assert np.abs(expected[:, perm] - got).max() < 1e-5


def test_fit_tutorial_times_epochs_and_measures_held_out_loss():
    keras.utils.set_random_seed(0)
    text = TEXT.lower()
    chars = list(set(text))
    tut = tutorial_prepare(text[:600], maxlen=10, chars=chars)
    held = tutorial_held_out(text[600:800], chars, maxlen=10)
    assert held.y.shape == (190,) and held.targets == 190
    model = tutorial_model(10, len(chars), units=8)
    cb = TutorialSampleCallback(tut, length=3, printer=None)
    log = fit_tutorial(model, tut, 2, held, callbacks=[cb])
    assert [r["epoch"] for r in log.records] == [1, 2]
    assert all("val_loss" in r and r["seconds"] > 0 for r in log.records)
    assert len(cb.samples) == 2 and len(cb.samples[0][2]) == 3 and len(cb.seconds) == 2
