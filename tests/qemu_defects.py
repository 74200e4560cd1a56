#!/usr/bin/env python3
"""Measure QEMU's known multi-threaded TCG defects with the suite's minimal reproducers.

Each reproducer (group `qemu` of the firmware, only run with run=) is booted under the QEMU given,
with multi-threaded TCG (where the defect shows) and with the controls: single-threaded TCG, one
instruction per translation block, and -d nochain. Per defect and accelerator mode it prints
`present` or `absent` with the reproducer's counts, then one summary line. A multi-threaded mode is
booted up to --boots times and stops at the first boot that shows the defect (the defects are races:
a boot can miss one). The exit status is 0 whether defects are present or not: this measures QEMU,
it does not test the suite. It is 2 for bad arguments or a missing image or QEMU.

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


@dataclass(frozen=True)
class Defect:
    name: str     # the firmware test (run=NAME) and its "# QEMU-DEFECT NAME ..." line
    title: str
    smp: int
    append: str   # boot arguments besides run=


# The reproducers, one per distinct defect (docs/qemu-defects.md).
DEFECTS = [
    Defect("qemu_stale_b",
           "MTTCG keeps a stale translation of a B patched while another vCPU ran it, after the complete "
           "maintenance and hand-off", smp=2, append="test_timeout=40"),
]


@dataclass(frozen=True)
class Mode:
    label: str
    accel: str
    extra: tuple[str, ...] = ()
    multi: bool = True   # multi-threaded: booted until the defect shows, up to --boots


def modes_for(version: tuple[int, int]) -> list[Mode]:
    """The accelerator modes for a QEMU version: one-insn-per-tb is -singlestep before 8.1."""
    one_insn = (Mode("thread=multi,one-insn-per-tb", "tcg,thread=multi,one-insn-per-tb=on")
                if version >= (8, 1) else Mode("thread=multi,-singlestep", "tcg,thread=multi", ("-singlestep",)))
    return [Mode("thread=multi", "tcg,thread=multi"),
            Mode("thread=single", "tcg,thread=single", multi=False),
            one_insn,
            Mode("thread=multi,-d nochain", "tcg,thread=multi", ("-d", "nochain"))]


@dataclass
class Measure:
    boots: int = 0
    rounds: int = 0
    stale: int = 0
    persisted: int = 0
    failures: list[str] = field(default_factory=list)   # boots that gave no measurement, and why

    @property
    def state(self) -> str:
        if self.stale:
            return "present"
        return "absent" if self.rounds else "unknown"


DEFECT_LINE = re.compile(r"#\s*QEMU-DEFECT\s+(\S+)\s+(.*)")


def parse_counts(console: str, name: str) -> dict[str, int] | None:
    """The key=value counts of the reproducer's '# QEMU-DEFECT NAME ...' line, or None."""
    for line in console.splitlines():
        m = DEFECT_LINE.search(line)
        if m and m.group(1) == name:
            return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(2))}
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
    return [*qemu, "-M", "virt", "-cpu", "cortex-a72", "-smp", str(defect.smp), "-m", "256M",
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
    m = Measure()
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
        m.rounds += counts.get("rounds", 0)
        m.stale += counts.get("stale", 0)
        m.persisted += counts.get("persisted", 0)
        if m.stale:
            break
    return m


def describe(m: Measure) -> str:
    text = f"stale in {m.stale} of {m.rounds} rounds"
    if m.stale:
        text += f" (still stale in {m.persisted} of {m.stale * 100} re-calls)"
    text += f"; {m.boots} boot{'s' if m.boots != 1 else ''}"
    if m.failures:
        text += f"; {len(m.failures)} without a result: {m.failures[0]}"
    return text


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
                        help="boots per multi-threaded mode at most, until the defect shows (default 3)")
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
    present = []
    started = time.monotonic()
    for defect in DEFECTS:
        if args.defect and defect.name not in args.defect:
            continue
        print(f"{defect.name}: {defect.title}", flush=True)
        verdict = None
        for mode in modes_for(version):
            m = measure(qemu, args.image, defect, mode, args.boots, args.timeout, echo)
            print(f"  {defect.name:14} {mode.label:30} {m.state:8} {describe(m)}", flush=True)
            if verdict is None:
                verdict = m.state
        if verdict == "present":
            present.append(defect.name)
    measured = [d.name for d in DEFECTS if not args.defect or d.name in args.defect]
    print(f"qemu-defects: QEMU {version_text}: {len(present)} of {len(measured)} defects present with "
          f"thread=multi{' (' + ', '.join(present) + ')' if present else ''}; "
          f"{time.monotonic() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
