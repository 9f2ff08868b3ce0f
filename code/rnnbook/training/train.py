"""Train a character model with the course's recipe and save it under ``data/models/``.

Example (the committed sonnet models were made so)::

    python -m rnnbook.training.train --corpus sonnets --kind lstm --units 128
    python -m rnnbook.training.train --corpus sonnets --kind gru --units 128

It writes ``<name>.weights.h5`` and ``<name>.json`` (vocabulary, configuration, best validation
loss in nats and bits per character, epochs, hardware, backend, Keras version) into
``data/models/`` (or ``--out``). Training prints one line per epoch (losses, seconds, the time
left) and checkpoints every epoch into ``--checkpoint-dir``, else ``$CHECKPOINT_DIR/<name>/``
when that variable is set, else ``data/checkpoints/<name>/``: run the same command again after
an interruption and it resumes where it stopped; the checkpoint is removed once the model is
saved.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path
from typing import NoReturn

from rnnbook import config
from rnnbook.cells import KINDS
from rnnbook.text.corpora import REGISTRY, load_corpus
from rnnbook.text.windows import CONTEXT, prepare_char_data

PROG = "python -m rnnbook.training.train"


def usage_error(message: str) -> NoReturn:
    """Say what is wrong with the command in one line on stderr; exit with status 2."""
    sys.stderr.write(f"{PROG}: error: {message} (see --help)\n")
    raise SystemExit(2)


class _Parser(argparse.ArgumentParser):
    """argparse, answering every mistake with one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        usage_error(message)


def text_file(value: str) -> Path:
    """The ``--text`` argument: a readable, non-empty UTF-8 text file (else a one-line error)."""
    path = Path(value).expanduser()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise argparse.ArgumentTypeError(f"{value}: no such file") from None
    except IsADirectoryError:
        raise argparse.ArgumentTypeError(f"{value} is a directory, not a text file") from None
    except PermissionError:
        raise argparse.ArgumentTypeError(f"{value}: permission denied") from None
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"{value}: cannot be read ({exc.strerror})") from None
    if not data:
        raise argparse.ArgumentTypeError(f"{value} is empty: a corpus needs characters")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise argparse.ArgumentTypeError(
            f"{value} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "convert it first, e.g. with iconv -t UTF-8") from None
    return path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    # The recipe's defaults are the course's recipe for the profile in force (RNNBOOK_PROFILE or
    # this machine's), the same that the chapters train with. They are filled in after the
    # command is checked: detecting the machine's profile starts the Keras backend.
    recipe_help = "default: the profile's recipe"
    parser = _Parser(
        prog=PROG, description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--corpus", default="sonnets", choices=sorted(REGISTRY),
                        help="a registered corpus (default: sonnets)")
    source.add_argument("--text", type=text_file, help="train on this UTF-8 text file instead")
    parser.add_argument("--kind", default="lstm", choices=KINDS)
    parser.add_argument("--units", type=int, default=128)
    parser.add_argument("--embedding-dim", type=int, default=None,
                        help="learned embedding size (default: one-hot input)")
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--dropout", type=float, help=f"dropout after each layer ({recipe_help})")
    parser.add_argument("--epochs", type=int, help=recipe_help)
    parser.add_argument("--batch-size", type=int, help=recipe_help)
    parser.add_argument("--seq-len", type=int, help=f"characters per window ({recipe_help})")
    parser.add_argument("--learning-rate", type=float, help=recipe_help)
    parser.add_argument("--clipnorm", type=float, help=recipe_help)
    parser.add_argument("--val-fraction", type=float, default=0.1)
    parser.add_argument("--keep-case", action="store_true", help="do not lower-case the text")
    parser.add_argument("--name", help="model name (default: <corpus>_<kind><units>)")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for the model (default: data/models)")
    parser.add_argument("--checkpoint-dir", type=Path, default=None,
                        help="checkpoint folder (default: $CHECKPOINT_DIR/<name> if that "
                             "variable is set, else data/checkpoints/<name>)")
    parser.add_argument("--fresh", action="store_true",
                        help="discard an existing checkpoint instead of resuming from it")
    parser.add_argument("--sample-every", type=int, default=5,
                        help="print a sample every N epochs (0: never)")
    parser.add_argument("--seed", type=int, default=config.SEED)
    args = parser.parse_args(argv)
    for name in ("units", "layers", "epochs", "batch_size", "seq_len"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be a positive integer")
    if not 0 < args.val_fraction < 1:
        parser.error(f"--val-fraction must lie in (0, 1), got {args.val_fraction}")
    recipe = config.active_profile().recipe
    for name in ("dropout", "epochs", "batch_size", "seq_len", "learning_rate", "clipnorm"):
        if getattr(args, name) is None:
            setattr(args, name, getattr(recipe, name))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Keras is imported once the command is known to be right: a mistake is answered at once,
    # in one line, before the backend starts (seconds, and its own log lines on stderr).
    from rnnbook.models import build_char_model, models_dir, save_char_model
    from rnnbook.training.callbacks import SampleCallback
    from rnnbook.training.fitting import compile_char_model, fit_char_model

    corpus = args.text.stem if args.text else args.corpus
    name = args.name or f"{corpus}_{args.kind}{args.units}"
    out = args.out or models_dir()
    checkpoint = args.checkpoint_dir or config.checkpoint_dir(
        name, default=config.data_dir() / "checkpoints" / name)
    if args.fresh and checkpoint.exists():
        shutil.rmtree(checkpoint)
    print(f"checkpoints go to {checkpoint}")

    rng = config.set_seed(args.seed)
    print(config.describe())
    text = load_corpus(path=args.text) if args.text else load_corpus(args.corpus)
    try:
        data = prepare_char_data(text, seq_len=args.seq_len, val_fraction=args.val_fraction,
                                 lower=not args.keep_case)
    except ValueError as exc:  # a text too short for the windows, one shorter than a window
        usage_error(f"{args.text or args.corpus}: {exc}")
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

    start = time.perf_counter()
    log = fit_char_model(model, data, args.epochs, batch_size=args.batch_size,
                         checkpoint_dir=checkpoint, callbacks=callbacks,
                         progress=lambda line: print(line, flush=True))
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
        "trained_with": "python -m rnnbook.training.train " + " ".join(argv if argv is not None
                                                             else sys.argv[1:]),
    }
    card = save_char_model(model, data.vocab, Path(out) / name, info)
    shutil.rmtree(checkpoint, ignore_errors=True)
    print(f"saved {card} and {card.with_name(name + '.weights.h5')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
