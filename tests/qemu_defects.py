#!/usr/bin/env python3
"""Measure QEMU's known defects with the suite's minimal reproducers.

Each reproducer (group `qemu` of the firmware, only run with run=) is booted under the QEMU given, on
the CPU model its defect names. A race of multi-threaded TCG is booted with multi-threaded TCG (where
it shows) and with the controls: single-threaded TCG, one instruction per translation block, and
-d nochain; a multi-threaded mode is booted up to --boots times and stops at the first boot that shows
the defect (a boot can miss a race). A deterministic defect (a wrong result of one instruction, not a
race) is booted once, with thread=single. Per defect and mode it prints `present`, `absent`,
`not applicable` (the CPU model lacks the feature the defect is in, on this QEMU) or `unknown` (no
result) with the reproducer's counts, then one summary line. The exit status is 0 whether defects are
present or not: this measures QEMU, it does not test the suite. It is 2 for bad arguments or a
missing image or QEMU.

Every boot has a deadline (--timeout) and is killed past it. docs/qemu-defects.md has the reports.
"""
from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

DEFAULT_IMAGE = "build/virt/selfmod.bin"
DEFAULT_QEMU = "qemu-system-aarch64"
KILL_GRACE = 2.0


PRESENT, ABSENT, NOT_APPLICABLE, UNKNOWN = "present", "absent", "not applicable", "unknown"


@dataclass(frozen=True)
class Defect:
    """A reproducer and how to read its '# QEMU-DEFECT NAME key=value ...' counts."""
    name: str     # the firmware test (run=NAME) and its "# QEMU-DEFECT NAME ..." line
    title: str
    smp: int
    append: str   # boot arguments besides run=
    cpu: str = "cortex-a72"       # the QEMU -cpu model it is booted on
    deterministic: bool = False   # not a race: one boot with thread=single shows it or not
    latest: tuple[str, ...] = ()  # counts that are values (a flag, a syndrome): the last boot's, not summed

    def state(self, counts: dict[str, int]) -> str:
        raise NotImplementedError

    def text(self, counts: dict[str, int]) -> str:
        raise NotImplementedError


class StaleB(Defect):
    """qemu_stale_b: rounds, stale (rounds that ran an older B) and persisted (re-calls still stale)."""

    def state(self, counts: dict[str, int]) -> str:
        if counts.get("stale"):
            return PRESENT
        return ABSENT if counts.get("rounds") else UNKNOWN

    def text(self, counts: dict[str, int]) -> str:
        stale = counts.get("stale", 0)
        text = f"stale in {stale} of {counts.get('rounds', 0)} rounds"
        if stale:
            text += f" (still stale in {counts.get('persisted', 0)} of {stale * 100} re-calls)"
        return text


class LdxrWnr(Defect):
    """qemu_ldxr_wnr: lse2 (the core has FEAT_LSE2), loads, faults (Alignment faults), wnr_set (of them
    reported as a write: the defect) and esr (the last fault's syndrome)."""

    def state(self, counts: dict[str, int]) -> str:
        if counts.get("wnr_set"):
            return PRESENT
        if not counts.get("faults"):
            return UNKNOWN
        return ABSENT if counts.get("lse2") else NOT_APPLICABLE

    def text(self, counts: dict[str, int]) -> str:
        if "loads" not in counts:
            return f"-cpu {self.cpu}: no result"
        lse2 = counts.get("lse2", 0)
        text = (f"-cpu {self.cpu} {'has FEAT_LSE2' if lse2 else 'has no FEAT_LSE2 (ID_AA64MMFR2_EL1.AT=0)'}: "
                f"WnR 1 in {counts.get('wnr_set', 0)} of {counts.get('faults', 0)} Alignment faults of "
                f"{counts['loads']} LDXR, ESR 0x{counts.get('esr', 0):08x}")
        if not lse2 and not counts.get("wnr_set"):
            text += " (the defect is in the FEAT_LSE2 check; the non-LSE2 check reports a read)"
        return text


# The reproducers, one per distinct defect (docs/qemu-defects.md).
DEFECTS: list[Defect] = [
    StaleB("qemu_stale_b",
           "MTTCG keeps a stale translation of a B patched while another vCPU ran it, after the complete "
           "maintenance and hand-off", smp=2, append="test_timeout=40"),
    LdxrWnr("qemu_ldxr_wnr",
            "the Alignment fault of an LDXR across a 16-byte boundary on a FEAT_LSE2 core is reported as a "
            "write (ESR ISS.WnR 1)", smp=1, append="", cpu="max", deterministic=True, latest=("lse2", "esr")),
]


@dataclass(frozen=True)
class Mode:
    label: str
    accel: str
    extra: tuple[str, ...] = ()
    multi: bool = True   # multi-threaded: booted until the defect shows, up to --boots


SINGLE = Mode("thread=single", "tcg,thread=single", multi=False)


def modes_for(version: tuple[int, int], deterministic: bool = False) -> list[Mode]:
    """The accelerator modes for a defect on a QEMU version: a deterministic defect only thread=single;
    a race multi-threaded TCG and the controls (one-insn-per-tb is -singlestep before 8.1)."""
    if deterministic:
        return [SINGLE]
    one_insn = (Mode("thread=multi,one-insn-per-tb", "tcg,thread=multi,one-insn-per-tb=on")
                if version >= (8, 1) else Mode("thread=multi,-singlestep", "tcg,thread=multi", ("-singlestep",)))
    return [Mode("thread=multi", "tcg,thread=multi"),
            SINGLE,
            one_insn,
            Mode("thread=multi,-d nochain", "tcg,thread=multi", ("-d", "nochain"))]


@dataclass
class Measure:
    defect: Defect
    boots: int = 0
    results: int = 0     # boots that printed the QEMU-DEFECT line
    counts: dict[str, int] = field(default_factory=dict)   # summed over those boots (latest: the last's)
    failures: list[str] = field(default_factory=list)   # boots that gave no measurement, and why

    def add(self, counts: dict[str, int]) -> None:
        self.results += 1
        for key, value in counts.items():
            self.counts[key] = value if key in self.defect.latest else self.counts.get(key, 0) + value

    @property
    def state(self) -> str:
        return self.defect.state(self.counts) if self.results else UNKNOWN


DEFECT_LINE = re.compile(r"#\s*QEMU-DEFECT\s+(\S+)\s+(.*)")
COUNT = re.compile(r"(\w+)=(0x[0-9a-fA-F]+|\d+)\b")


def parse_counts(console: str, name: str) -> dict[str, int] | None:
    """The key=value counts (decimal, or hexadecimal with 0x) of the reproducer's
    '# QEMU-DEFECT NAME ...' line, or None."""
    for line in console.splitlines():
        m = DEFECT_LINE.search(line)
        if m and m.group(1) == name:
            return {k: int(v, 16) if v.startswith("0x") else int(v) for k, v in COUNT.findall(m.group(2))}
    return None


def qemu_version(qemu: list[str]) -> tuple[tuple[int, int], str]:
    try:
        out = subprocess.run([*qemu, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SystemExit(f"qemu_defects: cannot run {shlex.join(qemu)}: {exc}") from None
    m = re.search(r"version (\d+)\.(\d+)(\.\d+)?", out)
    if not m:
        raise SystemExit(f"qemu_defects: {shlex.join(qemu)} --version printed no version: {out.strip()!r}")
    return (int(m.group(1)), int(m.group(2))), m.group(0).split()[1]


def boot_argv(qemu: list[str], image: str, defect: Defect, mode: Mode) -> list[str]:
    return [*qemu, "-M", "virt", "-cpu", defect.cpu, "-smp", str(defect.smp), "-m", "256M",
            "-accel", mode.accel, *mode.extra, "-display", "none", "-monitor", "none", "-serial", "stdio",
            "-nic", "none", "-semihosting-config", "enable=on,target=native", "-no-reboot",
            "-kernel", image, "-append", f"run={defect.name} {defect.append}".strip()]


def run_boot(argv: list[str], timeout: float) -> tuple[str, str]:
    """(console, '' or why it gave no result). QEMU is killed past the deadline."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            text=True, errors="replace", start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
        return out, ""
    except subprocess.TimeoutExpired:
        for sig, wait in ((signal.SIGTERM, KILL_GRACE), (signal.SIGKILL, None)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                out, _ = proc.communicate(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        else:
            out = ""
        return out or "", f"killed after {timeout:g} s"


def measure(qemu: list[str], image: str, defect: Defect, mode: Mode, boots: int, timeout: float,
            echo) -> Measure:
    m = Measure(defect)
    for _ in range(boots if mode.multi else 1):
        argv = boot_argv(qemu, image, defect, mode)
        echo(f"  boot: {shlex.join(argv)}")
        console, why = run_boot(argv, timeout)
        m.boots += 1
        counts = parse_counts(console, defect.name)
        if counts is None:
            tail = " | ".join(console.strip().splitlines()[-3:])
            m.failures.append(f"no QEMU-DEFECT line ({why or 'QEMU ended'}): {tail}")
            continue
        m.add(counts)
        if m.state == PRESENT:
            break
    return m


def describe(m: Measure) -> str:
    text = m.defect.text(m.counts)
    text += f"; {m.boots} boot{'s' if m.boots != 1 else ''}"
    if m.failures:
        text += f"; {len(m.failures)} without a result: {m.failures[0]}"
    return text


def summary(version_text: str, verdicts: list[tuple[Defect, Mode, str]], seconds: float) -> str:
    """The last line: how many of the measured defects are present, each with the mode that decides it
    (a defect's first mode), and which did not apply."""
    present = [f"{d.name} with {mode.label}" for d, mode, state in verdicts if state == PRESENT]
    not_applicable = [d.name for d, _, state in verdicts if state == NOT_APPLICABLE]
    text = f"qemu-defects: QEMU {version_text}: {len(present)} of {len(verdicts)} defects present"
    if present:
        text += f" ({', '.join(present)})"
    if not_applicable:
        text += f"; not applicable: {', '.join(not_applicable)}"
    return text + f"; {seconds:.0f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
               "  qemu_defects.py                                   the system's qemu-system-aarch64\n"
               "  qemu_defects.py --qemu /opt/qemu/bin/qemu-system-aarch64   a QEMU build of your own\n"
               "  make qemu-defects QEMU_VERSION=10                 the staged QEMU 10.0\n")
    parser.add_argument("--qemu", default=os.environ.get("QEMU") or DEFAULT_QEMU,
                        help="QEMU to measure, shell-split (default: $QEMU, else qemu-system-aarch64)")
    parser.add_argument("--image", default=DEFAULT_IMAGE, help=f"firmware image (default: {DEFAULT_IMAGE})")
    parser.add_argument("--boots", type=int, default=3,
                        help="boots per multi-threaded mode of a race at most, until the defect shows (default 3); a "
                        "deterministic defect is booted once")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per boot before it is killed "
                        "(default 60)")
    parser.add_argument("--defect", action="append", choices=[d.name for d in DEFECTS],
                        help="measure only this reproducer; repeatable (default: all)")
    parser.add_argument("--verbose", "-v", action="store_true", help="print each QEMU command line")
    args = parser.parse_args(argv)
    if args.boots < 1 or args.boots > 100:
        parser.error("--boots must be 1 to 100")
    if not 1 <= args.timeout <= 3600:
        parser.error("--timeout must be 1 to 3600 seconds")
    try:
        qemu = shlex.split(args.qemu)
    except ValueError as exc:
        parser.error(f"--qemu {args.qemu!r}: {exc}")
    if not qemu or not shutil.which(qemu[0]):
        print(f"qemu_defects: QEMU not found: {args.qemu!r} (give --qemu or $QEMU)", file=sys.stderr)
        return 2
    if not os.path.isfile(args.image):
        print(f"qemu_defects: no image {args.image}: build it first (make build)", file=sys.stderr)
        return 2
    echo = (lambda text: print(text, flush=True)) if args.verbose else (lambda text: None)
    version, version_text = qemu_version(qemu)
    print(f"QEMU {version_text} ({shutil.which(qemu[0])}); host: {os.cpu_count()} CPUs, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    verdicts = []
    started = time.monotonic()
    for defect in DEFECTS:
        if args.defect and defect.name not in args.defect:
            continue
        print(f"{defect.name}: {defect.title}", flush=True)
        modes = modes_for(version, defect.deterministic)
        for mode in modes:
            m = measure(qemu, args.image, defect, mode, args.boots, args.timeout, echo)
            print(f"  {defect.name:14} {mode.label:30} {m.state:8} {describe(m)}", flush=True)
            if mode is modes[0]:
                verdicts.append((defect, mode, m.state))
    print(summary(version_text, verdicts, time.monotonic() - started), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
