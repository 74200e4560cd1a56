"""Values of the litmus dialect (integers, code labels, data locations, instructions) and errors."""

from __future__ import annotations

import re
from dataclasses import dataclass


class LitmusError(Exception):
    """A malformed test: always names the file and the line."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


class Unsupported(Exception):
    """A well-formed test this front-end cannot run; the message is the reason."""


# 1:X9, 0:W2
REG_RE = re.compile(r"(\d+):([XW])(\d+)")
INT_RE = re.compile(r"-?(0x[0-9a-fA-F]+|\d+)")
CODE_LABEL_RE = re.compile(r"P(\d+):([A-Za-z_][A-Za-z0-9_]*)")
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
TAGGED_RE = re.compile(r'(instr|label)\s*:\s*"([^"]*)"')

# Bare instruction values the catalogue writes without instr:"..." (herd accepts these mnemonics).
BARE_INSTRUCTIONS = {"NOP", "ISB", "RET", "ERET", "YIELD", "WFE", "WFI", "SEV", "SEVL"}


@dataclass(frozen=True)
class Value:
    kind: str            # "int", "label", "loc", "insn"
    number: int = 0      # int
    thread: int = 0      # label
    label: str = ""      # label name, location name, or instruction text

    def __str__(self) -> str:
        if self.kind == "int":
            return str(self.number)
        if self.kind == "label":
            return f"P{self.thread}:{self.label}"
        return self.label


def parse_value(text: str, path: str, line: int) -> Value:
    """An init or condition value: 1, 0x10, -1, P1:L0, label:"P1:L0", x, NOP, instr:"B .+12"."""
    text = text.strip()
    if INT_RE.fullmatch(text):
        return Value("int", number=int(text, 0))
    m = TAGGED_RE.fullmatch(text)
    if m:
        tag, inner = m.group(1), m.group(2).strip()
        if tag == "instr":
            if not inner:
                raise LitmusError(path, line, 'instr:"" names no instruction')
            return Value("insn", label=" ".join(inner.split()))
        text = inner
    m = CODE_LABEL_RE.fullmatch(text)
    if m:
        return Value("label", thread=int(m.group(1)), label=m.group(2))
    if text.upper() in BARE_INSTRUCTIONS and text.isupper():
        return Value("insn", label=text)
    if NAME_RE.fullmatch(text):
        return Value("loc", label=text)
    raise LitmusError(path, line, f"bad value {text!r}: expected a number, Pn:LABEL, a location, "
                                  f"NOP or instr:\"...\"")
