"""Judging results against the expectations, printing progress, the summary and JUnit XML."""

from __future__ import annotations

import collections
import re
import shutil
import signal
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from .common import (
    FAILED, HEARTBEAT_EVERY, KIND_FAIL, KIND_KNOWN_DEFECT, MAX_NOISE_ECHO, MAX_SHOWN_LINES, PASSED, SKIPPED,
    STATUS_EVERY, TAIL_LINES, seconds)
from .config import Expectation
from .ktap import KtapParser, KtapReport, LineSplitter, TestResult, shown_text

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
    """Line-buffered progress output. Safe to share between configurations running at the same time:
    each call prints whole lines, and show() prints a result with its detail lines as one block."""
    out: TextIO
    err: TextIO
    verbose: bool = False
    tag_lines: bool = True  # echoed console lines start "[config] " (not when one config runs)
    live: bool = False      # a terminal: a status line redrawn in place (else a heartbeat line)
    _status_shown: bool = False
    _status_at: float = 0.0
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def status(self, text: str) -> None:
        """The running configuration's progress: redrawn in place on a terminal (at most every
        STATUS_EVERY s), else printed as a plain line every HEARTBEAT_EVERY s (one line for every
        configuration running at that moment: whichever asks first)."""
        with self.lock:
            self._status(text)

    def _status(self, text: str) -> None:
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
        with self.lock:
            self.clear_status()
            print(text, file=self.out, flush=True)

    def error(self, text: str) -> None:
        with self.lock:
            print(text, file=self.err, flush=True)

    def show(self, config: str, outcome: Outcome) -> None:
        """Print one outcome as it becomes known, with its detail lines, as one block."""
        with self.lock:
            self._show(config, outcome)

    def _show(self, config: str, outcome: Outcome) -> None:
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


def print_summary(reports: list[ConfigReport], printer: Printer) -> int:
    """Per-config lines, then the grand total as the very last line; return the exit status."""
    printer.line()
    for report in reports:
        printer.line(f"{report.name}: {report.summary()}")
    total = ConfigReport("total", [o for r in reports for o in r.outcomes])
    printer.line(total.summary())
    return 0 if total.count(FAILED) == 0 else 1
