"""A sonnets-only model with the regularisation small data needs, its size chosen honestly.

94 KB of sonnets are too little for a large network trained plainly: it learns the training
text by heart. :func:`select` trains a few candidates (an embedding, two LSTM layers, dropout,
optionally AdamW's weight decay) on the first 90% of the sonnets' training text and scores
each on the last 10% after every epoch; :func:`refit` trains the winner on the whole training
text for its best number of epochs, with the step sizes that run used. The sonnets' held-out
targets, the test of every model of the course, are scored once, at the end.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import keras
import numpy as np

from rnnbook import config
from rnnbook.metrics import nats_to_bits
from rnnbook.models import build_char_model, read_card, save_char_model
from rnnbook.text.vocabulary import Vocabulary, sonnets_vocabulary
from rnnbook.text.windows import sonnets_and_dev, sonnets_test
from rnnbook.training.fitting import compile_char_model, fit_char_model


@dataclass(frozen=True)
class Candidate:
    """One setting tried: the LSTM's size and its regularisation."""

    units: int = 256
    layers: int = 2
    embedding_dim: int = 32
    dropout: float = 0.5
    weight_decay: float | None = None

    @property
    def label(self) -> str:
        decay = f", weight decay {self.weight_decay:g}" if self.weight_decay else ""
        return f"{self.layers}x{self.units}, dropout {self.dropout:g}{decay}"


CANDIDATES = (
    Candidate(units=128, dropout=0.3),
    Candidate(units=256, dropout=0.5),
    Candidate(units=256, dropout=0.5, weight_decay=0.05),
    Candidate(units=384, dropout=0.6),
)


class _Rates(keras.callbacks.Callback):
    """Record the step size of every epoch (``ReduceLROnPlateau`` changes it on the way)."""

    def __init__(self) -> None:
        super().__init__()
        self.rates: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self.rates.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))


def _model(vocab: Vocabulary, candidate: Candidate) -> keras.Model:
    model = build_char_model(len(vocab), "lstm", candidate.units,
                             embedding_dim=candidate.embedding_dim, layers=candidate.layers,
                             dropout=candidate.dropout,
                             name=f"sonnets_lstm{candidate.units}x{candidate.layers}")
    recipe = config.CPU_RECIPE
    return compile_char_model(model, recipe.learning_rate, recipe.clipnorm,
                              weight_decay=candidate.weight_decay)


def select(
    vocab: Vocabulary, candidates: Sequence[Candidate] = CANDIDATES, epochs: int = 25,
    progress: Callable[[str], Any] | None = print,
) -> list[dict]:
    """Train every candidate on the dev split; per candidate its dev losses and step sizes."""
    recipe = config.CPU_RECIPE
    _, dev = sonnets_and_dev(vocab, recipe.seq_len)
    results = []
    for candidate in candidates:
        config.set_seed()
        model, rates = _model(vocab, candidate), _Rates()
        began = time.perf_counter()
        log = fit_char_model(model, dev, epochs, recipe.batch_size, callbacks=[rates],
                             progress=None)
        results.append({**asdict(candidate), "label": candidate.label,
                        "dev_losses": log.column("val_loss").tolist(), "rates": rates.rates,
                        "best_epoch": log.best_epoch, "best_dev_loss": log.best_val_loss,
                        "seconds": round(time.perf_counter() - began, 1)})
        if progress is not None:
            progress(f"{candidate.label}: best dev loss {log.best_val_loss:.3f} nats at epoch "
                     f"{log.best_epoch} ({results[-1]['seconds']:.0f} s)")
    return results


def refit(vocab: Vocabulary, choice: dict) -> tuple[keras.Model, dict]:
    """Train the chosen candidate on the whole training text; score the test targets once."""
    recipe = config.CPU_RECIPE
    sonnets, _ = sonnets_and_dev(vocab, recipe.seq_len)
    test = sonnets_test(vocab)  # scored as every sonnet model
    candidate = Candidate(**{k: choice[k] for k in asdict(Candidate())})
    config.set_seed()
    model = _model(vocab, candidate)
    rates = choice["rates"][: choice["best_epoch"]]
    began = time.perf_counter()
    model.fit(sonnets.x_train, sonnets.y_train, batch_size=recipe.batch_size,
              epochs=len(rates), shuffle=True, verbose=0,
              callbacks=[keras.callbacks.LearningRateScheduler(lambda epoch, _: rates[epoch])])
    seconds = time.perf_counter() - began
    nats = test.loss(model)
    return model, {"best_val_loss_nats": nats, "best_val_loss_bits": nats_to_bits(nats),
                   "epochs": len(rates), "refit_seconds": round(seconds, 1)}


def best(results: Sequence[dict]) -> dict:
    """The candidate with the lowest dev loss."""
    return results[int(np.argmin([r["best_dev_loss"] for r in results]))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnnbook.training.small_data",
                                     description=__doc__)
    parser.add_argument("--epochs", type=int, default=25, help="epochs per candidate")
    parser.add_argument("--save", default=None, help="name of the model card to write")
    parser.add_argument("--selection-from", default=None, metavar="NAME",
                        help="refit only, on the selection a saved model's card recorded")
    args = parser.parse_args(argv)
    vocab = sonnets_vocabulary()
    if args.selection_from:
        results = read_card(args.selection_from)["selection"]
    else:
        results = select(vocab, epochs=args.epochs)
    choice = best(results)
    model, scores = refit(vocab, choice)
    print(f"chosen: {choice['label']}, {scores['epochs']} epochs; "
          f"{scores['best_val_loss_nats']:.3f} nats on the sonnets' held-out targets")
    if args.save:
        save_char_model(model, vocab, args.save, {
            "stage": "sonnets only, regularised", **scores, "recipe": asdict(config.CPU_RECIPE),
            "selection": results, "chosen": choice["label"]})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
