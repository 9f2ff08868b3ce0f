"""Time-to-quality and generation speed: the tutorial's program against the course's recipe.

One run, one machine; it prints the machine and backend first. Two ratios:

(a) time-to-quality: the tutorial's recipe (one-hot 40-character windows, one target each,
    batch 256) trains for a fixed budget of epochs (default 10) on the first 90% of the
    lower-cased sonnets; its held-out loss is measured after every epoch on the last 10%
    (outside the timed training). The target is the best held-out loss it reached. The
    course's recipe (sequence-to-sequence windows, sparse targets, the profile's settings)
    then trains until it reaches the same held-out loss on the same targets. Ratio =
    the tutorial's training seconds to its best / the course's training seconds to that loss.
(b) generation: characters per second of the tutorial's loop (one ``model.predict`` over the
    re-encoded window per character) and of the course's stateful generator
    (:func:`rnnbook.generation.sampling.generate`, one NumPy step per character), on the same
    weights.

Usage::

    python benchmarks/shakespeare_speed.py                  # the full run (about 8 min, 2 cores)
    python benchmarks/shakespeare_speed.py --tutorial-epochs 1 --fraction 0.2   # a quick check
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import time

import keras
import numpy as np

from rnnbook import config  # first: it quiets TensorFlow's start-up logs
from rnnbook.config import hardware, recipe_for
from rnnbook.generation.sampling import generation_speed
from rnnbook.models import build_char_model
from rnnbook.text.corpora import load_corpus
from rnnbook.text.windows import prepare_char_data, train_val_split
from rnnbook.training.fitting import compile_char_model, fit_char_model
from rnnbook.training.tutorial_program import (
    fit_tutorial,
    tutorial_generate,
    tutorial_held_out,
    tutorial_model,
    tutorial_prepare,
    tutorial_to_char_model,
)


class StopAt(keras.callbacks.Callback):
    """Stop training once the held-out loss is at or below ``target``."""

    def __init__(self, target: float) -> None:
        super().__init__()
        self.target = target

    def on_epoch_end(self, epoch, logs=None):
        if (logs or {}).get("val_loss", np.inf) <= self.target:
            self.model.stop_training = True


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # the sizes: the measurement under cpu and gpu, a run-through in seconds under smoke
    sizes = config.active_profile().pick(
        smoke={"tutorial_epochs": 1, "max_epochs": 2, "fraction": 0.05, "tutorial_chars": 20,
               "fast_chars": 200},
        cpu={"tutorial_epochs": 10, "max_epochs": 100, "fraction": 1.0, "tutorial_chars": 200,
             "fast_chars": 5000},
        gpu={"tutorial_epochs": 10, "max_epochs": 100, "fraction": 1.0, "tutorial_chars": 200,
             "fast_chars": 5000},
    )
    parser.add_argument("--tutorial-epochs", type=int, default=sizes["tutorial_epochs"])
    parser.add_argument("--max-epochs", type=int, default=sizes["max_epochs"],
                        help="the course's recipe stops here if it has not reached the target")
    parser.add_argument("--profile", default=None,
                        help="recipe settings to use (default: the active profile's)")
    parser.add_argument("--fraction", type=float, default=sizes["fraction"],
                        help="of the sonnets to use")
    parser.add_argument("--tutorial-chars", type=int, default=sizes["tutorial_chars"])
    parser.add_argument("--fast-chars", type=int, default=sizes["fast_chars"])
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args(argv)

    profile = args.profile or config.active_profile().name
    settings = recipe_for(profile)
    print(f"machine : {platform.platform()}; {hardware()}")
    print(f"software: {config.describe()}")
    print(f"course's recipe ({profile} profile): {settings}")

    text = load_corpus("sonnets").lower()
    text = text[: int(len(text) * args.fraction)]
    chars = list(set(text))  # the tutorial's vocabulary
    train_text, val_text = train_val_split(text)

    # (a) time-to-quality
    rng = config.set_seed()
    tut = tutorial_prepare(train_text, maxlen=40, step=1, chars=chars)
    tut_model = tutorial_model(40, len(chars))
    tut_log = fit_tutorial(tut_model, tut, args.tutorial_epochs, tutorial_held_out(val_text, chars))
    print(f"\n(a) time-to-quality, on the same {len(val_text):,} held-out characters")
    print("tutorial's recipe: epoch, training loss, held-out loss (nats/char), elapsed s")
    for r in tut_log.records:
        print(f"  {r['epoch']:3d}  {r['loss']:.3f}  {r['val_loss']:.3f}  {r['elapsed']:7.1f}")
    target = tut_log.best_val_loss
    t_tutorial = tut_log.time_to(target)

    config.set_seed()
    data = prepare_char_data(text, seq_len=settings.seq_len)
    model = build_char_model(len(data.vocab), "lstm", 128, dropout=settings.dropout)
    compile_char_model(model, settings.learning_rate)
    log = fit_char_model(model, data, args.max_epochs, batch_size=settings.batch_size,
                         callbacks=[StopAt(target)])
    print("course's recipe: epoch, training loss, held-out loss (nats/char), elapsed s")
    for r in log.records:
        print(f"  {r['epoch']:3d}  {r['loss']:.3f}  {r['val_loss']:.3f}  {r['elapsed']:7.1f}")
    t_course = log.time_to(target)
    ratio = None if t_course is None else t_tutorial / t_course
    print(f"target: the tutorial's best held-out loss in {args.tutorial_epochs} epochs, "
          f"{target:.3f} nats/char")
    print(f"tutorial's recipe reaches it in {t_tutorial:.1f} s of training")
    if t_course is None:
        print(f"course's recipe did not reach it in {args.max_epochs} epochs")
    else:
        print(f"course's recipe reaches it in {t_course:.1f} s of training")
        print(f"time-to-quality ratio: {ratio:.1f}x")

    # (b) generation speed, on the same weights (the tutorial's, in both forms)
    char_model, vocab = tutorial_to_char_model(tut_model, chars)
    seed = val_text[:40]
    t0 = time.perf_counter()
    tutorial_generate(tut_model, seed, chars, args.tutorial_chars, rng=rng)
    slow = args.tutorial_chars / (time.perf_counter() - t0)
    fast = generation_speed(char_model, vocab, seed, args.fast_chars, rng=rng)
    print("\n(b) generation, same weights")
    print(f"tutorial's loop (predict per character): {slow:10.1f} chars/s "
          f"({args.tutorial_chars} chars)")
    print(f"course's stateful generator            : {fast:10.1f} chars/s "
          f"({args.fast_chars} chars)")
    print(f"generation ratio: {fast / slow:.0f}x")

    result = {
        "machine": platform.platform(), "hardware": hardware(), "software": config.describe(),
        "profile": profile, "recipe": dataclasses.asdict(settings),
        "tutorial_epochs": args.tutorial_epochs,
        "target_val_loss": target, "tutorial_seconds": t_tutorial, "course_seconds": t_course,
        "time_to_quality_ratio": ratio, "tutorial_chars_per_s": slow, "fast_chars_per_s": fast,
        "generation_ratio": fast / slow,
        "tutorial_records": tut_log.records, "course_records": log.records,
    }
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)
    return result


if __name__ == "__main__":
    main()
