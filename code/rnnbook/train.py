"""Train a character model with the course's recipe and save it under ``data/models/``.

Example (the committed sonnet models were made so)::

    python -m rnnbook.train --corpus sonnets --kind lstm --units 128
    python -m rnnbook.train --corpus sonnets --kind gru --units 128

It writes ``<name>.weights.h5`` and ``<name>.json`` (vocabulary, configuration, best validation
loss in nats and bits per character, epochs, hardware, backend, Keras version) into
``data/models/`` (or ``--out``). Training checkpoints every epoch into
``data/checkpoints/<name>/``: run the same command again after an interruption and it resumes
where it stopped; the checkpoint is removed once the model is saved.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import keras

from rnnbook import config
from rnnbook.callbacks import SampleCallback
from rnnbook.cells import KINDS
from rnnbook.data import REGISTRY, load_corpus
from rnnbook.fitting import compile_char_model, fit_char_model
from rnnbook.models import build_char_model, models_dir, save_char_model
from rnnbook.windows import CONTEXT, prepare_char_data


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    # The defaults are the course's recipe for the profile in force (RNNBOOK_PROFILE or this
    # machine's), the same that the chapters train with.
    recipe = config.active_profile().recipe
    parser = argparse.ArgumentParser(
        prog="python -m rnnbook.train", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--corpus", default="sonnets", choices=sorted(REGISTRY),
                        help="a registered corpus (default: sonnets)")
    source.add_argument("--text", type=Path, help="train on this UTF-8 text file instead")
    parser.add_argument("--kind", default="lstm", choices=KINDS)
    parser.add_argument("--units", type=int, default=128)
    parser.add_argument("--embedding-dim", type=int, default=None,
                        help="learned embedding size (default: one-hot input)")
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--dropout", type=float, default=recipe.dropout,
                        help="dropout after each layer")
    parser.add_argument("--epochs", type=int, default=recipe.epochs)
    parser.add_argument("--batch-size", type=int, default=recipe.batch_size)
    parser.add_argument("--seq-len", type=int, default=recipe.seq_len,
                        help="characters per window")
    parser.add_argument("--learning-rate", type=float, default=recipe.learning_rate)
    parser.add_argument("--clipnorm", type=float, default=recipe.clipnorm)
    parser.add_argument("--val-fraction", type=float, default=0.1)
    parser.add_argument("--keep-case", action="store_true", help="do not lower-case the text")
    parser.add_argument("--name", help="model name (default: <corpus>_<kind><units>)")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for the model (default: data/models)")
    parser.add_argument("--checkpoint-dir", type=Path, default=None,
                        help="checkpoint folder (default: data/checkpoints/<name>)")
    parser.add_argument("--fresh", action="store_true",
                        help="discard an existing checkpoint instead of resuming from it")
    parser.add_argument("--sample-every", type=int, default=5,
                        help="print a sample every N epochs (0: never)")
    parser.add_argument("--seed", type=int, default=config.SEED)
    args = parser.parse_args(argv)
    for name in ("units", "layers", "epochs", "batch_size", "seq_len"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be a positive integer")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    corpus = args.text.stem if args.text else args.corpus
    name = args.name or f"{corpus}_{args.kind}{args.units}"
    out = args.out or models_dir()
    checkpoint = args.checkpoint_dir or config.data_dir() / "checkpoints" / name
    if args.fresh and checkpoint.exists():
        shutil.rmtree(checkpoint)

    rng = config.set_seed(args.seed)
    print(config.describe())
    text = load_corpus(path=args.text) if args.text else load_corpus(args.corpus)
    data = prepare_char_data(text, seq_len=args.seq_len, val_fraction=args.val_fraction,
                             lower=not args.keep_case)
    print(f"{corpus}: {len(data.train_text):,} training and {len(data.val_text):,} held-out "
          f"characters, vocabulary of {len(data.vocab)}; {len(data.x_train)} windows of "
          f"{args.seq_len}")
    model = build_char_model(len(data.vocab), kind=args.kind, units=args.units,
                             embedding_dim=args.embedding_dim, layers=args.layers,
                             dropout=args.dropout)
    compile_char_model(model, learning_rate=args.learning_rate, clipnorm=args.clipnorm)
    callbacks = []
    if args.sample_every:
        callbacks.append(SampleCallback(data.vocab, every=args.sample_every, rng=rng))

    class Progress(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            val = (logs or {}).get("val_loss", float("nan"))
            print(f"epoch {epoch + 1}/{args.epochs}: loss {logs['loss']:.4f}, "
                  f"val {val:.4f} nats/char", flush=True)

    start = time.perf_counter()
    log = fit_char_model(model, data, args.epochs, batch_size=args.batch_size,
                         checkpoint_dir=checkpoint, callbacks=[Progress(), *callbacks])
    if log.resumed_from:
        print(f"resumed from the checkpoint after epoch {log.resumed_from}")
    print(log.summary())
    info = {
        "corpus": corpus,
        "lower": not args.keep_case,
        "seq_len": args.seq_len,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "clipnorm": args.clipnorm,
        "val_fraction": args.val_fraction,
        "val_context": min(CONTEXT, args.seq_len - 1),
        "train_chars": len(data.train_text),
        "val_chars": len(data.val_text),
        "epochs": len(log.records),
        "best_epoch": log.best_epoch,
        "best_val_loss_nats": round(log.best_val_loss, 4),
        "best_val_loss_bits": round(log.best_val_bits, 4),
        "train_seconds": round(log.records[-1]["elapsed"], 1),
        "wall_seconds_this_run": round(time.perf_counter() - start, 1),
        "history": [{k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()}
                    for r in log.records],
        "trained_with": "python -m rnnbook.train " + " ".join(argv if argv is not None
                                                             else sys.argv[1:]),
    }
    card = save_char_model(model, data.vocab, Path(out) / name, info)
    shutil.rmtree(checkpoint, ignore_errors=True)
    print(f"saved {card} and {card.with_name(name + '.weights.h5')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
