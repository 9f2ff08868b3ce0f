"""The book's structure: the table of contents, the intro's chapter map and the chapters agree."""

import json
import re

import pytest

from rnnbook.config import REPO_ROOT


def toc_files() -> list[str]:
    """The chapters (executable notebooks under chapters/) in the order of the table of contents."""
    toc = (REPO_ROOT / "_toc.yml").read_text()
    return [f for f in re.findall(r"^\s*-\s*file:\s*(\S+)", toc, re.M)
            if f.startswith("chapters/")]


def test_the_book_ends_with_where_next():
    toc = (REPO_ROOT / "_toc.yml").read_text()
    pages = re.findall(r"^\s*-\s*file:\s*(\S+)", toc, re.M)
    assert pages[-1] == "where_next" and (REPO_ROOT / "where_next.md").is_file()
    assert set(pages) - set(toc_files()) == {"where_next"}, "every other page is a chapter"


def test_every_chapter_is_in_the_toc_and_exists():
    listed = toc_files()
    on_disk = sorted(p.relative_to(REPO_ROOT).with_suffix("").as_posix()
                     for p in (REPO_ROOT / "chapters").glob("*.ipynb"))
    assert sorted(listed) == on_disk
    assert not any(re.match(r"chapters/\d", f) for f in listed), "no number prefixes"


def test_intro_chapter_map_follows_the_toc():
    intro = (REPO_ROOT / "intro.md").read_text()
    linked = re.findall(r"^\d+\. \[[^\]]+\]\((chapters/\w+)\.ipynb\)", intro, re.M)
    assert linked == toc_files()


def test_execution_settings():
    config = (REPO_ROOT / "_config.yml").read_text()
    assert re.search(r"^\s+allow_errors:\s*false", config, re.M)
    assert re.search(r"^\s+execute_notebooks:\s*cache", config, re.M)
    timeout = int(re.search(r"^\s+timeout:\s*(\d+)", config, re.M).group(1))
    assert timeout >= 600, "training cells need more than the 30 s default"


HIDDEN = {"remove-cell", "remove-input", "hide-cell", "hide-input"}


def chapters() -> dict[str, list[dict]]:
    """Each chapter's cells, by chapter name."""
    return {p.stem: json.loads(p.read_text(encoding="utf-8"))["cells"]
            for p in sorted((REPO_ROOT / "chapters").glob("*.ipynb"))}


def source(cell: dict) -> str:
    return "".join(cell["source"])


def tags(cell: dict) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


@pytest.mark.parametrize("name", sorted(chapters()))
def test_checks_stay_out_of_the_readers_way(name):
    for cell in chapters()[name]:
        if cell["cell_type"] != "code":
            continue
        text = source(cell)
        assert "NBVAL_" not in text, f"{name}: nbval markers are cell tags, not comments"
        if not tags(cell) & HIDDEN:
            asserts = [line for line in text.splitlines() if line.strip().startswith("assert ")]
            assert not asserts, f"{name}: a reader-visible cell asserts: {asserts[0]}"
        if "check" in tags(cell):
            assert "remove-cell" in tags(cell), f"{name}: a check cell must be removed from HTML"
            # folded in JupyterLab and Colab too (tools/fold_checks.py), one line of title
            meta = cell.get("metadata", {})
            assert meta.get("jupyter", {}).get("source_hidden") is True, f"{name}: {text[:60]}"
            assert meta.get("cellView") == "form", f"{name}: {text[:60]}"
            assert text.startswith("#@title Check: "), f"{name}: {text[:60]}"


@pytest.mark.parametrize("name", sorted(chapters()))
def test_every_chapter_states_its_running_time(name):
    header = [c for c in chapters()[name][:6] if f'running_time("{name}")' in source(c)]
    assert header and "remove-input" in tags(header[0]), name


@pytest.mark.parametrize("name", sorted(chapters()))
def test_exercises_are_numbered_with_gated_folded_solutions(name):
    cells = chapters()[name]
    markdown = [source(c) for c in cells if c["cell_type"] == "markdown"]
    labels = re.findall(r"^:label: (\S+)", "\n".join(
        m for m in markdown if re.search(r"^(```|:::)\{exercise\}", m, re.M)), re.M)
    assert len(labels) >= 3, f"{name}: {len(labels)} exercises"
    assert all(label.startswith(f"{name}-ex-") for label in labels), labels
    starts = [m for m in markdown if "{solution-start}" in m]
    ends = [m for m in markdown if "{solution-end}" in m]
    assert len(starts) == len(ends) >= 1
    assert all(":class: dropdown" in s for s in starts), f"{name}: every solution folded"
    inside = False
    for cell in cells:
        text = source(cell)
        if cell["cell_type"] == "markdown":
            inside = ("{solution-start}" in text) or (inside and "{solution-end}" not in text)
        elif inside:
            meta = cell.get("metadata", {})
            assert "solution" in tags(cell), f"{name}: solution cells carry the tag"
            assert meta.get("jupyter", {}).get("source_hidden") is True, name
            assert meta.get("cellView") == "form" and text.startswith("#@title"), name


TRAINING_CALLS = re.compile(r"fit_char_model\(|run_comparison\(|train_adding\(|run_adding\(|"
                            r"fit_tutorial\(|\.fit\(|variant_experiment\(")


@pytest.mark.parametrize("name", sorted(chapters()))
def test_compared_outputs_hold_no_training_and_so_no_timing_lines(name):
    # Training prints its seconds and the time left, which change every run: nbval must not
    # compare a cell that trains.
    for cell in chapters()[name]:
        if "nbval-check-output" in tags(cell):
            assert not TRAINING_CALLS.search(source(cell)), source(cell)[:200]


@pytest.mark.parametrize("name", sorted(chapters()))
def test_a_real_stop_stops_and_the_reader_s_checkpoint_folder_is_kept(name):
    for cell in chapters()[name]:
        if cell["cell_type"] != "code":
            continue
        code = source(cell)
        assert "except KeyboardInterrupt" not in code, "the Stop button must stop the cell"
        assert not re.search(r"^\s*CHECKPOINT_DIR\s*=(?!\s*config\.checkpoint_dir\()", code,
                             re.M), "CHECKPOINT_DIR is the reader's: read it, never overwrite it"
        assert not re.search(r"environ\[[\"']CHECKPOINT_DIR[\"']\]\s*=", code)
