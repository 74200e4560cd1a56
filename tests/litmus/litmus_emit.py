"""From a parsed litmus test to the C tables and the assembly of tests/scenarios/engines/litmus.h.

Per test: one code blob (each thread Pn, then its exit sequence, then its fault handler Pn.F),
assembled by the cross assembler when the generated C is compiled; labels are renamed
.Lt<id>_P<n>_<label> (a handler shares the labels of its thread). Tables of label offsets,
instruction values, locations, initial values, observed locations, atoms and the postfix
condition; the verdicts from kinds.txt; and a TEST_CASE in group "litmus-<flavour>".

Flavours: the catalogue writes each shape for three kinds of core (CTR_EL0 IDC=0 DIC=0; IDC=1; IDC=1
DIC=1). A test's flavour is its `CacheType=` line (else its name's IDC1./DIC1. prefix); its verdict
for each flavour is kinds.txt's line for its base name with that flavour's prefix. The firmware
judges a run by the verdict for the running core's flavour, never by another flavour's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import litmus_cond as cond
from litmus_syntax import Test, Thread
from litmus_values import Unsupported, Value

VERDICTS = {"Allowed": "LITMUS_ALLOWED", "Forbidden": "LITMUS_FORBIDDEN", "Required": "LITMUS_REQUIRED"}
FLAVOUR_PREFIXES = ("", "IDC1.", "DIC1.")  # enum litmus_flavour order
FLAVOUR_NAMES = ("DIC0-IDC0", "IDC1", "DIC1")
# The project's own tests (tests/litmus/selfmod/) are named selfmod.*; they run on every flavour.
SELFMOD_PREFIX, SELFMOD_GROUP = "selfmod.", "selfmod"
FLAVOUR_ENUMS = ("LITMUS_DIC0_IDC0", "LITMUS_IDC1", "LITMUS_DIC1")

# X30 carries the entry address in and the link register inside a thread; SP is the thread's stack.
RESERVED_REGS = {30: "X30 carries the entry address: it cannot have an initial value"}
# Instructions a thread may not run at EL1 under the suite.
FORBIDDEN_MNEMONICS = {
    "SVC": "takes an exception to this EL",
    "HVC": "calls the hypervisor (PSCI lives there)",
    "SMC": "calls the secure monitor",
    "HLT": "is the semihosting trap",
    "WFI": "may sleep with no interrupt to wake it",
}
SP_RE = re.compile(r"\b(sp|wsp)\b", re.IGNORECASE)
MSR_ALLOWED = {"ELR_EL1"}
WORD_RE = re.compile(r"(?<![#.\w])([A-Za-z_][A-Za-z0-9_]*)\b")

EXIT_SEQUENCE = [
    # Harness frame on the stack: [sp] = regs array, [sp+8] = litmus_call's register-saving tail
    # (tests/scenarios/engines/litmus_thread.c), which stores X0-X30. Three instructions, so the blob
    # that is rewritten (and, under QEMU, retranslated) every iteration stays small.
    "str x0, [sp, #-16]!",
    "ldr x0, [sp, #24]",
    "br x0",
]


@dataclass
class Model:
    """Everything the tables need, resolved to indices."""
    test: Test
    ident: int
    labels: list[tuple[int, str]]
    insns: list[str]
    locs: list[str]
    loc_alias: list[int]
    observed: list[cond.Loc]
    atoms: list[cond.Atom]
    cond_code: list[int]
    filter_code: list[int] | None
    verdicts: list[str | None]
    base: str = ""          # the name without its flavour prefix: the shape
    flavour: int = 0        # the flavour it is written for (FLAVOUR_PREFIXES index)


def split_flavour(name: str, info: dict[str, str]) -> tuple[str, int]:
    """(base name, flavour written for). CacheType=DIC means IDC=1 DIC=1, CacheType=IDC means IDC=1
    (herd's CTR_EL0 bits); without the line, the name's IDC1./DIC1. prefix decides."""
    base, by_name = name, 0
    for index, prefix in enumerate(FLAVOUR_PREFIXES):
        if prefix and name.startswith(prefix):
            base, by_name = name[len(prefix):], index
    bits = set(info.get("CacheType", "").replace(",", " ").split())
    if not bits:
        return base, by_name
    unknown = bits - {"IDC", "DIC"}
    if unknown:
        raise Unsupported(f"CacheType={info['CacheType']}: unknown bit(s) {', '.join(sorted(unknown))}")
    return base, 2 if "DIC" in bits else 1


def c_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def check_instruction(text: str, line: int, handler: bool) -> None:
    mnemonic = text.split()[0].upper() if text else ""
    if mnemonic in FORBIDDEN_MNEMONICS:
        raise Unsupported(f"line {line}: {text}: {mnemonic} {FORBIDDEN_MNEMONICS[mnemonic]}")
    if SP_RE.search(text):
        raise Unsupported(f"line {line}: {text}: the harness owns SP")
    if mnemonic == "MSR":
        target = text.split(None, 1)[1].split(",")[0].strip().upper()
        if target not in MSR_ALLOWED:
            raise Unsupported(f"line {line}: {text}: only MSR {', '.join(sorted(MSR_ALLOWED))} is allowed")
    if mnemonic == "ERET" and not handler:
        raise Unsupported(f"line {line}: ERET outside a fault handler")


def build_model(t: Test, ident: int, kinds: dict[str, str]) -> Model:
    if t.nthreads > 8:
        raise Unsupported(f"{t.nthreads} threads; the suite runs at most 8 cores")
    if "#" in t.name or not t.name.isprintable():
        raise Unsupported("the test name cannot be a KTAP test name")
    for (th, reg), (_, ln) in t.reg_init.items():
        if reg in RESERVED_REGS:
            raise Unsupported(f"line {ln}: {th}:X{reg}: {RESERVED_REGS[reg]}")
    for th in t.threads:
        for r in th.rows:
            check_instruction(r.text, r.line, False)
        for r in t.handlers.get(th.index, Thread("", 0, True)).rows:
            check_instruction(r.text, r.line, True)

    labels: list[tuple[int, str]] = []
    for th in t.threads:
        names = list(th.labels()) + (list(t.handlers[th.index].labels()) if th.index in t.handlers else [])
        labels += [(th.index, lab) for lab in names]

    values = [v for v, _ in t.reg_init.values()] + [v for v, _ in t.mem_init.values()]
    atoms_all = t.final.atoms()
    values += [a.value for a in atoms_all]
    insns = list(dict.fromkeys(v.label for v in values if v.kind == "insn"))
    locs = list(dict.fromkeys(
        [v.label for v in values if v.kind == "loc"] + list(t.mem_init) + list(t.aliases)
        + [loc.name for loc in t.final.observed() if loc.kind == "mem"]))
    label_index = {lab: i for i, lab in enumerate(labels)}
    loc_alias = []
    for name in locs:
        if name in t.aliases:
            virt, ln = t.aliases[name]
            if name in t.mem_init:
                raise Unsupported(f"line {ln}: {name} is both initialised and mapped onto code label {virt}")
            owner = [lab for lab in labels if lab[1] == virt]
            loc_alias.append(label_index[owner[0]])
        else:
            loc_alias.append(-1)

    observed = t.final.observed()
    if len(observed) > 16:
        raise Unsupported(f"{len(observed)} observed locations; at most 16")
    atoms: list[cond.Atom] = []
    cond_code = cond.compile_prop(t.final.prop, atoms)
    filter_code = cond.compile_prop(t.final.filter, atoms) if t.final.filter is not None else None
    base, flavour = split_flavour(t.name, t.info)
    verdicts = [kinds.get(prefix + base) for prefix in FLAVOUR_PREFIXES]
    return Model(t, ident, labels, insns, locs, loc_alias, observed, atoms, cond_code, filter_code, verdicts,
                 base, flavour)


def asm_label(m: Model, thread: int, name: str) -> str:
    """A litmus label L0 of P1 is .Lt<id>_P1_L0; the harness's own are .Lt<id>_P1.entry etc.
    (a litmus label cannot contain '.')."""
    return f".Lt{m.ident}_P{thread}{name if name.startswith('.') else '_' + name}"


def rename_labels(text: str, m: Model, thread: int, names: set[str]) -> str:
    if not text:
        return text
    mnemonic, _, operands = text.partition(" ")
    return mnemonic + (" " + WORD_RE.sub(
        lambda g: asm_label(m, thread, g.group(1)) if g.group(1) in names else g.group(1), operands)
        if operands else "")


def thread_asm(m: Model, th: Thread, handler: Thread | None) -> list[str]:
    names = {lab for (n, lab) in m.labels if n == th.index}
    out = [f"{asm_label(m, th.index, '.entry')}:"]

    def rows(t: Thread) -> None:
        for r in t.rows:
            out.extend(f"{asm_label(m, th.index, lab)}:" for lab in r.labels)
            if r.text:
                out.append("\t" + rename_labels(r.text, m, th.index, names))

    rows(th)
    out.append(f"{asm_label(m, th.index, '.exit')}:")
    out += ["\t" + i for i in EXIT_SEQUENCE]
    if handler is not None:
        out.append(f"{asm_label(m, th.index, '.handler')}:")
        rows(handler)
        out.append(f"{asm_label(m, th.index, '.handler_end')}:")
    return out


def test_asm(m: Model) -> list[str]:
    """The assembly of one test: code blob and its offset tables (also what --assembler checks)."""
    code = f"litmus_code_{m.ident}"
    out = ["\t.pushsection .rodata.litmus,\"a\"", "\t.balign 64", f"{code}:"]
    for th in m.test.threads:
        out += thread_asm(m, th, m.test.handlers.get(th.index))
    out += [f"{code}_end:", "\t.balign 4", f"litmus_threads_{m.ident}:"]

    def off(thread: int, name: str) -> str:
        return f"{asm_label(m, thread, name)} - {code}"

    for th in m.test.threads:
        h = th.index in m.test.handlers
        out.append(f"\t.word {off(th.index, '.entry')}, {off(th.index, '.exit')}, "
                   + (f"{off(th.index, '.handler')}, {off(th.index, '.handler_end')}" if h
                      else "0xffffffff, 0xffffffff"))
    out.append(f"litmus_labels_{m.ident}:")
    out += [f"\t.word {off(n, lab)}" for n, lab in m.labels]
    out.append(f"litmus_insns_{m.ident}:")
    out += [f"\t{i}" for i in m.insns]
    out.append("\t.popsection")
    return out


def c_value(m: Model, v: Value) -> str:
    if v.kind == "int":
        return f"{{LV_INT, 0, {v.number}LL}}"
    if v.kind == "label":
        return f"{{LV_LABEL, {m.labels.index((v.thread, v.label))}, 0}}"
    if v.kind == "loc":
        return f"{{LV_LOC, {m.locs.index(v.label)}, 0}}"
    return f"{{LV_INSN, {m.insns.index(v.label)}, 0}}"


def c_obs(m: Model, loc: cond.Loc) -> str:
    if loc.kind == "reg":
        return f"{{LO_REG, {loc.thread}, {loc.reg}, {int(loc.w)}, 0, {c_string(str(loc))}}}"
    if loc.kind == "mem":
        return f"{{LO_MEM, 0, 0, 0, {m.locs.index(loc.name)}, {c_string(str(loc))}}}"
    if loc.kind == "fault":
        ec = cond.FAULT_KINDS[loc.what]
        where = m.labels.index((loc.thread, loc.name)) if loc.name else 0xFFFF
        return f"{{LO_FAULT, {loc.thread}, {0xFF if ec is None else ec}, 0, {where}, {c_string(str(loc))}}}"
    return f"{{LO_CODE, 0, 0, 0, {m.labels.index((loc.thread, loc.name))}, {c_string(str(loc))}}}"


def c_array(ctype: str, name: str, items: list[str]) -> tuple[list[str], str]:
    """A static array, or NULL when empty (C has no empty arrays)."""
    if not items:
        return [], "NULL"
    return [f"static const {ctype} {name}[] = {{", *[f"\t{i}," for i in items], "};"], name


def test_c(m: Model, iterations: int, timeout_ms: int) -> list[str]:
    t, n = m.test, m.ident
    out = [f"/* {t.name}: {t.path} */", "__asm__("]
    out += [f"\t{c_string(line + chr(10))}" for line in test_asm(m)]
    out += [");",
            f"extern const uint8_t litmus_code_{n}[], litmus_code_{n}_end[];",
            f"extern const struct litmus_thread_code litmus_threads_{n}[];",
            f"extern const uint32_t litmus_labels_{n}[], litmus_insns_{n}[];"]
    tables = {}
    for key, ctype, items in (
        ("label_names", "char *const", [c_string(f"P{th}:{lab}") for th, lab in m.labels]),
        ("insn_names", "char *const", [c_string(i) for i in m.insns]),
        ("loc_names", "char *const", [c_string(x) for x in m.locs]),
        ("loc_alias", "int16_t", [str(a) for a in m.loc_alias]),
        ("regs", "struct litmus_reg_init",
         [f"{{{th}, {reg}, {c_value(m, v)}}}" for (th, reg), (v, _) in sorted(t.reg_init.items())]),
        ("mem", "struct litmus_mem_init",
         [f"{{{m.locs.index(loc)}, {c_value(m, v)}}}" for loc, (v, _) in t.mem_init.items()]),
        ("obs", "struct litmus_obs", [c_obs(m, loc) for loc in m.observed]),
        ("atoms", "struct litmus_atom",
         [f"{{{m.observed.index(a.loc)}, {c_value(m, a.value)}}}" for a in m.atoms]),
        ("cond", "uint8_t", [str(b) for b in m.cond_code]),
        ("filter", "uint8_t", [str(b) for b in m.filter_code or []]),
    ):
        lines, ref = c_array(ctype, f"lt{n}_{key}", items)
        out += lines
        tables[key] = ref
    verdicts = ", ".join(VERDICTS.get(v or "", "LITMUS_NO_VERDICT") for v in m.verdicts)
    own = m.base.startswith(SELFMOD_PREFIX)
    group = "litmus-" + (SELFMOD_GROUP if own else FLAVOUR_NAMES[m.flavour])
    written_for = "LITMUS_ANY_FLAVOUR" if own else FLAVOUR_ENUMS[m.flavour]
    condition = f"{t.final.quantifier} ({cond.show_prop(t.final.prop)})"
    out += [
        f"static const struct litmus_test lt{n} = {{",
        f"\t.name = {c_string(t.name)}, .source = {c_string(t.path)},",
        f"\t.quantifier = {c_string(t.final.quantifier)}, .condition = {c_string(condition)},",
        f"\t.nthreads = {t.nthreads}, .nobs = {len(m.observed)}, .nlabels = {len(m.labels)},",
        f"\t.ninsns = {len(m.insns)}, .nlocs = {len(m.locs)}, .nregs = {len(t.reg_init)}, .nmem = {len(t.mem_init)},",
        f"\t.code = litmus_code_{n}, .code_end = litmus_code_{n}_end, .threads = litmus_threads_{n},",
        f"\t.label_offsets = litmus_labels_{n}, .label_names = {tables['label_names']},",
        f"\t.insns = litmus_insns_{n}, .insn_names = {tables['insn_names']},",
        f"\t.loc_names = {tables['loc_names']}, .loc_alias = {tables['loc_alias']},",
        f"\t.regs = {tables['regs']}, .mem = {tables['mem']}, .obs = {tables['obs']}, .atoms = {tables['atoms']},",
        f"\t.cond = {tables['cond']}, .filter = {tables['filter']},",
        f"\t.verdict = {{{verdicts}}}, .base = {c_string(m.base)}, .written_for = {written_for},",
        "};",
        f"static void lt{n}_run(struct test *t) {{ litmus_run(t, &lt{n}); }}",
        f"TEST_CASE(905, litmus_case_{n:04d}, .name = {c_string(t.name)}, .group = {c_string(group)},",
        f"\t  .summary = {c_string('herd litmus test ' + condition)},",
        f"\t  .run = lt{n}_run, .min_cores = {t.nthreads}, .iterations = {iterations}, .timeout_ms = {timeout_ms},",
        "\t  .injections = \"litmus_flip_verdict litmus_ignore_handlers\");",
        "",
    ]
    return out


def skipped_c(name: str, reason: str, ident: int, group: str = "litmus") -> list[str]:
    """A test that could not be translated: listed, and skipped with the reason, never dropped."""
    why = c_string(reason if group != "litmus" else f"not translated: {reason}")
    return [f"static void lt{ident}_run(struct test *t) {{ test_skip(t, {why}); }}",
            f"TEST_CASE(905, litmus_case_{ident:04d}, .name = {c_string(name)}, .group = {c_string(group)},",
            f"\t  .summary = {why}, .run = lt{ident}_run, .min_cores = 1, .iterations = 1, .timeout_ms = 1000);",
            ""]


def file_c(parts: list[list[str]], sources: list[str]) -> str:
    head = ["/* Generated by tests/litmus/translate.py: do not edit. Sources:",
            *[f" *   {s}" for s in sources], " */",
            "#include <stddef.h>", "#include <stdint.h>", "", '#include "litmus.h"', '#include "suite.h"', ""]
    return "\n".join(head + [line for p in parts for line in p]) + "\n"
