#!/usr/bin/env python3
"""Translate herd AArch64 litmus tests (catalogue/aarch64-ifetch dialect) into C for the selfmod firmware.

Each test becomes a KTAP test of group "litmus" (src/litmus.h, src/litmus_run.c): its threads
run on as many cores, N iterations, with a histogram of final states and the verdict of
kinds.txt for the core's effective IDC/DIC. A test that cannot be translated is still listed
(skipped, with the reason) and named on stderr. A malformed file is an error (file:line),
exit status 1, unless --keep-going turns it into a skipped test too.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import litmus_emit as emit  # noqa: E402
import litmus_syntax as syntax  # noqa: E402
from litmus_values import LitmusError, Unsupported  # noqa: E402


class UsageError(Exception):
    pass


def expand(args: list[str]) -> list[Path]:
    """FILE, DIRECTORY (its *.litmus) or @LIST (one entry a line, relative to the list; # comments)."""
    out: list[Path] = []
    for a in args:
        if a.startswith("@"):
            lst = Path(a[1:])
            try:
                lines = lst.read_text().splitlines()
            except OSError as exc:
                raise UsageError(f"cannot read list {lst}: {exc.strerror}") from None
            entries = [ln.split("#")[0].strip() for ln in lines]
            out += expand([e if e.startswith("@") or os.path.isabs(e) else
                           ("@" + str(lst.parent / e[1:]) if e.startswith("@") else str(lst.parent / e))
                           for e in entries if e])
        elif Path(a).is_dir():
            found = sorted(Path(a).glob("*.litmus"))
            if not found:
                raise UsageError(f"{a}: no .litmus files in this directory")
            out += found
        elif Path(a).is_file():
            out.append(Path(a))
        else:
            raise UsageError(f"{a}: no such file or directory")
    return out


def read_kinds(paths: list[str] | None) -> dict[str, str]:
    """The verdicts of every kinds file; a name given two different verdicts is an error."""
    kinds: dict[str, str] = {}
    for path in paths or []:
        for name, verdict in read_kinds_file(path).items():
            if kinds.setdefault(name, verdict) != verdict:
                raise UsageError(f"{path}: {name} is {verdict} here but {kinds[name]} in an earlier kinds file")
    return kinds


def read_kinds_file(path: str) -> dict[str, str]:
    kinds: dict[str, str] = {}
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise UsageError(f"cannot read kinds {path}: {exc.strerror}") from None
    for n, line in enumerate(text.splitlines(), 1):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if len(words) != 2 or words[1] not in emit.VERDICTS:
            raise UsageError(f"{path}:{n}: expected 'NAME Allowed|Forbidden|Required', got {line.strip()!r}")
        kinds[words[0]] = words[1]
    return kinds


def assemble_check(model: emit.Model, assembler: list[str]) -> None:
    """Assemble this test's code alone, so an instruction the assembler rejects skips only this test."""
    src = "\n".join(emit.test_asm(model)) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        s, o = Path(tmp) / "t.S", Path(tmp) / "t.o"
        s.write_text(src)
        try:
            r = subprocess.run(assembler + [str(s), "-o", str(o)], capture_output=True, text=True, timeout=60)
        except OSError as exc:
            raise UsageError(f"cannot run the assembler {assembler[0]}: {exc.strerror}") from None
    if r.returncode:
        errors = [ln.split("Error:", 1)[1].strip() for ln in r.stderr.splitlines() if "Error:" in ln]
        raise Unsupported("the assembler rejects it: " + ("; ".join(errors[:2]) or r.stderr.strip()[:200]))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example: %(prog)s -o build/litmus.c --kinds tests/litmus/selfmod/kinds.txt "
               "--kinds $LITMUS_DIR/kinds.txt --assembler 'aarch64-linux-gnu-gcc -c' tests/litmus/selfmod "
               "$LITMUS_DIR/DIC0-IDC1\n(LITMUS_DIR: a herdtools7 catalogue/aarch64-ifetch/tests copy)")
    p.add_argument("tests", nargs="+", metavar="FILE|DIR|@LIST", help="litmus files, directories of them, or lists")
    p.add_argument("-o", "--output", metavar="FILE.c", help="the C file to write (default: stdout)")
    p.add_argument("--kinds", metavar="kinds.txt", action="append",
                   help="verdicts: NAME Allowed|Forbidden|Required (IDC1.NAME, DIC1.NAME for those "
                        "flavours); repeatable")
    p.add_argument("--assembler", metavar="CMD", help="assemble each test alone with CMD FILE.S -o FILE.o "
                                                      "(e.g. 'aarch64-linux-gnu-gcc -c'); a test it rejects is skipped")
    p.add_argument("--iterations", type=int, default=200, metavar="N", help="default iterations per test (200)")
    p.add_argument("--timeout-ms", type=int, default=2000, metavar="MS", help="deadline of each wait (2000)")
    p.add_argument("--keep-going", action="store_true", help="a malformed file becomes a skipped test, not an error")
    p.add_argument("--without-catalogue", metavar="REASON",
                   help="why no herd catalogue was given; each flavour group (litmus-DIC0-IDC0, litmus-IDC1, "
                        "litmus-DIC1) with no test gets one skipped test that gives the reason (this one, or "
                        "that the inputs have no test of that flavour), so run= of the group always names "
                        "something")
    p.add_argument("-q", "--quiet", action="store_true", help="name only the tests not translated")
    args = p.parse_args(argv)
    try:
        if args.iterations < 1 or args.timeout_ms < 1:
            raise UsageError("--iterations and --timeout-ms must be at least 1")
        files = expand(args.tests)
        kinds = read_kinds(args.kinds)
        assembler = shlex.split(args.assembler) if args.assembler else None
    except UsageError as exc:
        print(f"translate.py: error: {exc}", file=sys.stderr)
        return 2

    parts, sources, names, errors, skipped = [], [], {}, 0, 0
    flavours: set[int] = set()  # of the catalogue tests translated
    for ident, path in enumerate(files):
        name = path.stem
        try:
            text = path.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            print(f"translate.py: error: {path}: {exc}", file=sys.stderr)
            return 1
        try:
            test = syntax.parse(text, str(path))
            name = test.name
            if name in names:
                raise Unsupported(f"a test of the same name is already translated from {names[name]}")
            names[name] = str(path)
            model = emit.build_model(test, ident, kinds)
            if assembler:
                assemble_check(model, assembler)
            parts.append(emit.test_c(model, args.iterations, args.timeout_ms))
            if not model.base.startswith(emit.SELFMOD_PREFIX):
                flavours.add(model.flavour)
            if not args.quiet:
                print(f"litmus: {name}: {test.nthreads} thread(s), written for "
                      f"{emit.FLAVOUR_NAMES[model.flavour]} cores; verdicts of {model.base} "
                      f"{'/'.join(v or '-' for v in model.verdicts)} (DIC0-IDC0/IDC1/DIC1)", file=sys.stderr)
        except Unsupported as exc:
            skipped += 1
            print(f"litmus: {name}: NOT TRANSLATED: {exc} ({path})", file=sys.stderr)
            parts.append(emit.skipped_c(name, str(exc), ident))
        except LitmusError as exc:
            errors += 1
            print(f"translate.py: error: {exc}", file=sys.stderr)
            if args.keep_going:
                parts.append(emit.skipped_c(name, f"malformed: line {exc.line}: {exc.message}", ident))
        except UsageError as exc:
            print(f"translate.py: error: {exc}", file=sys.stderr)
            return 2
        sources.append(str(path))
    for i, flavour in enumerate(emit.FLAVOUR_NAMES):
        if i not in flavours:
            why = args.without_catalogue or f"no test written for {flavour} cores among the inputs"
            parts.append(emit.skipped_c(f"herd-catalogue-{flavour}", why, len(files) + i, group=f"litmus-{flavour}"))
    print(f"litmus: {len(files)} file(s): {len(files) - skipped - errors} translated, {skipped} not translated, "
          f"{errors} malformed", file=sys.stderr)
    if errors and not args.keep_going:
        return 1
    out = emit.file_c(parts, sources)
    if args.output and Path(args.output).is_file() and Path(args.output).read_text() == out:
        return 0  # unchanged: keep its timestamp, so make does not rebuild the image
    if args.output:
        tmp = Path(args.output + ".tmp")
        tmp.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(out)
        tmp.replace(args.output)
    else:
        sys.stdout.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
