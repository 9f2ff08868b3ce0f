"""The character Transformer pretrained on the plays and fine-tuned on the sonnets, as the LSTM.

The same path as :mod:`rnnbook.training.transfer` (the same plays, vocabulary, windows, split,
held-out plays, fine-tuning on the sonnets' training text with the epochs chosen on its last
tenth, the sonnets' held-out targets scored once at the end); only the model differs:
:func:`~rnnbook.cells.attention.build_char_transformer`, sized by default to the parameters of
``shakespeare_lstm256`` (:data:`LSTM256_PARAMETERS`, within 10%).

A budget in *CPU* seconds of this process (``time.process_time``: every thread's time, not the
wall clock a shared machine stretches) ends the pretraining, so both models can be given the
same CPU minutes. The budget survives a resumed run (spent seconds are kept in the checkpoint
folder). The step size's cosine is laid over ``--epochs``: choose them so that the run ends near
the budget (the plays' epoch costs about the same every time), or the rate stops high.

Command line (resumes from its checkpoint folder after an interruption)::

    python -m rnnbook.training.transformer --epochs 14 --cpu-minutes 72 \
        --checkpoint ckpt/plays_transformer --save shakespeare_transformer
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import keras

from rnnbook import config, validate
from rnnbook.cells.attention import TransformerSize, build_char_transformer
from rnnbook.text.streams import WindowStream
from rnnbook.text.vocabulary import Vocabulary, sonnets_vocabulary
from rnnbook.text.windows import SCORING_WINDOW
from rnnbook.training import transfer

LSTM256_PARAMETERS = 832_519  # shakespeare_lstm256: 2 LSTM layers of 256, embedding 32


@dataclass(frozen=True)
class TransformerPlan:
    """A Transformer's sizes and its two trainings (the training fields as in ``TransferPlan``).

    Attributes:
        dim, heads, blocks, mlp_ratio, positions: the Transformer (see ``TransformerSize``);
            its window is the longer of ``seq_len`` and the scoring window.
        dropout: after the embeddings, inside attention and after each MLP.
        cpu_seconds: the pretraining's budget in process CPU seconds (``None``: the epochs).
    """

    dim: int = 128
    heads: int = 4
    blocks: int = 4
    mlp_ratio: int = 4
    positions: str | None = "learned"
    dropout: float = 0.1
    seq_len: int = 100
    batch_size: int = 128
    pretrain_epochs: int = 14
    pretrain_rate: float = 1e-3
    finetune_rate: float = 3e-4
    finetune_epochs: int = 8
    plays_limit: int | None = None
    cpu_seconds: float | None = None

    @property
    def size(self) -> TransformerSize:
        return TransformerSize(self.dim, self.heads, self.blocks, self.mlp_ratio,
                               max(self.seq_len, SCORING_WINDOW), self.positions)


def plan_for(profile: config.Profile | None = None) -> TransformerPlan:
    """The plan of a profile (the active one by default): ``smoke`` a tiny one that only checks
    that everything runs; ``cpu`` and ``gpu`` the size matched to ``shakespeare_lstm256``."""
    return (profile or config.active_profile()).pick(
        smoke=TransformerPlan(dim=16, heads=2, blocks=1, pretrain_epochs=1, finetune_epochs=2,
                              plays_limit=60_000, batch_size=32, dropout=0.0),
        cpu=TransformerPlan(),
        gpu=TransformerPlan(),
    )


def build_plan_transformer(vocab: Vocabulary, plan: TransformerPlan) -> keras.Model:
    """The plan's Transformer over ``vocab``, uncompiled (``transfer.pretrain``'s ``build``)."""
    return build_char_transformer(len(vocab), plan.size, plan.dropout,
                                  name=f"shakespeare_transformer{plan.dim}x{plan.blocks}")


class CpuBudget(keras.callbacks.Callback):
    """Stop training once this process has spent ``seconds`` CPU seconds in it.

    Checked after every batch; the epoch under way ends there (and is validated as any other).
    With ``directory`` the seconds and steps spent are kept in ``cpu_budget.json`` there, and a
    resumed run counts on from them.
    """

    FILE = "cpu_budget.json"

    def __init__(self, seconds: float | None, directory: str | Path | None = None) -> None:
        super().__init__()
        self.seconds = validate.number("cpu_seconds", seconds, 0, low_open=True, none=True)
        self.path = None if directory is None else Path(directory) / self.FILE
        saved = json.loads(self.path.read_text()) if self.path and self.path.exists() else {}
        self.spent, self.steps = saved.get("cpu_seconds", 0.0), saved.get("steps", 0)
        self.stopped = saved.get("stopped", False)
        self._start = self._spent_before = None

    def on_train_begin(self, logs=None):
        self._start, self._spent_before = time.process_time(), self.spent

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        self.spent = self._spent_before + time.process_time() - self._start
        if self.seconds is not None and self.spent >= self.seconds:
            self.stopped = self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps({"cpu_seconds": self.spent, "steps": self.steps,
                                             "stopped": self.stopped}))


def pretrain(plan: TransformerPlan | transfer.TransferPlan, vocab: Vocabulary,
             checkpoint_dir=None, progress=print, seed: int = config.SEED,
             build: Callable = build_plan_transformer) -> tuple[keras.Model, Any, dict]:
    """``transfer.pretrain`` with the plan's Transformer and its CPU budget; one device.

    The CPU seconds are recorded for any model: ``build=transfer.build_plan_model`` with a
    ``TransferPlan`` pretrains the LSTM, timed the same way (a plan without ``cpu_seconds``
    has no budget)."""
    cpu_seconds = getattr(plan, "cpu_seconds", None)
    run = plan
    if cpu_seconds is not None and checkpoint_dir is not None:
        budget_file = Path(checkpoint_dir) / CpuBudget.FILE
        if budget_file.exists() and json.loads(budget_file.read_text()).get("stopped"):
            run = replace(plan, pretrain_epochs=1)  # spent: restore the best, train no more
    budget = CpuBudget(cpu_seconds, checkpoint_dir)
    model, log, record = transfer.pretrain(run, vocab, checkpoint_dir, progress, seed, devices=1,
                                           build=build, callbacks=[budget])
    characters = budget.steps * plan.batch_size * plan.seq_len
    record.update({
        "plan": asdict(plan),
        "parameters": int(model.count_params()),
        "pretrain_cpu_seconds": round(budget.spent, 1),
        "pretrain_cpu_budget_seconds": cpu_seconds,
        "pretrain_stopped_by_budget": budget.stopped,
        "pretrain_steps": budget.steps,
        "pretrain_characters_seen": characters,
        "pretrain_chars_per_cpu_second": round(characters / max(budget.spent, 1e-9)),
    })
    return model, log, record


def steps_per_epoch(record: dict) -> int:
    """The training steps of one pretraining epoch (``WindowStream``'s length) of a record."""
    plan = record["plan"]
    windows = WindowStream.windows_for(record["pretrain_characters"], plan["seq_len"])
    return windows // plan["batch_size"]


def cpu_minutes_by_epoch(record: dict, cpu_seconds_per_step: float | None = None) -> list[float]:
    """The CPU minutes a pretraining had spent at the end of each of its epochs.

    A record of :func:`pretrain` holds its CPU seconds and steps: they are spread evenly over
    the steps (the budget may end the last epoch early). A record without them (the committed
    LSTM's, trained before the CPU clock was recorded) needs ``cpu_seconds_per_step``, as
    ``benchmarks/pretraining_speed.py`` measures it.
    """
    per_epoch = steps_per_epoch(record)
    epochs = [r["epoch"] for r in record["pretrain_records"]]
    if "pretrain_cpu_seconds" in record:
        steps = record["pretrain_steps"]
        rate = record["pretrain_cpu_seconds"] / steps
    else:
        steps = per_epoch * max(epochs)
        rate = validate.number("cpu_seconds_per_step", cpu_seconds_per_step, 0, low_open=True)
    return [min(e * per_epoch, steps) * rate / 60 for e in epochs]


def fine_tune(model: keras.Model, vocab: Vocabulary, plan: TransformerPlan, progress=print) -> dict:
    """``transfer.fine_tune``, its CPU seconds recorded too."""
    began = time.process_time()
    record = transfer.fine_tune(model, vocab, plan, progress)
    return {**record, "finetune_cpu_seconds": round(time.process_time() - began, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnnbook.training.transformer",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    plan = plan_for()
    parser.add_argument("--epochs", type=int, default=plan.pretrain_epochs,
                        help="the most passes over the plays")
    parser.add_argument("--cpu-minutes", type=float, default=None,
                        help="stop pretraining after this many CPU minutes of this process")
    parser.add_argument("--plays-limit", type=int, default=plan.plays_limit,
                        help="use only the first this-many characters of the plays")
    parser.add_argument("--rate", type=float, default=plan.pretrain_rate,
                        help="Adam's step size at the start of the pretraining")
    parser.add_argument("--positions", choices=("learned", "sinusoidal"), default=plan.positions,
                        help="the position embedding")
    parser.add_argument("--checkpoint", default=None, help="folder to resume from")
    parser.add_argument("--save", default=None, help="name of the model card to write")
    parser.add_argument("--pretrain-only", action="store_true",
                        help="stop after the plays (to choose settings on the held-out plays "
                             "without scoring the sonnets)")
    args = parser.parse_args(argv)
    budget = None if args.cpu_minutes is None else 60 * validate.number(
        "cpu_minutes", args.cpu_minutes, 0, low_open=True)
    plan = replace(plan, pretrain_epochs=validate.positive_int("epochs", args.epochs),
                   plays_limit=validate.integer("plays_limit", args.plays_limit, none=True),
                   cpu_seconds=budget, positions=args.positions,
                   pretrain_rate=validate.number("rate", args.rate, 0, low_open=True))
    vocab = sonnets_vocabulary()
    transfer.pretrain_then_fine_tune(
        lambda: pretrain(plan, vocab, args.checkpoint),
        None if args.pretrain_only else lambda model: fine_tune(model, vocab, plan), vocab,
        args.save,
        lambda r: f"pretrained: {r['pretrain_held_out_plays_nats']:.3f} nats on the held-out "
                  f"plays after {r['pretrain_cpu_seconds']:.0f} CPU seconds "
                  f"({r['parameters']:,} parameters)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
