#!/usr/bin/env python3
"""Check the tables the suite is registered in against each other.

  order keys   every TEST_CASE(order, ...) in tests/scenarios/ and in the litmus generator
               (tests/litmus/litmus_emit.py, one key for its whole family) has its own number;
  injections   every deliberate defect is declared in a TEST_CASE's .injections, used by
               test_injected(t, "name") in the firmware, and provoked by a configuration
               (tests/configs.txt, append="... inject=NAME") or a self-test (tests/test_*.py);
               every name a configuration injects is declared; every configuration that
               injects one has a line in tests/expectations.txt.

Exit status 0 when all hold, 1 with one line per problem, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import fnmatch
import re
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TEST_CASE = re.compile(r"TEST_CASE\((\d+),\s*(\w+?)(?:_\{[^}]*\})?,")
INJECTIONS = re.compile(r'\.injections\s*=\s*(?:\\?"([^"\\]*)\\?"|([A-Z_]+))')
DEFINE = re.compile(r'#define\s+([A-Z_]+)\s+"([^"]*)"')
INJECTED = re.compile(r'test_injected\(\s*\w+\s*,\s*"(\w+)"\s*\)')
INJECT_ARG = re.compile(r"\binject=(\w+)")


def firmware_sources(root: Path) -> list[Path]:
    return sorted(p for top in ("src", "tests/scenarios") for p in (root / top).rglob("*.[ch]"))


def check_order_keys(root: Path) -> list[str]:
    seen: dict[int, str] = {}
    problems = []
    files = [p for p in firmware_sources(root) if "tests/scenarios" in p.as_posix()]
    files.append(root / "tests/litmus/litmus_emit.py")
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        for m in TEST_CASE.finditer(text):
            order, ident = int(m.group(1)), m.group(2)
            where = f"{path.relative_to(root)}: {ident}"
            if order in seen and seen[order] != where:
                problems.append(f"order key {order} is used twice: {seen[order]} and {where}")
            seen.setdefault(order, where)
    return problems


def declared_injections(root: Path) -> dict[str, str]:
    """Each declared injection and where."""
    sources = firmware_sources(root) + [root / "tests/litmus/litmus_emit.py"]
    macros = {}
    for path in sources:
        if path.is_file():
            macros.update(DEFINE.findall(path.read_text(errors="replace")))
    declared = {}
    for path in sources:
        if not path.is_file():
            continue
        for literal, macro in INJECTIONS.findall(path.read_text(errors="replace")):
            for name in (literal if not macro else macros.get(macro, "")).split():
                declared.setdefault(name, str(path.relative_to(root)))
    return declared


def config_injections(configs: Path) -> dict[str, list[str]]:
    """Configuration name -> the injections its boot arguments ask for."""
    out = {}
    for line in configs.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = dict(f.split("=", 1) for f in shlex.split(line) if "=" in f)
        names = INJECT_ARG.findall(fields.get("append", ""))
        if names:
            out[fields.get("name", "?")] = names
    return out


def expectation_patterns(expectations: Path) -> list[str]:
    return [line.split()[0] for line in expectations.read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def check_injections(root: Path) -> list[str]:
    problems = []
    declared = declared_injections(root)
    used = {}
    for path in firmware_sources(root):
        for name in INJECTED.findall(path.read_text(errors="replace")):
            used.setdefault(name, str(path.relative_to(root)))
    configs = config_injections(root / "tests/configs.txt")
    patterns = expectation_patterns(root / "tests/expectations.txt")
    selftests = set()
    for path in sorted((root / "tests").glob("test_*.py")):
        selftests.update(INJECT_ARG.findall(path.read_text(errors="replace")))
    provoked = {n for names in configs.values() for n in names} | selftests
    for name, where in sorted(used.items()):
        if name not in declared:
            problems.append(f'injection "{name}" is tested in {where} but no TEST_CASE declares it (.injections)')
    for name, where in sorted(declared.items()):
        if name not in used:
            problems.append(f'injection "{name}" is declared in {where} but no test_injected() asks for it')
        if name not in provoked:
            problems.append(f'injection "{name}" ({where}) is provoked by no configuration and no self-test')
    for config, names in sorted(configs.items()):
        for name in names:
            if name not in declared:
                problems.append(f'configuration {config} injects "{name}", which no TEST_CASE declares')
        if not any(fnmatch.fnmatchcase(config, p) for p in patterns):
            problems.append(f"configuration {config} injects {' '.join(names)} but tests/expectations.txt "
                            "has no line for it (which results must fail)")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--root", type=Path, default=ROOT, help="the project's top folder (default: this checkout)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return 0 if e.code == 0 else 2
    for needed in ("tests/configs.txt", "tests/expectations.txt", "tests/scenarios"):
        if not (args.root / needed).exists():
            print(f"check_registry: {args.root / needed} not found", file=sys.stderr)
            return 2
    problems = check_order_keys(args.root) + check_injections(args.root)
    for p in problems:
        print(f"check_registry: {p}")
    if problems:
        return 1
    print("check_registry: order keys unique, injections declared, used, provoked and expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
