"""The in-page explorer's speed: 200 characters in the browser against the NumPy stepper.

    python benchmarks/browser_generation.py [--length 200] [--repeats 7] [--engine auto]

For each committed model it times ``rnnbook.generate`` of ``book_static/rnnbook.js`` (the seed
fed, then ``--length`` characters drawn at T = 1, what one click on Generate costs) in headless
Chromium (``/usr/bin/chromium`` driven by Playwright, a page opened from file:// with every
network request blocked), and :func:`rnnbook.generation.sampling.generate` on a ``CharStepper``
of the same weights, on the same machine, side by side. Without Chromium or Playwright (or with
``--engine v8``) the JavaScript runs in the V8 of mini-racer instead, and the output says so.
Prints the median and the best of ``--repeats`` runs, and whether the largest model answers
within ``--target`` seconds (reported, not enforced). ``--json`` writes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from rnnbook.config import describe
from rnnbook.generation import (  # first: rnnbook quiets TensorFlow's start-up logs
    sampling,
    web_export,
)
from rnnbook.generation.stepper import CharStepper
from rnnbook.models import load_char_model, saved_models

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "book_static" / "rnnbook.js"
CHROMIUM = "/usr/bin/chromium"
SEED_TEXT = "shall i compare thee to a summer's day?\n"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def js_timer(name: str, length: int, repeats: int) -> str:
    """A JavaScript expression: the seconds of each of ``repeats`` generations (a warm-up first)."""
    return f"""(() => {{
        const st = new RNNBOOK.CharStepper(RNNBOOK_MODELS[{json.dumps(name)}]);
        const rng = new RNNBOOK.Random(1), out = [];
        RNNBOOK.generate(st, {json.dumps(SEED_TEXT)}, 5, {{temperature: 1}}, rng);
        for (let n = 0; n < {repeats}; n++) {{
            const start = Date.now();
            const text = RNNBOOK.generate(st, {json.dumps(SEED_TEXT)}, {length},
                                          {{temperature: 1}}, rng);
            out.push((Date.now() - start) / 1000);
            if (text.length !== {length}) throw new Error("wrong length " + text.length);
        }}
        return JSON.stringify(out);
    }})()"""


def browser_times(scripts: dict[str, Path], length: int, repeats: int) -> dict[str, list[float]]:
    """Seconds per generation in headless Chromium, a page from file://, network blocked."""
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp())
    shutil.copy(SCRIPT, folder / "rnnbook.js")
    tags = ['<script src="rnnbook.js"></script>']
    for path in scripts.values():
        shutil.copy(path, folder / path.name)
        tags.append(f'<script src="{path.name}"></script>')
    (folder / "bench.html").write_text("<!doctype html><meta charset='utf-8'>" + "".join(tags))
    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
            "file://") else route.abort())
        page.goto((folder / "bench.html").as_uri())
        for name in scripts:
            out[name] = json.loads(page.evaluate(js_timer(name, length, repeats)))
        browser.close()
    shutil.rmtree(folder)
    return out


def v8_times(scripts: dict[str, Path], length: int, repeats: int) -> dict[str, list[float]]:
    """The same in mini-racer's V8 (no browser)."""
    from py_mini_racer import MiniRacer

    out = {}
    for name, path in scripts.items():
        ctx = MiniRacer()
        ctx.eval(SCRIPT.read_text(encoding="utf-8"))
        ctx.eval(path.read_text(encoding="ascii"))
        out[name] = json.loads(ctx.eval(js_timer(name, length, repeats)))
    return out


def numpy_times(name: str, length: int, repeats: int) -> list[float]:
    model, vocab, _ = load_char_model(name)
    stepper = CharStepper.from_model(model)  # built once, as the widget holds it
    rng = np.random.default_rng(1)
    sampling.generate(stepper, vocab, SEED_TEXT, 5, rng=rng)  # a warm-up
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        sampling.generate(stepper, vocab, SEED_TEXT, length, rng=rng)
        out.append(time.perf_counter() - start)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--target", type=float, default=0.5)
    parser.add_argument("--engine", choices=("auto", "chromium", "v8"), default="auto")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    names = saved_models()
    folder = Path(tempfile.mkdtemp())
    entries = web_export.export(folder, names)
    scripts = {e["name"]: folder / e["file"] for e in entries}
    engine = args.engine
    if engine == "auto":
        try:
            import playwright  # noqa: F401

            engine = "chromium" if Path(CHROMIUM).exists() else "v8"
        except ImportError:
            engine = "v8"
    if engine == "chromium":
        js_times = browser_times(scripts, args.length, args.repeats)
        where = f"headless Chromium ({CHROMIUM}), page from file://, network blocked"
    else:
        js_times = v8_times(scripts, args.length, args.repeats)
        where = "V8 of mini-racer (no browser available or --engine v8)"
    load = os.getloadavg()[0]  # other work on the machine lengthens every time below
    print(f"{args.length} characters after a {len(SEED_TEXT)}-character seed, T = 1, median "
          f"(best) of {args.repeats}; JavaScript in {where}; NumPy on {describe()}; load "
          f"average {load:.1f} on {os.cpu_count()} cores")
    print(f"{'model':28} {'weights':>9} {'asset':>8} {'JavaScript':>17} {'NumPy':>17}")
    rows = []
    for entry in entries:
        name = entry["name"]
        js_s, np_s = js_times[name], numpy_times(name, args.length, args.repeats)
        row = {"model": name, "weights": entry["weights"], "asset_bytes": entry["bytes"],
               "js_median_s": statistics.median(js_s), "js_best_s": min(js_s),
               "numpy_median_s": statistics.median(np_s), "numpy_best_s": min(np_s)}
        rows.append(row)
        print(f"{name:28} {entry['weights']:>9,} {entry['bytes'] / 1e6:6.2f}MB "
              f"{row['js_median_s']:7.3f} s ({row['js_best_s']:.3f}) "
              f"{row['numpy_median_s']:7.3f} s ({row['numpy_best_s']:.3f})")
    largest = max(rows, key=lambda r: r["weights"])
    verdict = "within" if largest["js_median_s"] <= args.target else "over"
    print(f"largest model ({largest['model']}): {largest['js_median_s']:.3f} s in JavaScript, "
          f"{verdict} the {args.target} s target")
    shutil.rmtree(folder)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"engine": where, "machine": describe(), "load": load,
                                         "length": args.length, "rows": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
