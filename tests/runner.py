#!/usr/bin/env python3
"""Run the selfmod suite under QEMU (or any command) and check its KTAP output.

Each configuration in configs.txt is booted in turn; its console is streamed,
saved raw to <out>/<config>.log and parsed as KTAP version 1. Expectations in
expectations.txt turn deliberate failures into passes and known emulator
defects into prominent skips. The last line printed is always
"N passed, N failed, N skipped"; the exit status is 0 iff nothing failed
(2 for usage errors).
"""

from __future__ import annotations

import argparse
import collections
import fnmatch
import math
import os
import queue
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, TextIO

HERE = Path(__file__).resolve().parent
DEFAULT_CONFIGS = HERE / "configs.txt"
DEFAULT_EXPECTATIONS = HERE / "expectations.txt"
DEFAULT_IMAGE = "build/virt/selfmod.bin"
DEFAULT_OUT = "build/results"
DEFAULT_QEMU = "qemu-system-aarch64"
# QEMU versions a configuration can ask for (qemu=): 7.2 is the system's (Debian 12's qemu-system-arm,
# or $QEMU); 10 is QEMU 10.0 from bookworm-backports, staged in the project by tests/qemu_stage.py
# (make qemu10), or $QEMU10. A configuration on several versions is run once per version; the name of
# each run on a version other than the first is prefixed with VERSION_PREFIX[version].
QEMU_VERSIONS = ("7.2", "10")
VERSION_PREFIX = {"7.2": "", "10": "q10-"}
QEMU_ENV = {"7.2": "QEMU", "10": "QEMU10"}
STAGED_QEMU10 = HERE.parent / ".cache" / "qemu-10"

KILL_GRACE = 2.0          # seconds between SIGTERM and SIGKILL
READ_CHUNK = 65536
MAX_LINE_BYTES = 65536    # a longer line without newline is cut into pieces
MAX_BODY_LINES = 2000     # lines kept per test (the raw log keeps everything)
TAIL_LINES = 20           # last console lines shown when a run ends early
MAX_SHOWN_LINES = 40      # diagnostic lines printed per test (junit.xml and the log have all)
SHOWN_LINE_CHARS = 200    # a console line printed to the terminal is cut there (the log keeps it whole)
MAX_NOISE_ECHO = 50       # console lines echoed before a 'KTAP version 1' line (boot noise, or garbage)
BINARY_SHARE = 0.25       # a line with more unprintable characters than this is summarised, not shown
STATUS_EVERY = 0.5        # seconds between redraws of the status line on a terminal
HEARTBEAT_EVERY = 60.0    # seconds between "still running" lines when not on a terminal (CI logs)

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
KIND_FAIL, KIND_KNOWN_DEFECT = "fail", "known-defect"


class UsageError(Exception):
    """A problem with the command line or an input file (exit status 2)."""


def seconds(value: float) -> str:
    """Format a duration without useless decimals: 60 -> '60', 0.5 -> '0.5'."""
    return f"{value:g}"


# --------------------------------------------------------------------------
# Input files


NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
CONFIG_KEYS = ("name", "machine", "cpu", "smp", "accel", "memory", "append",
               "timeout", "default", "command", "expect_exit", "image", "icount", "extra", "qemu")
QEMU_KEYS = ("machine", "cpu", "smp", "accel")


@dataclass(frozen=True)
class Config:
    """One line of configs.txt."""
    name: str
    machine: str = ""
    cpu: str = ""
    smp: int = 1
    accel: str = ""
    memory: str = "256M"
    append: str = ""
    timeout: float = 60.0
    default: bool = True
    command: str = ""
    expect_exit: int | None = None
    image: str = ""   # this configuration's own image instead of --image (e.g. the litmus build, a Pi board's)
    icount: str = ""                    # QEMU -icount (e.g. shift=0: the PMU counts instructions exactly)
    extra: str = ""                     # more QEMU arguments, shell-split (e.g. -dtb FILE)
    qemu: str = "7.2"                   # the QEMU version (QEMU_VERSIONS) it runs on
    where: str = ""

    def describe(self) -> str:
        """Short human description for --list."""
        if self.command:
            text = f"command: {self.command}"
        else:
            text = (f"-M {self.machine} -cpu {self.cpu} -smp {self.smp} "
                    f"-m {self.memory} -accel {self.accel}")
            if self.icount:
                text += f" -icount {self.icount}"
            if self.extra:
                text += f" {self.extra}"
            if self.append:
                text += f" -append {shlex.quote(self.append)}"
        if self.image:
            text += f"; image {self.image}"
        text += f"; QEMU {self.qemu}"
        text += f"; timeout {seconds(self.timeout)} s"
        if self.expect_exit is not None:
            text += f"; expects exit status {self.expect_exit}"
        return text


@dataclass(frozen=True)
class Expectation:
    """One line of expectations.txt."""
    config_glob: str
    test: str
    kind: str
    reason: str
    where: str = ""

    def applies_to(self, config_name: str) -> bool:
        return fnmatch.fnmatchcase(config_name, self.config_glob)


def read_text(path: str | Path, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{what} not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {what} {path}: {exc}") from None


def content_lines(text: str, source: str) -> Iterable[tuple[str, str]]:
    """Yield (file:line, line) for every non-blank, non-comment line."""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield f"{source}:{number}", stripped


def _int(value: str, where: str, key: str, minimum: int | None = None) -> int:
    try:
        number = int(value, 10)
    except ValueError:
        raise UsageError(f"{where}: {key}={value!r} is not an integer") from None
    if minimum is not None and number < minimum:
        raise UsageError(f"{where}: {key}={value} must be at least {minimum}")
    return number


def _seconds(value: str, where: str, key: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        raise UsageError(f"{where}: {key}={value!r} is not a number of seconds > 0")
    return number


def _yes_no(value: str, where: str, key: str) -> bool:
    if value not in ("yes", "no"):
        raise UsageError(f"{where}: {key}={value!r} must be yes or no")
    return value == "yes"


def parse_config_lines(line: str, where: str) -> list[Config]:
    """Parse one 'key=value ...' line of configs.txt: one configuration per QEMU version it names."""
    try:
        tokens = shlex.split(line, comments=True)
    except ValueError as exc:
        raise UsageError(f"{where}: {exc}") from None
    fields: dict[str, str] = {}
    for token in tokens:
        key, sep, value = token.partition("=")
        if not sep:
            raise UsageError(f"{where}: expected key=value, got {token!r}")
        if key not in CONFIG_KEYS:
            raise UsageError(f"{where}: unknown key {key!r} (known keys: {', '.join(CONFIG_KEYS)})")
        if key in fields:
            raise UsageError(f"{where}: key {key!r} given twice")
        fields[key] = value

    name = fields.get("name", "")
    if not name:
        raise UsageError(f"{where}: missing name=")
    if not NAME_RE.fullmatch(name):
        raise UsageError(f"{where}: name {name!r} may only use letters, digits, '.', '_' and '-'")
    for key in ("command", "extra", "image"):
        if key in fields and not shlex.split(fields[key]):
            raise UsageError(f"{where}: {key}= is empty")
    if "extra" in fields and "command" in fields:
        raise UsageError(f"{where}: extra= adds QEMU arguments; it cannot go with command=")
    if "command" not in fields:
        missing = [key for key in QEMU_KEYS if not fields.get(key)]
        if missing:
            raise UsageError(f"{where}: {name}: missing {', '.join(k + '=' for k in missing)}")

    values: dict[str, object] = dict(fields)
    if "smp" in fields:
        values["smp"] = _int(fields["smp"], where, "smp", minimum=1)
    if "timeout" in fields:
        values["timeout"] = _seconds(fields["timeout"], where, "timeout")
    if "default" in fields:
        values["default"] = _yes_no(fields["default"], where, "default")
    if "expect_exit" in fields:
        values["expect_exit"] = _int(fields["expect_exit"], where, "expect_exit")
    versions = fields.get("qemu", QEMU_VERSIONS[0]).split(",")
    for version in versions:
        if version not in QEMU_VERSIONS:
            raise UsageError(f"{where}: qemu={fields['qemu']!r}: each version must be one of "
                             f"{', '.join(QEMU_VERSIONS)}")
    if len(set(versions)) != len(versions):
        raise UsageError(f"{where}: qemu= names a version twice")
    return [Config(where=where, **dict(values, qemu=version,  # type: ignore[arg-type]
                                       name=(VERSION_PREFIX[version] if i else "") + name))
            for i, version in enumerate(versions)]


def parse_config_line(line: str, where: str) -> Config:
    """Parse one line of configs.txt that names a single QEMU version."""
    configs = parse_config_lines(line, where)
    if len(configs) != 1:
        raise UsageError(f"{where}: expected one configuration, got {len(configs)}")
    return configs[0]


def parse_configs(text: str, source: str) -> list[Config]:
    """Parse configs.txt; names must be unique."""
    configs: list[Config] = []
    seen: dict[str, str] = {}
    for where, line in content_lines(text, source):
        for config in parse_config_lines(line, where):
            if config.name in seen:
                raise UsageError(f"{where}: duplicate name {config.name!r} (first at {seen[config.name]})")
            seen[config.name] = where
            configs.append(config)
    return configs


def parse_expectations(text: str, source: str) -> list[Expectation]:
    """Parse expectations.txt: CONFIG_GLOB TEST_NAME KIND REASON..."""
    expectations = []
    for where, line in content_lines(text, source):
        parts = line.split(None, 3)
        if len(parts) < 4:
            raise UsageError(f"{where}: expected 'CONFIG_GLOB TEST_NAME KIND REASON...', got {line!r}")
        glob, test, kind, reason = parts
        if kind not in (KIND_FAIL, KIND_KNOWN_DEFECT):
            raise UsageError(f"{where}: unknown kind {kind!r} (use {KIND_FAIL} or {KIND_KNOWN_DEFECT})")
        expectations.append(Expectation(glob, test, kind, reason.strip(), where))
    return expectations


def load_configs(path: str | Path) -> list[Config]:
    return parse_configs(read_text(path, "configuration file"), str(path))


def load_expectations(path: str | Path) -> list[Expectation]:
    return parse_expectations(read_text(path, "expectations file"), str(path))


def select_configs(configs: list[Config], patterns: list[str] | None) -> list[Config]:
    """Configs matching any pattern (exact name or glob), in file order; default: default=yes."""
    if not patterns:
        return [config for config in configs if config.default]
    chosen: set[str] = set()
    for pattern in patterns:
        matches = {c.name for c in configs if fnmatch.fnmatchcase(c.name, pattern)}
        if not matches:
            names = ", ".join(c.name for c in configs) or "(none)"
            raise UsageError(f"no configuration matches {pattern!r}; valid names: {names}")
        chosen |= matches
    return [config for config in configs if config.name in chosen]


# --------------------------------------------------------------------------
# Console lines and KTAP


class LineSplitter:
    """Turn byte chunks into text lines (UTF-8 with replacement, trailing CRs removed)."""

    def __init__(self) -> None:
        self._partial = b""

    def feed(self, data: bytes) -> list[str]:
        *complete, self._partial = (self._partial + data).split(b"\n")
        lines = [self._decode(raw) for raw in complete]
        while len(self._partial) > MAX_LINE_BYTES:
            lines.append(self._decode(self._partial[:MAX_LINE_BYTES]))
            self._partial = self._partial[MAX_LINE_BYTES:]
        return lines

    def flush(self) -> list[str]:
        """The final partial line (no newline), if any."""
        rest, self._partial = self._partial, b""
        return [self._decode(rest)] if rest else []

    @staticmethod
    def _decode(raw: bytes) -> str:
        return raw.decode("utf-8", errors="replace").rstrip("\r")


def split_lines(data: bytes) -> list[str]:
    """All lines of a complete capture, including a final partial line."""
    splitter = LineSplitter()
    return splitter.feed(data) + splitter.flush()


# Console text on the terminal: the raw bytes go to the log; what is printed is escaped, cut and
# capped so that a console producing garbage cannot drive the terminal or flood it.
UNPRINTABLE_RE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ufffd]")


def escape_unprintable(text: str) -> str:
    """Control characters (but tab) as \\xNN, undecodable bytes (U+FFFD) as \\ufffd."""
    return UNPRINTABLE_RE.sub(lambda m: f"\\x{ord(m.group()):02x}" if m.group() != "\ufffd" else "\\ufffd",
                              text)


def shown_text(line: str, limit: int = SHOWN_LINE_CHARS) -> str:
    """A console line made safe to print: mostly-binary lines summarised, the rest escaped and cut."""
    bad = len(UNPRINTABLE_RE.findall(line))
    if line and bad > BINARY_SHARE * len(line):
        return f"<{len(line)} characters of binary output, {bad} unprintable: see the log>"
    text = escape_unprintable(line)
    if len(text) > limit:
        return f"{text[:limit]}... ({len(text) - limit} more characters in the log)"
    return text


VERSION_RE = re.compile(r"(KTAP version 1|TAP version 1[34])\s*")
PLAN_RE = re.compile(r"1\.\.(\d+)\s*(#.*)?")
RESULT_RE = re.compile(r"(ok|not ok) (\d+)\b\s*(.*)")
DIRECTIVE_SPLIT_RE = re.compile(r"(?<!\\)#")
NOISE_CHARS = "".join(map(chr, range(32))).replace("\t", "") + "\ufffd"  # serial line glitches
SUMMARY_RE = re.compile(r"#\s*(?:\S+:\s*)?(\d+) passed, (\d+) failed, (\d+) skipped\s*")


@dataclass
class TestResult:
    """A top-level KTAP result with the lines that preceded it."""
    number: int
    name: str
    ok: bool
    directive: str = ""
    line: str = ""
    body: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> bool:
        return self.directive.upper().startswith("SKIP")

    @property
    def failed(self) -> bool:
        """A real 'not ok' (not a skip), whatever the expectations say."""
        return not self.ok and not self.skipped


@dataclass
class KtapReport:
    """Everything parsed from one console."""
    version: str | None = None
    plan: int | None = None
    header: list[str] = field(default_factory=list)
    results: list[TestResult] = field(default_factory=list)
    trailer: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    bail_out: str | None = None


def parse_result_line(line: str) -> TestResult | None:
    """Parse 'ok N name # directive' / 'not ok N name' at indentation 0."""
    match = RESULT_RE.fullmatch(line.rstrip())
    if not match:
        return None
    status, number, rest = match.groups()
    parts = DIRECTIVE_SPLIT_RE.split(rest, maxsplit=1)
    name = parts[0].strip()
    if name.startswith("- "):
        name = name[2:].strip()
    directive = parts[1].strip() if len(parts) > 1 else ""
    return TestResult(int(number), name.replace("\\#", "#"), status == "ok", directive, line.rstrip())


def is_indented(line: str) -> bool:
    return line[:1] in (" ", "\t")


class KtapParser:
    """Incremental KTAP parser: feed lines, get each top-level result as it completes."""

    def __init__(self) -> None:
        self.report = KtapReport()
        self._pending: list[str] = []
        self._dropped = 0
        self._done = False

    def feed(self, line: str) -> TestResult | None:
        """Consume one console line; return a top-level result if this line completes one."""
        report = self.report
        if self._done or not line.strip():
            return None
        if report.version is None:
            if VERSION_RE.fullmatch(line.lstrip(NOISE_CHARS)):
                report.version = line.strip(NOISE_CHARS + " ")
            return None  # everything before the version line is boot noise
        if line.lstrip().startswith("Bail out!"):
            report.bail_out = line.lstrip()[len("Bail out!"):].strip() or "no reason given"
            self._done = True
            return None
        if is_indented(line):
            self._keep(line)
            return None
        return self._top_level(line)

    def feed_cut(self, line: str) -> None:
        """The console's last line, cut off before its newline: kept, never taken as a result
        ("ok 1 " cut from "ok 1 same_core" is no pass)."""
        if line.strip():
            self.report.warnings.append(f"console ended in the middle of a line: '{shown_text(line.strip())}'")
            self._keep(line)

    def finish(self) -> KtapReport:
        """End of console: leftover lines become the trailer."""
        report = self.report
        report.trailer = self._take_pending()
        self._check_summary_line()
        return report

    def _top_level(self, line: str) -> TestResult | None:
        report = self.report
        plan = PLAN_RE.fullmatch(line)
        if plan:
            if report.plan is not None:
                report.warnings.append(f"second plan {line.strip()!r} ignored")
            else:
                report.plan = int(plan.group(1))
            return None
        if line.startswith("#"):
            if report.plan is None and not report.results:
                report.header.append(line)
            else:
                self._keep(line)
            return None
        result = parse_result_line(line)
        if result is None:
            if VERSION_RE.fullmatch(line):
                report.warnings.append("second KTAP version line ignored (did the machine reboot?)")
            return None  # garbage: kept in the log only
        expected = len(report.results) + 1
        if result.number != expected:
            report.warnings.append(f"result {line.strip()!r}: expected test number {expected}")
        result.body = self._take_pending()
        report.results.append(result)
        return result

    def _keep(self, line: str) -> None:
        if len(self._pending) < MAX_BODY_LINES:
            self._pending.append(line)
        else:
            self._dropped += 1

    def _take_pending(self) -> list[str]:
        lines, self._pending = self._pending, []
        if self._dropped:
            lines.append(f"# ({self._dropped} more lines dropped; see the log)")
            self._dropped = 0
        return lines

    def _check_summary_line(self) -> None:
        """Compare the firmware's own '# selfmod: N passed, ...' line with the results."""
        report = self.report
        lines = [line for line in report.trailer if SUMMARY_RE.fullmatch(line)]
        if not lines or report.bail_out:
            return
        claimed = tuple(int(n) for n in SUMMARY_RE.fullmatch(lines[-1]).groups())
        results = report.results
        seen = (sum(r.ok and not r.skipped for r in results),
                sum(r.failed for r in results),
                sum(r.skipped for r in results))
        if claimed != seen:
            report.warnings.append(
                f"firmware summary {lines[-1].strip()!r} does not match the results "
                f"({seen[0]} passed, {seen[1]} failed, {seen[2]} skipped)")


def parse_ktap(lines: Iterable[str]) -> KtapReport:
    """Parse a complete console (list of lines)."""
    parser = KtapParser()
    for line in lines:
        parser.feed(line)
    return parser.finish()


# --------------------------------------------------------------------------
# Judging results


@dataclass
class Outcome:
    """One counted test: a KTAP result after expectations, or a runner-made failure."""
    name: str
    status: str
    message: str = ""
    details: list[str] = field(default_factory=list)
    label: str = ""                     # printed instead of the raw result line
    result: TestResult | None = None


@dataclass
class RunStatus:
    """How a console ended."""
    exit_status: int | None = None      # None: unknown (log file) or never started
    timed_out: bool = False
    timeout: float = 0.0
    error: str = ""                     # could not start
    ended: str = "console ended"
    tail: list[str] = field(default_factory=list)


def notable_lines(lines: list[str]) -> list[str]:
    """Diagnostics ('# ...') and nested 'not ok' lines, at any indentation."""
    return [line for line in lines if line.lstrip().startswith(("#", "not ok")) and not PROGRESS_RE.fullmatch(line)]


def expectation_for(expectations: list[Expectation], test: str) -> Expectation | None:
    """First expectation for this test (expectations are already filtered by config)."""
    return next((e for e in expectations if e.test == test), None)


def judge(result: TestResult, expectations: list[Expectation]) -> Outcome:
    """Turn one KTAP result into an outcome, applying the config's expectations."""
    name, body = result.name, result.body
    expected = expectation_for(expectations, name)
    if result.skipped:
        if expected and expected.kind == KIND_FAIL:
            text = f"expected failure not seen: {name} was skipped ({expected.reason})"
            return Outcome(name, FAILED, text, body, text, result)
        return Outcome(name, SKIPPED, result.directive, body, "", result)
    if expected and expected.kind == KIND_FAIL:
        if result.ok:
            text = f"unexpectedly passed: {name} ({expected.reason})"
            return Outcome(name, FAILED, text, body, text, result)
        text = f"expected not ok: {name} ({expected.reason})"
        return Outcome(name, PASSED, text, body, text, result)
    if expected and expected.kind == KIND_KNOWN_DEFECT and not result.ok:
        text = f"KNOWN DEFECT: {name}: {expected.reason}"
        return Outcome(name, SKIPPED, text, body, text, result)
    if expected and expected.kind == KIND_KNOWN_DEFECT:
        # Said, never failed: these defects are races that a run may miss (docs/qemu-defects.md);
        # make qemu-defects measures whether a QEMU still has them.
        text = f"ok {name}: known defect not seen in this run: {expected.reason}"
        return Outcome(name, PASSED, text, body, text, result)
    if result.ok:
        return Outcome(name, PASSED, "", body, "", result)
    return Outcome(name, FAILED, result.line.strip(), body, "", result)


def end_reason(report: KtapReport, run: RunStatus) -> str:
    if run.timed_out:
        return f"run timed out after {seconds(run.timeout)} s"
    if run.error:
        return run.error
    if report.bail_out:
        return f"bailed out: {report.bail_out}"
    if run.exit_status is not None:
        return f"{run.ended}, {describe_status(run.exit_status)}"
    return run.ended


def describe_status(status: int) -> str:
    if status < 0:
        try:
            return f"killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"killed by signal {-status}"
    return f"exit status {status}"


def completeness_failures(report: KtapReport, run: RunStatus) -> list[Outcome]:
    """Failures for a missing plan, missing tests, extra results or a bail-out."""
    reason = end_reason(report, run)
    if report.plan is None:
        what = "no KTAP plan" if report.version else "no KTAP plan (no 'KTAP version 1' line)"
        return [Outcome("no KTAP plan", FAILED, f"{what} ({reason})", list(run.tail))]
    results = report.results
    if len(results) > report.plan:
        text = f"{len(results)} results reported but the plan is 1..{report.plan}"
        return [Outcome("too many results", FAILED, text)]
    seen = {r.number for r in results}
    missing = [n for n in range(1, report.plan + 1) if n not in seen]
    missing = missing[:report.plan - len(results)]
    failures = [Outcome(f"missing test {n}", FAILED, f"missing test {n} ({reason})") for n in missing]
    if failures:
        failures[0].details = list(run.tail)
    elif report.bail_out:
        failures.append(Outcome("bail out", FAILED, f"Bail out! {report.bail_out}"))
    return failures


def unseen_expected_failures(report: KtapReport, expectations: list[Expectation]) -> list[Outcome]:
    names = {r.name for r in report.results}
    return [Outcome(f"expected failure: {e.test}", FAILED,
                    f"expected failure not seen: {e.test} never reported ({e.reason})")
            for e in expectations if e.kind == KIND_FAIL and e.test not in names]


def exit_failures(report: KtapReport, run: RunStatus, expect_exit: int | None,
                  incomplete: bool) -> list[Outcome]:
    """Check the exit status against the results (or against expect_exit)."""
    if run.timed_out:
        if incomplete:
            return []  # the missing tests already say so
        return [Outcome("timeout", FAILED, f"timeout: all tests reported but the run "
                                           f"did not end within {seconds(run.timeout)} s")]
    status = run.exit_status
    if status is None:
        return []
    if expect_exit is not None:
        if status == expect_exit:
            return []
        text = f"{describe_status(status)}, but this configuration expects exit status {expect_exit}"
        return [Outcome("exit status", FAILED, text, list(run.tail))]
    firmware_failed = incomplete or any(r.failed for r in report.results)
    if (status != 0) == firmware_failed:
        return []
    return [Outcome("exit status", FAILED, f"exit status {status} does not match the results",
                    list(run.tail) if status else [])]


def evaluate(report: KtapReport, expectations: list[Expectation], run: RunStatus,
             expect_exit: int | None = None) -> list[Outcome]:
    """All outcomes of one configuration (expectations already filtered for it)."""
    outcomes = [judge(result, expectations) for result in report.results]
    outcomes += completeness_failures(report, run)
    outcomes += unseen_expected_failures(report, expectations)
    outcomes += exit_failures(report, run, expect_exit, is_incomplete(report))
    return outcomes


def is_incomplete(report: KtapReport) -> bool:
    """The console did not deliver every planned result."""
    return report.plan is None or report.bail_out is not None or len(report.results) < report.plan


@dataclass
class ConfigReport:
    """The verdict for one configuration."""
    name: str
    outcomes: list[Outcome]
    elapsed: float = 0.0
    command: str = ""
    warnings: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(outcome.status == status for outcome in self.outcomes)

    def summary(self) -> str:
        return f"{self.count(PASSED)} passed, {self.count(FAILED)} failed, {self.count(SKIPPED)} skipped"


# --------------------------------------------------------------------------
# Progress of a running configuration


PROGRESS_RE = re.compile(r"\s*# progress: (\d+)/(\d+)\s*")    # the firmware's test_progress()
SUBTEST_RE = re.compile(r"\s*# Subtest: (\S+)")
TEST_DEADLINE_RE = re.compile(r"# deadlines: (\d+) s per test")


@dataclass
class Progress:
    """Which test a configuration is running and how far along, from its console lines."""
    config: str
    timeout: float
    started: float = field(default_factory=time.monotonic)
    number: int = 0                      # the running test's number (results so far + 1)
    test: str = ""
    test_started: float = 0.0
    test_timeout: float | None = None    # the firmware's per-test deadline, from its header
    rounds: tuple[int, int] | None = None

    def feed(self, line: str, report: KtapReport) -> bool:
        """Take what a console line says; True for a progress line (kept out of echo and tail)."""
        if match := PROGRESS_RE.fullmatch(line):
            self.rounds = (int(match.group(1)), int(match.group(2)))
            return True
        if match := SUBTEST_RE.match(line):
            self.number, self.test = len(report.results) + 1, match.group(1)
            self.test_started, self.rounds = time.monotonic(), None
        elif self.test_timeout is None and (match := TEST_DEADLINE_RE.match(line)):
            self.test_timeout = float(match.group(1))
        return False

    def text(self, plan: int | None, now: float | None = None) -> str:
        """'[cfg] test 7/19 cross_core: 10247/200000 rounds (5%), 12 s of 30 s; run 40 s of 60 s'."""
        now = time.monotonic() if now is None else now
        parts = [f"[{self.config}]"]
        if self.test:
            parts.append(f"test {self.number}/{plan if plan is not None else '?'} {self.test}:")
            if self.rounds:
                done, total = self.rounds
                parts.append(f"{done}/{total} rounds ({100 * done // max(total, 1)}%),")
            limit = f" of {seconds(self.test_timeout)} s" if self.test_timeout else ""
            parts.append(f"{now - self.test_started:.0f} s{limit};")
        parts.append(f"run {now - self.started:.0f} s of {seconds(self.timeout)} s")
        return " ".join(parts)


# --------------------------------------------------------------------------
# Output


@dataclass
class Printer:
    """Line-buffered progress output."""
    out: TextIO
    err: TextIO
    verbose: bool = False
    tag_lines: bool = True  # echoed console lines start "[config] " (not when one config runs)
    live: bool = False      # a terminal: a status line redrawn in place (else a heartbeat line)
    _status_shown: bool = False
    _status_at: float = 0.0

    def status(self, text: str) -> None:
        """The running configuration's progress: redrawn in place on a terminal (at most every
        STATUS_EVERY s), else printed as a plain line every HEARTBEAT_EVERY s."""
        now = time.monotonic()
        if not self._status_at:
            self._status_at = now  # the first heartbeat comes one period after the start
        if now - self._status_at < (STATUS_EVERY if self.live else HEARTBEAT_EVERY):
            return
        self._status_at = now
        if not self.live:
            self.line(f"{text} (still running)")
            return
        width = shutil.get_terminal_size().columns - 1
        self.out.write("\r\x1b[K" + text[:width])
        self.out.flush()
        self._status_shown = True

    def clear_status(self) -> None:
        if self._status_shown:
            self.out.write("\r\x1b[K")
            self._status_shown = False

    def console(self, config: str, text: str) -> None:
        """One echoed console line (verbose mode), escaped and cut (shown_text)."""
        text = shown_text(text)
        self.line(f"[{config}] {text}" if self.tag_lines else text)

    def line(self, text: str = "") -> None:
        self.clear_status()
        print(text, file=self.out, flush=True)

    def error(self, text: str) -> None:
        print(text, file=self.err, flush=True)

    def show(self, config: str, outcome: Outcome) -> None:
        """Print one outcome as it becomes known."""
        if outcome.result is None:
            self.line(f"[{config}] FAIL: {outcome.message}")
            lines = [] if self.verbose else outcome.details
        elif outcome.label:
            self.line(f"[{config}] {outcome.label}")
            quiet = self.verbose or outcome.status == PASSED  # a known defect not seen: the label says it
            lines = [] if quiet else notable_lines(outcome.details)
        else:
            if not self.verbose:  # verbose mode already echoed the line
                self.line(f"[{config}] {outcome.result.line.strip()}")
            failed = outcome.status == FAILED and not self.verbose
            lines = notable_lines(outcome.details) if failed else []
        for line in lines[:MAX_SHOWN_LINES]:
            self.line(f"    {shown_text(line)}")
        if len(lines) > MAX_SHOWN_LINES:
            self.line(f"    ... {len(lines) - MAX_SHOWN_LINES} more lines in the log")


class ConsoleSession:
    """Parses one configuration's console as it arrives and prints progress."""

    def __init__(self, config: str, expectations: list[Expectation], printer: Printer,
                 timeout: float = 0.0) -> None:
        self.config = config
        self.expectations = expectations
        self.printer = printer
        self.progress = Progress(config, timeout)
        self.parser = KtapParser()
        self.splitter = LineSplitter()
        self.tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self.noise_lines = 0

    def feed(self, data: bytes) -> None:
        for line in self.splitter.feed(data):
            self._line(line)

    def _echo_allowed(self) -> bool:
        """Before 'KTAP version 1', echo at most MAX_NOISE_ECHO lines: a console producing no KTAP
        (wrong image, wrong baud rate, binary garbage) must not flood the terminal."""
        if self.parser.report.version is not None:
            return True
        self.noise_lines += 1
        if self.noise_lines == MAX_NOISE_ECHO + 1:
            self.printer.console(self.config, f"(no KTAP yet after {MAX_NOISE_ECHO} lines: the rest of the "
                                              "console before a 'KTAP version 1' line is only in the log)")
        return self.noise_lines <= MAX_NOISE_ECHO

    def close(self) -> KtapReport:
        for line in self.splitter.flush():
            if self.printer.verbose and self._echo_allowed():
                self.printer.console(self.config, line)
            self.tail.append(line)
            self.parser.feed_cut(line)
        return self.parser.finish()

    def tick(self) -> None:
        """Called while the configuration runs, output or not: the status line."""
        self.printer.status(self.progress.text(self.parser.report.plan))

    def _line(self, line: str) -> None:
        if self.progress.feed(line, self.parser.report):
            self.parser.feed(line)  # a progress line: in the log and the test's body, never echoed
            return
        if self.printer.verbose and self._echo_allowed():
            self.printer.console(self.config, line)
        if line.strip():
            self.tail.append(line)
        result = self.parser.feed(line)
        if result is not None:
            self.printer.show(self.config, judge(result, self.expectations))


XML_BAD_CHARS = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """Replace characters that XML 1.0 cannot carry (console escapes, NULs)."""
    return XML_BAD_CHARS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def junit_xml(reports: list[ConfigReport]) -> ET.ElementTree:
    """One <testsuite> per configuration, one <testcase> per outcome."""
    def totals(items: list[ConfigReport]) -> dict[str, str]:
        return {"tests": str(sum(len(r.outcomes) for r in items)),
                "failures": str(sum(r.count(FAILED) for r in items)),
                "errors": "0",
                "skipped": str(sum(r.count(SKIPPED) for r in items)),
                "time": f"{sum(r.elapsed for r in items):.3f}"}

    root = ET.Element("testsuites", name="selfmod", **totals(reports))
    for report in reports:
        suite = ET.SubElement(root, "testsuite", name=report.name, **totals([report]))
        if report.command:
            props = ET.SubElement(suite, "properties")
            ET.SubElement(props, "property", name="command", value=xml_text(report.command))
        for outcome in report.outcomes:
            case = ET.SubElement(suite, "testcase", classname=f"selfmod.{report.name}",
                                 name=xml_text(outcome.name))
            details = xml_text("\n".join(outcome.details))
            if outcome.status == FAILED:
                ET.SubElement(case, "failure", message=xml_text(outcome.message)).text = details
            elif outcome.status == SKIPPED:
                ET.SubElement(case, "skipped", message=xml_text(outcome.message)).text = details or None
            elif outcome.label:
                ET.SubElement(case, "system-out").text = xml_text(outcome.label + "\n" + details)
        if report.warnings:
            ET.SubElement(suite, "system-err").text = xml_text("\n".join(report.warnings))
    tree = ET.ElementTree(root)
    ET.indent(tree)
    return tree


def write_junit(path: Path, reports: list[ConfigReport]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    junit_xml(reports).write(path, encoding="utf-8", xml_declaration=True)


# --------------------------------------------------------------------------
# Running a process


@dataclass
class ProcessRun:
    """What happened to one child process."""
    exit_status: int | None
    timed_out: bool
    elapsed: float
    error: str = ""


def _pump(fd: int, chunks: queue.Queue) -> None:
    """Reader thread: move raw output into the queue, then None at end of file."""
    try:
        while data := os.read(fd, READ_CHUNK):
            chunks.put(data)
    except OSError:
        pass
    finally:
        chunks.put(None)


def _drain(chunks: queue.Queue, on_output: Callable[[bytes], None], deadline: float,
           on_tick: Callable[[], None] | None = None) -> bool:
    """Deliver output until end of file (True) or the deadline (False); on_tick every pass."""
    while True:
        if on_tick:
            on_tick()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        try:
            data = chunks.get(timeout=min(remaining, 0.25))
        except queue.Empty:
            continue
        if data is None:
            return True
        on_output(data)


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGTERM the process group, SIGKILL it if the leader is still there after the grace period."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=KILL_GRACE)
            if sig == signal.SIGTERM:  # leader gone: make sure the rest of its group is too
                os.killpg(proc.pid, signal.SIGKILL)
            return
        except subprocess.TimeoutExpired:
            continue
        except (ProcessLookupError, PermissionError):
            return


def run_process(argv: list[str], timeout: float, on_output: Callable[[bytes], None],
                env: dict[str, str] | None = None, on_tick: Callable[[], None] | None = None) -> ProcessRun:
    """Run argv with a wall-clock deadline, passing its output (stdout+stderr) as it arrives."""
    start = time.monotonic()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True, env=env)
    except OSError as exc:
        return ProcessRun(None, False, 0.0, f"could not start {argv[0]}: {exc.strerror or exc}")
    chunks: queue.Queue = queue.Queue()
    reader = threading.Thread(target=_pump, args=(proc.stdout.fileno(), chunks), daemon=True)
    reader.start()
    deadline = start + timeout
    timed_out = False
    try:
        eof = _drain(chunks, on_output, deadline, on_tick)
        if eof:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        timed_out = not eof
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        if proc.poll() is None:
            _kill_group(proc)
    if timed_out and not eof:
        _drain(chunks, on_output, time.monotonic() + KILL_GRACE)  # what was sent before the kill
    reader.join(timeout=0.5)
    if not reader.is_alive():
        proc.stdout.close()
    return ProcessRun(proc.returncode, timed_out, time.monotonic() - start)


# --------------------------------------------------------------------------
# Configurations


@dataclass
class Job:
    """A configuration ready to run."""
    config: Config
    argv: list[str]
    timeout: float
    env: dict[str, str] | None = None   # the environment of a command= configuration


def qemu_argv(config: Config, image: str, extra_append: str, qemu: list[str]) -> list[str]:
    argv = [*qemu, "-M", config.machine, "-cpu", config.cpu, "-smp", str(config.smp),
            "-m", config.memory, "-accel", config.accel, "-display", "none",
            "-monitor", "none", "-serial", "stdio", "-nic", "none",  # no NIC: no option ROM needed
            "-semihosting-config", "enable=on,target=native", "-no-reboot", "-kernel", image]
    if config.icount:
        argv += ["-icount", config.icount]
    argv += shlex.split(config.extra)
    append = " ".join(part for part in (config.append.strip(), extra_append.strip()) if part)
    if append:
        argv += ["-append", append]
    return argv


def config_argv(config: Config, image: str, extra_append: str, qemu: list[str]) -> list[str]:
    if config.command:
        return [token.replace("{image}", image) for token in shlex.split(config.command)]
    return qemu_argv(config, image, extra_append, qemu)


def qemu_command(version: str, environ: dict[str, str]) -> tuple[list[str], str]:
    """(argv prefix, '') of the QEMU for a version, or ([], why it is unavailable)."""
    variable = QEMU_ENV[version]
    try:
        qemu = shlex.split(environ.get(variable) or "")
    except ValueError as exc:
        raise UsageError(f"{variable}={environ.get(variable)!r}: {exc}") from None
    if variable in environ and not qemu:
        raise UsageError(f"{variable} is set but empty")
    if qemu:
        return qemu, ""
    if version == "10":
        wrapper = STAGED_QEMU10 / "qemu-system-aarch64"
        if (STAGED_QEMU10 / ".staged").is_file() and wrapper.is_file():
            return [str(wrapper)], ""
        return [], ("QEMU 10 is not staged: make qemu10 stages it from bookworm-backports "
                    "(or set QEMU10=/path/to/qemu-system-aarch64)")
    return [DEFAULT_QEMU], ""


def prepare_jobs(configs: list[Config], args: argparse.Namespace,
                 environ: dict[str, str]) -> tuple[list[Job], list[tuple[Config, str]]]:
    """Build every command line and check programs and image exist before running anything.
    Returns the jobs and the configurations skipped for want of their QEMU version, with the reason."""
    jobs, unavailable = [], []
    for config in configs:
        qemu, why = qemu_command(config.qemu, environ)
        if why:
            unavailable.append((config, why))
            continue
        image = config.image or args.image
        argv = config_argv(config, image, args.append, qemu)
        uses_image = not config.command or "{image}" in config.command
        if uses_image and not Path(image).is_file():
            hint = f"fix image= at {config.where}" if config.image else "pass --image"
            raise UsageError(f"image not found: {image} (needed by {config.name}; "
                             f"build it first or {hint})")
        if shutil.which(argv[0]) is None:
            hint = "" if config.command else f" (set {QEMU_ENV[config.qemu]}=/path/to/qemu-system-aarch64)"
            raise UsageError(f"{config.name}: program not found: {argv[0]}{hint}")
        # A command= configuration finds its QEMU version in $QEMU, as the helper scripts read it.
        env = dict(environ, QEMU=shlex.join(qemu)) if config.command else None
        jobs.append(Job(config, argv, args.timeout or config.timeout, env))
    return jobs, unavailable


def skipped_config(config: Config, why: str, printer: Printer) -> ConfigReport:
    """The report of a configuration that could not run here for a reason outside the project."""
    printer.line(f"== {config.name}: SKIP: {why}")
    return ConfigReport(config.name, [Outcome(config.name, SKIPPED, why, label=f"SKIP {config.name}: {why}")])


def finish_config(name: str, report: KtapReport, run: RunStatus, expectations: list[Expectation],
                  expect_exit: int | None, printer: Printer) -> list[Outcome]:
    """Evaluate a finished console and print what the streaming pass could not."""
    for warning in report.warnings:
        printer.line(f"[{name}] warning: {warning}")
    outcomes = evaluate(report, expectations, run, expect_exit)
    for outcome in outcomes:
        if outcome.result is None:
            printer.show(name, outcome)
    return outcomes


def run_job(job: Job, out_dir: Path, expectations: list[Expectation], printer: Printer) -> ConfigReport:
    """Run one configuration, logging its raw console to <out>/<name>.log."""
    name = job.config.name
    command = shlex.join(job.argv)
    printer.line(f"== {name}: {command}")
    mine = [e for e in expectations if e.applies_to(name)]
    session = ConsoleSession(name, mine, printer, job.timeout)
    with open(out_dir / f"{name}.log", "wb") as log:
        def on_output(data: bytes) -> None:
            log.write(data)
            log.flush()
            session.feed(data)
        proc = run_process(job.argv, job.timeout, on_output, job.env, session.tick)
    report = session.close()
    if proc.timed_out:
        printer.line(f"[{name}] TIMEOUT after {seconds(job.timeout)} s")
    run = RunStatus(proc.exit_status, proc.timed_out, job.timeout, proc.error, tail=list(session.tail))
    outcomes = finish_config(name, report, run, mine, job.config.expect_exit, printer)
    ending = "killed" if proc.timed_out else (proc.error or describe_status(proc.exit_status))
    printer.line(f"== {name}: {ending}, {proc.elapsed:.1f} s")
    return ConfigReport(name, outcomes, proc.elapsed, command, report.warnings)


def replay_log(path: Path, expectations: list[Expectation], printer: Printer) -> ConfigReport:
    """Parse a captured console log as if it were a configuration named after the file."""
    name = path.stem or path.name
    printer.line(f"== {name}: log {path}")
    start = time.monotonic()
    mine = [e for e in expectations if e.applies_to(name)]
    session = ConsoleSession(name, mine, printer)
    session.feed(path.read_bytes())
    report = session.close()
    run = RunStatus(ended="log ended", tail=list(session.tail))
    outcomes = finish_config(name, report, run, mine, None, printer)
    return ConfigReport(name, outcomes, time.monotonic() - start, f"log {path}", report.warnings)


def print_summary(reports: list[ConfigReport], printer: Printer) -> int:
    """Per-config lines, then the grand total as the very last line; return the exit status."""
    printer.line()
    for report in reports:
        printer.line(f"{report.name}: {report.summary()}")
    total = ConfigReport("total", [o for r in reports for o in r.outcomes])
    printer.line(total.summary())
    return 0 if total.count(FAILED) == 0 else 1


# --------------------------------------------------------------------------
# Command line


EXAMPLES = """\
examples:
  %(prog)s                              run every default configuration
  %(prog)s --config a72-el1-smp4        one configuration
  %(prog)s --config 'a72-*' --config max-el1-smp1
  %(prog)s --config broken-stale-reader --verbose
  %(prog)s --config a72-el1-smp4 --append 'inject=stale_reader' --timeout 300
  %(prog)s --image build/virt/selfmod.bin --out build/results
  %(prog)s --log capture/pi4.log        check a captured serial console
  %(prog)s --list
  QEMU=/opt/qemu/bin/qemu-system-aarch64 %(prog)s
  QEMU10=/opt/qemu-10/bin/qemu-system-aarch64 %(prog)s --config 'q10-*'

Configurations with qemu=10 run on QEMU 10.0, staged in the project by make qemu10
(tests/qemu_stage.py) or named by $QEMU10; where it is not there they are skipped, with the reason.

The last line printed is "N passed, N failed, N skipped". Exit status: 0 if
nothing failed, 1 if something failed, 2 for usage or input-file errors.
"""


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds > 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="runner.py",
        description="Boot the selfmod suite under QEMU for named configurations (tests/configs.txt),\n"
                    "parse its KTAP output, apply tests/expectations.txt and report the results.\n"
                    "Raw consoles go to <out>/<config>.log, a JUnit report to <out>/junit.xml.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", action="append", metavar="PATTERN",
                        help="configuration name or glob; repeatable (default: every config with default=yes)")
    parser.add_argument("--image", default=DEFAULT_IMAGE, metavar="PATH",
                        help=f"image booted with -kernel (default: {DEFAULT_IMAGE})")
    parser.add_argument("--append", default="", metavar="ARGS",
                        help="extra boot arguments added to each QEMU config's own append")
    parser.add_argument("--timeout", type=positive_seconds, metavar="SECONDS",
                        help="wall-clock limit per configuration, overriding configs.txt")
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                        help=f"directory for <config>.log and junit.xml (default: {DEFAULT_OUT})")
    parser.add_argument("--configs", default=str(DEFAULT_CONFIGS), metavar="FILE",
                        help="configuration file (default: configs.txt next to this script)")
    parser.add_argument("--expectations", default=str(DEFAULT_EXPECTATIONS), metavar="FILE",
                        help="expectations file (default: expectations.txt next to this script)")
    parser.add_argument("--log", action="append", metavar="FILE",
                        help="parse a captured console log instead of running anything; the config "
                             "name is the file name without extension; repeatable")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="echo every console line as it arrives, prefixed [config]")
    parser.add_argument("--list", action="store_true", help="list the configurations and exit")
    return parser


def list_configs(configs: list[Config], printer: Printer) -> None:
    width = max((len(c.name) for c in configs), default=0)
    for config in configs:
        mark = "default" if config.default else "       "
        printer.line(f"{config.name:<{width}}  {mark}  {config.describe()}")


def run(args: argparse.Namespace, printer: Printer, environ: dict[str, str]) -> int:
    expectations = load_expectations(args.expectations)
    out_dir = Path(args.out)
    if args.log:
        if args.config or args.list:
            raise UsageError("--log cannot be combined with --config or --list")
        paths = [Path(p) for p in args.log]
        for path in paths:
            if not path.is_file():
                raise UsageError(f"log file not found: {path}")
        reports = [replay_log(path, expectations, printer) for path in paths]
    else:
        configs = select_configs(load_configs(args.configs), args.config)
        if args.list:
            list_configs(configs, printer)
            return 0
        if not configs:
            raise UsageError("no configuration selected (none has default=yes); use --config")
        jobs, unavailable = prepare_jobs(configs, args, environ)
        printer.tag_lines = len(jobs) > 1
        out_dir.mkdir(parents=True, exist_ok=True)
        reports = [skipped_config(config, why, printer) for config, why in unavailable]
        reports += [run_job(job, out_dir, expectations, printer) for job in jobs]
    write_junit(out_dir / "junit.xml", reports)
    return print_summary(reports, printer)


def parse_args_or_status(parser: argparse.ArgumentParser, argv: list[str] | None):
    """argparse without SystemExit, for the host tools' main(argv): (arguments, None), or (None, the
    exit status) after --help (0) or a usage error argparse has already printed (2)."""
    try:
        return parser.parse_args(argv), None
    except SystemExit as exc:
        return None, exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args, status = parse_args_or_status(build_parser(), argv)
    if args is None:
        return status
    printer = Printer(sys.stdout, sys.stderr, args.verbose,
                      live=sys.stdout.isatty() and os.environ.get("TERM", "dumb") != "dumb")
    try:
        return run(args, printer, dict(os.environ))
    except UsageError as exc:
        printer.error(f"runner.py: error: {exc}")
        return 2
    except OSError as exc:
        printer.error(f"runner.py: error: {exc}")
        return 2
    except KeyboardInterrupt:
        printer.error("runner.py: interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
