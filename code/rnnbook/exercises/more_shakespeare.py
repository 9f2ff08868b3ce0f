"""Checkers for the exercises of the chapter "More Shakespeare" (``chapters/more_shakespeare``).

In a notebook::

    from rnnbook.exercises import more_shakespeare as check
    check.cut_windows(cut_windows)                  # implement: WindowStream's windows
    check.compressor_score(compressor_score)        # implement: a compressor's nats per character
    check.forgetting(before, after, pretrained, tuned, held_out, prediction=PREDICTION)
    check.frozen_experiment(fine_tune_dev, pretrained, dev)   # experiment: a frozen first layer

The references are the package's own: the windows of
:meth:`rnnbook.text.streams.WindowStream.__getitem__`,
:func:`rnnbook.text.baselines.compressor_nats`
and :meth:`rnnbook.text.windows.HeldOut.loss`.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np

from rnnbook import validate
from rnnbook.exercises import core
from rnnbook.metrics import LN2
from rnnbook.text.baselines import COMPRESSORS, compressor_nats
from rnnbook.text.vocabulary import Vocabulary
from rnnbook.text.windows import CharData, HeldOut, sonnets_and_dev
from rnnbook.text.windows import cut_windows as reference_cut_windows

EX_WINDOWS = "Windows cut on the fly"
EX_COMPRESSOR = "A compressor's score"
EX_FORGETTING = "Does fine-tuning forget the plays?"
EX_FROZEN = "Fine-tuning with a frozen first layer"

# ---------------------------------------------------------------- implement: windows from ids


def _windows(ids, starts, length: int, shift: int):
    """Windows of ``length`` ids from each start, and the same moved by ``shift``."""
    rows = np.asarray(starts)[:, None] + np.arange(length)[None, :]  # (n, length)
    ids = np.asarray(ids, dtype=np.int32)
    if (rows + shift).min() < 0 or (rows + shift).max() >= len(ids) or rows.max() >= len(ids):
        return None  # that mistake raises an IndexError on this input
    return ids[rows], ids[rows + shift]


def _window_mistakes(ids, starts, seq_len: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """What each typical mistake returns, as (x, y)."""
    starts = np.asarray(starts)
    x, _ = _windows(ids, starts, seq_len, 1)
    consecutive = np.arange(len(starts)) * seq_len
    mistakes = {
        "your y equals x: the target at each step is the *next* character, so y is x shifted "
        "one character left (y[:, t] = ids[start + t + 1])": (x, x),
        "your y is shifted the wrong way: y[:, t] must be the character after x[:, t] "
        "(ids[start + t + 1]), not the one before it": _windows(ids, starts, seq_len, -1),
        "your x and y are swapped: x is the window itself, y the window one character "
        "further on": _windows(ids, starts + 1, seq_len, -1),
        "your windows are one character short: cut seq_len + 1 ids from each start, then "
        "x is the first seq_len of them and y the last seq_len":
            _windows(ids, starts, seq_len - 1, 1),
        "your windows are one character long: x and y hold seq_len ids each, cut from "
        "seq_len + 1 ids": _windows(ids, starts, seq_len + 1, 1),
        "every window starts at 0: each row must start at its own entry of `starts`":
            _windows(ids, np.zeros_like(starts), seq_len, 1),
        "your windows ignore `starts` and follow each other from 0 (0, seq_len, 2 seq_len, "
        "...): each row must start at its own entry of `starts`":
            _windows(ids, consecutive, seq_len, 1),
    }
    return {hint: wrong for hint, wrong in mistakes.items() if wrong is not None}


def _window_cases() -> list[tuple[np.ndarray, np.ndarray, int, str]]:
    rng = np.random.default_rng(0)
    ids = rng.permutation(200).astype(np.uint8)  # every id different, so each mistake shows
    return [
        (ids[:60], np.array([7, 1, 23, 4]), 5, "4 windows of 5 from a text of 60 ids"),
        (ids, np.array([30, 2, 11]), 9, "3 windows of 9 from a text of 200 ids"),
        (ids, np.array([150]), 40, "1 window of 40 from a text of 200 ids"),
    ]


@core.checker(EX_WINDOWS)
def cut_windows(fn: Callable) -> bool:
    """Check ``fn(ids, starts, seq_len) -> (x, y)``: the windows of ``ids`` starting at each
    of ``starts``, ``y`` the same shifted one character left (reference:
    :func:`reference_cut_windows`, the code of ``WindowStream.__getitem__``)."""
    for ids, starts, seq_len, case in _window_cases():
        try:
            given = (ids.copy(), starts.copy())
            got = core.call(fn, *given, seq_len)
        except IndexError as error:
            raise core.ExerciseError(
                f"{EX_WINDOWS}: your function raised IndexError: {error} ({case}).\nLikely "
                "mistake: your windows run past the end of the ids; each window needs seq_len "
                "+ 1 ids from its own start, and the starts are positions in the text already "
                "(WindowStream multiplies its window numbers by seq_len before it cuts)") from error
        core.expect(EX_WINDOWS, isinstance(got, (tuple, list)) and len(got) == 2,
                    f"return a pair (x, y); got {type(got).__name__} ({case})")
        core.unchanged(EX_WINDOWS, ("ids", "starts"), given, (ids, starts))
        expected = reference_cut_windows(ids, starts, seq_len)
        mistakes = _window_mistakes(ids, starts, seq_len)
        for k, name in enumerate(("x", "y")):
            core.compare(EX_WINDOWS, f"your {name}", got[k], expected[k], atol=0.5,
                         axes=("window", "step"), case=case,
                         mistakes={hint: wrong[k] for hint, wrong in mistakes.items()})
    return core.passed(EX_WINDOWS, f"{len(_window_cases())} sets of windows agree with "
                       "WindowStream's: each row starts at its own start, and y is x shifted "
                       "one character left.")


# ---------------------------------------------------------------- implement: a compressor's score

_WORDS = ("shall i compare thee to a summer's day thou art more lovely and more temperate "
          "rough winds do shake the darling buds of may and summer's lease hath all too short "
          "a date").split()


def compressor_texts(seed: int = 0) -> tuple[str, str]:
    """A training text of about 3000 characters and a held-out one of about 600: words of
    sonnet 18 in a random order, so that a compressor finds some, not all, of their order."""
    rng = np.random.default_rng(seed)
    words = [str(w) for w in rng.choice(_WORDS, 700)]
    lines = [" ".join(words[i:i + 7]) for i in range(0, len(words), 7)]
    text = "\n".join(lines) + "\n"
    cut = int(len(text) * 0.84)
    return text[:cut], text[cut:]


def reference_compressor_score(train_text: str, held_text: str, first_target: int,
                               compress: Callable[[bytes], bytes]) -> float:
    """Nats per target ``held_text[first_target:]`` that ``compress`` adds after the rest."""
    before = (train_text + held_text[:first_target]).encode("utf-8")
    whole = (train_text + held_text).encode("utf-8")
    bits = 8 * (len(compress(whole)) - len(compress(before)))
    return bits * LN2 / (len(held_text) - first_target)


def _compressor_mistakes(train: str, held: str, first: int, compress) -> dict[str, float]:
    """What each typical mistake returns on the same input."""
    right = reference_compressor_score(train, held, first, compress)
    size = lambda text: len(compress(text.encode("utf-8")))  # noqa: E731
    targets = len(held) - first
    return {
        "that is in bytes: len(compress(...)) counts bytes, and a byte is 8 bits": right / 8,
        "that is in bits per character: a nat is ln 2 bits, so multiply bits by ln 2 "
        "(math.log(2)) to get nats": right / LN2,
        "that is in bytes, and in base 2: multiply the byte difference by 8, then by ln 2":
            right / 8 / LN2,
        "you divided by every held-out character; only the targets held_text[first_target:] "
        "count, so divide by len(held_text) - first_target": right * targets / len(held),
        "you compressed the held-out text without the training text before it; the "
        "compressor should have read the training text first, as a model has":
            8 * (size(held) - size(held[:first])) * LN2 / targets,
        "you compressed the targets alone: the score is what they add to the compressed "
        "training text (and the held-out characters before them)":
            8 * size(held[first:]) * LN2 / targets,
        "you subtracted compress(train_text) alone: the held-out characters before the first "
        "target are context, not targets, so subtract compress(train_text + "
        "held_text[:first_target])":
            8 * (size(train + held) - size(train)) * LN2 / targets,
    }


def _compressor_cases() -> list[tuple[str, str, int, str, str]]:
    train, held = compressor_texts()
    other_train, other_held = compressor_texts(seed=1)
    curly_train, curly_held = (t.replace("'", "\u2019") for t in compressor_texts(seed=2))
    return [
        (train, held, 40, "bz2", "bz2, the first 40 held-out characters as context"),
        (other_train, other_held, 100, "lzma", "lzma, the first 100 held-out characters as "
         "context"),
        (train, held, 0, "bz2", "bz2, every held-out character a target"),
        (curly_train, curly_held, 40, "lzma", "lzma, curly apostrophes: 3 bytes each in "
         "UTF-8, one character each"),
    ]


@core.checker(EX_COMPRESSOR)
def compressor_score(fn: Callable) -> bool:
    """Check ``fn(train_text, held_text, first_target, compress)``: nats per target character
    that ``compress`` adds for ``held_text[first_target:]`` after the training text and the
    held-out characters before the targets (reference:
    :func:`rnnbook.text.baselines.compressor_nats`
    with ``drops=1``, the whole training text only)."""
    for train, held, first, method, case in _compressor_cases():
        compress = COMPRESSORS[method]
        got = core.call(fn, train, held, first, compress)
        core.expect(EX_COMPRESSOR, np.ndim(got) == 0 and not isinstance(got, (str, bytes)),
                    f"return one number of nats per character; got {got!r} ({case})")
        got = core.as_number(EX_COMPRESSOR, f"your score ({case})", got)
        expected = compressor_nats(train, held, first, method, drops=1)
        core.expect(EX_COMPRESSOR, got > 0, f"your score is {got:.4g} nats per character "
                    f"({case}): the held-out text adds to the compressed size, so the score is "
                    "positive", "subtract the size of the shorter text (before the targets) "
                    "from that of the longer one (with them)")
        core.compare(EX_COMPRESSOR, "your score", got, expected, atol=1e-9, case=case,
                     mistakes=_compressor_mistakes(train, held, first, compress))
    return core.passed(EX_COMPRESSOR, f"{len(_compressor_cases())} texts, with bz2 and lzma, "
                       "agree with baselines.compressor_nats on the whole training text.")


# ---------------------------------------------------------------- predict, then measure: forgetting


def first_windows(held_out: HeldOut, windows: int | None) -> HeldOut:
    """The first ``windows`` windows of ``held_out`` (``None``: all of them), with their mask:
    a cheaper set of targets, each still counted once."""
    if windows is None:
        return held_out
    windows = validate.positive_int("windows", windows)
    mask = None if held_out.mask is None else held_out.mask[:windows]
    return HeldOut(held_out.x[:windows], held_out.y[:windows], mask)  # (windows, seq_len) each


def _nats(model: keras.Model, held_out: HeldOut) -> dict[str, float]:
    """The held-out loss as :meth:`HeldOut.loss` counts it, and over every position (one
    prediction for both)."""
    pad = -len(held_out.x) % 8  # as HeldOut.loss pads: data-parallel JAX splits every batch
    x = np.concatenate([held_out.x, np.repeat(held_out.x[:1], pad, axis=0)])
    probs = model.predict(x, batch_size=256, verbose=0)[:len(held_out.x)]  # (windows, seq_len, V)
    picked = np.take_along_axis(probs, held_out.y[..., None].astype(np.int64), axis=-1)[..., 0]
    nll = -np.log(np.maximum(picked.astype(np.float64), 1e-12))  # (windows, seq_len)
    mask = np.ones_like(nll) if held_out.mask is None else held_out.mask
    return {"counted": float((nll * mask).sum() / mask.sum()), "all": float(nll.mean())}


PREDICTIONS = ("better", "worse")


@core.checker(EX_FORGETTING)
def forgetting(before, after, pretrained: keras.Model, tuned: keras.Model, held_out: HeldOut,
               prediction=None) -> bool:
    """Check the learner's held-out plays' losses (nats per character) of the pretrained model
    (``before``) and of the fine-tuned one (``after``) on ``held_out``; report the change and,
    with ``prediction`` ("better" or "worse"), whether it went the predicted way. Checked: the
    two numbers. Not checked: the way it went."""
    if any(core.is_stub(v) for v in (before, after)) or prediction is Ellipsis:
        return core.not_attempted(EX_FORGETTING, "Write your prediction into PREDICTION first, "
                                  "then your two measurements into `before` and `after`,")
    if prediction is not None:
        core.expect(EX_FORGETTING, str(prediction).strip().lower() in PREDICTIONS,
                    f"predict \"better\" or \"worse\"; got {prediction!r}")
    core.expect(EX_FORGETTING, pretrained is not tuned,
                "`pretrained` and `tuned` are the same model",
                "fine_tune changes a model in place: fine-tune a copy "
                "(keras.models.clone_model, then set_weights)")
    before, after = (core.as_number(EX_FORGETTING, f"`{name}` (nats per character)", value)
                     for name, value in (("before", before), ("after", after)))
    pre, post = _nats(pretrained, held_out), _nats(tuned, held_out)
    for name, model, value, own, other in (("before", "pretrained", before, pre, post),
                                           ("after", "tuned", after, post, pre)):
        mistakes = {
            "you swapped the models: `before` is the pretrained model's loss, `after` the "
            "fine-tuned one's": other["counted"],
            "that is in bits: held_out.loss(model) gives nats": own["counted"] / LN2,
            "that is the mean over every position of the windows, the masked ones too (as "
            "model.evaluate computes it); held_out.loss(model) counts each held-out character "
            "once": own["all"],
        }
        if core.first_difference(value, own["counted"], atol=2e-3) is None:
            continue
        # The message does not show the measured loss: a number copied from it would pass.
        message = (f"`{name}` = {value:.4f} is not `{model}`'s loss on `held_out`: it is more "
                   f"than 0.002 nats away from what held_out.loss({model}) measures")
        hint = next((hint for hint, wrong in mistakes.items()
                     if core.first_difference(value, wrong, atol=2e-3) is None),
                    f"measure it with held_out.loss({model}), on this cell's `held_out`")
        core.expect(EX_FORGETTING, False, message, hint)
    change = post["counted"] - pre["counted"]
    way = "worse" if change > 0 else "better"
    said = ""
    if prediction is not None:
        matched = str(prediction).strip().lower() == way
        said = (f" You predicted {prediction!r}: " + ("that is what happened." if matched else
                f"it went the other way, {way}."))
    return core.passed(EX_FORGETTING, f"On {held_out.targets:,} held-out plays' characters, "
                       f"fine-tuning on the sonnets took the loss from {pre['counted']:.3f} to "
                       f"{post['counted']:.3f} nats per character ({change:+.3f} nats, "
                       f"{change / pre['counted']:+.1%}): {way}.{said}")


# ---------------------------------------------------------------- experiment: a frozen first layer


def sonnets_dev(vocab: Vocabulary, seq_len: int = 100) -> CharData:
    """The split :func:`rnnbook.training.transfer.fine_tune` chooses its epochs on: windows of the
    first
    90% of the sonnets' training text, and its last 10% as held-out targets (the sonnets'
    held-out targets untouched)."""
    return sonnets_and_dev(vocab, seq_len)[1]


def _layer_weights(model: keras.Model, name: str) -> list[np.ndarray]:
    return [np.asarray(w) for w in model.get_layer(name).get_weights()]


def _same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(np.array_equal(u, v) for u, v in zip(a, b, strict=True))


def _form(out) -> str:
    """What a function returned, in a few words: a tuple's types, or the type."""
    if isinstance(out, (tuple, list)):
        return f"a {type(out).__name__} of ({', '.join(type(v).__name__ for v in out)})"
    return f"a {type(out).__name__}"


@core.checker(EX_FROZEN)
def frozen_experiment(fine_tune_dev: Callable, pretrained: keras.Model, dev: CharData,
                      layer: str = "lstm_0") -> bool:
    """Run ``fine_tune_dev(model, freeze)`` with and without ``freeze``: each returns the
    fine-tuned copy of ``model`` and its loss on ``dev.held_out``. Checked: the pretrained model
    is left as it was, ``layer`` is unchanged in the frozen copy and changed in the other, and
    the two losses are the copies' own. Which one is lower is reported, not checked."""
    start = [np.array(w) for w in pretrained.get_weights()]
    runs = {}
    for freeze in (False, True):
        out = core.call(fine_tune_dev, pretrained, freeze)
        core.expect(EX_FROZEN, isinstance(out, (tuple, list)) and len(out) == 2
                    and isinstance(out[0], keras.Model),
                    f"return (the fine-tuned model, its dev loss); got {_form(out)}")
        core.expect(EX_FROZEN, _same(pretrained.get_weights(), start),
                    "your function changed `pretrained`",
                    "fine-tune a copy: keras.models.clone_model(model), then "
                    "copy.set_weights(model.get_weights())")
        core.expect(EX_FROZEN, out[0] is not pretrained,
                    f"with freeze={freeze}, your function returned `pretrained` itself, not a "
                    "fine-tuned copy", "return the copy you trained")
        runs[freeze] = (out[0], core.as_number(EX_FROZEN, f"the dev loss (freeze={freeze})",
                                               out[1]))
    names = [one.name for one in pretrained.layers]
    core.expect(EX_FROZEN, layer in names, f"the model has no layer {layer!r}; its layers are "
                f"{names}")
    weighted = [one.name for one in pretrained.layers if one.get_weights()]
    before = dev.held_out.loss(pretrained)
    for freeze, (model, loss) in runs.items():
        what = "frozen" if freeze else "trained"
        kept = {name: _same(_layer_weights(model, name), _layer_weights(pretrained, name))
                for name in weighted}
        if freeze and not kept[layer] and not model.get_layer(layer).trainable:
            core.expect(EX_FROZEN, False, f"in the frozen run, {layer} is frozen but its "
                        "weights are not `pretrained`'s",
                        "the copy did not start from `pretrained`'s weights (clone_model makes "
                        "new random ones: copy them with set_weights), or it trained before "
                        f"{layer} was frozen")
        others = [name for name, same in kept.items() if same and name != layer]
        core.expect(EX_FROZEN, kept[layer] == freeze,
                    f"in the {what} run, {layer}'s weights "
                    + ("changed" if freeze else "stayed as they were")
                    + (f" and those of {', '.join(others)} stayed as they were" if others else ""),
                    (f"you froze {', '.join(others)}, not {layer}: " if others else "")
                    + f"set model.get_layer({layer!r}).trainable = False, then compile: a "
                    "model that has trained keeps updating the weights it had until it is "
                    "compiled again" if freeze else
                    "leave every layer trainable in the run without freezing")
        core.expect(EX_FROZEN, not others,
                    f"in the {what} run, the weights of {', '.join(others)} stayed as they were "
                    "too",
                    f"freeze {layer} alone (model.trainable = False freezes every layer): the "
                    "experiment trains every other layer" if freeze else
                    "leave every layer trainable in the run without freezing")
        own = dev.held_out.loss(model)
        core.compare(EX_FROZEN, f"the dev loss of the {what} run", loss, own, atol=2e-3,
                     mistakes={"that is in bits: dev.held_out.loss(model) gives nats":
                               own / LN2,
                               "that is the loss of `pretrained`, before fine-tuning: measure "
                               "the fine-tuned copy": before})
    unfrozen, frozen = float(runs[False][1]), float(runs[True][1])
    print(f"{'fine-tuning':28s} {'dev nats/char':>13s}")
    print(f"{'every layer trained':28s} {unfrozen:13.3f}")
    print(f"{layer + ' frozen':28s} {frozen:13.3f}")
    lower = "frozen" if frozen < unfrozen else "unfrozen"
    return core.passed(EX_FROZEN, f"The {lower} run ends {abs(frozen - unfrozen):.3f} nats lower "
                       "on the last tenth of the sonnets' training text, on this seed and "
                       "budget.")

