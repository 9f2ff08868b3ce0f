"""Comparing recurrent cells fairly: several models, several seeds, one data split, one budget.

"Which is faster, and which writes better?" has an answer only with its uncertainty. A
comparison trains every model of a list (:class:`ModelSpec`) once per seed, on the same split
and for the same number of epochs, with the course's recipe (:mod:`rnnbook.training.fitting`), and
keeps for each run (:class:`RunResult`) the training seconds and validation loss of every
epoch, the parameter count, the generation speed and a sample. :mod:`rnnbook.training.summaries`
then
summarizes the runs per model (time per epoch, best validation loss, time to a common loss)
and :mod:`rnnbook.book.plots` draws them.

:func:`matched_units` widens a cell to another's parameter count, :func:`run_comparison` runs
the whole experiment (models interleaved, so that a slow spell of a shared machine is spread
over all of them rather than charged to one), and :func:`save_results` / :func:`load_results`
keep it in a small JSON file.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np

from rnnbook import validate
from rnnbook.cells import KINDS, cell, param_count
from rnnbook.config import Profile, active_profile, hardware, set_seed
from rnnbook.config import checkpoint_dir as checkpoint_dir_for
from rnnbook.generation.sampling import generate, generation_speed
from rnnbook.metrics import duration
from rnnbook.models import build_char_model
from rnnbook.text.vocabulary import Vocabulary
from rnnbook.text.windows import CharData, prepare_char_data
from rnnbook.training.fitting import compile_char_model, fit_char_model
from rnnbook.training.summaries import RunResult, median_epoch_seconds

__all__ = ["FORMAT", "KINDS", "ModelSpec", "Plan", "char_model_params",
           "comparison_specs", "environment", "load_results", "matched_units", "plan_for",
           "results_name", "run_comparison", "save_results", "train_run"]

FORMAT = "rnnbook-comparison/1"


# ---------------------------------------------------------------- what is compared


@dataclass(frozen=True)
class ModelSpec:
    """One model of a comparison: a label for tables and legends, a cell kind and a width."""

    label: str
    kind: str
    units: int

    def __post_init__(self) -> None:
        cell(self.kind)
        validate.positive_int("units", self.units)


def char_model_params(
    kind: str, units: int, vocab_size: int, embedding_dim: int | None = None
) -> int:
    """Parameters of a one-layer :func:`~rnnbook.models.build_char_model` model, by formula.

    Input (one-hot: none; embedding: ``vocab_size * embedding_dim``), the recurrent layer
    (:func:`rnnbook.cells.param_count`) and the softmax layer (``units * vocab_size + vocab_size``).
    """
    features = vocab_size if embedding_dim is None else embedding_dim
    embedding = 0 if embedding_dim is None else vocab_size * embedding_dim
    return embedding + param_count(kind, features, units) + units * vocab_size + vocab_size


def matched_units(
    kind: str, params: int, vocab_size: int, embedding_dim: int | None = None
) -> int:
    """The width of a ``kind`` character model whose parameter count is closest to ``params``.

    "The same width" favours the cell with more gates: an LSTM(128) has about four times the
    recurrent weights of a vanilla RNN(128). Matching parameters instead asks what each cell
    does with the same budget of weights.

    Args:
        kind: ``"rnn"``, ``"gru"`` or ``"lstm"``.
        params: the parameter count to match (e.g. an LSTM(128) model's ``count_params()``).
        vocab_size, embedding_dim: as for :func:`char_model_params`.

    Returns:
        The number of units (on a tie, the smaller).
    """
    validate.positive_int("params", params)
    count = lambda u: char_model_params(kind, u, vocab_size, embedding_dim)
    units = 1
    while count(units + 1) <= params:  # the count grows with the width: walk up to the target
        units += 1
    # `units` is the widest model not above the target; the next width may be closer
    return units if params - count(units) <= count(units + 1) - params else units + 1


def comparison_specs(vocab_size: int, units: int = 128) -> list[ModelSpec]:
    """The chapter's models: RNN, GRU and LSTM at ``units``, and the GRU and RNN widened to the
    LSTM's parameter count (labelled with their widths)."""
    lstm_params = char_model_params("lstm", units, vocab_size)
    gru_units = matched_units("gru", lstm_params, vocab_size)
    rnn_units = matched_units("rnn", lstm_params, vocab_size)
    return [
        ModelSpec(f"RNN {units}", "rnn", units),
        ModelSpec(f"GRU {units}", "gru", units),
        ModelSpec(f"LSTM {units}", "lstm", units),
        ModelSpec(f"GRU {gru_units}", "gru", gru_units),
        ModelSpec(f"RNN {rnn_units}", "rnn", rnn_units),
    ]


@dataclass(frozen=True)
class Plan:
    """The sizes of a comparison (one per profile, :func:`plan_for`).

    Attributes:
        seeds: one run of every model per seed.
        epochs: the budget, the same for every model.
        batch_size, learning_rate, seq_len, dropout: the course's recipe
            (:attr:`rnnbook.config.Profile.recipe`).
        text_fraction: the leading fraction of the corpus used (1.0: all of it).
        units: the width of the same-width comparison.
        temperature, sample_length: the samples shown (same seed text for every model).
        speed_length: characters generated to measure the generation speed.
    """

    seeds: tuple[int, ...]
    epochs: int
    batch_size: int = 64
    learning_rate: float = 1e-2
    seq_len: int = 100
    dropout: float = 0.0
    text_fraction: float = 1.0
    units: int = 128
    temperature: float = 0.7
    sample_length: int = 200
    speed_length: int = 500


def plan_for(profile: Profile) -> Plan:
    """The comparison's sizes for a profile: ``smoke`` one seed and a tiny budget; ``cpu``
    three seeds and under a minute per model; ``gpu`` five seeds and a long budget. The window,
    batch, learning rate and dropout are the course's recipe for the profile
    (:attr:`rnnbook.config.Profile.recipe`)."""
    sizes = profile.pick(
        smoke={"seeds": (1,), "epochs": 3, "text_fraction": 0.15, "sample_length": 60,
               "speed_length": 100},
        cpu={"seeds": (1, 2, 3), "epochs": 10},
        gpu={"seeds": (1, 2, 3, 4, 5), "epochs": 40},
    )
    course = profile.recipe
    return Plan(**sizes, seq_len=course.seq_len, batch_size=course.batch_size,
                learning_rate=course.learning_rate, dropout=course.dropout)


# ---------------------------------------------------------------- what a run leaves


# ---------------------------------------------------------------- running it


def run_comparison(
    specs: Sequence[ModelSpec],
    text: str,
    plan: Plan,
    seed_text: str = "shall i compare thee to a summer's day?\n",
    progress: Callable[[str], Any] | None = print,
    checkpoint_dir: str | os.PathLike | None = None,
) -> list[RunResult]:
    """Train every model once per seed of ``plan`` with the course's recipe; measure each run.

    The seeds form the outer loop and the models the inner one, so the models take turns:
    a spell of other work on a shared machine slows all of them, not one. Every run starts from
    a cleared Keras session and the same seed for every model.

    Args:
        specs: the models.
        text: the corpus (the plan's ``text_fraction`` of it is used, then split as
            :func:`rnnbook.text.windows.prepare_char_data` does; the vocabulary is always the
            whole text's, so the models and their parameter counts do not depend on the
            fraction).
        plan: sizes (:func:`plan_for`).
        seed_text: the text every sample continues.
        progress: called with a line before the first run and one per finished run, with the
            time left (``None``: silent).
        checkpoint_dir: a folder for the runs' checkpoints (one subfolder per run), from which
            a second call resumes; by default ``$CHECKPOINT_DIR/comparison`` when that
            variable is set (:func:`rnnbook.config.checkpoint_dir`), else none.

    Returns:
        One :class:`RunResult` per (seed, model), in the order run.
    """
    if not specs:
        raise validate.error_for("specs", "name at least one model", received="no model")
    validate.number("plan.text_fraction", plan.text_fraction, 0, 1, low_open=True)
    vocab = Vocabulary.from_text(text.lower())  # the whole text's: the same models at any size
    text = text[: round(len(text) * plan.text_fraction)]
    data = prepare_char_data(text, seq_len=plan.seq_len, vocab=vocab)
    results = []
    checkpoint_dir = checkpoint_dir_for("comparison", checkpoint_dir)
    total = len(plan.seeds) * len(specs)
    if progress is not None:
        progress(f"{total} runs ({len(specs)} models x {len(plan.seeds)} seeds) of "
                 f"{plan.epochs} epochs; the time left is estimated after the first run")
    start = time.perf_counter()
    # Each new model traces its own functions; TensorFlow's warning about retracing is expected.
    tf_logger = logging.getLogger("tensorflow")
    level = tf_logger.level
    tf_logger.setLevel(logging.ERROR)
    try:
        for seed in plan.seeds:
            for spec in specs:
                folder = (None if checkpoint_dir is None
                          else Path(checkpoint_dir) / f"{spec.label}-seed{seed}")
                results.append(train_run(spec, seed, data, plan, seed_text, folder))
                if progress is not None:
                    run, done = results[-1], len(results)
                    left = (time.perf_counter() - start) / done * (total - done)
                    progress(f"seed {seed} {spec.label:>9s}: best val {run.best:.3f} nats, "
                             f"{median_epoch_seconds(run.seconds):.2f} s/epoch; run {done} of "
                             f"{total}, " + (f"about {duration(left)} left" if left else "done"))
    finally:
        tf_logger.setLevel(level)
    return results


def train_run(spec: ModelSpec, seed: int, data: CharData, plan: Plan,
              seed_text: str, checkpoint_dir: str | os.PathLike | None = None) -> RunResult:
    """Train one model with one seed from a cleared Keras session, then measure it.

    Args:
        spec: the model.
        seed: seeds the weights, the batches' order and the sample.
        data: a :class:`rnnbook.text.windows.CharData`.
        plan: the recipe's sizes (epochs, batch size, learning rate) and the sample's.
        seed_text: the text the sample continues.
        checkpoint_dir: the run's checkpoint folder (resumed from), or ``None``.
    """
    keras.backend.clear_session()
    set_seed(seed)
    model = build_char_model(len(data.vocab), kind=spec.kind, units=spec.units,
                             dropout=plan.dropout)
    compile_char_model(model, learning_rate=plan.learning_rate)
    log = fit_char_model(model, data, epochs=plan.epochs, batch_size=plan.batch_size,
                         checkpoint_dir=checkpoint_dir, progress=None)
    rng = np.random.default_rng(seed)
    sample = generate(model, data.vocab, seed_text, plan.sample_length,
                      temperature=plan.temperature, rng=rng)
    speed = generation_speed(model, data.vocab, seed_text, plan.speed_length, rng)
    return RunResult(
        label=spec.label, kind=spec.kind, units=spec.units, seed=seed,
        params=int(model.count_params()),
        seconds=[r["seconds"] for r in log.records],
        val_loss=[r["val_loss"] for r in log.records],
        loss=[r["loss"] for r in log.records],
        chars_per_second=speed, sample=sample,
    )


# ---------------------------------------------------------------- the data file


def environment(profile: Profile | None = None) -> dict:
    """Where a comparison ran: hardware, backend, Keras and Python versions, profile, date."""
    return {
        "hardware": hardware(),
        "backend": keras.backend.backend(),
        "keras_version": keras.__version__,
        "python": platform.python_version(),
        "profile": (profile or active_profile()).name,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def save_results(path: str | os.PathLike, runs: Sequence[RunResult], plan: Plan,
                 env: dict) -> Path:
    """Write a comparison to a small JSON file: the environment, the plan and every run."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format": FORMAT, "environment": env, "plan": asdict(plan),
               "runs": [asdict(run) for run in runs]}
    path.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def load_results(path: str | os.PathLike) -> tuple[list[RunResult], Plan, dict]:
    """Read a file written by :func:`save_results`: ``(runs, plan, environment)``.

    Raises:
        ValueError: the file is not a comparison of this course (with what is wrong).
    """
    path = Path(path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a comparison file (format {FORMAT!r} expected)")
    for key in ("environment", "plan", "runs"):
        if key not in payload:
            raise ValueError(f"{path} lacks {key!r}")
    plan = payload["plan"]
    plan = Plan(**{**plan, "seeds": tuple(plan["seeds"])})
    runs = [RunResult(**run) for run in payload["runs"]]
    return runs, plan, payload["environment"]


def results_name(env: dict) -> str:
    """File name of a comparison: ``compare_cells-<profile>-<backend>-<gpu|cpu>.json``."""
    device = "gpu" if "GPU:" in env.get("hardware", "") else "cpu"
    return f"compare_cells-{env['profile']}-{env['backend']}-{device}.json"
