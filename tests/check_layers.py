#!/usr/bin/env python3
"""Check that the firmware's layers depend only downward, and that no files form a cycle.

The layers, lowest first (README: Layout): src/arch, src/lib, src/drivers, board/board.h (the
port interface), src/runtime and boot/, the board ports (board/*/), src/harness,
tests/scenarios/engines, tests/scenarios. A file may include headers of its own layer or a
lower one. Two checks:

  includes  every #include "..." of every firmware C/assembly file resolves to a header of
            the same or a lower layer, and no headers include each other in a cycle;
  calls     with --objects FILE.o... (one firmware image's object files, as the Makefile passes
            them): the symbols each object file uses (nm) form no cycle between files. Entry points (ENTRY_POINTS:
            the reset path, a started core, the program's main) are not calls and are left out.

Exit status 0 when both hold, 1 with one line per problem, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (path prefix, layer name, rank): the first matching prefix wins.
LAYERS = [
    ("src/arch/", "arch", 0),
    ("src/lib/", "lib", 1),
    ("src/drivers/", "drivers", 2),
    ("board/board.h", "board interface", 3),
    ("src/runtime/", "runtime", 4),
    ("src/libc/", "runtime", 4),
    ("boot/", "runtime", 4),
    ("board/", "board port", 5),
    ("src/harness/", "harness", 6),
    ("tests/scenarios/engines/", "engines", 7),
    ("tests/scenarios/", "scenarios", 8),
]
# Where #include "name.h" looks after the including file's own folder (the Makefile's -I order;
# board/*/ stands for -Iboard/$(BOARD), any board).
SEARCH = ["src/arch", "src/lib", "src/drivers", "src/runtime", "src/harness", "tests/scenarios/engines", "board",
          "boot", "src/libc"]

# Reached from outside, not called: boot/entry.S's reset path enters primary_start and each started
# core secondary_start; start-up hands over to suite_main as crt0 calls main; a core released by the
# board starts at secondary_entry or spintable_entry (addresses written for the other core).
ENTRY_POINTS = {"primary_start", "secondary_start", "suite_main", "secondary_entry", "spintable_entry"}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
SOURCE_SUFFIXES = (".c", ".h", ".S")


def layer_of(rel: str) -> tuple[str, int] | None:
    for prefix, name, rank in LAYERS:
        if rel.startswith(prefix):
            return name, rank
    return None


def firmware_files(root: Path) -> list[str]:
    files = []
    for top in ("src", "boot", "board", "tests/scenarios"):
        for path in sorted((root / top).rglob("*")):
            if path.suffix in SOURCE_SUFFIXES and path.is_file():
                files.append(path.relative_to(root).as_posix())
    return files


def resolve(root: Path, includer: str, name: str) -> list[str]:
    """The files #include "name" can mean from includer (several: one per board for board/*/)."""
    own = Path(includer).parent / name
    if (root / own).is_file():
        return [own.as_posix()]
    for folder in SEARCH:
        if (root / folder / name).is_file():
            return [f"{folder}/{name}"]
    return sorted(p.relative_to(root).as_posix() for p in (root / "board").glob(f"*/{name}") if p.is_file())


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def check_includes(root: Path) -> list[str]:
    problems = []
    graph: dict[str, set[str]] = {}
    for rel in firmware_files(root):
        mine = layer_of(rel)
        if mine is None:
            problems.append(f"{rel}: in no layer (add its folder to LAYERS in tests/check_layers.py)")
            continue
        graph[rel] = set()
        text = (root / rel).read_text(errors="replace")
        for name in INCLUDE.findall(text):
            targets = resolve(root, rel, name)
            if not targets:
                problems.append(f'{rel}: #include "{name}" is no file of the firmware')
            for target in targets:
                graph[rel].add(target)
                theirs = layer_of(target)
                if theirs and theirs[1] > mine[1]:
                    problems.append(f'{rel} ({mine[0]}) includes "{name}" from a higher layer: {target} '
                                    f"({theirs[0]})")
    for cycle in find_cycles(graph):
        problems.append("include cycle: " + " <-> ".join(cycle))
    return problems


def source_of(obj: Path, root: Path) -> str:
    """build/virt/src/lib/icache.o -> src/lib/icache.c: the shortest tail of the path that is a source."""
    parts = obj.with_suffix("").parts
    for start in range(len(parts)):
        rel = Path(*parts[start:])
        for suffix in (".c", ".S"):
            if (root / rel.with_suffix(suffix)).is_file():
                return rel.with_suffix(suffix).as_posix()
    return obj.as_posix()


def check_calls(root: Path, objects: list[Path], nm: str) -> list[str]:
    defined: dict[str, str] = {}
    used: dict[str, set[str]] = {}
    for obj in objects:
        src = source_of(obj, root)
        try:
            out = subprocess.run([nm, str(obj)], capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            return [f"{nm} {obj}: {e}"]
        used.setdefault(src, set())
        for line in out.splitlines():
            fields = line.split()
            if len(fields) == 3 and fields[1] in "TDBRCG":
                defined[fields[2]] = src
            elif len(fields) == 2 and fields[0] == "U":
                used[src].add(fields[1])
    graph = {src: {defined[s] for s in syms if s in defined and defined[s] != src and s not in ENTRY_POINTS}
             for src, syms in used.items()}
    problems = []
    for cycle in find_cycles(graph):
        edges = [f"{a} -> {b} ({', '.join(sorted(s for s in used[a] if defined.get(s) == b))})"
                 for a in cycle for b in sorted(graph[a]) if b in cycle]
        problems.append("call cycle between " + ", ".join(cycle) + ": " + "; ".join(edges))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--root", type=Path, default=ROOT, help="the project's top folder (default: this checkout)")
    parser.add_argument("--objects", type=Path, nargs="+", metavar="FILE.o",
                        help="one image's object files, to check for call cycles")
    parser.add_argument("--nm", default=os.environ.get("NM", "aarch64-linux-gnu-nm"), help="nm to read them with")
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return 0 if e.code == 0 else 2
    if not (args.root / "src").is_dir():
        print(f"check_layers: {args.root} has no src/ folder", file=sys.stderr)
        return 2
    missing = [str(o) for o in args.objects or [] if not o.is_file()]
    if missing:
        print(f"check_layers: no such object file: {' '.join(missing)} (build the firmware first)", file=sys.stderr)
        return 2
    problems = check_includes(args.root)
    if args.objects is not None:
        problems += check_calls(args.root, args.objects, args.nm)
    for p in problems:
        print(f"check_layers: {p}")
    if problems:
        return 1
    print("check_layers: every include and call goes downward, no cycles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
