"""A widely read blog tutorial's Keras program, kept as a museum piece, flaws included.

The program: the sonnets lower-cased, ``chars = list(set(text))``, 40-character one-hot windows
cut at every character (step 1) with the next character as the only target, ``LSTM(128)`` and a
softmax trained with Adam in batches of 256 for 100 epochs, and a sampler that applies
``exp(p) / sum(exp(p))`` to the model's probabilities. It is not the keras.io example
(*Character-level text generation with LSTM*: a sorted vocabulary, ``log(preds) / temperature``,
RMSprop, Nietzsche, windows every 3 characters, batches of 128); the chapter *The tutorial's
program and its three flaws* runs this one and sets the two side by side.

One-hot next-character windows (:func:`tutorial_prepare`), its model (:func:`tutorial_model`),
its sampler, which applies a softmax to probabilities, a bug (:func:`tutorial_sample`), and its
generation loop, one ``model.predict`` call per character (:func:`tutorial_generate`). The
course adds what it needs to measure it on the same targets as its own recipe
(:func:`tutorial_held_out`, :func:`fit_tutorial`) and to run its trained weights on the fast
generator (:func:`tutorial_to_char_model`). It is not part of the course's recipe
(:mod:`rnnbook.training.fitting`).

Kept as the tutorial wrote it (ported to Keras 3, ``np.bool`` -> ``bool``): the chapters show
each flaw with evidence, and the benchmark times it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

from rnnbook import validate
from rnnbook.models import build_char_model
from rnnbook.text.vocabulary import Vocabulary
from rnnbook.text.windows import HeldOut, next_char_windows, one_hot
from rnnbook.training.callbacks import EpochLog, Progress
from rnnbook.training.fitting import TrainingLog

# Kept as the tutorial wrote it (ported to Keras 3, `np.bool` -> `bool`), flaws included:
# the chapter shows each flaw with evidence, and the benchmark times it.


@dataclass
class TutorialData:
    """The tutorial's tensors: one-hot windows of ``maxlen`` characters and the next character.

    Attributes:
        chars: the tutorial's vocabulary, ``list(set(text))`` (its order changes with the
            process's hash seed).
        char_indices: character -> id in that order.
        x: (windows, maxlen, len(chars)) bool one-hot inputs.
        y: (windows, len(chars)) bool one-hot targets.
        text: the lower-cased text the windows come from.
    """

    chars: list[str]
    char_indices: dict[str, int]
    x: np.ndarray
    y: np.ndarray
    text: str = field(repr=False)


def tutorial_prepare(text: str, maxlen: int = 40, step: int = 1,
                     chars: Sequence[str] | None = None) -> TutorialData:
    """The tutorial's data: lower-cased text, ``chars = list(set(text))``, one-hot windows.

    ``chars`` may be passed to reuse the vocabulary of an earlier call (e.g. to encode the
    held-out text with the training text's ids); by default it is ``list(set(text))``.
    """
    text = text.lower()
    chars = list(set(text)) if chars is None else list(chars)
    char_indices = {c: i for i, c in enumerate(chars)}
    ids = np.array([char_indices[c] for c in text], dtype=np.int32)
    x_ids, y_ids = next_char_windows(ids, seq_len=maxlen, step=step)
    return TutorialData(chars, char_indices, one_hot(x_ids, len(chars), bool),
                        one_hot(y_ids, len(chars), bool), text)


def tutorial_model(maxlen: int, vocab_size: int, units: int = 128) -> keras.Model:
    """The tutorial's model: ``LSTM(128)`` on one-hot windows, ``Dense(vocab, softmax)``.

    Compiled as the tutorial compiles it: categorical cross-entropy, Adam (default settings).
    """
    model = keras.Sequential([
        keras.Input((maxlen, vocab_size)),
        keras.layers.LSTM(units),
        keras.layers.Dense(vocab_size, activation="softmax"),
    ], name="tutorial_lstm")
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    return model


def tutorial_sample(preds: np.ndarray, rng: np.random.Generator | None = None) -> int:
    """The tutorial's sampler, bug included: a softmax applied to probabilities.

    ``preds`` already sums to one; ``exp(p) / sum(exp(p))`` squeezes every probability towards
    ``1 / vocab`` (exp is nearly linear on [0, 1]), so it samples from an almost uniform
    distribution. ``rng`` (not in the tutorial, which calls ``np.random.choice``) makes the
    draw reproducible.
    """
    p = np.exp(preds) / np.sum(np.exp(preds))
    choice = (rng or np.random).choice
    return int(choice(range(len(p.ravel())), p=p.ravel()))


def tutorial_generate(
    model: keras.Model,
    seed: str,
    chars: Sequence[str],
    length: int = 200,
    sampler: Callable[[np.ndarray], int] | None = None,
    rng: np.random.Generator | None = None,
) -> str:
    """The tutorial's generation loop: re-encode the window, ``model.predict``, sample, slide.

    Each character re-runs the LSTM over the whole window (40 steps) in a fresh ``predict``
    call. ``sampler`` (default: :func:`tutorial_sample`) maps the (vocab,) probabilities to an
    id.

    Returns:
        The ``length`` generated characters.
    """
    char_indices = {c: i for i, c in enumerate(chars)}
    maxlen = model.input_shape[1]
    if len(seed) != maxlen:
        raise validate.error_for("seed", f"be exactly {maxlen} characters long", seed)
    if sampler is None:
        sampler = lambda p: tutorial_sample(p, rng)  # noqa: E731
    window, out = seed, []
    for _ in range(length):
        x = np.zeros((1, maxlen, len(chars)), dtype=bool)
        for t, char in enumerate(window):
            x[0, t, char_indices[char]] = True
        preds = model.predict(x, verbose=0)[0]
        next_char = chars[sampler(preds)]
        out.append(next_char)
        window = window[1:] + next_char
    return "".join(out)


def tutorial_held_out(val_text: str, chars: Sequence[str], maxlen: int = 40) -> HeldOut:
    """The held-out text as the tutorial's model reads it: one-hot windows, the next character.

    Not part of the tutorial (it holds nothing out): the course adds it to measure the
    tutorial's recipe on the same targets as its own (positions ``maxlen`` .. end of the
    held-out text; see :func:`held_out_windows`).
    """
    val = tutorial_prepare(val_text, maxlen, 1, chars=chars)
    return HeldOut(val.x, val.y.argmax(axis=-1).astype(np.int32))


def fit_tutorial(
    model: keras.Model,
    data: TutorialData,
    epochs: int,
    held_out: HeldOut | None = None,
    batch_size: int = 256,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    progress: Callable[[str], Any] | None = print,
) -> TrainingLog:
    """``model.fit(x, y, batch_size=256, epochs=...)`` as the tutorial calls it, timed.

    With ``held_out`` (the course's addition) the validation loss is measured after every
    epoch, outside the timed training. Nothing is kept or restored: the model ends with its
    last epoch's weights, as in the tutorial. ``progress`` is called with one line per epoch
    (:class:`~rnnbook.training.callbacks.Progress`; ``None``: silent).
    """
    epoch_log = EpochLog(held_out)
    shown = [Progress(progress, label="tutorial")] if progress is not None else []
    model.fit(data.x, data.y, batch_size=batch_size, epochs=int(epochs),
              callbacks=[epoch_log, *shown, *callbacks], verbose=0)
    vals = [r["val_loss"] for r in epoch_log.records if "val_loss" in r]
    best = int(np.argmin(vals)) if vals else None
    return TrainingLog(epoch_log.records, None if best is None else best + 1,
                       None if best is None else vals[best])


class TutorialSampleCallback(keras.callbacks.Callback):
    """The tutorial's per-epoch callback: a random 40-character seed, then its generation loop.

    Attributes:
        samples: ``(epoch, seed, text)`` for each sample; ``seconds``: time of each.
    """

    def __init__(self, data: TutorialData, length: int = 200, every: int = 1,
                 rng: np.random.Generator | None = None,
                 printer: Callable[[str], Any] | None = print) -> None:
        super().__init__()
        self.data, self.length, self.every, self.printer = data, length, every, printer
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self.samples: list[tuple[int, str, str]] = []
        self.seconds: list[float] = []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every or self.length < 1:
            return
        maxlen = self.model.input_shape[1]
        start = int(self.rng.integers(0, len(self.data.text) - maxlen - 1))
        seed = self.data.text[start:start + maxlen]
        t0 = time.perf_counter()
        text = tutorial_generate(self.model, seed, self.data.chars, self.length, rng=self.rng)
        self.seconds.append(time.perf_counter() - t0)
        self.samples.append((epoch + 1, seed, text))
        if self.printer is not None:
            self.printer(f"--- epoch {epoch + 1}, seed {seed!r}:\n{text}")


def tutorial_to_char_model(model: keras.Model, chars: Sequence[str],
                           vocab: Vocabulary | None = None) -> tuple[keras.Model, Vocabulary]:
    """The tutorial's trained weights in a :func:`~rnnbook.models.build_char_model` model.

    The tutorial's LSTM reads one-hot vectors, so its arithmetic is the one-hot
    ``build_char_model`` LSTM's; only the character order differs (``list(set(text))`` versus
    sorted). The rows of the input kernel and the columns of the output layer are permuted to
    the sorted :class:`~rnnbook.text.vocabulary.Vocabulary`. The result gives, at every position,
    the probabilities the tutorial's model gives for the window ending there, and runs on the fast
    generator.

    Returns:
        ``(char_model, vocab)``.
    """
    lstm = next(layer for layer in model.layers if isinstance(layer, keras.layers.LSTM))
    dense = model.layers[-1]
    vocab = vocab or Vocabulary.from_text("".join(chars))
    if sorted(vocab.chars) != sorted(chars):
        raise validate.error_for("vocab", "hold exactly the tutorial's characters",
                                 received=f"a vocabulary of {len(vocab)} characters")
    # perm[i] = the tutorial's id of the i-th character of the sorted vocabulary
    perm = np.array([list(chars).index(c) for c in vocab.chars])
    kernel, recurrent, bias = lstm.get_weights()
    dense_kernel, dense_bias = dense.get_weights()
    char_model = build_char_model(len(vocab), "lstm", lstm.units, name="tutorial_as_char_model")
    char_model.get_layer("lstm_0").set_weights([kernel[perm], recurrent, bias])
    char_model.get_layer("next_char").set_weights([dense_kernel[:, perm], dense_bias[perm]])
    return char_model, vocab
