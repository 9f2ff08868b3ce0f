"""The sampling explorer in a real JupyterLab, driven by Chromium as a quick reader drives it.

Usage:
    python benchmarks/widget_race.py [--rounds 60] [--code DIR] [--json OUT]
    python benchmarks/widget_race.py --shots DIR [--code DIR]

Starts JupyterLab headless on localhost (a token, a temporary root folder), opens a notebook
that shows :class:`rnnbook.generation.sampling_explorer.SamplingExplorer` on the committed
``shakespeare_lstm256``, and drives it with Playwright and the system's Chromium
(``/usr/bin/chromium``; no browser is downloaded).

Race mode: every round nudges the Length or the Temperature slider with 2 to 4 arrow-key presses
and clicks *Generate* at once, waits until the page is still, and compares what the controls
show with the arguments of the last generation (recorded by a spy around
``sampling.generate``, outside the explorer's code), with the length of the text shown and,
where the status line names them, with the settings it names. A round fails when they differ.
It also counts the rounds that generated more than once (a late value generated again).
``--code`` runs another checkout's ``code/`` folder (e.g. an older commit exported with
``git archive``), so the same driver measures before and after a change.

Shots mode: screenshots of the explorer after one generation at 1440, 1280, 1024 and 800 px
wide, into DIR (JupyterLab opens with its file browser). ``--classic`` serves the classic
notebook instead (``notebook<7``): run with a Python that has Colab's ipywidgets 7.7, it shows
the explorer as ipywidgets 7 draws it.

Needs ``pip install jupyterlab playwright``; it is not part of ``make test``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]

OUTPUT = ".jp-OutputArea-output, .output_subarea"  # a cell's output: JupyterLab, classic

CELL = '''\
import os, sys
sys.path.insert(0, {code!r})
os.environ["RNNBOOK_DATA_DIR"] = {data!r}
import ipywidgets as widgets
from IPython.display import display
try:
    from rnnbook.generation import sampling
    from rnnbook.generation.sampling_explorer import SamplingExplorer
except ImportError:  # a checkout from before the package's folders (--code)
    from rnnbook import sampling
    from rnnbook.widgets import SamplingExplorer

used = widgets.HTML()  # the arguments of the last generation, recorded outside the explorer
real_generate = sampling.generate

calls = []

def spy(model, vocab, seed_text, length, temperature=1.0, **kwargs):
    text = real_generate(model, vocab, seed_text, length, temperature=temperature, **kwargs)
    calls.append(length)
    used.value = (f'<span class="race-used">{{length}} {{temperature:.2f}} {{len(text)}} '
                  f'{{len(calls)}}</span>')
    return text

sampling.generate = spy
explorer = SamplingExplorer(seed_text="shall i compare thee to a summer's day?\\n", length=200)
explorer.model.value = "shakespeare_lstm256"
display(explorer, used)
'''


def notebook(code: Path) -> dict:
    return {"cells": [{"cell_type": "code", "execution_count": None, "id": "race", "metadata": {},
                       "outputs": [], "source": CELL.format(code=str(code),
                                                            data=str(ROOT / "data"))}],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                        "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(folder: Path, classic: bool = False) -> tuple[subprocess.Popen, str]:
    """JupyterLab (or the classic notebook) serving ``folder`` on localhost; returns the
    process and the notebook's URL with its token."""
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(folder / ".config"),
           "JUPYTERLAB_WORKSPACES_DIR": str(folder / ".workspaces"),
           "JUPYTER_RUNTIME_DIR": str(folder / ".runtime"), "TF_CPP_MIN_LOG_LEVEL": "3"}
    app = (["notebook", f"--NotebookApp.token={token}", f"--NotebookApp.notebook_dir={folder}"]
           if classic else
           ["jupyterlab", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}"])
    lab = subprocess.Popen(
        [sys.executable, "-m", *app, "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         "--allow-root"],  # a container's root user, as in some CI runners
        env=env, stdout=subprocess.DEVNULL, stderr=(folder / "lab.log").open("w"))
    path = "notebooks" if classic else "lab/tree"
    for _ in range(120):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return lab, f"http://127.0.0.1:{port}/{path}/race.ipynb?token={token}"
        except OSError:
            time.sleep(0.5)
    lab.terminate()
    raise RuntimeError("JupyterLab did not start:\n" + (folder / "lab.log").read_text()[-2000:])


def open_explorer(page, url: str):
    """Open the notebook, run its cell, wait for the explorer; returns its output area."""
    page.goto(url)
    editor = page.locator(".jp-Cell .cm-content, .cell .CodeMirror").first
    editor.wait_for(timeout=120_000)
    time.sleep(5)  # the kernel starts
    editor.click()
    page.keyboard.press("Control+Enter")
    button = page.locator(".widget-button", has_text="Generate")
    button.wait_for(timeout=180_000)
    time.sleep(1)
    news = page.get_by_role("button", name="No", exact=True)  # JupyterLab asks about its news
    if news.count():
        news.first.click()
    return page.locator(OUTPUT).filter(has=button).first


def slider(page, label: str):
    return page.locator(".widget-slider", has=page.locator("label", has_text=label)).first


def said(page) -> tuple[str, str] | None:
    """(length, temperature) the status line names, if it names them (older code did not)."""
    status = page.locator(".widget-html", has_text="characters after")
    if not status.count():
        return None
    words = status.first.inner_text()
    length = re.search(r"(\d+) characters after", words)
    temperature = re.search(r"temperature (\d+\.\d\d)", words)
    return (length.group(1) if length else "", temperature.group(1) if temperature else "")


def state(page) -> tuple:
    """(Length shown, Temperature shown, the last generation's arguments, text length shown)."""
    def text(locator):
        return locator.inner_text(timeout=5000).strip() if locator.count() else ""

    used = text(page.locator(".race-used"))
    shown = page.locator(".widget-html pre b")
    return (text(slider(page, "Length").locator(".widget-readout")),
            text(slider(page, "Temperature").locator(".widget-readout")), used,
            len(shown.first.text_content()) if shown.count() else -1)


def generations(now: tuple) -> int:
    """How many generations the kernel has made, from a :func:`state`."""
    return int(now[2].split()[3]) if now[2] else 0


def settle(page, after: int, still: float = 2.0, limit: float = 60.0) -> tuple:
    """The page's state once a generation after the ``after``-th one was shown and the page
    then stayed the same for ``still`` seconds (a busy kernel may answer the click late)."""
    last, since, start = state(page), time.monotonic(), time.monotonic()
    while time.monotonic() - start < limit:
        time.sleep(0.25)
        now = state(page)
        if now != last or generations(now) <= after:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= still:
            break
    return last


def race(page, rounds: int, rng: random.Random) -> dict:
    button = page.locator(".widget-button", has_text="Generate")
    button.click()
    calls = generations(settle(page, 0))
    failures, regenerated, log = 0, 0, []
    for round_ in range(rounds):
        label = ("Length", "Temperature")[round_ % 2]
        length, temperature, _, _ = state(page)
        value, middle = (int(length), 250) if label == "Length" else (float(temperature), 1.0)
        key = "ArrowRight" if value < middle else "ArrowLeft"
        presses = rng.randint(2, 4)
        slider(page, label).locator(".noUi-handle, .ui-slider-handle").first.focus()
        for _ in range(presses):
            page.keyboard.press(key)
        button.click()
        length, temperature, used, shown = settle(page, calls)
        used_length, used_temperature, used_chars, total = used.split()
        status = said(page)
        ok = (int(used_length) == int(length) == shown == int(used_chars)
              and abs(float(used_temperature) - float(temperature)) < 1e-6
              and status in (None, (length, temperature)))
        made, calls = int(total) - calls, int(total)
        failures += not ok
        regenerated += made > 1
        log.append({"slider": label, "presses": presses, "controls": [length, temperature],
                    "used": used, "text_chars": shown, "status": status,
                    "generations": made, "ok": ok})
        print(f"round {round_ + 1:2d}: {label:<11} x{presses} controls {length:>4} "
              f"{temperature:>5}  used {used_length:>4} {used_temperature}  text {shown:4d}  "
              f"status {status}  generations {made}  {'ok' if ok else 'STALE'}",
              flush=True)
    return {"rounds": rounds, "failures": failures, "regenerated": regenerated, "log": log}


def shots(page, folder: Path, prefix: str = "explorer") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    page.locator(".widget-button", has_text="Generate").click()
    settle(page, 0)
    for width, name in ((1440, "1440"), (1280, "1280"), (1024, "1024"), (800, "800")):
        page.set_viewport_size({"width": width, "height": 1000})
        time.sleep(1.5)
        area = page.locator(OUTPUT).filter(
            has=page.locator(".widget-button", has_text="Generate")).first
        area.scroll_into_view_if_needed()
        page.screenshot(path=str(folder / f"{prefix}-{name}-page.png"))
        area.screenshot(path=str(folder / f"{prefix}-{name}.png"))
        print(f"{width} px: {folder / f'{prefix}-{name}.png'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--code", type=Path, default=ROOT / "code",
                        help="the code/ folder whose rnnbook the kernel imports")
    parser.add_argument("--json", type=Path, help="write the rounds' record here")
    parser.add_argument("--shots", type=Path, help="take screenshots into this folder instead")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--classic", action="store_true",
                        help="the classic notebook (notebook<7), e.g. with Colab's ipywidgets 7.7")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop JupyterLab on the way out

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "race.ipynb").write_text(json.dumps(notebook(args.code.resolve())))
        lab, url = start_lab(folder, args.classic)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 1000})
                open_explorer(page, url)
                if args.shots:
                    shots(page, args.shots, "classic" if args.classic else "explorer")
                else:
                    result = race(page, args.rounds, random.Random(args.seed))
                    print(f"{result['failures']} of {result['rounds']} rounds showed a text "
                          f"that does not match the controls; {result['regenerated']} rounds "
                          f"generated more than once (code: {args.code})")
                    if args.json:
                        args.json.write_text(json.dumps({**result, "code": str(args.code)},
                                                        indent=1))
                browser.close()
        finally:
            lab.terminate()
            lab.wait(30)


if __name__ == "__main__":
    main()
