#!/usr/bin/env python3
"""Put an address mark before every DC and IC by address of an assembly file (make check-routine).

The QEMU 7.2 checker plugin cannot read registers: it learns the address of a DC or IC by address
from a load of that address right before it, LDRB WZR, [Xn] (src/icache.h MAINT_ADDRESS_MARK).
A user's routine does not carry these marks, so make check-routine adds them to its assembly
(after the C preprocessor, or the compiler's -S output for a C file):

    dc cvau, x2          ->   ldrb wzr, [x2] ; dc cvau, x2
    1: ic ivau, x0       ->   1: ldrb wzr, [x0] ; ic ivau, x0
    sys #3, c7, c11, #1, x1  (DC CVAU spelled as SYS) likewise

The mark is a load of a byte the DC/IC names anyway (a DC/IC needs read permission there too); it
completes nothing and orders nothing the maintenance depends on, so the checker's verdict is the
routine's. Limits (the checker then reports the DC/IC as unmarked and the verdict as not judged):
an instruction spelled as data (.inst/.word), code that computes branch targets from a fixed
instruction count (a hand-written Duff's device: the mark doubles every entry), and routines
built elsewhere (only their source can be marked).

Exit status 0 (the summary line gives the count of marks), 2 for usage errors.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

XREG = r"(?:[xX](?:[0-9]|[12][0-9]|30)|\\\w+)"  # x0..x30, or a .macro argument (\reg)
# DC <op>, Xt by address (the ones the checker models) and IC IVAU, Xt.
MAINT_RE = re.compile(r"(?i)^(dc\s+(?:cvau|cvac|civac|cvap|cvadp|ivac)|ic\s+ivau)\s*,\s*(" + XREG + r")\s*$")
# The same as SYS #op1, C7, Cm, #op2, Xt (DC op1=3 Cm 10/11/12/13/14, DC IVAC op1=0 Cm 6, IC IVAU op1=3 Cm 5).
SYS_RE = re.compile(r"(?i)^sys\s+#?(\d+)\s*,\s*c7\s*,\s*c(\d+)\s*,\s*#?(\d+)\s*,\s*(" + XREG + r")\s*$")
SYS_BY_ADDRESS = {(3, 10, 1), (3, 11, 1), (3, 12, 1), (3, 13, 1), (3, 14, 1), (0, 6, 1), (3, 5, 1)}
LABEL_RE = re.compile(r"^(\s*(?:[A-Za-z_.$][\w.$]*|\d+)\s*:)")
RAW_RE = re.compile(r"(?i)^\s*\.(inst|word|long)\b")


def maintenance_register(stmt: str) -> str | None:
    """The address register of a DC/IC by address statement (no label, no comment), else None."""
    s = stmt.strip()
    if m := MAINT_RE.match(s):
        return m[2]
    if (m := SYS_RE.match(s)) and (int(m[1]), int(m[2]), int(m[3])) in SYS_BY_ADDRESS:
        return m[4]
    return None


def split_comment(line: str) -> tuple[str, str]:
    """Code and its // comment (AArch64 GNU as; '@' and '#' are not comment characters there)."""
    i = line.find("//")
    return (line, "") if i < 0 else (line[:i], line[i:])


def mark_statement(stmt: str) -> tuple[str, bool]:
    """The statement with a mark before it if it is a DC/IC by address; labels stay in front."""
    label = ""
    rest = stmt
    while m := LABEL_RE.match(rest):
        label += m[1]
        rest = rest[m.end():]
    reg = maintenance_register(rest)
    if reg is None:
        return stmt, False
    return f"{label} ldrb wzr, [{reg}] ; {rest.strip()}", True


def add_marks(text: str) -> tuple[str, int, int]:
    """(marked text, DC/IC marked, raw .inst/.word lines seen)."""
    out, marked, raw = [], 0, 0
    for line in text.splitlines():
        code, comment = split_comment(line)
        raw += bool(RAW_RE.match(code))
        stmts = []
        for stmt in code.split(";"):
            new, did = mark_statement(stmt)
            marked += did
            stmts.append(new)
        out.append(";".join(stmts) + comment)
    return "\n".join(out) + "\n", marked, raw


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="routine_marks.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="assembly after the C preprocessor (or a compiler's -S output)")
    parser.add_argument("output", help="the marked assembly")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        text = Path(args.input).read_text()
    except OSError as exc:
        print(f"routine_marks.py: error: {exc}", file=sys.stderr)
        return 2
    marked_text, marked, raw = add_marks(text)
    Path(args.output).write_text(marked_text)
    print(f"routine_marks.py: {marked} DC/IC by address marked in {args.input}"
          + (f"; {raw} .inst/.word lines left as they are (not markable)" if raw else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
