"""Generation cost per character as the context grows: an LSTM against a Transformer.

    python benchmarks/attention_generation_cost.py [--contexts 16 64 256 512] [--repeats 5]

All three generate in NumPy, one sequence, one character per step, on weights of the course's
sizes (the cost does not depend on what the weights learned):

- the LSTM of ``shakespeare_lstm256`` (an embedding of 32, two layers of 256) with
  ``CharStepper``: a state of fixed size, so every step costs the same;
- the Transformer sized to match it (``rnnbook.training.transformer``'s plan) with
  ``TransformerStepper.step``: the new character's keys and values join a cache, and its query
  reads the whole cache (work growing with the context);
- the same Transformer without the cache (``full_step``): the whole context again for every
  character (work growing faster).

For each context length it times ``--repeats`` steps and prints the median in milliseconds per
character, with the machine and backend. NumPy's BLAS runs on one thread (a step's products are
too small to share, and on a busy machine shared ones wait on each other). The Transformer's
learned position table is widened to the longest context measured (a table lookup: it does not
change the cost per step). Absolute times hold for that machine only. Writes
``results/attention-generation-cost-<backend>.json`` (``--json`` for another path).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from dataclasses import replace
from pathlib import Path

for _threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")  # before NumPy loads its BLAS

import keras  # noqa: E402
import numpy as np  # noqa: E402

from rnnbook.cells.attention import build_char_transformer  # noqa: E402
from rnnbook.config import Profile, describe, hardware  # noqa: E402
from rnnbook.generation.stepper import CharStepper  # noqa: E402
from rnnbook.generation.transformer_stepper import TransformerStepper  # noqa: E402
from rnnbook.models import build_char_model  # noqa: E402
from rnnbook.training.transformer import plan_for  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
VOCAB = 39  # the sonnets' characters


def median_ms(fn, repeats: int) -> float:
    """The median wall time of ``fn()`` over ``repeats`` calls, in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def steppers(units: int, layers: int, dim: int, blocks: int, heads: int, window: int):
    """(LSTM stepper, Transformer stepper, parameter counts) on fresh weights."""
    keras.utils.set_random_seed(0)
    lstm = build_char_model(VOCAB, "lstm", units, embedding_dim=32, layers=layers)
    size = replace(plan_for(Profile("cpu")).size, dim=dim, blocks=blocks, heads=heads,
                   window=window)
    transformer = build_char_transformer(VOCAB, size)
    counts = {"lstm": int(lstm.count_params()), "transformer": int(transformer.count_params())}
    return CharStepper.from_model(lstm), TransformerStepper.from_model(transformer), counts


def measure(contexts: list[int], repeats: int, lstm: CharStepper,
            transformer: TransformerStepper) -> list[dict]:
    """Milliseconds per character at each context length, for the three generators."""
    rng = np.random.default_rng(0)
    text = rng.integers(0, VOCAB, (1, max(contexts) + 1))  # (1, longest + 1)
    rows = []
    for n in contexts:
        _, state = lstm.feed(text[:, :n])
        _, cache = transformer.feed(text[:, :n])  # n positions in the cache
        nxt = text[:, n]  # (1,)
        rows.append({
            "context": n,
            "lstm_ms": median_ms(lambda s=state, x=nxt: lstm.step(x, s), repeats),
            "transformer_cached_ms": median_ms(
                lambda c=cache, x=nxt: transformer.step(x, c), repeats),
            "transformer_full_ms": median_ms(
                lambda n=n: transformer.full_step(text[:, :n + 1]), repeats),
        })
    return rows


def table(rows: list[dict]) -> str:
    lines = [f"{'context':>8} {'LSTM ms':>9} {'Transf. cached ms':>18} {'Transf. full ms':>16} "
             f"{'full/cached':>12} {'cached/LSTM':>12}"]
    for r in rows:
        lines.append(f"{r['context']:8d} {r['lstm_ms']:9.3f} {r['transformer_cached_ms']:18.3f} "
                     f"{r['transformer_full_ms']:16.3f} "
                     f"{r['transformer_full_ms'] / r['transformer_cached_ms']:12.1f} "
                     f"{r['transformer_cached_ms'] / r['lstm_ms']:12.1f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    plan = plan_for(Profile("cpu"))
    parser.add_argument("--contexts", type=int, nargs="+", default=[16, 32, 64, 128, 256, 512])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--dim", type=int, default=plan.dim)
    parser.add_argument("--blocks", type=int, default=plan.blocks)
    parser.add_argument("--heads", type=int, default=plan.heads)
    parser.add_argument("--json", default=None, help="where to write the results")
    args = parser.parse_args(argv)
    contexts = sorted({int(c) for c in args.contexts if c >= 1})
    lstm, transformer, counts = steppers(args.units, args.layers, args.dim, args.blocks,
                                         args.heads, max(contexts) + 1)
    print(describe())
    print(f"hardware: {hardware()}")
    print(f"LSTM: {args.layers} x {args.units}, {counts['lstm']:,} parameters; Transformer: "
          f"{args.blocks} blocks of {args.dim}, {args.heads} heads, {counts['transformer']:,} "
          f"parameters (positions widened to {max(contexts) + 1}); median of {args.repeats} "
          "steps, one sequence, NumPy\n")
    rows = measure(contexts, args.repeats, lstm, transformer)
    print(table(rows))
    result = {"backend": keras.backend.backend(), "hardware": hardware(), "describe": describe(),
              "parameters": counts, "repeats": args.repeats,
              "sizes": {k: getattr(args, k) for k in ("units", "layers", "dim", "blocks", "heads")},
              "rows": rows}
    path = Path(args.json) if args.json else (
        RESULTS / f"attention-generation-cost-{result['backend']}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"\nwritten: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
