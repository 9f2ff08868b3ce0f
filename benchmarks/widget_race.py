"""The sampling explorer in a real JupyterLab, driven by Chromium as a quick reader drives it.

Usage:
    python benchmarks/widget_race.py [--rounds 60] [--code DIR] [--json OUT]
    python benchmarks/widget_race.py --shots DIR [--code DIR]

Starts JupyterLab headless on localhost (a token, a temporary root folder), opens a notebook
that shows :class:`rnnbook.widgets.SamplingExplorer` on the committed ``shakespeare_lstm256``,
and drives it with Playwright and the system's Chromium (``/usr/bin/chromium``; no browser is
downloaded).

Race mode: every round nudges the Length or the Temperature slider with 2 to 4 arrow-key presses
and clicks *Generate* at once, waits until the page is still, and compares what the controls
show with the arguments of the last generation (recorded by a spy around
``sampling.generate``, outside the explorer's code) and with the length of the text shown. A
round fails when they differ. ``--code`` runs another checkout's ``code/`` folder (e.g. an older
commit exported with ``git archive``), so the same driver measures before and after a change.

Shots mode: screenshots of the explorer after one generation at 1440, 1280 (file browser open),
1024 and 800 px wide, into DIR.

Needs ``pip install jupyterlab playwright``; it is not part of ``make test``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
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

CELL = '''\
import os, sys
sys.path.insert(0, {code!r})
os.environ["RNNBOOK_DATA_DIR"] = {data!r}
import ipywidgets as widgets
from IPython.display import display
from rnnbook import sampling
from rnnbook.widgets import SamplingExplorer

used = widgets.HTML()  # the arguments of the last generation, recorded outside the explorer
real_generate = sampling.generate

def spy(model, vocab, seed_text, length, temperature=1.0, **kwargs):
    text = real_generate(model, vocab, seed_text, length, temperature=temperature, **kwargs)
    used.value = f'<span class="race-used">{{length}} {{temperature:.2f}} {{len(text)}}</span>'
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


def start_lab(folder: Path) -> tuple[subprocess.Popen, str]:
    """JupyterLab serving ``folder`` on localhost; returns the process and its base URL+token."""
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(folder / ".config"),
           "JUPYTERLAB_WORKSPACES_DIR": str(folder / ".workspaces"),
           "JUPYTER_RUNTIME_DIR": str(folder / ".runtime"), "TF_CPP_MIN_LOG_LEVEL": "3"}
    lab = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
         "--allow-root"],  # a container's root user, as in some CI runners
        env=env, stdout=subprocess.DEVNULL, stderr=(folder / "lab.log").open("w"))
    for _ in range(120):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return lab, f"http://127.0.0.1:{port}/lab/tree/race.ipynb?token={token}"
        except OSError:
            time.sleep(0.5)
    lab.terminate()
    raise RuntimeError("JupyterLab did not start:\n" + (folder / "lab.log").read_text()[-2000:])


def open_explorer(page, url: str):
    """Open the notebook, run its cell, wait for the explorer; returns its output area."""
    page.goto(url)
    page.locator(".jp-Cell .cm-content").first.wait_for(timeout=120_000)
    page.locator(".jp-Notebook-ExecutionIndicator, .jp-Toolbar").first.wait_for(timeout=60_000)
    time.sleep(3)  # the kernel starts
    page.locator(".jp-Cell .cm-content").first.click()
    page.keyboard.press("Control+Enter")
    button = page.locator(".widget-button", has_text="Generate")
    button.wait_for(timeout=180_000)
    time.sleep(1)
    news = page.get_by_role("button", name="No", exact=True)  # JupyterLab asks about its news
    if news.count():
        news.first.click()
    return page.locator(".jp-OutputArea-output").filter(has=button).first


def slider(page, label: str):
    return page.locator(".widget-slider", has=page.locator("label", has_text=label)).first


def state(page) -> tuple:
    """(Length shown, Temperature shown, the last generation's arguments, text length shown)."""
    def text(locator):
        return locator.inner_text(timeout=5000).strip() if locator.count() else ""

    used = text(page.locator(".race-used"))
    shown = page.locator(".widget-html pre b")
    return (text(slider(page, "Length").locator(".widget-readout")),
            text(slider(page, "Temperature").locator(".widget-readout")), used,
            len(shown.first.text_content()) if shown.count() else -1)


def settle(page, still: float = 1.5, limit: float = 20.0) -> tuple:
    """The page's state once it stayed the same for ``still`` seconds."""
    last, since, start = state(page), time.monotonic(), time.monotonic()
    while time.monotonic() - start < limit:
        time.sleep(0.25)
        now = state(page)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= still:
            break
    return last


def race(page, rounds: int, rng: random.Random) -> dict:
    button = page.locator(".widget-button", has_text="Generate")
    button.click()
    settle(page)
    failures, log = 0, []
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
        length, temperature, used, shown = settle(page)
        used_length, used_temperature, used_chars = used.split()
        ok = (int(used_length) == int(length) == shown == int(used_chars)
              and abs(float(used_temperature) - float(temperature)) < 1e-6)
        failures += not ok
        log.append({"slider": label, "presses": presses, "controls": [length, temperature],
                    "used": used, "text_chars": shown, "ok": ok})
        print(f"round {round_ + 1:2d}: {label:<11} x{presses} controls {length:>4} "
              f"{temperature:>5}  used {used:<14} text {shown:4d}  {'ok' if ok else 'STALE'}",
              flush=True)
    return {"rounds": rounds, "failures": failures, "log": log}


def shots(page, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    page.locator(".widget-button", has_text="Generate").click()
    settle(page)
    for width, name in ((1440, "1440"), (1280, "1280-filebrowser"), (1024, "1024"),
                        (800, "800")):
        page.set_viewport_size({"width": width, "height": 1000})
        time.sleep(1.5)
        area = page.locator(".jp-OutputArea-output").filter(
            has=page.locator(".widget-button", has_text="Generate")).first
        area.scroll_into_view_if_needed()
        page.screenshot(path=str(folder / f"explorer-{name}-page.png"))
        area.screenshot(path=str(folder / f"explorer-{name}.png"))
        print(f"{width} px: {folder / f'explorer-{name}.png'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--code", type=Path, default=ROOT / "code",
                        help="the code/ folder whose rnnbook the kernel imports")
    parser.add_argument("--json", type=Path, help="write the rounds' record here")
    parser.add_argument("--shots", type=Path, help="take screenshots into this folder instead")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "race.ipynb").write_text(json.dumps(notebook(args.code.resolve())))
        lab, url = start_lab(folder)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 1000})
                open_explorer(page, url)
                if args.shots:
                    shots(page, args.shots)
                else:
                    result = race(page, args.rounds, random.Random(args.seed))
                    print(f"{result['failures']} of {result['rounds']} rounds showed a text "
                          f"that does not match the controls (code: {args.code})")
                    if args.json:
                        args.json.write_text(json.dumps({**result, "code": str(args.code)},
                                                        indent=1))
                browser.close()
        finally:
            lab.terminate()
            lab.wait(30)


if __name__ == "__main__":
    main()
