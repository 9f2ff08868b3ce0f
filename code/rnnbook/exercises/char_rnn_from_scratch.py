"""Checkers for the closing project: a character RNN written from nothing in NumPy.

In the notebook::

    from rnnbook.exercises import char_rnn_from_scratch as check

    check.rnn_loss(rnn_loss)              # forward over a window, softmax cross-entropy, BPTT
    check.train_step(train_step)          # global-norm clipping and a plain gradient step
    check.sampler(sample)                 # one character at a time, the state carried along
    run = check.training(train_step, sample)   # trains on the sonnets within the profile's budget

The reference (the model, its loss, step and sampler, and the run's data and budget) is written
once in :mod:`rnnbook.exercises.char_rnn_reference`, and importable from here too
(``check.init_params``, ``check.sizes``, ``check.stream_chunks``, ...). The checkers run the
learner's functions against it, against central differences of the learner's own loss, and,
for the sampler, against the exact probabilities of short sequences.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from rnnbook.cells.numpy_rnn import gradcheck
from rnnbook.config import SEED, Profile
from rnnbook.exercises import core
from rnnbook.exercises.char_rnn_reference import (  # the reference, importable from here too
    KEYS,
    held_out_nats,
    init_params,
    mistaken_loss,
    mistaken_sample,
    mistaken_train_step,
    reference_loss,
    reference_sample,
    reference_train_step,
    sizes,
    softmax,
    stream_chunks,
)
from rnnbook.text import baselines, windows

__all__ = [
    "KEYS", "LOSS_MISTAKES", "STEP_MISTAKES", "Run", "held_out_nats", "init_params",
    "mistaken_loss", "mistaken_sample", "mistaken_train_step", "numerical_grads",
    "reference_loss", "reference_sample", "reference_train_step", "rnn_loss", "sampler",
    "sizes", "softmax", "stream_chunks", "train_step", "training",
]

LOSS, STEP, SAMPLE, TRAIN = "rnn_loss", "train_step", "sample", "char_rnn_training"


class Run:
    """What :func:`training` saw: the losses, the samples and the held-out score."""

    def __init__(self) -> None:
        self.losses: list[float] = []
        self.samples: list[tuple[int, str]] = []
        self.params: dict[str, np.ndarray] = {}
        self.held_out = self.unigram = self.seconds = self.cpu_seconds = float("nan")


# --- the checkers -------------------------------------------------------------------------

def _tiny(rng: np.random.Generator, vocab=5, hidden=4, batch=2, steps=4):
    params = init_params(vocab, hidden, rng)
    params["Whh"] = rng.normal(scale=0.6, size=(hidden, hidden))  # a state that matters
    params["bh"] = rng.normal(scale=0.3, size=hidden)
    params["by"] = rng.normal(scale=0.3, size=vocab)
    chunk = rng.integers(0, vocab, size=(batch, steps + 1))
    h0 = rng.uniform(-0.8, 0.8, size=(batch, hidden))
    return params, chunk, h0


LOSS_MISTAKES = {
    "the targets are not shifted: the target of input t is the character after it, "
    "chunk[:, 1:], while the inputs are chunk[:, :-1]": {"shift": False},
    "the softmax runs over the wrong axis: each position's probabilities run over the "
    "vocabulary, the last axis": {"softmax_axis": 0},
    "the loss is summed, not averaged: divide by batch x steps (and the gradients too)":
        {"mean": False},
    "the state starts from zeros, not from h0: the window continues the text, and its state "
    "too": {"use_h0": False},
    "h_last is the state you were given: return the state after the window's last input":
        {"last": False},
    "the gradient does not flow back through time: add dh_next (from step t+1) to each step's "
    "dh": {"through_time": False},
    "tanh' is 1 - h^2, not 1 - h": {"tanh_prime": "1-h"},
}


def numerical_grads(params, chunk, h0) -> dict[str, np.ndarray]:
    """Central differences of the loss with respect to every weight (float64)."""
    arrays = {k: np.array(params[k], dtype=np.float64) for k in KEYS}
    return {k: gradcheck.numerical_gradient(lambda: reference_loss(arrays, chunk, h0)[0],
                                            arrays[k]) for k in KEYS}


def _loss_outputs(exercise: str, out, params) -> tuple[float, dict, np.ndarray]:
    loss, grads, h = core.pair(exercise, out, ("loss", "grads", "h_last"))
    loss = core.as_number(exercise, "the loss", loss)
    core.expect(exercise, isinstance(grads, dict) and all(k in grads for k in KEYS),
                f"grads should be a dict with the keys {', '.join(KEYS)}, got "
                f"{type(grads).__name__}" + (f" with {sorted(grads)}" if isinstance(grads, dict)
                                             else ""))
    grads = {k: core.as_array(exercise, f"grads[{k!r}]", grads[k], shape=params[k].shape)
             for k in KEYS}
    return loss, grads, h


@core.checker(LOSS)
def rnn_loss(fn: Callable) -> bool:
    """Check ``fn(params, chunk, h0) -> (loss, grads, h_last)`` on tiny models."""
    rng = np.random.default_rng(SEED)
    worst = 0.0
    cases = [("5 characters, 4 units, 2 windows of 4 steps", _tiny(rng)),
             ("7 characters (two never used), 3 units, 3 windows of 6 steps",
              _tiny(rng, vocab=7, hidden=3, batch=3, steps=6)),
             ("4 characters, 5 units, 1 window of 1 step", _tiny(rng, 4, 5, 1, 1))]
    cases[1][1][1][cases[1][1][1] >= 5] = 0  # characters 5 and 6 never appear
    for label, (params, chunk, h0) in cases:
        given = core.copies(params, chunk, h0)
        loss, grads, h = _loss_outputs(LOSS, core.call(fn, *given), params)
        core.unchanged(LOSS, ("params", "chunk", "h0"), given, (params, chunk, h0))
        ref_loss, ref_grads, ref_h = reference_loss(params, chunk, h0)
        wrong = {hint: mistaken_loss(params, chunk, h0, **sw) for hint, sw in
                 LOSS_MISTAKES.items()}
        core.compare(LOSS, "the loss", loss, ref_loss, case=label,
                     mistakes={hint: out[0] for hint, out in wrong.items()})
        core.compare(LOSS, "h_last", h, ref_h, case=label, axes=("window", "unit"),
                     mistakes={hint: out[2] for hint, out in wrong.items()})
        core.not_alias(LOSS, "h_last", core.as_array(LOSS, "h_last", h), ("h0",), (given[2],))
        again = _loss_outputs(LOSS, core.call(fn, *core.copies(params, chunk, h0)), params)[1]
        for k in KEYS:
            core.expect(LOSS, core.first_difference(again[k], grads[k], atol=1e-10) is None,
                        f"grads[{k!r}] of a second call on the same window differs from the "
                        f"first ({label})", "gradients accumulated across calls: start every "
                        "call's gradients from zeros (np.zeros_like), keep nothing between calls")
        numeric = numerical_grads(params, chunk, h0)
        for k in KEYS:
            error = gradcheck.relative_error(grads[k], numeric[k])
            worst = max(worst, error)
            if error > 1e-5:
                hint = next((h for h, out in wrong.items() if core.first_difference(
                    grads[k], out[1][k], atol=1e-7) is None), "")
                core.expect(LOSS, False, f"grads[{k!r}] disagrees with central differences of "
                            f"the loss (relative error {error:.2g}; {label})", hint)
        for k in KEYS:
            core.compare(LOSS, f"grads[{k!r}]", grads[k], ref_grads[k], atol=1e-8, case=label,
                         mistakes={hint: out[1][k] for hint, out in wrong.items()})
    return core.passed(LOSS, f"the loss, h_last and the five gradients match the course's "
                       f"on {len(cases)} tiny models (an unused character, a one-step window), "
                       f"and your gradients match central differences to a relative error of "
                       f"{worst:.1g}.")


STEP_MISTAKES = {
    "the gradient is not clipped: with a learning rate of 1, one large gradient throws the "
    "weights far away; rescale all the gradients together to a global norm of at most "
    "max_norm": {"clip": None},
    "each array clipped to max_norm on its own (Keras's clipnorm): the global norm is the norm "
    "of all the gradients together": {"clip": "each"},
    "each entry clipped to [-max_norm, max_norm] (clipping by value), not by the global norm":
        {"clip": "value"},
    "the step goes up the gradient: new = old - learning_rate * gradient": {"sign": +1},
    "the state returned is the one given: return the state after the window": {"state": "h0"},
}


@core.checker(STEP)
def train_step(fn: Callable) -> bool:
    """Check ``fn(params, chunk, h0, learning_rate, max_norm) -> (new_params, loss, h_last)``."""
    rng = np.random.default_rng(SEED + 1)
    params, chunk, h0 = _tiny(rng, vocab=6, hidden=5, batch=3, steps=5)
    cases = [("a large gradient (its global norm above max_norm = 0.05)", 0.05, 1.0),
             ("a small gradient (max_norm = 100, nothing clipped)", 100.0, 0.5),
             ("the same window again", 0.2, 2.0)]
    for label, max_norm, lr in cases:
        given = core.copies(params, chunk, h0)
        out = core.pair(STEP, core.call(fn, *given, lr, max_norm), ("new_params", "loss",
                                                                     "h_last"))
        core.unchanged(STEP, ("params", "chunk", "h0"), given, (params, chunk, h0))
        new, loss, h = out
        core.expect(STEP, isinstance(new, dict) and all(k in new for k in KEYS),
                    f"new_params should be a dict with the keys {', '.join(KEYS)}, got "
                    f"{type(new).__name__}")
        ref_new, ref_loss, ref_h = reference_train_step(params, chunk, h0, lr, max_norm)
        wrong = {hint: mistaken_train_step(params, chunk, h0, lr, max_norm, **sw)
                 for hint, sw in STEP_MISTAKES.items()}
        core.compare(STEP, "the loss", core.as_number(STEP, "the loss", loss), ref_loss,
                     case=label)
        for k in KEYS:
            array = core.as_array(STEP, f"new_params[{k!r}]", new[k])
            core.not_alias(STEP, f"new_params[{k!r}]", array, ("params",), (given[0],))
            core.compare(STEP, f"new_params[{k!r}]", array, ref_new[k], atol=1e-8, case=label,
                         mistakes={hint: out[0][k] for hint, out in wrong.items()})
        core.compare(STEP, "h_last", h, ref_h, case=label,
                     mistakes={hint: out[2] for hint, out in wrong.items()})
    return core.passed(STEP, "the step clips the gradient to its global norm and moves every "
                       "weight against it, in new arrays, on a large and a small gradient.")


def _exact_sequences(params, h, first_id, mistake: dict) -> dict[tuple[int, int, int], float]:
    """Probability of every 3-id sequence after ``first_id`` under a sampler (exact)."""
    Wxh, Whh, bh, Why, by = (params[k] for k in KEYS)
    vocab, out = len(by), {}
    carry = mistake.get("carry", True)

    def step(h_in, x):
        h_new = np.tanh(Wxh[x] + h_in @ Whh + bh)
        return h_new, softmax(h_new @ Why + by)

    h1, p1 = step(h, first_id)
    for a in range(vocab):
        h2, p2 = step(h1 if carry else h, a)
        for b in range(vocab):
            _, p3 = step(h2 if carry else h, b)
            for c in range(vocab):
                out[a, b, c] = p1[a] * p2[b] * p3[c]
    return out


@core.checker(SAMPLE)
def sampler(fn: Callable, draws: int = 3000) -> bool:
    """Check ``fn(params, h, first_id, length, rng) -> ids`` by the frequencies of its draws.

    On a 3-character model whose next character depends on the state, ``draws`` sequences of 3
    are compared with their exact probabilities (a chi-square statistic); the learner's sampler
    must draw with the ``rng`` it is given (the same seed, the same text).
    """
    rng = np.random.default_rng(SEED + 2)
    params = init_params(3, 4, rng)
    params["Wxh"] = rng.normal(scale=1.5, size=(3, 4))
    params["Whh"] = rng.normal(scale=1.5, size=(4, 4))
    params["Why"] = rng.normal(scale=1.5, size=(4, 3))
    h = rng.uniform(-0.9, 0.9, size=4)
    first = 1
    given = core.copies(params, h)
    one = core.call(fn, *given, first, 3, np.random.default_rng(7))
    core.unchanged(SAMPLE, ("params", "h"), given, (params, h))
    one = core.as_array(SAMPLE, "the sampled ids", one, dtype=float)
    core.expect(SAMPLE, one.shape == (3,), f"sample(..., length=3, ...) returned shape "
                f"{one.shape}, expected (3,)", "return the `length` ids drawn after first_id, "
                "not first_id itself")
    core.expect(SAMPLE, bool(np.all(one == np.round(one))) and one.min() >= 0 and one.max() < 3,
                f"sample returned {one.tolist()}, not ids of the 3-character vocabulary")
    long_one, again = (core.as_array(SAMPLE, "the sampled ids", core.call(
        fn, *core.copies(params, h), first, 40, np.random.default_rng(7))) for _ in range(2))
    core.expect(SAMPLE, np.array_equal(long_one, again), "two calls with the same seed drew "
                "different ids", "draw with the rng you are given (rng.choice(V, p=p)), not "
                "np.random's global generator")
    draw_rng = np.random.default_rng(11)
    counts: dict[tuple[int, ...], int] = {}
    for _ in range(draws):
        ids = core.as_array(SAMPLE, "the sampled ids", core.call(fn, params, h.copy(), first, 3,
                                                                 draw_rng))
        key = tuple(int(i) for i in ids)
        counts[key] = counts.get(key, 0) + 1
    core.expect(SAMPLE, len(counts) > 1, f"{draws} calls drew the same sequence every time",
                "sample from the softmax's probabilities (rng.choice), do not take the most "
                "likely character (argmax)")

    def chi2(exact) -> float:
        return sum((counts.get(k, 0) - draws * p) ** 2 / (draws * p) for k, p in exact.items()
                   if p > 0) + sum(n for k, n in counts.items() if exact.get(k, 0) == 0)

    stat = chi2(_exact_sequences(params, h, first, {}))
    if stat > 80:  # 26 degrees of freedom: a right sampler exceeds 80 once in ~10^7 runs
        hint = ("the state is not carried from one character to the next: feed each new h_t "
                "into the next step" if chi2(_exact_sequences(params, h, first, {"carry": False}))
                < 80 else "")
        core.expect(SAMPLE, False, f"the frequencies of {draws} sequences of 3 draws do not "
                    f"follow the model's probabilities (chi-square {stat:.0f} with 26 degrees "
                    "of freedom; a right sampler stays below 80)", hint)
    return core.passed(SAMPLE, f"{draws} sequences drawn by your sampler follow the model's "
                       f"exact probabilities (chi-square {stat:.0f} on 26 degrees of freedom), "
                       "and the same seed draws the same text.")


@core.checker(TRAIN)
def training(step_fn: Callable, sample_fn: Callable, profile: Profile | None = None,
             text: str | None = None) -> core.Outcome:
    """Train a character RNN on the sonnets with the learner's step and sampler; check it.

    The profile's budget (:func:`sizes`) of the learner's steps over the training text, cut in
    parallel streams whose state is carried from window to window and reset at each pass;
    every ``report_every`` steps a line with the mean loss and a sample of the learner's
    sampler. Passes when the held-out loss is below the unigram's by the profile's margin.
    """
    size = sizes(profile)
    train_text, held_text, vocab = windows.sonnet_split(text)
    train_ids, held_ids = vocab.encode(train_text), vocab.encode(held_text)
    rng = np.random.default_rng(SEED)
    params = init_params(len(vocab), size["hidden"], rng)
    run, start, cpu_start, step = Run(), time.perf_counter(), time.process_time(), 0
    h = np.zeros((size["batch"], size["hidden"]))

    def show(step: int) -> None:
        ids = core.call(sample_fn, params, np.zeros(size["hidden"]), int(vocab.encode("\n")[0]),
                        120, np.random.default_rng(SEED))
        ids = core.as_array(TRAIN, f"the ids sampled at step {step}", ids)
        core.expect(TRAIN, ids.shape == (120,) and bool(np.all(ids == np.round(ids)))
                    and (not ids.size or 0 <= ids.min() and ids.max() < len(vocab)),
                    f"sample(..., length=120, ...) at step {step} returned shape {ids.shape}"
                    + (f", values {ids.min():g} to {ids.max():g}" if ids.size else "")
                    + f"; expected 120 ids of the {len(vocab)}-character vocabulary",
                    "does the check of sample pass? Return the `length` ids drawn, each an id "
                    "of the vocabulary")
        text = "".join(vocab.chars[int(i)] for i in ids)
        run.samples.append((step, text))
        recent = (f"{np.mean(run.losses[-size['report_every']:]):.3f}" if run.losses
                  else "  -  ")
        print(f"step {step:5d}  loss {recent}  {time.perf_counter() - start:5.1f} s  | "
              + text.replace("\n", " / ")[:80])

    show(0)
    while step < size["steps"]:
        for chunk, first in stream_chunks(train_ids, size["batch"], size["window"]):
            if first:
                h = np.zeros_like(h)
            out = core.call(step_fn, params, chunk, h, size["learning_rate"], size["max_norm"])
            new, loss, h = core.pair(TRAIN, out, ("new_params", "loss", "h_last"))
            try:
                finite = bool(np.all(np.isfinite(np.asarray(loss, float))))
            except (TypeError, ValueError):
                finite = True  # not a number at all: core.as_number names it below
            core.expect(TRAIN, finite,
                        f"the loss became {loss} at step {step + 1}",
                        "a gradient step went too far: is the gradient clipped to max_norm, and "
                        "does the step go against it?")
            loss = core.as_number(TRAIN, f"the loss at step {step + 1}", loss)
            core.expect(TRAIN, isinstance(new, dict) and all(k in new for k in KEYS),
                        f"new_params at step {step + 1} should be a dict with the keys "
                        f"{', '.join(KEYS)}, got {type(new).__name__}",
                        "does the check of train_step pass?")
            params = {k: core.as_array(TRAIN, f"new_params[{k!r}] at step {step + 1}", new[k],
                                       shape=params[k].shape) for k in KEYS}
            h = core.as_array(TRAIN, f"h_last at step {step + 1}", h,
                              shape=(size["batch"], size["hidden"]))
            run.losses.append(loss)
            step += 1
            if step % size["report_every"] == 0 or step == size["steps"]:
                show(step)
            if step == size["steps"]:
                break
    run.seconds = time.perf_counter() - start
    run.cpu_seconds = time.process_time() - cpu_start
    run.params = params
    run.held_out = held_out_nats(params, held_ids)
    run.unigram = baselines.score_nats(baselines.Unigram().fit(train_text, vocab), held_text, 1)
    print(f"held-out loss {run.held_out:.3f} nats per character; the unigram {run.unigram:.3f} "
          f"on the same targets ({size['steps']} steps in {run.seconds:.0f} s, "
          f"{run.cpu_seconds:.0f} s of processor time)")
    core.expect(TRAIN, run.held_out < run.unigram - size["margin"],
                f"after {size['steps']} steps the held-out loss is {run.held_out:.3f} nats, not "
                f"{size['margin']} below the unigram's {run.unigram:.3f}",
                "do the checks of rnn_loss and train_step pass? With them right, this budget "
                "is enough")
    core.passed(TRAIN, f"your RNN scores {run.held_out:.3f} nats per held-out character, "
                f"{run.unigram - run.held_out:.2f} below the unigram ({run.unigram:.3f}; the "
                f"check asks for {size['margin']}).")
    outcome = core.Outcome(True)
    outcome.run = run
    return outcome
