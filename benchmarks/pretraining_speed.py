"""How fast the plays pretraining runs here: characters per second and seconds per epoch.

Times ``--steps`` training steps of the pretraining plan's model (``rnnbook.training.transfer``,
or with ``--model transformer`` the Transformer of ``rnnbook.training.transformer``) on
batches streamed from the plays, after two steps of warm-up (compilation), on one device or
data-parallel over ``--devices``; prints the figures with the machine and backend, and writes
them to ``results/pretraining-speed-<backend>-<device>[-transformer].json``. Both the wall clock
and this process's CPU seconds (every thread's) are timed: the CPU seconds are what the
Transformer's pretraining budget counts. With ``--card NAME`` it also prints what a committed
model's card recorded of its whole pretraining run, and the CPU seconds that run's steps would
cost at the measured rate.

    .venv/bin/python benchmarks/pretraining_speed.py --steps 20
    .venv/bin/python benchmarks/pretraining_speed.py --model transformer --steps 20
    KERAS_BACKEND=jax RNNBOOK_PROFILE=gpu python benchmarks/pretraining_speed.py --devices 8
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path

from rnnbook import config, models
from rnnbook.text.vocabulary import sonnets_vocabulary
from rnnbook.training import transfer, transformer
from rnnbook.training.distribute import data_parallel
from rnnbook.training.fitting import compile_char_model

RESULTS = Path(__file__).resolve().parent / "results"


BUILDERS = {"lstm": (transfer.plan_for, transfer.build_plan_model),
            "transformer": (transformer.plan_for, transformer.build_plan_transformer)}


def measure(plan, build, steps: int, devices: int | None) -> dict:
    """Wall and CPU seconds of ``steps`` training steps after warm-up, and what they mean per
    epoch."""
    vocab = sonnets_vocabulary()
    stream = transfer.plays_data(vocab, plan).data.stream
    with data_parallel(devices, batch_size=plan.batch_size) as used:
        model = compile_char_model(build(vocab, plan), plan.pretrain_rate)
        for i in range(2):  # warm-up: tracing and compiling
            model.train_on_batch(*stream[i])
        began, cpu_began = time.perf_counter(), time.process_time()
        for i in range(steps):
            model.train_on_batch(*stream[2 + i % (len(stream) - 2)])
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    chars = steps * plan.batch_size * plan.seq_len
    return {"devices": list(used), "steps": steps, "parameters": int(model.count_params()),
            "seconds": round(seconds, 3), "cpu_seconds": round(cpu, 3),
            "cpu_seconds_per_step": round(cpu / steps, 4),
            "chars_per_second": round(chars / seconds),
            "seconds_per_epoch": round(seconds / steps * len(stream), 1),
            "steps_per_epoch": len(stream)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=20, help="timed training steps")
    parser.add_argument("--devices", type=int, default=1, help="data-parallel over this many")
    parser.add_argument("--card", default=None, help="a committed model's pretraining record")
    parser.add_argument("--model", choices=sorted(BUILDERS), default="lstm",
                        help="the pretraining plan's model to time")
    parser.add_argument("--json", default=None, help="where to write the results")
    args = parser.parse_args(argv)
    plan_for, build = BUILDERS[args.model]
    plan = plan_for(config.Profile("cpu"))  # the committed model's sizes, any profile
    result = {"hardware": config.hardware(), "backend": config.keras_backend(),
              "model": args.model, "plan": asdict(plan),
              **measure(plan, build, args.steps, args.devices)}
    print(f"{result['hardware']}, Keras on {result['backend']}, {len(result['devices'])} "
          f"device(s), {args.model}: {result['chars_per_second']:,} characters per second, "
          f"{result['seconds_per_epoch']:.0f} s per epoch of the plays "
          f"({result['steps_per_epoch']} steps of {plan.batch_size} x {plan.seq_len}); "
          f"{result['cpu_seconds_per_step']:.3f} CPU seconds per step")
    if args.card:
        card = models.read_card(args.card)
        result["card"] = {k: card[k] for k in (
            "name", "hardware", "backend", "pretrain_epochs", "pretrain_seconds",
            "pretrain_cpu_seconds", "pretrain_characters_seen", "pretrain_chars_per_second",
            "pretrain_held_out_plays_nats", "peak_memory_mb", "zero_shot_nats",
            "best_val_loss_nats") if k in card}
        steps = card["pretrain_characters_seen"] // (plan.batch_size * plan.seq_len)
        result["card_cpu_seconds_at_this_rate"] = round(steps * result["cpu_seconds_per_step"])
        print("the card recorded:", json.dumps(result["card"]))
        print(f"its {steps:,} steps cost {result['card_cpu_seconds_at_this_rate']:,} CPU seconds "
              "at the rate measured here")
    device = "gpu" if config.gpu_devices() else "cpu"
    suffix = "" if args.model == "lstm" else f"-{args.model}"
    path = Path(args.json) if args.json else (
        RESULTS / f"pretraining-speed-{result['backend']}-{device}{suffix}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
