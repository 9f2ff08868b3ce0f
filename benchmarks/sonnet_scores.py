"""Held-out nats per character of every committed model and every counting baseline.

    python benchmarks/sonnet_scores.py [--json benchmarks/results/sonnet-scores.json]

All on the same targets: the last 10% of the lower-cased sonnets, every character from position
40 on (``rnnbook.text.windows.held_out_windows``), each model (the recurrent ones and the
Transformers) with its own vocabulary and committed weights (``rnnbook.models.saved_model_scores``),
each baseline fitted on the first 90% (``rnnbook.text.baselines.sonnet_baselines``: unigram,
Kneser-Ney orders 1 to 6, bz2, lzma). Prints
one table, best first, and writes the same rows as JSON. The figures do not depend on the
machine (up to the last digit of a float); the script prints it anyway.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

from rnnbook import config, models  # first: rnnbook quiets TensorFlow's start-up logs
from rnnbook.config import hardware
from rnnbook.text import baselines, windows
from rnnbook.text.windows import CONTEXT

DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "sonnet-scores.json"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default=str(DEFAULT_JSON), help="where to write the rows")
    parser.add_argument("--models", nargs="*", default=None,
                        help="saved models to score (default: all under data/models/)")
    args = parser.parse_args(argv)
    print(f"machine : {platform.platform()}; {hardware()}")
    print(f"software: {config.describe()}")
    train, held, _ = windows.sonnet_split()
    targets = len(held) - CONTEXT
    print(f"targets : {targets:,} held-out characters of the lower-cased sonnets "
          f"(the last 10%, from position {CONTEXT} on); baselines fitted on {len(train):,}\n")

    start = time.perf_counter()
    names = models.saved_models(transformers=True) if args.models is None else args.models
    rows = baselines.sonnet_baselines() + models.saved_model_scores(names)
    rows.sort(key=lambda r: r["nats"])
    print(baselines.format_table(rows))
    print(f"\n{len(rows)} scores in {time.perf_counter() - start:.1f} s")

    result = {"targets": targets, "training_characters": len(train),
              "software": config.describe(), "hardware": hardware(), "rows": rows}
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        print(f"written to {path}")
    return result


if __name__ == "__main__":
    main()
