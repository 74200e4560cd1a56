#!/usr/bin/env python3
"""Run the selfmod suite under the QEMU checker plugin and judge every nested case.

The firmware (built with make CHECKED=1) is booted once per configuration of
tests/configs.txt with -plugin smc_checker.so. The plugin prints "# hazard:"
lines into the console as the hazards happen (one global order: thread=single),
so each one lands before the nested result of the case that caused it.
Verdicts, per nested case:
  - a case that says "# checker: expect hazard" (a weakened sequence this core's
    IDC/DIC allow to run stale code) must show at least one hazard;
  - every other case must show none: the architecture guarantees its code.
Plus, per run: the plugin and the firmware agree on IDC, DIC and the line size,
no hazard outside a test, every DC/IC in a test had a physical address, the
register and the address mark of a DC/IC agree, QEMU ran no stale translation,
and the firmware's own run was complete and ok.

The plugin is built once per QEMU plugin API (tests/plugin/qemu_plugin_api.h):
build/host/smc_checker.so for QEMU 7.2 (addresses from the address marks of a
make CHECKED=1 image) and build/host/smc_checker-api4.so for QEMU 9.2 to 10.0
(addresses from the DC/IC's register, so it also judges an unmodified image).
--plugin auto picks the one that fits the QEMU's version.

Output is KTAP (so tests/runner.py can run this as a configuration): one
top-level result per firmware test and one for the run, then
"N passed, N failed, N skipped". Exit status 0 iff nothing failed, 2 for
usage errors.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import runner  # noqa: E402  (the runner's configuration, process and KTAP code)

DEFAULT_IMAGE = "build/virt-checked/selfmod.bin"
DEFAULT_PLUGIN = "auto"
# The plugin build for each range of QEMU versions: (first, last) version, path, what it reads addresses from.
PLUGINS = [((7, 0), (8, 2), "build/host/smc_checker.so", "address marks"),
           ((9, 2), (10, 0), "build/host/smc_checker-api4.so", "registers")]
DEFAULT_APPEND = "iterations=4"
DEFAULT_TIMEOUT = 300.0
MAX_SHOWN = 8  # hazard lines quoted per failed case (one, as an example, per flagged ok case)

# What each -cpu gives the model: (IDC, DIC, smaller of the minimum D and I line sizes) as the architecture
# lets the firmware use them (docs/platform.md; QEMU's CTR_EL0 and CLIDR_EL1 of that model). The firmware
# prints its own view; the run checks they agree.
CPU_CACHE_TRAITS = {"cortex-a72": (0, 0, 64), "cortex-a53": (0, 0, 64), "max": (1, 0, 64),
                    "cortex-a710": (1, 0, 64), "neoverse-n2": (1, 1, 64), "a64fx": (1, 0, 256)}
# Where a QEMU major version models a CPU otherwise (QEMU 10's max sets CTR_EL0.DIC too).
CPU_CACHE_TRAITS_BY_QEMU = {10: {"max": (1, 1, 64)}}
# The checker models a PIPT instruction side. A case that stale code is allowed in only because a VIPT
# I-cache may miss an alias with other index bits (tests/scenarios/publish.c CHECKER_VIPT_ALIAS; cortex-a53,
# a64fx) is reported as outside the model, never as a miss.
VIPT_ALIAS_EXPECT = "VIPT I-cache alias, outside the checker's PIPT model"

HAZARD_RE = re.compile(r"# hazard: ")
STALE_RE = re.compile(r"# stale-translation: ")
UNMARKED_RE = re.compile(r"# checker: core \d+ pc \S+: .*: not modelled")
DISAGREE_RE = re.compile(r"# checker: core \d+ pc \S+: .* register address disagrees with its mark")
EXPECT_RE = re.compile(r"\s*# checker: expect hazard: (.*)")
PLUGIN_RE = re.compile(r"# checker: smc_checker IDC (\d) DIC (\d) line (\d+)")
FIRMWARE_RE = re.compile(r"# maintenance uses Dline (\d+) Iline (\d+) IDC (\d) DIC (\d)")
TOP_RESULT_RE = re.compile(r"(ok|not ok) (\d+) ([^#]*?)\s*(?:#\s*(.*))?")
NESTED_RESULT_RE = re.compile(r"\s+(ok|not ok) (\d+) ([^#]*?)\s*(?:#\s*(.*))?")


@dataclass
class Case:
    """One nested result and the lines since the previous one."""
    text: str
    ok: bool = True
    skipped: bool = False
    expect: str | None = None
    hazards: list[str] = field(default_factory=list)


@dataclass
class Test:
    name: str
    ok: bool = True
    skipped: bool = False
    cases: list[Case] = field(default_factory=list)
    trailing: Case = field(default_factory=lambda: Case("after its last case"))


@dataclass
class Console:
    """A checked console, split into tests and cases."""
    tests: list[Test] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)   # hazards before the first or after the last test
    stale: list[str] = field(default_factory=list)
    unmarked: list[str] = field(default_factory=list)       # DC/IC without an address, in a test
    unmarked_boot: list[str] = field(default_factory=list)  # ... before the first test
    disagree: list[str] = field(default_factory=list)
    plugin: tuple[int, int, int] | None = None          # IDC, DIC, line
    firmware: tuple[int, int, int] | None = None        # IDC, DIC, min(Dline, Iline)


def split_console(lines: list[str]) -> Console:
    """Attribute every hazard to the nested case whose result follows it."""
    con = Console()
    pending = Case("")
    started = False
    for line in lines:
        if m := PLUGIN_RE.match(line):
            con.plugin = (int(m[1]), int(m[2]), int(m[3]))
        elif m := FIRMWARE_RE.match(line):
            con.firmware = (int(m[3]), int(m[4]), min(int(m[1]), int(m[2])))
        elif STALE_RE.match(line):
            con.stale.append(line)
        elif UNMARKED_RE.match(line):
            (con.unmarked if started else con.unmarked_boot).append(line)
        elif DISAGREE_RE.match(line):
            con.disagree.append(line)
        elif HAZARD_RE.match(line):
            (pending.hazards if started else con.outside).append(line)
        elif m := EXPECT_RE.fullmatch(line):
            pending.expect = m[1].strip()
        elif line.startswith("1..") and not started:
            started = True
        elif started and (m := NESTED_RESULT_RE.fullmatch(line)):
            directive = (m[4] or "").upper()
            pending.text, pending.ok = m[3].strip(), m[1] == "ok"
            pending.skipped = directive.startswith("SKIP")
            current_cases(con).append(pending)
            pending = Case("")
        elif started and (m := TOP_RESULT_RE.fullmatch(line)):
            test = open_test(con)
            test.name, test.ok = m[3].strip(), m[1] == "ok"
            test.skipped = (m[4] or "").upper().startswith("SKIP")
            test.trailing.hazards, test.trailing.expect = pending.hazards, pending.expect
            con.tests.append(Test(""))  # the next test's cases go here
            pending = Case("")
    if con.tests and not con.tests[-1].name:
        con.tests.pop()
    con.outside += pending.hazards  # after the last test
    return con


def open_test(con: Console) -> Test:
    if not con.tests:
        con.tests.append(Test(""))
    return con.tests[-1]


def current_cases(con: Console) -> list[Case]:
    return open_test(con).cases


def judge_case(case: Case) -> tuple[str, str]:
    """(status, text) of one case: 'ok', 'not ok' or 'skip'."""
    shown = len(case.hazards)
    if case.skipped:
        return "skip", f"{case.text}: skipped by the firmware"
    if not case.ok:
        return "not ok", f"{case.text}: the firmware reported not ok"
    if case.expect == VIPT_ALIAS_EXPECT:
        return "skip", f"{case.text}: {VIPT_ALIAS_EXPECT} ({shown} hazards)"
    if case.expect is not None and not shown:
        return "not ok", (f"{case.text}: the checker missed it: no hazard, but the architecture "
                          f"allows stale code here ({case.expect})")
    if case.expect is None and shown:
        return "not ok", (f"{case.text}: {shown} hazards in a sequence the architecture guarantees "
                          f"(our scenario or library is wrong)")
    if shown:
        return "ok", f"{case.text}: flagged ({shown} hazards), as the weakened sequence deserves"
    return "ok", f"{case.text}: no hazard"


def judge_run(con: Console, report: runner.KtapReport, run: runner.ProcessRun,
              traits: tuple[int, int, int]) -> list[tuple[str, str, list[str]]]:
    """The run-wide checks: (status, text, diagnostics)."""
    results = []
    agree = con.plugin is not None and con.firmware is not None and con.plugin == con.firmware \
        and con.plugin == traits
    results.append(("ok" if agree else "not ok",
                    f"plugin (IDC, DIC, line) {con.plugin} and firmware {con.firmware} agree", []))
    results.append(("ok" if not con.outside else "not ok",
                    f"no hazard outside a test ({len(con.outside)})", con.outside[:MAX_SHOWN]))
    # A DC/IC the model cannot place only removes maintenance from it: it can add hazards, never hide one.
    # So those before the first test (boot, where hazards still fail the run) are only shown.
    results.append(("ok" if not con.unmarked else "not ok",
                    f"every DC/IC by address in a test had a physical address ({len(con.unmarked)} did not; "
                    f"{len(con.unmarked_boot)} at boot)",
                    (con.unmarked or con.unmarked_boot)[:MAX_SHOWN]))
    results.append(("ok" if not con.disagree else "not ok",
                    f"the register and the address mark of every DC/IC name the same line "
                    f"({len(con.disagree)} did not)", con.disagree[:MAX_SHOWN]))
    results.append(("ok" if not con.stale else "not ok",
                    f"QEMU ran no stale translation ({len(con.stale)})", con.stale[:MAX_SHOWN]))
    complete = (report.plan is not None and len(report.results) == report.plan and not report.bail_out
                and not run.timed_out and run.exit_status == 0)
    why = "timed out" if run.timed_out else f"exit status {run.exit_status}, plan {report.plan}, " \
        f"{len(report.results)} results" + (f", bail out: {report.bail_out}" if report.bail_out else "")
    results.append(("ok" if complete else "not ok", f"the firmware run completed and passed ({why})",
                    [] if complete else [f"# {line}" for line in report.trailer[-5:]]))
    return results


class KtapOut:
    """KTAP writer with the totals for the final line."""

    def __init__(self) -> None:
        self.passed = self.failed = self.skipped = 0
        self.lines: list[str] = []

    def top(self, number: int, name: str, cases: list[tuple[str, str, list[str]]]) -> None:
        self.lines += ["    KTAP version 1", f"    # Subtest: {name}"]
        for i, (status, text, diags) in enumerate(cases, 1):
            self.lines += [f"    # {d.lstrip('# ')}" for d in diags]
            text = text.replace("#", "\\#")
            self.lines.append(f"    ok {i} {text} # SKIP" if status == "skip" else f"    {status} {i} {text}")
        self.lines.append(f"    1..{len(cases)}")
        statuses = {status for status, _, _ in cases}
        if "not ok" in statuses:
            self.failed += 1
            self.lines.append(f"not ok {number} {name}")
        elif statuses == {"skip"}:
            self.skipped += 1
            self.lines.append(f"ok {number} {name} # SKIP")
        else:
            self.passed += 1
            self.lines.append(f"ok {number} {name}")


def checked_results(con: Console, report: runner.KtapReport, run: runner.ProcessRun,
                    traits: tuple[int, int, int], title: str) -> KtapOut:
    out = KtapOut()
    tests = [t for t in con.tests if t.name]
    out.lines += ["KTAP version 1", f"# {title}", f"1..{len(tests) + 1}"]
    for number, test in enumerate(tests, 1):
        cases = []
        for case in test.cases:
            status, text = judge_case(case)
            cases.append((status, text, case.hazards[:MAX_SHOWN if status == "not ok" else 1]))
        if test.trailing.hazards or not test.cases:
            trailing = test.trailing
            trailing.text = "after its last case" if test.cases else test.name
            trailing.ok, trailing.skipped = test.ok or bool(test.cases), test.skipped and not test.cases
            status, text = judge_case(trailing)
            cases.append((status, text, trailing.hazards[:MAX_SHOWN]))
        out.top(number, test.name, cases)
    out.top(len(tests) + 1, "checker run", judge_run(con, report, run, traits))
    return out


def find_config(name: str, configs: list[runner.Config]) -> runner.Config:
    for config in configs:
        if config.name == name:
            if config.command:
                raise runner.UsageError(f"{name} is not a QEMU configuration")
            if "thread=single" not in config.accel:
                raise runner.UsageError(f"{name}: the checker needs one global order of events: "
                                        f"accel tcg,thread=single (got {config.accel})")
            if config.cpu not in CPU_CACHE_TRAITS:
                raise runner.UsageError(f"{name}: no IDC/DIC known for -cpu {config.cpu}; "
                                        f"add it to CPU_CACHE_TRAITS in {Path(__file__).name}")
            return config
    raise runner.UsageError(f"no configuration named {name!r} in the configuration file")


def qemu_version(qemu: list[str]) -> tuple[int, int]:
    """(major, minor) from qemu-system-aarch64 --version."""
    try:
        done = subprocess.run(qemu + ["--version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise runner.UsageError(f"{shlex.join(qemu)} --version: {exc}") from None
    if m := re.search(r"version (\d+)\.(\d+)", done.stdout):
        return int(m[1]), int(m[2])
    raise runner.UsageError(f"{shlex.join(qemu)} --version says no version: {done.stdout.strip()[:200]!r}")


def choose_plugin(version: tuple[int, int]) -> str:
    """The plugin build whose API this QEMU version loads."""
    for first, last, path, _ in PLUGINS:
        if first <= version <= last:
            return path
    known = ", ".join(f"{a[0]}.{a[1]}-{b[0]}.{b[1]}" for a, b, _, _ in PLUGINS)
    raise runner.UsageError(f"no checker plugin build for QEMU {version[0]}.{version[1]} (built for {known}; "
                            f"tests/plugin/qemu_plugin_api.h); or name one with --plugin")


def cache_traits(cpu: str, version: tuple[int, int]) -> tuple[int, int, int]:
    """(IDC, DIC, line) of a -cpu on this QEMU version."""
    return CPU_CACHE_TRAITS_BY_QEMU.get(version[0], {}).get(cpu, CPU_CACHE_TRAITS[cpu])


def check_one(config: runner.Config, args: argparse.Namespace, qemu: list[str],
              version: tuple[int, int]) -> KtapOut:
    idc, dic, line = cache_traits(config.cpu, version)
    plugin = f"{args.plugin},idc={idc},dic={dic},line={line}"
    argv = runner.qemu_argv(config, args.image, args.append, qemu) + ["-plugin", plugin]
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    log_path = out_dir / f"checked-{config.name}.log"
    with open(log_path, "wb") as log:
        log.write(f"# {shlex.join(argv)}\n".encode())
        run = runner.run_process(argv, args.timeout, lambda data: (log.write(data), log.flush()))
    if run.error:
        raise runner.UsageError(run.error)
    lines = runner.split_lines(log_path.read_bytes())
    report = runner.parse_ktap(lines)
    title = (f"checked: {config.name} (-cpu {config.cpu}, IDC {idc} DIC {dic} line {line}) under {args.plugin}; "
             f"log {log_path}")
    return checked_results(split_console(lines), report, run, (idc, dic, line), title)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="checked.py", description=__doc__.split("\n\n")[0],
        epilog="example: tests/checked.py --config a72-el1-smp4 --config max-el2-smp2")
    parser.add_argument("--config", action="append", metavar="NAME", required=True,
                        help="a QEMU configuration of configs.txt (thread=single); repeatable")
    parser.add_argument("--image", default=DEFAULT_IMAGE, help=f"checked firmware (default {DEFAULT_IMAGE})")
    parser.add_argument("--plugin", default=DEFAULT_PLUGIN,
                        help="the plugin (default auto: " + ", ".join(
                            f"{path} for QEMU {a[0]}.{a[1]}-{b[0]}.{b[1]} ({what})" for a, b, path, what in PLUGINS)
                        + ")")
    parser.add_argument("--append", default=DEFAULT_APPEND,
                        help=f"boot arguments added to the configuration's (default {DEFAULT_APPEND!r})")
    parser.add_argument("--timeout", type=runner.positive_seconds, default=DEFAULT_TIMEOUT,
                        help=f"seconds per QEMU run (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--out", default=runner.DEFAULT_OUT, help="directory for the raw consoles")
    parser.add_argument("--configs", default=str(runner.DEFAULT_CONFIGS), help="configuration file")
    return parser


def main(argv: list[str] | None = None) -> int:
    args, status = runner.parse_args_or_status(build_parser(), argv)
    if args is None:
        return status
    try:
        qemu = shlex.split(os.environ.get("QEMU") or runner.DEFAULT_QEMU)
        if not qemu or shutil.which(qemu[0]) is None:
            raise runner.UsageError(f"QEMU not found: {qemu[0] if qemu else '(empty)'}")
        version = qemu_version(qemu)
        if args.plugin == "auto":
            args.plugin = choose_plugin(version)
        for path, what in ((args.image, "checked image (make CHECKED=1 build)"), (args.plugin, "plugin (make plugin)")):
            if not Path(path).is_file():
                raise runner.UsageError(f"{what} not found: {path}")
        configs = runner.load_configs(args.configs)
        chosen = [find_config(name, configs) for name in args.config]
        outs = [check_one(config, args, qemu, version) for config in chosen]
    except runner.UsageError as exc:
        print(f"checked.py: error: {exc}", file=sys.stderr)
        return 2
    passed = sum(o.passed for o in outs)
    failed = sum(o.failed for o in outs)
    skipped = sum(o.skipped for o in outs)
    if len(outs) == 1:
        print("\n".join(outs[0].lines))
    else:  # one KTAP document: each configuration becomes a subtest level
        print("KTAP version 1")
        print(f"1..{len(outs)}")
        for number, (config, out) in enumerate(zip(chosen, outs), 1):
            print("\n".join("    " + line for line in out.lines[1:] if line))
            print(f"{'not ok' if out.failed else 'ok'} {number} checked {config.name}")
    print(f"# checked: {passed} passed, {failed} failed, {skipped} skipped")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
