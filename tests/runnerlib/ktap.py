"""Console lines and KTAP version 1: the line splitter and the streaming parser."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from .common import BINARY_SHARE, MAX_BODY_LINES, MAX_LINE_BYTES, SHOWN_LINE_CHARS

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
