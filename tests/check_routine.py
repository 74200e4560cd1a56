#!/usr/bin/env python3
"""Judge a JIT's cache-maintenance routine under the suite's scenarios and the QEMU checker.

Each ROUTINE (a .c, .S or .s file defining void selfmod_user_sync(void *start, size_t len); README
"Check your JIT's cache maintenance") is linked into the suite in place of icache_sync_range
(make routine-image), with address marks before its DC/IC (tests/routine_marks.py), in its own
build directory under build/routine/ (built aside and renamed when complete: a failed build leaves
nothing). The image runs the scenarios that exercise a sync routine under the checker plugin
(tests/plugin; the build for each QEMU version, as tests/checked.py chooses it) on one QEMU model of
each kind of core (KINDS). The result is a table
routine x core kind x scenario, each cell "clean" or "hazard: <the missing step>", also written
as CSV (--csv). Exit status 0 iff every cell that ran is clean; 1 otherwise; 2 for usage errors
(a missing file, a file that does not build, a missing symbol).

--examples DIR runs every routine of DIR, whose header names the verdict it deserves per kind
(a line "// expect: KIND=clean|hazard ..."), and prints expected beside observed: it fails when a
known-wrong routine comes out clean or a right one shows a hazard.

--plain runs the plain suite (no checker) with the routine on the configurations of
tests/configs.txt (tests/runner.py: forbidden outcomes fail as usual). --build-only prints the
image path (make flash ROUTINE=...).
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import checked  # splitting a checked console into tests, cases and hazards
import routine_marks
import runner

ROOT = Path(__file__).resolve().parent.parent
BUILD_ROOT = Path("build/routine")
SYMBOL = "selfmod_user_sync"
# The scenarios whose code goes through icache_sync_range (so through the routine), every shape of
# same_core (16 rounds: each of its 8 shapes twice), and a short test deadline for a routine that
# never returns.
SCENARIOS = ("same_core", "cross_core", "publish_by_pointer", "trampoline", "dual_mapping", "wx_flip")
APPEND = f"run={','.join(SCENARIOS)} iterations=16 test_timeout=10"
RUN_TIMEOUT = 240.0
MAX_REPORTS = 200000  # hazard lines the plugin prints (a 1 MiB range with no clean is 16384 of them)


@dataclass(frozen=True)
class Kind:
    """One kind of core: a QEMU model on a QEMU version. What the checker's model is told about it (IDC,
    DIC, line) comes from tests/checked.py's table for that -cpu and version, like make checked."""
    name: str     # column name
    cpu: str
    qemu: str     # QEMU version (runner.QEMU_VERSIONS)
    what: str
    machine: str = "virt"
    smp: int = 4
    lines: tuple[int, ...] = ()  # core i's line size (the last repeats), through the EL2 monitor (core_lines=)


# One model of each kind (docs/platform.md; the firmware's "maintenance uses" line agrees or the cell fails).
KINDS = (
    Kind("a72", "cortex-a72", "7.2", "IDC 0 / DIC 0, 64-byte lines"),
    Kind("a53", "cortex-a53", "7.2", "VIPT I-cache, IDC 0 / DIC 0 (the checker models PIPT)"),
    Kind("a710", "cortex-a710", "10", "IDC 1 / DIC 0"),
    Kind("n2", "neoverse-n2", "10", "IDC 1 / DIC 1"),
    Kind("a64fx", "a64fx", "10", "256-byte lines (IDC effective 1 through CLIDR_EL1)"),
    # Cores that disagree on line sizes: QEMU gives every core one CTR_EL0, so the firmware's EL2 monitor
    # gives core 0 64-byte lines and the others 32 (boot argument core_lines=), and the checker is told
    # each core's line (a DC/IC acts on each core's own line around the address: tests/plugin/smc_model.h).
    Kind("mismatched", "cortex-a72", "7.2", "cores disagree on line sizes: core 0 64 bytes, cores 1-3 32 "
         "(big.LITTLE; CTR_EL0 from the EL2 monitor)", machine="virt,virtualization=on", lines=(64, 32)),
)
KIND_NAMES = tuple(k.name for k in KINDS)
Traits = tuple  # (IDC, DIC, line) as tests/checked.py cache_traits gives them


@dataclass
class Setup:
    """How one kind runs here: its QEMU, the plugin build for that QEMU's version (tests/checked.py
    PLUGINS, the same choice as make checked), and what the plugin is told; or why it cannot run."""
    qemu: list[str] = field(default_factory=list)
    plugin: str = ""
    traits: Traits = ()
    why_not: str = ""


def kind_setup(kind: Kind, plugin: str, environ: dict[str, str]) -> Setup:
    """The kind's QEMU and plugin; plugin 'auto' picks the build by the QEMU's version."""
    qemu, why = runner.qemu_command(kind.qemu, environ)
    if not qemu or shutil.which(qemu[0]) is None:
        return Setup(why_not=f"QEMU {kind.qemu}: {why or (qemu[0] if qemu else 'QEMU') + ' not found'}")
    try:
        version = checked.qemu_version(qemu)
        path = checked.choose_plugin(version) if plugin == "auto" else plugin
    except runner.UsageError as exc:
        return Setup(why_not=f"QEMU {kind.qemu}: {exc}")
    if not Path(path).is_file():
        raise runner.UsageError(f"checker plugin not found: {path} (make plugin)")
    traits = checked.cache_traits(kind.cpu, version)
    if kind.lines:  # the checker's line is the smallest; each core's own comes with core_lines=
        traits = (traits[0], traits[1], min(kind.lines))
    return Setup(qemu, path, traits)


PLUGIN_REFUSED_RE = re.compile(r"Could not load plugin .*|plugin requires API version .*")
TOTALS_RE = re.compile(r"# checker: (\d+) hazards \((\d+) shown")
HAZARD_LINE_RE = re.compile(r"# hazard: core (\d+) addr 0x([0-9a-f]+) : (.*) \(line last written by core (\d+);")
TIMEOUT_RE = re.compile(r"deadline|timed out|did not finish", re.IGNORECASE)
EXPECT_RE = re.compile(r"^\s*(?://|#|/\*|\*)\s*expect:\s*(.*?)\s*(?:\*/)?\s*$")


class BuildError(Exception):
    """The routine could not be turned into an image (the message says why)."""


# ---------------------------------------------------------------------------------------------- build

@dataclass
class Routine:
    path: Path
    name: str
    facts: dict[str, bool] = field(default_factory=dict)   # what its assembly contains
    expect: dict[str, str] = field(default_factory=dict)   # kind -> clean|hazard (examples)


def build_dir(path: Path, board: str, checked_build: bool) -> Path:
    """build/routine/<stem>-<hash of the absolute path>-<board>[-checked]: one per routine and build."""
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:8]
    return BUILD_ROOT / f"{path.stem}-{digest}-{board}{'-checked' if checked_build else ''}"


def assembly_facts(text: str) -> dict[str, bool]:
    """What the routine's assembly (after the preprocessor or the compiler) contains."""
    code = "\n".join(routine_marks.split_comment(line)[0] for line in text.splitlines()).lower()
    return {
        "dc": bool(re.search(r"\bdc\s+c(?:i)?va[cu]\b|\bdc\s+cvad?p\b|\bsys\s+#?3\s*,\s*c7\s*,\s*c1[0-4]\b", code)),
        "ic": bool(re.search(r"\bic\s+(?:ivau|iallu|ialluis)\b|\bsys\s+#?3\s*,\s*c7\s*,\s*c5\b", code)),
        "isb": bool(re.search(r"\bisb\b", code)),
        "dsb": bool(re.search(r"\bdsb\b", code)),
        "ctr": "ctr_el0" in code,
    }


def run_make(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def first_error(output: str) -> str:
    """The compiler's or linker's first error lines, for a clear message."""
    lines = [line for line in output.splitlines() if re.search(r"error|undefined reference|Error", line)]
    return "\n".join(lines[:6]) or "\n".join(output.splitlines()[-6:])


def build_image(routine: Routine, board: str, checked_build: bool) -> Path:
    """The routine's image, built aside and moved into place only when complete."""
    src = routine.path.resolve()
    if not src.is_file():
        raise BuildError(f"{routine.path}: no such file")
    if src.suffix not in (".c", ".S", ".s", ".sx"):
        raise BuildError(f"{routine.path}: a routine is a .c, .S or .s file")
    final = ROOT / build_dir(routine.path, board, checked_build)
    tmp = final.with_name(f".tmp-{final.name}-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    base = ["BOARD=" + board] + (["CHECKED=1"] if checked_build else [])
    try:
        done = run_make([*base, "build"])  # the suite's own objects, shared by every routine
        if done.returncode:
            raise BuildError(f"the suite itself does not build (BOARD={board}):\n{first_error(done.stdout)}")
        done = run_make([*base, "routine-image", f"ROUTINE_SRC={src}", f"ROUTINE_DIR={tmp}"])
        obj = tmp / "routine.o"
        if done.returncode and not obj.is_file():
            raise BuildError(f"{routine.path} does not build:\n{first_error(done.stdout)}")
        nm = subprocess.run([os.environ.get("CROSS_COMPILE", "aarch64-linux-gnu-") + "nm", "--defined-only",
                             str(obj)], text=True, capture_output=True)
        if not re.search(rf"\s[Tt] {SYMBOL}$", nm.stdout, re.MULTILINE):
            raise BuildError(f"{routine.path} does not define the function {SYMBOL} "
                             f"(void {SYMBOL}(void *start, size_t len); README \"Check your JIT's cache maintenance\")")
        if done.returncode:
            raise BuildError(f"{routine.path} does not link into the suite:\n{first_error(done.stdout)}")
        routine.facts = assembly_facts((tmp / "routine.i.s").read_text(errors="replace"))
        shutil.rmtree(final, ignore_errors=True)
        tmp.rename(final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    image = final / ("kernel8.img" if board.startswith("rpi") else "selfmod.bin")
    if not image.is_file():
        raise BuildError(f"{routine.path}: the build made no {image.name}")
    return image


def read_expect(path: Path) -> dict[str, str]:
    """An example's expected verdict per kind, from its '// expect: a72=hazard n2=clean ...' lines."""
    expect: dict[str, str] = {}
    for line in path.read_text(errors="replace").splitlines()[:40]:
        if m := EXPECT_RE.match(line):
            for item in m[1].split():
                kind, _, verdict = item.partition("=")
                if kind not in KIND_NAMES or verdict not in ("clean", "hazard"):
                    raise runner.UsageError(f"{path}: expect: {item!r} is not KIND=clean|hazard "
                                            f"(kinds: {' '.join(KIND_NAMES)})")
                expect[kind] = verdict
    return expect


# ---------------------------------------------------------------------------------------------- judge

@dataclass
class Cell:
    verdict: str            # clean, hazard, fault, timeout, not judged, not run
    why: str = ""
    lines: list[str] = field(default_factory=list)   # hazard lines with addresses (-v)

    def text(self) -> str:
        return f"{self.verdict}: {self.why}" if self.why else self.verdict

    @property
    def ran(self) -> bool:
        return self.verdict != "not run"


def stride_of(lines: set[int], line: int) -> int | None:
    """The stride that misses exactly these lines, if they look like a loop stepping too far: every
    missed line is off the larger stride's grid (at least 3 lines, for a pattern)."""
    if len(lines) < 3:
        return None
    stride = 2 * line
    while stride <= 4096:
        if all(a % stride for a in lines):
            return stride
        stride *= 2
    return None


def missing_step(text: str, traits: Traits, facts: dict[str, bool], same_core: bool, lines: set[int]) -> str:
    """The checker's missing link (smc_missing_text) in a JIT author's words."""
    idc, _, line = traits
    stride = stride_of(lines, line)
    skip = (f"stride {stride} skips every other {line}-byte line" if stride == 2 * line
            else f"stride {stride} skips lines: this core's lines are {line} bytes" if stride else "")
    if text.startswith("no DC clean"):
        if not facts.get("dc"):
            return "no clean to PoU (DC CVAU) before the invalidate on an IDC=0 core"
        return skip or "a line of the range was never cleaned (DC CVAU): the range's ends are rounded wrong?"
    if text.startswith("no IC invalidate"):
        if not facts.get("ic"):
            return "no instruction-cache invalidate (IC IVAU) on a DIC=0 core"
        return skip or "a line of the range was never invalidated (IC IVAU): the range's ends are rounded wrong?"
    if text.startswith("with IDC: no DSB") or (idc and text.startswith("the IC invalidate was issued before")):
        return "no DSB between the store and the IC (an IDC=1 core still needs the write completed)"
    if text.startswith("the IC invalidate was issued before"):
        return "no DSB between the DC CVAU and the IC IVAU"
    if text.startswith("the DC clean was not completed"):
        return "no DSB after the DC CVAU"
    if text.startswith("the IC invalidate was not completed"):
        return "no DSB after the IC IVAU"
    if text.startswith("no context synchronisation"):
        return ("no ISB after the maintenance on the core that runs the code (the routine's final ISB)" if same_core
                else "no ISB on the executing core after the hand-off")
    return text


EXPECT_AT_RE = re.compile(r"\(only in blocks at va 0x([0-9a-f]+)\)")
BLOCK_VA_RE = re.compile(r"block at va 0x([0-9a-f]+)\)")


def routine_hazard(case: checked.Case, hazard: str) -> bool:
    """Whether a hazard is the routine's: any in a case the architecture guarantees; in a case that runs
    a deliberately weakened sequence of the suite's, only those outside the blocks it names."""
    if case.expect is None:
        return True
    at, block = EXPECT_AT_RE.search(case.expect), BLOCK_VA_RE.search(hazard)
    return bool(at and block and int(block[1], 16) // 64 != int(at[1], 16) // 64)


def test_block(lines: list[str], name: str) -> list[str]:
    """The console lines of one firmware test (its subtest header to its result)."""
    out, inside = [], False
    for line in lines:
        if re.fullmatch(rf"\s*# Subtest: {re.escape(name)}\s*", line):
            inside = True
        elif inside and re.fullmatch(rf"(not )?ok \d+ {re.escape(name)}\b.*", line):
            out.append(line)
            break
        if inside:
            out.append(line)
    return out


def judge_kind(console: list[str], kind: Kind, traits: Traits, facts: dict[str, bool]) -> dict[str, Cell]:
    """One cell per scenario from the checked console of one run."""
    if refused := next((m[0] for line in console if (m := PLUGIN_REFUSED_RE.search(line))), None):
        return {s: Cell("not run", f"QEMU {kind.qemu} refused the checker plugin ({refused})") for s in SCENARIOS}
    con = checked.split_console(console)
    cells: dict[str, Cell] = {}
    if con.plugin and con.firmware and con.plugin != con.firmware:
        why = (f"the checker was told (IDC, DIC, line) {con.plugin}, the firmware uses {con.firmware}: "
               "fix CPU_CACHE_TRAITS in tests/checked.py")
        return {s: Cell("not judged", why) for s in SCENARIOS}
    tests = {t.name: t for t in con.tests if t.name}
    totals = next((m for line in console if (m := TOTALS_RE.match(line))), None)
    capped = totals is not None and int(totals[1]) > int(totals[2]) and int(totals[2]) >= MAX_REPORTS
    hazards = {name: [h for c in t.cases + [t.trailing] for h in c.hazards if routine_hazard(c, h)]
               for name, t in tests.items()}
    # The lines each missing step left unmaintained, over the whole run: a stride shows in them.
    parsed = {name: [m for h in hs if (m := HAZARD_LINE_RE.search(h))] for name, hs in hazards.items()}
    reasons: dict[str, set[int]] = {}
    for m in (m for ms in parsed.values() for m in ms):
        reasons.setdefault(missing_step(m[3], traits, facts, m[1] == m[4], set()), set()).add(int(m[2], 16))

    def words(m: re.Match) -> str:
        plain = missing_step(m[3], traits, facts, m[1] == m[4], set())
        text = missing_step(m[3], traits, facts, m[1] == m[4], reasons[plain])
        if kind.lines and facts.get("ctr") and "skips" in text and f"stride {max(kind.lines)} " in text:
            text += (f" (core 0 reads {kind.lines[0]}-byte lines in CTR_EL0, other cores have {min(kind.lines)}: "
                     "where cores disagree, step by the smallest line of all cores, as Linux's sanitised CTR_EL0)")
        return text

    for scenario in SCENARIOS:
        test = tests.get(scenario)
        block = test_block(console, scenario)
        if test is None:
            tail = [line for line in console[-8:] if line.strip()]
            cells[scenario] = Cell("not run", "the run ended before it" + (f" ({tail[-1].strip()})" if tail else ""))
            continue
        failed = [c.text for c in test.cases if not c.ok] or ([] if test.ok else [test.name])
        if any(TIMEOUT_RE.search(line) for line in block) and failed:
            cells[scenario] = Cell("timeout", "the routine did not return by the test's deadline (10 s)")
        elif any("ESR" in line for line in block):
            fault = next(line.strip(" #") for line in block if "ESR" in line)
            cells[scenario] = Cell("fault", fault)
        elif con.disagree:
            cells[scenario] = Cell("not judged", "a DC/IC's register and its address mark name different lines "
                                   "(tests/routine_marks.py)", con.disagree[:4])
        elif con.unmarked:
            cells[scenario] = Cell("not judged", "a DC/IC ran without its address mark (an .inst/.word "
                                   "encoding? tests/routine_marks.py)", con.unmarked[:4])
        elif test.skipped and not test.cases:
            reason = next((line.split("# SKIP", 1)[1].strip() for line in block if "# SKIP" in line), "")
            cells[scenario] = Cell("skipped", f"by the firmware: {reason}")
        elif hazards[scenario]:
            why = "; ".join(dict.fromkeys(words(m) for m in parsed[scenario])) or hazards[scenario][0]
            cells[scenario] = Cell("hazard", why, hazards[scenario])
        elif failed:
            cells[scenario] = Cell("fails", f"the firmware reported not ok: {failed[0]}")
        elif capped:
            cells[scenario] = Cell("not judged", f"the plugin stopped printing hazards after {MAX_REPORTS}")
        else:
            cells[scenario] = Cell("clean")
    return cells


def run_kind(image: Path, kind: Kind, setup: Setup, out: Path, timeout: float,
             facts: dict[str, bool]) -> tuple[dict[str, Cell], Path | None]:
    if setup.why_not:
        return {s: Cell("not run", setup.why_not) for s in SCENARIOS}, None
    idc, dic, line = setup.traits
    config = runner.Config(name=kind.name, machine=kind.machine, cpu=kind.cpu, smp=kind.smp,
                           accel="tcg,thread=single", qemu=kind.qemu)
    append, plugin_args = APPEND, f"idc={idc},dic={dic},line={line},max_reports={MAX_REPORTS}"
    if kind.lines:
        append += f" core_lines={','.join(map(str, kind.lines))}"
        plugin_args += f",core_lines={'/'.join(map(str, kind.lines))}"
    argv = runner.qemu_argv(config, str(image), append, setup.qemu)
    argv += ["-plugin", f"{setup.plugin},{plugin_args}"]
    out.mkdir(parents=True, exist_ok=True)
    log_path = out / f"{kind.name}.log"
    with open(log_path, "wb") as log:
        log.write(f"# {shlex.join(argv)}\n".encode())
        run = runner.run_process(argv, timeout, lambda data: (log.write(data), log.flush()))
    if run.error:
        return {s: Cell("not run", run.error) for s in SCENARIOS}, log_path
    console = runner.split_lines(log_path.read_bytes())
    cells = judge_kind(console, kind, setup.traits, facts)
    if run.timed_out:
        for s, cell in cells.items():
            if cell.verdict == "not run":
                cells[s] = Cell("timeout", f"QEMU killed after {timeout:g} s (the routine never returned?)")
    return cells, log_path


# ---------------------------------------------------------------------------------------------- report

def print_table(results: dict[str, dict[str, dict[str, Cell]]], kinds: list[Kind], verbose: bool,
                expect: dict[str, dict[str, str]] | None = None) -> None:
    for name, per_kind in results.items():
        print(f"\n== {name}")
        for kind in kinds:
            cells = per_kind[kind.name]
            observed = kind_verdict(cells)
            exp = expect.get(name, {}).get(kind.name) if expect else None
            head = f"  {kind.name:6} ({kind.cpu}, QEMU {kind.qemu}; {kind.what})"
            if exp:
                head += f"   expected {exp}, observed {observed}" + ("" if agrees(exp, observed) else "   MISMATCH")
            print(head)
            for scenario in SCENARIOS:
                cell = cells[scenario]
                print(f"      {scenario:20} {cell.text()}")
                if verbose:
                    for line in cell.lines[:12]:
                        print(f"          {line.strip()}")


def kind_verdict(cells: dict[str, Cell]) -> str:
    verdicts = {c.verdict for c in cells.values()}
    if verdicts == {"not run"}:
        return "not run"
    if verdicts <= {"clean", "not run"}:
        return "clean"
    return "hazard" if "hazard" in verdicts else sorted(verdicts - {"clean", "not run"})[0]


def agrees(expected: str, observed: str) -> bool:
    return observed == "not run" or expected == observed


def write_csv(path: Path, results: dict[str, dict[str, dict[str, Cell]]], kinds: list[Kind],
              expect: dict[str, dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["routine", "kind", "cpu", "qemu", "scenario", "verdict", "missing step", "expected"])
        for name, per_kind in results.items():
            for kind in kinds:
                for scenario in SCENARIOS:
                    cell = per_kind[kind.name][scenario]
                    w.writerow([name, kind.name, kind.cpu, kind.qemu, scenario, cell.verdict, cell.why,
                                expect.get(name, {}).get(kind.name, "")])


def print_ktap(results: dict[str, dict[str, dict[str, Cell]]], kinds: list[Kind],
               expect: dict[str, dict[str, str]]) -> None:
    """One result per routine and kind: ok when it is what the example expects (or, without an
    expectation, clean); SKIP when it did not run. Nested: one per scenario."""
    print("KTAP version 1")
    print(f"1..{len(results) * len(kinds)}")
    number = passed = failed = skipped = 0
    for name, per_kind in results.items():
        for kind in kinds:
            number += 1
            cells = per_kind[kind.name]
            observed = kind_verdict(cells)
            exp = expect.get(name, {}).get(kind.name, "clean")
            print("    KTAP version 1")
            print(f"    # Subtest: {name} on {kind.name}")
            for i, scenario in enumerate(SCENARIOS, 1):
                cell = cells[scenario]
                text = f"{scenario}: {cell.text()}".replace("#", "\\#")
                print(f"    ok {i} {text}" + (" # SKIP" if not cell.ran else ""))
            print(f"    1..{len(SCENARIOS)}")
            title = f"{name} on {kind.name} ({kind.cpu}): expected {exp}, observed {observed}"
            if observed == "not run":
                skipped += 1
                print(f"ok {number} {title} # SKIP {next(iter(cells.values())).why}")
            elif exp == observed:
                passed += 1
                print(f"ok {number} {title}")
            else:
                failed += 1
                print(f"not ok {number} {title}")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")


# ---------------------------------------------------------------------------------------------- main

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="check_routine.py", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  tests/check_routine.py examples/routines/wasmtime_ic_only.S\n"
               "  tests/check_routine.py -v --kinds a72 ~/jit/flush.c\n"
               "  tests/check_routine.py --examples examples/routines\n"
               "  tests/check_routine.py --plain --configs-glob 'a72-*' my_flush.S")
    parser.add_argument("routines", nargs="*", metavar="ROUTINE", help="a .c, .S or .s file defining " + SYMBOL)
    parser.add_argument("-v", "--verbose", action="store_true", help="show the hazard lines with addresses")
    parser.add_argument("--examples", metavar="DIR", help="every routine of DIR, against its '// expect:' lines")
    parser.add_argument("--kinds", default="*", metavar="GLOBS",
                        help=f"kinds of core to run, comma-separated globs (names: {' '.join(KIND_NAMES)}; "
                             "default all)")
    parser.add_argument("--select", default="*", metavar="GLOBS",
                        help="with --examples: only the routines whose name matches (comma-separated globs)")
    parser.add_argument("--ktap", action="store_true",
                        help="print KTAP (one result per routine and kind) for tests/runner.py, after the table")
    parser.add_argument("--plugin", default="auto",
                        help="the checker plugin for every kind (default auto: per QEMU version, as "
                             "tests/checked.py: " + ", ".join(f"{path} for QEMU {a[0]}.{a[1]}-{b[0]}.{b[1]}"
                                                              for a, b, path, _ in checked.PLUGINS) + "; make plugin)")
    parser.add_argument("--csv", default="build/routine/check-routine.csv", help="where the CSV goes")
    parser.add_argument("--out", default="build/routine/logs", help="directory for the raw consoles")
    parser.add_argument("--timeout", type=runner.positive_seconds, default=RUN_TIMEOUT,
                        help=f"seconds per QEMU run (default {RUN_TIMEOUT:g})")
    parser.add_argument("--plain", action="store_true",
                        help="run the plain suite with the routine on tests/configs.txt instead (tests/runner.py)")
    parser.add_argument("--configs-glob", default="", metavar="GLOB", help="with --plain: the configurations")
    parser.add_argument("--build-only", action="store_true", help="build the plain image and print its path")
    parser.add_argument("--board", default="virt", help="with --build-only: the board (virt, rpi4, ...)")
    return parser


def plain_run(routine: Routine, glob: str) -> int:
    """The routine in the plain suite, on the configurations that boot the suite's image."""
    image = build_image(routine, "virt", False)
    configs = [c for c in runner.load_configs(runner.DEFAULT_CONFIGS)
               if not c.command and not c.image and not c.name.startswith("bench")]
    names = [c.name for c in configs if fnmatch.fnmatch(c.name, glob or "*")]
    argv = [sys.executable, str(ROOT / "tests/runner.py"), "--image", str(image),
            "--out", str(image.parent / "results")]
    for name in names:
        argv += ["--config", name]
    print(f"check_routine.py: {routine.path} in the plain suite on {len(names)} configurations", flush=True)
    return subprocess.run(argv, cwd=ROOT).returncode


def main(argv: list[str] | None = None) -> int:
    args, status = runner.parse_args_or_status(build_parser(), argv)
    if args is None:
        return status
    try:
        paths = [Path(p) for p in args.routines]
        expect: dict[str, dict[str, str]] = {}
        if args.examples:
            ex = Path(args.examples)
            if not ex.is_dir():
                raise runner.UsageError(f"--examples {ex}: not a directory")
            paths += sorted(p for p in ex.iterdir() if p.suffix in (".c", ".S", ".s")
                            and any(fnmatch.fnmatch(p.stem, g) for g in args.select.split(",")))
        if not paths:
            raise runner.UsageError("no routine given (a .c, .S or .s file defining " + SYMBOL + ")")
        routines = [Routine(p, p.stem) for p in paths]
        if len({r.name for r in routines}) < len(routines):
            for r in routines:
                r.name = str(r.path)
        for r in routines:
            if not r.path.is_file():
                raise runner.UsageError(f"{r.path}: no such file")
            r.expect = read_expect(r.path) if args.examples else {}
            expect[r.name] = r.expect
        if args.build_only:
            for r in routines:
                print(build_image(r, args.board, False))
            return 0
        if args.plain:
            return max(plain_run(r, args.configs_glob) for r in routines)
        kinds = [k for k in KINDS if any(fnmatch.fnmatch(k.name, g) for g in args.kinds.split(","))]
        if not kinds:
            raise runner.UsageError(f"--kinds {args.kinds!r} matches no kind ({' '.join(KIND_NAMES)})")
        setups = {k.name: kind_setup(k, args.plugin, dict(os.environ)) for k in kinds}
        results: dict[str, dict[str, dict[str, Cell]]] = {}
        images = {r.name: build_image(r, "virt", True) for r in routines}  # every build before any run
        for r in routines:
            image = images[r.name]
            print(f"check_routine.py: {r.path} -> {image}", flush=True)
            per_kind = {}
            for kind in kinds:
                cells, log = run_kind(image, kind, setups[kind.name], Path(args.out) / image.parent.name,
                                      args.timeout, r.facts)
                per_kind[kind.name] = cells
                print(f"check_routine.py:   {kind.name}: {kind_verdict(cells)}" + (f" (log {log})" if log else ""),
                      flush=True)
            results[r.name] = per_kind
    except BuildError as exc:
        print(f"check_routine.py: error: {exc}", file=sys.stderr)
        return 2
    except runner.UsageError as exc:
        print(f"check_routine.py: error: {exc}", file=sys.stderr)
        return 2
    print_table(results, kinds, args.verbose, expect if args.examples else None)
    write_csv(Path(args.csv), results, kinds, expect)
    ran = [c for per_kind in results.values() for cells in per_kind.values() for c in cells.values() if c.ran]
    not_run = {(k.name, c.why) for per_kind in results.values() for k in kinds
               for c in per_kind[k.name].values() if not c.ran}
    for name, why in sorted(not_run):
        print(f"# not run: {name}: {why}")
    not_ran = sum(not c.ran for pk in results.values() for cs in pk.values() for c in cs.values())
    print(f"# CSV: {args.csv}; {len(ran)} cells ran, {not_ran} not run")
    if args.ktap:
        print_ktap(results, kinds, expect if args.examples else {})
    if not ran:  # nothing judged is no verdict, never a pass
        print("check_routine.py: no cell ran, so nothing was judged (see the 'not run' reasons above)",
              file=sys.stderr)
        return 1
    if args.examples:
        wrong = [(n, k) for n, pk in results.items() for k, cells in pk.items()
                 if n in expect and k in expect[n] and not agrees(expect[n][k], kind_verdict(cells))]
        unexpected = [(n, k) for n, pk in results.items() for k in pk if k not in expect.get(n, {})]
        for n, k in wrong:
            print(f"# MISMATCH: {n} on {k}: expected {expect[n][k]}, observed {kind_verdict(results[n][k])}")
        for n, k in unexpected:
            print(f"# no expectation: {n} on {k} (add it to the file's '// expect:' line)")
        print(f"# examples: {len(wrong)} mismatches")
        return 1 if wrong or unexpected else 0
    return 0 if all(c.verdict == "clean" for c in ran) else 1


if __name__ == "__main__":
    sys.exit(main())
