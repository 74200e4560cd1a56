"""The final part of a litmus test: `locations [...]`, `filter P`, and `exists P` / `~exists P` /
`forall P`, where P is built from atoms LOC=VALUE with ~ (or not), /\\, \\/, => and parentheses.

Also the evaluator (on a state: location -> number) and the compilation of P to the postfix
program the firmware runs (tests/scenarios/engines/litmus_cond.c): opcodes below, shared with
tests/scenarios/engines/litmus.h.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Union

from litmus_values import LitmusError, Unsupported, Value, parse_value, REG_RE, CODE_LABEL_RE, NAME_RE

# Postfix opcodes: keep in step with enum litmus_cond_op in tests/scenarios/engines/litmus.h.
OP_END, OP_TRUE, OP_FALSE, OP_ATOM, OP_NOT, OP_AND, OP_OR, OP_IMPLIES = range(8)
MAX_STACK = 16   # LITMUS_COND_STACK in tests/scenarios/engines/litmus.h
MAX_ATOMS = 255  # an atom index is one byte


# fault(Pn:L,KIND): the exception classes a fault atom may name (ESR_EL1.EC), "" for any.
FAULT_KINDS = {"": None, "UndefinedInstruction": 0x00}


@dataclass(frozen=True)
class Loc:
    # "reg" (thread, reg, w), "mem" (name), "code" (thread, name: label),
    # "fault" (thread, name: label or "", what: FAULT_KINDS key): 1 if it faulted there
    kind: str
    thread: int = 0
    reg: int = 0
    w: bool = False    # 1:W2: the low 32 bits
    name: str = ""
    what: str = ""

    def __str__(self) -> str:
        if self.kind == "fault":
            where = f"P{self.thread}" + (f":{self.name}" if self.name else "")
            return f"fault({where}{',' + self.what if self.what else ''})"
        if self.kind == "reg":
            return f"{self.thread}:{'W' if self.w else 'X'}{self.reg}"
        if self.kind == "code":
            return f"[P{self.thread}:{self.name}]"
        return self.name


@dataclass(frozen=True)
class Atom:
    loc: Loc
    value: Value
    line: int = 0


@dataclass(frozen=True)
class Not:
    p: "Prop"


@dataclass(frozen=True)
class And:
    ps: tuple


@dataclass(frozen=True)
class Or:
    ps: tuple


@dataclass(frozen=True)
class Implies:
    p: "Prop"
    q: "Prop"


@dataclass(frozen=True)
class Const:
    value: bool


Prop = Union[Atom, Not, And, Or, Implies, Const]


@dataclass
class Final:
    quantifier: str                 # "exists", "~exists", "forall"
    prop: Prop
    filter: Prop | None = None
    locations: list[Loc] = field(default_factory=list)
    line: int = 0

    def atoms(self) -> list[Atom]:
        out: list[Atom] = []
        for p in ([self.filter] if self.filter is not None else []) + [self.prop]:
            collect_atoms(p, out)
        return out

    def observed(self) -> list[Loc]:
        """Locations shown in each final state: `locations` first, then the condition's, once each."""
        seen: dict[Loc, None] = {}
        for loc in self.locations + [a.loc for a in self.atoms()]:
            seen.setdefault(loc, None)
        return list(seen)


def collect_atoms(p: Prop, out: list[Atom]) -> None:
    if isinstance(p, Atom):
        out.append(p)
    elif isinstance(p, Not):
        collect_atoms(p.p, out)
    elif isinstance(p, (And, Or)):
        for q in p.ps:
            collect_atoms(q, out)
    elif isinstance(p, Implies):
        collect_atoms(p.p, out)
        collect_atoms(p.q, out)


# ---------------------------------------------------------------- tokens

TOKEN_RE = re.compile(r"""
    (?P<space>\s+)
  | (?P<op>/\\|\\/|=>|~|\(|\)|=|\[|\]|;|,)
  | (?P<tagged>(?:instr|label)\s*:\s*"[^"]*")
  | (?P<word>-?0x[0-9a-fA-F]+|-?\d+:[XW]\d+|-?\d+|P\d+:[A-Za-z_][A-Za-z0-9_]*
             |[A-Za-z_][A-Za-z0-9_.]*(?::[A-Za-z_][A-Za-z0-9_.]*)*)
""", re.VERBOSE)


@dataclass
class Tok:
    kind: str   # "op", "word", "end"
    text: str
    line: int


def tokenize(text: str, line: int, path: str) -> list[Tok]:
    toks, pos = [], 0
    while pos < len(text):
        m = TOKEN_RE.match(text, pos)
        if not m:
            raise LitmusError(path, line, f"unexpected {text[pos:pos + 12]!r} in the final condition")
        if m.lastgroup == "space":
            line += m.group().count("\n")
        else:
            toks.append(Tok("op" if m.lastgroup == "op" else "word", m.group(), line))
        pos = m.end()
    toks.append(Tok("end", "", toks[-1].line if toks else line))  # where the text ran out, not trailing blanks
    return toks


class _Parser:
    def __init__(self, toks: list[Tok], path: str) -> None:
        self.toks, self.i, self.path = toks, 0, path

    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def take(self, text: str | None = None) -> Tok:
        t = self.tok
        if text is not None and t.text != text:
            got = repr(t.text) if t.kind != "end" else "the end of the file"
            raise LitmusError(self.path, t.line, f"expected {text!r} in the final condition, got {got}")
        self.i += 1
        return t

    def error(self, what: str) -> LitmusError:
        t = self.tok
        got = repr(t.text) if t.kind != "end" else "the end of the file"
        return LitmusError(self.path, t.line, f"expected {what}, got {got}")

    # prop := disj ['=>' prop]
    def prop(self) -> Prop:
        p = self.disj()
        if self.tok.text == "=>":
            self.take()
            return Implies(p, self.prop())
        return p

    def disj(self) -> Prop:
        ps = [self.conj()]
        while self.tok.text == "\\/":
            self.take()
            ps.append(self.conj())
        return ps[0] if len(ps) == 1 else Or(tuple(ps))

    def conj(self) -> Prop:
        ps = [self.unary()]
        while self.tok.text == "/\\":
            self.take()
            ps.append(self.unary())
        return ps[0] if len(ps) == 1 else And(tuple(ps))

    def unary(self) -> Prop:
        t = self.tok
        if t.text in ("~", "not"):
            self.take()
            return Not(self.unary())
        if t.text == "(":
            self.take()
            p = self.prop()
            self.take(")")
            return p
        if t.text in ("true", "false"):
            self.take()
            return Const(t.text == "true")
        if t.text == "fault" and self.toks[self.i + 1].text == "(":
            return self.fault_atom()
        return self.atom()

    def fault_atom(self) -> Atom:
        """fault(Pn), fault(Pn:L) or fault(Pn:L,KIND): the thread took a synchronous exception (at L)."""
        line = self.take("fault").line
        self.take("(")
        where = self.take()
        m = CODE_LABEL_RE.fullmatch(where.text) or re.fullmatch(r"P(\d+)()", where.text)
        if not m:
            raise LitmusError(self.path, where.line, f"fault(...) expects Pn or Pn:LABEL, got {where.text!r}")
        what = ""
        if self.tok.text == ",":
            self.take()
            what = self.take().text
        self.take(")")
        if what not in FAULT_KINDS:
            raise Unsupported(f"line {line}: fault kind {what!r}: only {', '.join(k for k in FAULT_KINDS if k)}")
        return Atom(Loc("fault", thread=int(m.group(1)), name=m.group(2), what=what), Value("int", number=1), line)

    def loc(self) -> Loc:
        t = self.tok
        if t.text == "[":
            self.take()
            inner = self.take()
            self.take("]")
            return self.loc_of(inner, bracketed=True)
        if t.kind != "word":
            raise self.error("a location (1:X0, x, [x] or [P1:L0])")
        self.take()
        return self.loc_of(t, bracketed=False)

    def loc_of(self, t: Tok, bracketed: bool) -> Loc:
        m = REG_RE.fullmatch(t.text)
        if m and not bracketed:
            return Loc("reg", thread=int(m.group(1)), reg=int(m.group(3)), w=m.group(2) == "W")
        m = CODE_LABEL_RE.fullmatch(t.text)
        if m:
            return Loc("code", thread=int(m.group(1)), name=m.group(2))
        if NAME_RE.fullmatch(t.text):
            return Loc("mem", name=t.text)
        raise LitmusError(self.path, t.line, f"bad location {t.text!r} in the final condition")

    def atom(self) -> Atom:
        line = self.tok.line
        loc = self.loc()
        self.take("=")
        t = self.tok
        if t.kind != "word":
            raise self.error("a value after '='")
        self.take()
        if REG_RE.fullmatch(t.text):
            raise Unsupported(f"line {t.line}: {loc}={t.text} compares two locations")
        return Atom(loc, parse_value(t.text, self.path, t.line), line)


def parse_prop(text: str, line: int = 1, path: str = "<string>") -> Prop:
    p = _Parser(tokenize(text, line, path), path)
    prop = p.prop()
    if p.tok.kind != "end":
        raise p.error("'/\\', '\\/', '=>' or the end of the condition")
    return prop


def parse_final(text: str, line: int, path: str) -> Final:
    p = _Parser(tokenize(text, line, path), path)
    start = p.tok.line
    locations: list[Loc] = []
    filt = None
    if p.tok.text == "locations":
        p.take()
        p.take("[")
        while p.tok.text != "]":
            if p.tok.kind == "end":
                raise p.error("']' closing locations [")
            locations.append(p.loc())
            if p.tok.text == ";":
                p.take()
        p.take("]")
    if p.tok.text == "filter":
        p.take()
        filt = p.prop()
    if p.tok.text == "~":
        p.take()
        p.take("exists")
        quant = "~exists"
    elif p.tok.text in ("exists", "forall"):
        quant = p.take().text
    else:
        raise p.error("the final condition: exists, ~exists or forall")
    prop = p.prop()
    if p.tok.kind != "end":
        raise p.error("the end of the file after the final condition")
    return Final(quant, prop, filt, locations, start)


# ---------------------------------------------------------------- meaning

def evaluate(p: Prop, state: dict[Loc, int], resolve: Callable[[Value], int]) -> bool:
    """The truth of p in a final state; resolve gives the number a value stands for."""
    if isinstance(p, Atom):
        return atom_holds(p, state[p.loc], resolve)
    if isinstance(p, Const):
        return p.value
    if isinstance(p, Not):
        return not evaluate(p.p, state, resolve)
    if isinstance(p, And):
        return all(evaluate(q, state, resolve) for q in p.ps)
    if isinstance(p, Or):
        return any(evaluate(q, state, resolve) for q in p.ps)
    if isinstance(p, Implies):
        return not evaluate(p.p, state, resolve) or evaluate(p.q, state, resolve)
    raise TypeError(p)


def loc_mask(loc: Loc) -> int:
    """The bits of a location that a comparison looks at (W registers and instructions: 32)."""
    return 0xFFFFFFFF if loc.w or loc.kind == "code" else 0xFFFFFFFFFFFFFFFF


def atom_holds(a: Atom, observed: int, resolve: Callable[[Value], int]) -> bool:
    mask = loc_mask(a.loc)
    return (observed & mask) == (resolve(a.value) & mask)


def compile_prop(p: Prop, atoms: list[Atom]) -> list[int]:
    """Postfix program for p; atoms is filled with the atoms in order (an atom's index follows OP_ATOM)."""
    code: list[int] = []

    def emit(q: Prop) -> None:
        if isinstance(q, Atom):
            if len(atoms) >= MAX_ATOMS:
                raise Unsupported(f"more than {MAX_ATOMS} atoms in the condition")
            code.extend((OP_ATOM, len(atoms)))
            atoms.append(q)
        elif isinstance(q, Const):
            code.append(OP_TRUE if q.value else OP_FALSE)
        elif isinstance(q, Not):
            emit(q.p)
            code.append(OP_NOT)
        elif isinstance(q, (And, Or)):
            emit(q.ps[0])
            for r in q.ps[1:]:
                emit(r)
                code.append(OP_AND if isinstance(q, And) else OP_OR)
        elif isinstance(q, Implies):
            emit(q.p)
            emit(q.q)
            code.append(OP_IMPLIES)

    emit(p)
    code.append(OP_END)
    if stack_depth(code) > MAX_STACK:
        raise Unsupported(f"the condition nests deeper than {MAX_STACK}")
    return code


def stack_depth(code: list[int]) -> int:
    depth = deepest = i = 0
    while code[i] != OP_END:
        op = code[i]
        depth += 1 if op in (OP_TRUE, OP_FALSE, OP_ATOM) else 0 if op == OP_NOT else -1
        deepest = max(deepest, depth)
        i += 2 if op == OP_ATOM else 1
    return deepest


def run_postfix(code: list[int], atom_true: list[bool]) -> bool:
    """What tests/scenarios/engines/litmus_cond.c does, in Python: the reference the unit tests compare against."""
    stack: list[bool] = []
    i = 0
    while code[i] != OP_END:
        op = code[i]
        if op == OP_ATOM:
            stack.append(atom_true[code[i + 1]])
            i += 2
            continue
        if op in (OP_TRUE, OP_FALSE):
            stack.append(op == OP_TRUE)
        elif op == OP_NOT:
            stack.append(not stack.pop())
        else:
            b, a = stack.pop(), stack.pop()
            stack.append(a and b if op == OP_AND else a or b if op == OP_OR else (not a) or b)
        i += 1
    return stack.pop()


def show_prop(p: Prop) -> str:
    """herd's notation, fully parenthesised where it matters."""
    if isinstance(p, Atom):
        return f"{p.loc}={p.value}"
    if isinstance(p, Const):
        return "true" if p.value else "false"
    if isinstance(p, Not):
        return f"~{show_prop(p.p)}" if isinstance(p.p, (Atom, Const)) else f"~({show_prop(p.p)})"
    if isinstance(p, And):
        return " /\\ ".join(show_prop(q) if not isinstance(q, (Or, Implies)) else f"({show_prop(q)})"
                            for q in p.ps)
    if isinstance(p, Or):
        return " \\/ ".join(show_prop(q) if not isinstance(q, Implies) else f"({show_prop(q)})" for q in p.ps)
    if isinstance(p, Implies):
        return f"({show_prop(p.p)}) => ({show_prop(p.q)})"
    raise TypeError(p)
