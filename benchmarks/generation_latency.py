"""How long the sampling explorer takes to answer: 200 characters with each strategy.

    python benchmarks/generation_latency.py [--length 200] [--repeats 7] [--models NAME ...]

For each saved model (default: every model under data/models/) and each strategy of
rnnbook.generation.sampling, it times one call that generates ``--length`` characters after a seed
(the call the explorer makes on a click, given the Keras model), ``--repeats`` times,
and prints the best and the median, with the machine and backend it ran on. Absolute times
hold for that machine only. The target of the sampling explorer, an answer within ``--target``
seconds (default 0.5) for every model and strategy, is checked here on the slowest median: the
exit status is 1 when it is missed (the chapter only reports its own timings).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np

from rnnbook.config import describe, hardware
from rnnbook.generation import sampling  # first: rnnbook quiets TensorFlow's start-up logs
from rnnbook.models import load_char_model, saved_models

SEED_TEXT = "shall i compare thee to a summer's day?\n"
STRATEGIES = {
    "ancestral, T = 1": dict(temperature=1.0),
    "top-k, k = 5": dict(top_k=5),
    "top-p, p = 0.9": dict(top_p=0.9),
    "greedy": dict(temperature=0.0),
}


def timings(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--beam-width", type=int, default=5)
    parser.add_argument("--models", nargs="*", default=None)
    parser.add_argument("--target", type=float, default=0.5,
                        help="seconds the slowest strategy may take (median)")
    args = parser.parse_args(argv)
    names = args.models or saved_models()
    if not names:
        print("no saved models under data/models/", file=sys.stderr)
        return 1
    print(describe())
    print(f"hardware: {hardware()}")
    print(f"{args.length} characters after a {len(SEED_TEXT)}-character seed, "
          f"best and median of {args.repeats}\n")
    print(f"{'model':24} {'strategy':18} {'best ms':>8} {'median ms':>10} {'chars/s':>9}")
    slowest = 0.0
    for name in names:
        model, vocab, _ = load_char_model(name)
        sampling.generate(model, vocab, SEED_TEXT, 5)  # a warm-up
        rng = np.random.default_rng(0)
        cases = {
            k: (lambda kw=kw, m=model, v=vocab, r=rng:
                sampling.generate(m, v, SEED_TEXT, args.length, rng=r, **kw))
            for k, kw in STRATEGIES.items()
        }
        cases[f"beam, width {args.beam_width}"] = (
            lambda m=model, v=vocab: sampling.beam_search(m, v, SEED_TEXT, args.length,
                                                          args.beam_width))
        for strategy, fn in cases.items():
            t = timings(fn, args.repeats)
            best, median = min(t), statistics.median(t)
            slowest = max(slowest, median)
            print(f"{name:24} {strategy:18} {best * 1e3:8.1f} {median * 1e3:10.1f} "
                  f"{args.length / median:9.0f}")
    print(f"\nslowest median: {slowest:.3f} s for {args.length} characters")
    met = slowest < args.target
    print(f"target: under {args.target} s: {'met' if met else 'MISSED'} "
          f"({slowest / args.target:.2f} of the target)")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
