"""LSTM or GRU? The chapter's comparison, run headless, written to a small JSON data file.

Trains the vanilla RNN, GRU and LSTM at 128 units and the GRU and RNN widened to the LSTM's
parameter count, once per seed of the profile's plan (:func:`rnnbook.training.comparison.plan_for`),
prints the tables and the speed ratios against the LSTM (time per epoch, seconds and epochs to
a common target, measured side by side: the chapter reports its own run's seconds and checks
none of them), and writes every run with the machine, backend, Keras version and profile
to ``benchmarks/results/compare_cells-<profile>-<backend>-<gpu|cpu>.json``. The chapter
``lstm_vs_gru`` shows such files next to the figures of the machine that builds the book.

    python benchmarks/compare_cells.py --profile cpu
    KERAS_BACKEND=jax python benchmarks/compare_cells.py --profile gpu    # on a GPU machine
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from rnnbook.config import active_profile, describe
from rnnbook.text.corpora import load_corpus
from rnnbook.text.vocabulary import Vocabulary
from rnnbook.training import comparison, summaries

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=("smoke", "cpu", "gpu"),
                        help="sizes to use (default: RNNBOOK_PROFILE, else detected)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder of the data file")
    parser.add_argument("--corpus", default="sonnets", help="a corpus name of rnnbook.text.corpora")
    args = parser.parse_args(argv)
    if args.profile:
        os.environ["RNNBOOK_PROFILE"] = args.profile
    profile = active_profile()
    plan = comparison.plan_for(profile)
    print(describe(), flush=True)
    print(plan, flush=True)
    text = load_corpus(args.corpus)
    specs = comparison.comparison_specs(len(Vocabulary.from_text(text.lower())), plan.units)
    start = time.perf_counter()
    runs = comparison.run_comparison(specs, text, plan,
                                     progress=lambda line: print(line, flush=True))
    env = comparison.environment(profile)
    env["wall_seconds"] = round(time.perf_counter() - start, 1)
    env["corpus"] = args.corpus
    labels = [spec.label for spec in specs]
    print(f"\nsame width (target: the lowest loss all of them reach), {env['hardware']}, "
          f"{env['backend']}:")
    print(summaries.format_table(summaries.summarize(runs, labels=labels[:3])))
    print("\nsame parameters:")
    print(summaries.format_table(summaries.summarize(runs, labels=[labels[2], *labels[3:]])))
    print(f"\nratios against {labels[2]}, measured side by side in this run (each pair on its "
          "own common target; below 1: shorter than the LSTM's):")
    for line in speed_ratios(runs, labels[2], [*labels[:2], *labels[3:]]):
        print(line)
    path = comparison.save_results(args.out / comparison.results_name(env), runs, plan, env)
    print(f"\nwrote {path} ({env['wall_seconds']} s)")
    return 0


def speed_ratios(runs, reference: str, others: list[str]) -> list[str]:
    """One line per model: its time per epoch, seconds and epochs to the common target of the
    pair, each divided by the ``reference`` model's."""
    lines = []
    for label in others:
        a, b = summaries.summarize(runs, labels=[label, reference]).values()
        per_epoch = a.epoch_seconds / b.epoch_seconds
        lines.append(f"{label}/{reference}: time per epoch {per_epoch:.2f}, "
                     f"seconds to {a.target:.3f} nats {a.time_to_target / b.time_to_target:.2f}, "
                     f"epochs to it {a.epochs_to_target / b.epochs_to_target:.2f}")
    return lines


if __name__ == "__main__":
    sys.exit(main())
