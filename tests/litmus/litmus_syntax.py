"""Parser of herd's AArch64 litmus dialect (catalogue/aarch64-ifetch): the file, not its meaning.

A test is: a header line `AArch64 NAME`, optional info lines (`Hash=...`, `Stable=X9`, a quoted
doc string), an init block `{ ... }`, a row `P0 | P1 | P1.F ;` naming the threads (`Pn.F` is the
fault handler of thread n), one row per instruction with a cell per thread, and the final part:
optional `locations [...]`, optional `filter PROP`, then `exists PROP`, `~exists PROP` or
`forall PROP`. OCaml comments `(* ... *)` may appear anywhere.

Every error is a LitmusError naming the file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import litmus_cond as cond
from litmus_values import LitmusError, Unsupported, Value, parse_value, REG_RE

THREAD_RE = re.compile(r"P(\d+)(\.F)?$")
LABEL_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
CELL_LABEL_RE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*:(?!:)")
PTE_RE = re.compile(r"pte_([A-Za-z_][A-Za-z0-9_]*)$")
PTE_VALUE_RE = re.compile(r"\(\s*oa\s*:\s*phy_([A-Za-z_][A-Za-z0-9_]*)\s*\)$")
FINAL_START_RE = re.compile(r"\s*(~\s*exists|exists|forall|locations|filter)\b")


@dataclass
class Row:
    """One instruction cell: labels defined before it, the instruction text ('' for none)."""
    labels: list[str]
    text: str
    line: int


@dataclass
class Thread:
    name: str            # "P1" or "P1.F"
    index: int           # n of Pn
    handler: bool        # a fault handler (Pn.F)
    rows: list[Row] = field(default_factory=list)

    def labels(self) -> dict[str, int]:
        """label -> line where it is defined."""
        return {lab: r.line for r in self.rows for lab in r.labels}


@dataclass
class Test:
    path: str
    name: str
    info: dict[str, str]
    reg_init: dict[tuple[int, int], tuple[Value, int]]   # (thread, reg) -> (value, line)
    mem_init: dict[str, tuple[Value, int]]                # location -> (value, line)
    typed: list[tuple[str, str, int]]                     # (type, target, line): annotations
    aliases: dict[str, tuple[str, int]]                    # data location -> code label it aliases
    threads: list[Thread]                                  # Pn in order of n
    handlers: dict[int, Thread]                            # n -> Pn.F
    final: cond.Final

    @property
    def nthreads(self) -> int:
        return len(self.threads)


def strip_comments(text: str, path: str) -> str:
    """Blank out (* ... *) comments (nested, as in OCaml), keeping newlines for line numbers."""
    out, depth, i, line, opened = [], 0, 0, 1, 0
    while i < len(text):
        two = text[i:i + 2]
        if two == "(*":
            if depth == 0:
                opened = line
            depth += 1
            out.append("  ")
            i += 2
            continue
        if two == "*)" and depth:
            depth -= 1
            out.append("  ")
            i += 2
            continue
        ch = text[i]
        if ch == "\n":
            line += 1
        out.append(ch if depth == 0 or ch == "\n" else " ")
        i += 1
    if depth:
        raise LitmusError(path, opened, "comment '(*' is never closed")
    return "".join(out)


def split_items(text: str, start_line: int, sep: str = ";") -> list[tuple[str, int]]:
    """Split on sep outside double quotes; each item with the line of its first character."""
    items: list[tuple[str, int]] = []
    cur: list[str] = []
    line, item_line, quoted = start_line, None, False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == sep and not quoted:
            if item_line is not None:
                items.append(("".join(cur).strip(), item_line))
            cur, item_line = [], None
        else:
            if item_line is None and not ch.isspace():
                item_line = line
            cur.append(ch)
        if ch == "\n":
            line += 1
    if item_line is not None:
        items.append(("".join(cur).strip(), item_line))
    return items


class _Lines:
    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.i = 0

    def peek(self) -> str | None:
        return self.lines[self.i] if self.i < len(self.lines) else None

    @property
    def lineno(self) -> int:
        """1-based; at the end of the file, its last line."""
        return min(self.i + 1, max(len(self.lines), 1))

    def skip_blank(self) -> None:
        while self.peek() is not None and not self.peek().strip():
            self.i += 1


def parse(text: str, path: str = "<string>") -> Test:
    text = strip_comments(text.replace("\r\n", "\n"), path)
    src = _Lines(text)
    src.skip_blank()
    header = src.peek()
    if header is None:
        raise LitmusError(path, 1, "empty file: expected 'AArch64 NAME'")
    words = header.split()
    if words[0] != "AArch64":
        raise LitmusError(path, src.lineno, f"expected 'AArch64 NAME', got {header.strip()!r} "
                                            "(only AArch64 tests are supported)")
    if len(words) < 2:
        raise LitmusError(path, src.lineno, "the header names no test: expected 'AArch64 NAME'")
    name = words[1]
    src.i += 1

    info: dict[str, str] = {}
    while True:
        src.skip_blank()
        line = src.peek()
        if line is None:
            raise LitmusError(path, src.lineno, "no init block '{' before the end of the file")
        if line.lstrip().startswith("{"):
            break
        key, sep, value = line.strip().partition("=")
        if sep:
            info[key.strip()] = value.strip()
        elif not line.strip().startswith('"'):
            raise LitmusError(path, src.lineno, f"expected 'Key=Value' or '{{', got {line.strip()!r}")
        src.i += 1

    # The init block, possibly spanning lines.
    init_line = src.lineno
    body, depth_line = [], src.i
    rest = src.peek().lstrip()[1:]
    while "}" not in rest:
        body.append(rest)
        src.i += 1
        if src.peek() is None:
            raise LitmusError(path, init_line, "init block '{' is never closed")
        rest = src.peek()
    inside, _, after = rest.partition("}")
    body.append(inside)
    if after.strip():
        raise LitmusError(path, src.lineno, f"unexpected text after '}}': {after.strip()!r}")
    src.i += 1
    reg_init, mem_init, typed, aliases = parse_init("\n".join(body), init_line, path)
    del depth_line

    threads, handlers = parse_code(src, path)
    final_text_line = src.lineno
    final_text = "\n".join(src.lines[src.i:])
    final = cond.parse_final(final_text, final_text_line, path)
    test = Test(path, name, info, reg_init, mem_init, typed, aliases, threads, handlers, final)
    check_references(test)
    return test


def parse_init(text: str, line: int, path: str):
    reg_init: dict[tuple[int, int], tuple[Value, int]] = {}
    mem_init: dict[str, tuple[Value, int]] = {}
    typed: list[tuple[str, str, int]] = []
    aliases: dict[str, tuple[str, int]] = {}
    for item, ln in split_items(text, line):
        lhs, eq, rhs = item.partition("=")
        lhs_words = lhs.split()
        if not lhs_words:
            raise LitmusError(path, ln, f"expected LOCATION=VALUE, got {item!r}")
        ty = " ".join(lhs_words[:-1])
        target = lhs_words[-1].lstrip("*")
        if not eq:
            if not ty:
                raise LitmusError(path, ln, f"expected LOCATION=VALUE or 'TYPE LOCATION', got {item!r}")
            typed.append((ty, lhs_words[-1], ln))
            continue
        if ty:
            typed.append((ty, target, ln))
        rhs = rhs.strip()
        if not rhs:
            raise LitmusError(path, ln, f"{target}= has no value")
        m = REG_RE.fullmatch(target)
        pte = PTE_RE.fullmatch(target)
        if m:
            key = (int(m.group(1)), int(m.group(3)))
            if m.group(2) == "W":
                raise LitmusError(path, ln, f"initialise {target} as X{m.group(3)}")
            if key in reg_init:
                raise LitmusError(path, ln, f"{target} is initialised twice")
            reg_init[key] = (parse_value(rhs, path, ln), ln)
        elif pte:
            pv = PTE_VALUE_RE.fullmatch(rhs)
            if not pv:
                raise LitmusError(path, ln, f"page-table entry {target}={rhs}: only (oa:phy_NAME) is supported")
            virt, phys = pte.group(1), pv.group(1)
            if virt != phys:
                aliases[phys] = (virt, ln)  # data location phys lives where code label virt is
        else:
            loc = target[1:-1].strip() if target.startswith("[") and target.endswith("]") else target
            if not LABEL_RE.match(loc):
                raise LitmusError(path, ln, f"bad location {target!r}")
            if loc in mem_init:
                raise LitmusError(path, ln, f"location {loc} is initialised twice")
            mem_init[loc] = (parse_value(rhs, path, ln), ln)
    return reg_init, mem_init, typed, aliases


def parse_cell(cell: str, line: int) -> Row:
    labels = []
    while True:
        m = CELL_LABEL_RE.match(cell)
        if not m:
            break
        labels.append(m.group(1))
        cell = cell[m.end():]
    return Row(labels, " ".join(cell.split()), line)


def parse_code(src: _Lines, path: str) -> tuple[list[Thread], dict[int, Thread]]:
    src.skip_blank()
    head = src.peek()
    if head is None:
        raise LitmusError(path, src.lineno, "no thread header (P0 | P1 ... ;) before the end of the file")
    names = [c.strip() for c in head.strip().rstrip(";").split("|")]
    columns: list[Thread] = []
    for n in names:
        m = THREAD_RE.match(n)
        if not m:
            raise LitmusError(path, src.lineno, f"bad thread name {n!r}: expected Pn or Pn.F")
        columns.append(Thread(n, int(m.group(1)), bool(m.group(2))))
    if len({c.name for c in columns}) != len(columns):
        raise LitmusError(path, src.lineno, "a thread is named twice in the header")
    src.i += 1
    while True:
        line = src.peek()
        if line is None or FINAL_START_RE.match(line):
            break
        if not line.strip():
            src.i += 1
            continue
        row = line.strip()
        if row.endswith(";"):
            row = row[:-1]
        cells = row.split("|")
        if len(cells) != len(columns):
            raise LitmusError(path, src.lineno,
                              f"{len(cells)} column(s) in this row, the header names {len(columns)} thread(s)")
        for col, cell in zip(columns, cells):
            r = parse_cell(cell, src.lineno)
            if r.labels or r.text:
                col.rows.append(r)
        src.i += 1
    plain = sorted((c for c in columns if not c.handler), key=lambda c: c.index)
    if [c.index for c in plain] != list(range(len(plain))):
        raise LitmusError(path, src.lineno, "threads must be P0, P1, ... without gaps")
    handlers = {c.index: c for c in columns if c.handler}
    for n in handlers:
        if n >= len(plain):
            raise LitmusError(path, src.lineno, f"fault handler P{n}.F of a thread that does not exist")
    return plain, handlers


def check_references(t: Test) -> None:
    """Labels named in the init block and the condition must exist; W registers only in conditions."""
    defined = {(th.index, lab) for th in t.threads for lab in th.labels()}
    for th in t.threads:
        seen: dict[str, int] = {}
        rows = th.rows + (t.handlers[th.index].rows if th.index in t.handlers else [])
        for r in rows:
            for lab in r.labels:
                if lab in seen:
                    raise LitmusError(t.path, r.line, f"label {lab} of P{th.index} defined twice "
                                                      f"(first on line {seen[lab]})")
                seen[lab] = r.line
    defined |= {(n, lab) for n, h in t.handlers.items() for lab in h.labels()}
    values = [(v, ln) for v, ln in t.reg_init.values()] + [(v, ln) for v, ln in t.mem_init.values()]
    values += [(a.value, a.line) for a in t.final.atoms()]
    for v, ln in values:
        if v.kind == "label" and (v.thread, v.label) not in defined:
            raise LitmusError(t.path, ln, f"P{v.thread}:{v.label} is not a label of thread P{v.thread}")
    for a in t.final.atoms():
        if a.loc.kind in ("code", "fault") and a.loc.name and (a.loc.thread, a.loc.name) not in defined:
            raise LitmusError(t.path, a.line, f"P{a.loc.thread}:{a.loc.name} is not a label")
        if a.loc.kind in ("reg", "fault") and a.loc.thread >= t.nthreads:
            raise LitmusError(t.path, a.line, f"{a.loc} names a thread the test does not have")
    for key, (_, ln) in t.reg_init.items():
        if key[0] >= t.nthreads:
            raise LitmusError(t.path, ln, f"{key[0]}:X{key[1]} initialises a thread the test does not have")
    for loc, (virt, ln) in t.aliases.items():
        if not any(virt in th.labels() for th in t.threads):
            raise Unsupported(f"line {ln}: pte_{virt}=(oa:phy_{loc}): only a code label may be mapped "
                              f"onto a data location")
