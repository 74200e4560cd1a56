"""Unit tests of the LAVA monitor pattern (tests/lava/*.yaml) and of tests/lava/check.py's log reading.

The pattern is matched the way LAVA's monitor does it (pexpect: every pattern searched in the
buffer with re.DOTALL, the earliest match wins, the end pattern before the result pattern on a tie,
the buffer consumed up to the match's end), fed as a slow serial line would deliver it."""

import random
import re
import sys
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "lava"))
import check  # noqa: E402

JOBS = [HERE / "lava" / "qemu-virt.yaml", HERE / "lava" / "rpi4-sdmux.yaml"]


def monitor(path):
    """start, end, pattern and fixupdict from a job file (single-quoted or plain YAML scalars)."""
    text = path.read_text()

    def scalar(key):
        m = re.search(rf"^\s+{key}: (?:'((?:[^']|'')*)'|(.+))$", text, re.M)
        return (m.group(1).replace("''", "'") if m.group(1) is not None else m.group(2).strip())

    fixup = dict(re.findall(r"^\s+'([^']*)': (pass|fail|skip)$", text, re.M))
    return scalar("start"), scalar("end"), scalar("pattern"), fixup


def lava_monitor(chunks, path=JOBS[0]):
    """LAVA's monitor loop over a stream arriving in chunks: (case, result) list, end seen."""
    start, end, pattern, fixup = monitor(path)
    patterns = [re.compile(end, re.DOTALL), re.compile(pattern, re.DOTALL)]
    buffer, started, cases, ended = "", False, [], False
    for chunk in chunks:
        buffer += chunk
        if not started:
            i = buffer.find(start)
            if i < 0:
                continue
            started, buffer = True, buffer[i + len(start):]
        while not ended:
            found = [(m.start(), k, m) for k, p in enumerate(patterns) if (m := p.search(buffer))]
            if not found:
                break
            _, kind, match = min(found, key=lambda f: (f[0], f[1]))
            buffer = buffer[match.end():]
            if kind == 0:
                ended = True
            else:
                groups = match.groupdict()
                result = fixup.get(groups["result"], groups["result"])
                if result in ("pass", "fail", "skip", "unknown"):
                    cases.append((check.lava_case_id(groups["test_case_id"]), result))
    return cases, ended


CONSOLE = """boot noise ok 99 not_a_test
KTAP version 1
1..5
# selfmod on virt: header
    KTAP version 1
    ok 1 core 0 fine
    not ok 2 core 1 stale
    1..2
ok 1 cores_online
    KTAP version 1
    not ok 1 core 1: new code in 0 of 2000 rounds
    1..1
not ok 2 cross_core
ok 3 deadline # SKIP this board has no interrupt controller the suite drives
not ok 4 pipeline_sync #SKIP needs SGIs
ok 5 errata
# selfmod: 2 passed, 1 failed, 2 skipped
"""
EXPECTED = [("cores_online", "pass"), ("cross_core", "fail"), ("deadline", "skip"),
            ("pipeline_sync", "skip"), ("errata", "pass")]


def pieces(text, size):
    return [text[i:i + size] for i in range(0, len(text), size)]


class MonitorPatternTest(unittest.TestCase):
    def test_both_jobs_have_the_same_monitor(self):
        self.assertEqual(monitor(JOBS[0]), monitor(JOBS[1]))
        self.assertEqual(monitor(JOBS[0])[3], {"ok": "pass", "not ok": "fail", "ok ": "skip", "not ok ": "skip"})

    def test_whole_console(self):
        for ending in ("\n", "\r\n", "\r\r\n"):
            with self.subTest(ending=repr(ending)):
                self.assertEqual(lava_monitor([CONSOLE.replace("\n", ending)]), (EXPECTED, True))

    def test_slow_serial_line(self):
        """One byte at a time, a few bytes, random splits: never a truncated name or a lost case."""
        rng = random.Random(8)
        for ending in ("\n", "\r\r\n"):
            text = CONSOLE.replace("\n", ending)
            splits = [pieces(text, 1), pieces(text, 3), pieces(text, 7)]
            for _ in range(20):
                cuts = sorted(rng.sample(range(1, len(text)), 40))
                splits.append([text[a:b] for a, b in zip([0] + cuts, cuts + [len(text)])])
            for chunks in splits:
                with self.subTest(ending=repr(ending), chunks=len(chunks)):
                    self.assertEqual(lava_monitor(chunks), (EXPECTED, True))

    def test_partial_line_is_not_a_result(self):
        head = "KTAP version 1\r\r\n1..2\r\r\nok 1 same_co"
        self.assertEqual(lava_monitor([head]), ([], False))
        self.assertEqual(lava_monitor([head, "re\r", "\r", "\n"]), ([("same_core", "pass")], False))
        # Half a SKIP directive is not yet a pass either.
        self.assertEqual(lava_monitor([head + "re # SK"]), ([], False))
        self.assertEqual(lava_monitor([head + "re # SK", "IP why\r\r\n"]), ([("same_core", "skip")], False))

    def test_indented_subtests_and_noise_are_not_cases(self):
        cases, _ = lava_monitor([CONSOLE])
        self.assertNotIn("core", [c for c, _ in cases])
        self.assertNotIn("not_a_test", [c for c, _ in cases])

    def test_end_line_stops_monitoring(self):
        cases, ended = lava_monitor([CONSOLE + "ok 6 after_the_end\n"])
        self.assertTrue(ended)
        self.assertEqual(cases, EXPECTED)


class LavaLogTest(unittest.TestCase):
    LOG = "\n".join([
        '{"dt": "x", "lvl": "target", "msg": "KTAP version 1"}',
        '{"dt": "x", "lvl": "target", "msg": "1..2"}',
        '{"dt": "x", "lvl": "target", "msg": "ok 1 cores_online"}',
        '{"dt": "x", "lvl": "results", "msg": {"case": "cores_online", "definition": "selfmod", "result": "pass"}}',
        '{"dt": "x", "lvl": "target", "msg": "not ok 2 cross_core"}',
        '{"dt": "x", "lvl": "results", "msg": {"case": "cross_core", "definition": "selfmod", "result": "fail"}}',
        'not json at all', '{"broken": ',
        '{"dt": "x", "lvl": "results", "msg": {"case": "lava-test-monitor", "definition": "lava", '
        '"extra": {"status": "passed"}, "result": "pass"}}',
        '{"dt": "x", "lvl": "results", "msg": {"case": "job", "definition": "lava", "result": "pass"}}'])

    def test_parse(self):
        run = check.parse_lava_log(self.LOG)
        self.assertEqual(run.cases, [("cores_online", "pass"), ("cross_core", "fail")])
        self.assertEqual(run.job_result, "pass")
        self.assertEqual(run.monitor_status, "passed")
        report = check.runner.parse_ktap(run.console)
        self.assertEqual(report.plan, 2)
        self.assertEqual(check.compare(run.cases, check.runner_cases(report), "runner"), [])

    def test_disagreements_are_reported(self):
        ours = [("cores_online", "pass"), ("cross_core", "fail")]
        self.assertEqual(len(check.compare([("cores_online", "pass"), ("cross_core", "pass")], ours, "r")), 1)
        self.assertIn("LAVA reported 1 cases, r 2", check.compare(ours[:1], ours, "r"))
        self.assertEqual(len(check.compare([ours[1], ours[0]], ours, "r")), 2)

    def test_case_id_like_lava(self):
        self.assertEqual(check.lava_case_id(" Cross-Core.x "), "cross_core_x")


class SkipTest(unittest.TestCase):
    """An environment that cannot install LAVA is reported as SKIP with its reason, never a pass."""

    def test_no_apt_get_is_skip_with_reason(self):
        import contextlib
        import io
        from unittest import mock
        out = io.StringIO()
        with mock.patch.object(check, "installed", return_value=False), \
                mock.patch.object(check.shutil, "which", return_value=None), \
                mock.patch.object(check, "find_images", return_value={}), \
                contextlib.redirect_stdout(out):
            status = check.main(["--out", str(HERE.parent / "build" / "lava-skip-test")])
        self.assertEqual(status, 0)
        report = check.runner.parse_ktap(out.getvalue().splitlines())
        self.assertEqual(report.plan, len(check.JOBS) + 1)
        self.assertEqual(len(report.results), len(check.JOBS) + 1)
        for result in report.results:
            self.assertTrue(result.skipped, result.line)
            self.assertIn("not a Debian system (no apt-get)", result.directive)


if __name__ == "__main__":
    unittest.main()
