"""The package's folders are floors: each room (a sub-package, or a module at the root) imports
only rooms on the floors below it, so the import graph has no cycle."""

import ast
from pathlib import Path

import rnnbook

PACKAGE = Path(rnnbook.__file__).parent

# Bottom up; a room may import rooms of lower floors only (and itself).
FLOORS = [
    {"validate"},
    {"config", "metrics"},
    {"cells", "text"},
    {"models"},
    {"generation"},
    {"training", "inside"},
    {"book"},
    {"exercises"},
]
FLOOR_OF = {room: level for level, rooms in enumerate(FLOORS) for room in rooms}


def room_of(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def imported_rooms(path: Path) -> set[str]:
    rooms = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] if node.module != "rnnbook" else [
                f"rnnbook.{alias.name}" for alias in node.names]
        rooms |= {name.split(".")[1] for name in names
                  if name.startswith("rnnbook.") and name.split(".")[1] in FLOOR_OF}
    return rooms


def test_every_room_has_a_floor():
    rooms = {room_of(p) for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or
             p.parent != PACKAGE}
    assert rooms == set(FLOOR_OF)


def test_rooms_import_only_lower_floors():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.parent == PACKAGE and path.name == "__init__.py":
            continue  # the package's own __init__ only runs config first
        room = room_of(path)
        for other in imported_rooms(path) - {room}:
            if FLOOR_OF[other] >= FLOOR_OF[room]:
                upward.append(f"{path.relative_to(PACKAGE)} imports {other}")
    assert upward == []


def test_the_root_holds_about_ten_entries():
    entries = [p.name for p in PACKAGE.iterdir() if p.name != "__pycache__"]
    assert len(entries) <= 12, sorted(entries)
