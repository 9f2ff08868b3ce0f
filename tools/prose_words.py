"""Words of prose per chapter: the markdown a reader reads, outside the exercises.

    python tools/prose_words.py            # every chapter, largest first
    python tools/prose_words.py --limit 3000   # exits 1 if a chapter has more

A chapter's prose is its markdown cells up to its ``## Exercises`` heading, without fenced
code blocks (a program's printed output is not prose), heading marks, the exercise and solution
directives, and the cells after that heading. A word is a run of characters between spaces.
"""

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```.*?^```[ \t]*$", re.M | re.S)
EXERCISES = re.compile(r"^#+\s*Exercises\s*$", re.M)
HEADING = re.compile(r"^#+\s+", re.M)  # a heading's marks are not words


def prose(cells: list[dict]) -> str:
    """The markdown of a chapter's cells before its exercises, fenced code removed."""
    parts = []
    for cell in cells:
        if cell["cell_type"] != "markdown":
            continue
        text = "".join(cell["source"])
        if re.search(r"^:::\{(exercise|solution-start|solution-end)\}", text, re.M):
            continue
        end = EXERCISES.search(text)
        parts.append(HEADING.sub("", FENCE.sub("", text[: end.start()] if end else text)))
        if end:
            break
    return "\n".join(parts)


def prose_words(path: Path) -> int:
    """Words of prose in one chapter notebook."""
    return len(prose(json.loads(path.read_text(encoding="utf-8"))["cells"]).split())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="fail above this many words")
    args = parser.parse_args(argv)
    counts = {p.stem: prose_words(p) for p in sorted((ROOT / "chapters").glob("*.ipynb"))}
    for name, words in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"{words:6,d}  {name}")
    over = [n for n, w in counts.items() if args.limit is not None and w > args.limit]
    if over:
        print(f"over {args.limit:,} words: {', '.join(over)}", file=sys.stderr)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
