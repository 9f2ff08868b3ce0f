"""The book's structure: the table of contents, the intro's chapter map and the chapters agree."""

import re

from rnnbook.config import REPO_ROOT


def toc_files() -> list[str]:
    toc = (REPO_ROOT / "_toc.yml").read_text()
    return re.findall(r"^\s*-\s*file:\s*(\S+)", toc, re.M)


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
