#!/usr/bin/env python3
"""Unit tests of tests/runner.py (standard library only).

Run from the repository root:
    python3 -m unittest discover -s tests -p 'test_*.py'
    python3 tests/test_runner.py
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import sys
import tempfile
import textwrap
import time
import unittest
from unittest import mock
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import runner  # noqa: E402
from runner import FAILED, PASSED, SKIPPED  # noqa: E402

NORMAL_RUN = """\
U-Boot noise before the suite
KTAP version 1
# selfmod on cortex-a72, 4 cores
1..4
    KTAP version 1
    # Subtest: cross_core
    1..2
    ok 1 publish_flag
    ok 2 reader_isb
# cross_core: 20000 rounds, 0 stale
ok 1 cross_core
    KTAP version 1
    1..2
    ok 1 same_line
    # expected 0 stale, observed 3
    not ok 2 next_line
not ok 2 same_core
ok 3 dual_mapping # SKIP no MMU alias on this core
ok 4 wx_flip
# selfmod: 2 passed, 1 failed, 1 skipped
"""


def lines(text: str) -> list[str]:
    return text.splitlines()


def exp(glob: str, test: str, kind: str, reason: str = "because") -> runner.Expectation:
    return runner.Expectation(glob, test, kind, reason)


def statuses(outcomes: list[runner.Outcome]) -> list[tuple[str, str]]:
    return [(o.name, o.status) for o in outcomes]


class ParseTests(unittest.TestCase):
    def test_normal_run_with_subtests_and_skip(self):
        report = runner.parse_ktap(lines(NORMAL_RUN))
        self.assertEqual(report.version, "KTAP version 1")
        self.assertEqual(report.plan, 4)
        self.assertEqual(report.header, ["# selfmod on cortex-a72, 4 cores"])
        self.assertEqual([(r.number, r.name, r.ok) for r in report.results],
                         [(1, "cross_core", True), (2, "same_core", False),
                          (3, "dual_mapping", True), (4, "wx_flip", True)])
        self.assertTrue(report.results[2].skipped)
        self.assertEqual(report.results[2].directive, "SKIP no MMU alias on this core")
        self.assertIn("# cross_core: 20000 rounds, 0 stale", report.results[0].body)
        self.assertIn("    # expected 0 stale, observed 3", report.results[1].body)
        self.assertEqual(report.trailer, ["# selfmod: 2 passed, 1 failed, 1 skipped"])
        self.assertEqual(report.warnings, [])
        outcomes = runner.evaluate(report, [], runner.RunStatus(exit_status=1))
        self.assertEqual(statuses(outcomes), [("cross_core", PASSED), ("same_core", FAILED),
                                              ("dual_mapping", SKIPPED), ("wx_flip", PASSED)])

    def test_failing_test_shows_nested_diagnostics(self):
        report = runner.parse_ktap(lines(NORMAL_RUN))
        notable = runner.notable_lines(report.results[1].body)
        self.assertEqual(notable, ["    # expected 0 stale, observed 3", "    not ok 2 next_line"])

    def test_truncated_log_counts_missing_tests(self):
        text = "KTAP version 1\n1..4\nok 1 a\nok 2 b\n    # half of test 3\n"
        report = runner.parse_ktap(lines(text))
        run = runner.RunStatus(exit_status=None, timed_out=True, timeout=60, tail=["    # half of test 3"])
        outcomes = runner.evaluate(report, [], run)
        self.assertEqual(statuses(outcomes), [("a", PASSED), ("b", PASSED),
                                              ("missing test 3", FAILED), ("missing test 4", FAILED)])
        self.assertIn("run timed out after 60 s", outcomes[2].message)
        self.assertEqual(outcomes[2].details, ["    # half of test 3"])

    def test_console_ended_reason(self):
        report = runner.parse_ktap(lines("KTAP version 1\n1..2\nok 1 a\n"))
        outcomes = runner.evaluate(report, [], runner.RunStatus(exit_status=1))
        self.assertEqual(outcomes[-1].message, "missing test 2 (console ended, exit status 1)")

    def test_no_plan(self):
        for text in ("", "just garbage\n", "KTAP version 1\n# header only\n"):
            with self.subTest(text=text):
                report = runner.parse_ktap(lines(text))
                outcomes = runner.evaluate(report, [], runner.RunStatus(exit_status=0))
                self.assertEqual(outcomes[0].name, "no KTAP plan")
                self.assertEqual(outcomes[0].status, FAILED)
                # exit status 0 while the run failed is reported too
                self.assertEqual([o.name for o in outcomes], ["no KTAP plan", "exit status"])

    def test_garbled_lines_and_crlf(self):
        raw = (b"\x00\xffboot\r\n\x00KTAP version 1\r\r\n1..3\r\r\n"
               b"\xde\xad garbage \x1b[0m\r\n"
               b"ok 1 first\r\r\nnonsense ok 9 not_a_result\r\n"
               b"not ok 2 second # TIMEOUT\r\r\n"
               b"ok 3 caf\xc3\xa9\r\n")
        report = runner.parse_ktap(runner.split_lines(raw))
        self.assertEqual(report.plan, 3)
        self.assertEqual([(r.name, r.ok, r.directive) for r in report.results],
                         [("first", True, ""), ("second", False, "TIMEOUT"), ("caf\u00e9", True, "")])
        self.assertFalse(any("\r" in line for line in runner.split_lines(raw)))

    def test_partial_last_line(self):
        raw = b"KTAP version 1\n1..2\nok 1 a\nok 2 b"  # no final newline
        splitter = runner.LineSplitter()
        self.assertEqual(splitter.feed(raw), ["KTAP version 1", "1..2", "ok 1 a"])
        self.assertEqual(splitter.flush(), ["ok 2 b"])
        # A line the console cut off is kept, but never counted as a result.
        session = runner.ConsoleSession("cfg", [], runner.Printer(io.StringIO(), io.StringIO(), False))
        session.feed(raw)
        report = session.close()
        self.assertEqual([r.name for r in report.results], ["a"])
        self.assertIn("console ended in the middle of a line: 'ok 2 b'", report.warnings)

    def test_chunks_split_mid_line(self):
        splitter = runner.LineSplitter()
        out = []
        for piece in (b"KTAP ver", b"sion 1\r", b"\r\n1..1\nok 1 x", b"\n"):
            out += splitter.feed(piece)
        self.assertEqual(out, ["KTAP version 1", "1..1", "ok 1 x"])

    def test_numbering_warning_but_recorded(self):
        report = runner.parse_ktap(lines("KTAP version 1\n1..2\nok 1 a\nok 5 b\n"))
        self.assertEqual([r.number for r in report.results], [1, 5])
        self.assertEqual(len(report.warnings), 1)
        self.assertIn("expected test number 2", report.warnings[0])

    def test_more_results_than_planned(self):
        report = runner.parse_ktap(lines("KTAP version 1\n1..1\nok 1 a\nok 2 b\n"))
        outcomes = runner.evaluate(report, [], runner.RunStatus(exit_status=0))
        self.assertEqual([o.name for o in outcomes if o.status == FAILED], ["too many results"])

    def test_bail_out_ends_parsing(self):
        text = "KTAP version 1\n1..3\nok 1 a\nBail out! MMU fault\nok 2 b\n"
        report = runner.parse_ktap(lines(text))
        self.assertEqual(report.bail_out, "MMU fault")
        self.assertEqual([r.name for r in report.results], ["a"])
        outcomes = runner.evaluate(report, [], runner.RunStatus(exit_status=1))
        self.assertIn("bailed out: MMU fault", outcomes[1].message)
        self.assertEqual(len([o for o in outcomes if o.status == FAILED]), 2)

    def test_tap_version_and_escaped_hash(self):
        report = runner.parse_ktap(lines("TAP version 14\n1..1\nok 1 - name \\# 1 # SKIP why\n"))
        self.assertEqual(report.results[0].name, "name # 1")
        self.assertTrue(report.results[0].skipped)

    def test_firmware_summary_mismatch_warns(self):
        text = "KTAP version 1\n1..1\nok 1 a\n# selfmod: 0 passed, 1 failed, 0 skipped\n"
        report = runner.parse_ktap(lines(text))
        self.assertEqual(len(report.warnings), 1)
        self.assertIn("does not match", report.warnings[0])


class ShownTextTests(unittest.TestCase):
    def test_control_characters_escaped(self):
        self.assertEqual(runner.shown_text("a\x1b[2Jb\tc\x7f"), "a\\x1b[2Jb\tc\\x7f")
        self.assertEqual(runner.shown_text("caf\u00e9 \ufffd"), "caf\u00e9 \\ufffd")

    def test_plain_text_unchanged(self):
        self.assertEqual(runner.shown_text("ok 1 cross_core # SKIP x"), "ok 1 cross_core # SKIP x")

    def test_binary_summarised(self):
        self.assertEqual(runner.shown_text("\x00\x01\x02ab"),
                         "<5 characters of binary output, 3 unprintable: see the log>")

    def test_long_line_cut(self):
        text = runner.shown_text("x" * 500)
        self.assertTrue(text.startswith("x" * runner.SHOWN_LINE_CHARS + "... (300 more characters"))


class ProgressTests(unittest.TestCase):
    def test_progress_text(self):
        progress = runner.Progress("a72", 60.0)
        report = runner.KtapReport(results=[runner.TestResult(1, "x", True)])
        for line in ("# deadlines: 30 s per test, 600 s for the run", "    # Subtest: cross_core"):
            self.assertFalse(progress.feed(line, report))
        self.assertTrue(progress.feed("    # progress: 50/200", report))
        progress.started, progress.test_started = 100.0, 108.0
        self.assertEqual(progress.text(19, now=120.0),
                         "[a72] test 2/19 cross_core: 50/200 rounds (25%), 12 s of 30 s; run 20 s of 60 s")
        self.assertFalse(progress.feed("    # Subtest: same_core", report))
        self.assertEqual(progress.rounds, None)  # a new test starts without rounds
        self.assertEqual(runner.Progress("b", 5.0, started=0.0).text(None, now=2.0), "[b] run 2 s of 5 s")

    def test_status_line_on_a_terminal(self):
        out = io.StringIO()
        printer = runner.Printer(out, io.StringIO(), live=True)
        with mock.patch.object(runner, "STATUS_EVERY", 0.0):
            printer.status("[a] test 1/2 x")
            printer.line("ok 1 x")
        self.assertEqual(out.getvalue(), "\r\x1b[K[a] test 1/2 x\r\x1b[Kok 1 x\n")

    def test_heartbeat_when_not_a_terminal(self):
        out = io.StringIO()
        printer = runner.Printer(out, io.StringIO())
        printer.status("[a] run 1 s of 60 s")
        self.assertEqual(out.getvalue(), "")  # quiet for the first HEARTBEAT_EVERY seconds
        with mock.patch.object(runner, "HEARTBEAT_EVERY", 0.0):
            printer.status("[a] run 61 s of 60 s")
        self.assertEqual(out.getvalue(), "[a] run 61 s of 60 s (still running)\n")
        self.assertNotIn("\x1b", out.getvalue())


class ExpectationTests(unittest.TestCase):
    def judge(self, line: str, *expectations: runner.Expectation) -> runner.Outcome:
        result = runner.parse_result_line(line)
        result.body = ["    # observed 5 stale"]
        return runner.judge(result, list(expectations))

    def test_expected_fail_seen_as_not_ok_passes(self):
        outcome = self.judge("not ok 1 cross_core", exp("broken-*", "cross_core", "fail", "injected"))
        self.assertEqual(outcome.status, PASSED)
        self.assertEqual(outcome.label, "expected not ok: cross_core (injected)")

    def test_expected_fail_seen_as_ok_fails(self):
        outcome = self.judge("ok 1 cross_core", exp("broken-*", "cross_core", "fail", "injected"))
        self.assertEqual(outcome.status, FAILED)
        self.assertEqual(outcome.message, "unexpectedly passed: cross_core (injected)")

    def test_expected_fail_skipped_fails(self):
        outcome = self.judge("ok 1 cross_core # SKIP", exp("*", "cross_core", "fail"))
        self.assertEqual(outcome.status, FAILED)

    def test_known_defect(self):
        defect = exp("a72-mttcg-*", "cross_core", "known-defect", "QEMU bug")
        outcome = self.judge("not ok 1 cross_core", defect)
        self.assertEqual(outcome.status, SKIPPED)
        self.assertEqual(outcome.label, "KNOWN DEFECT: cross_core: QEMU bug")
        not_seen = self.judge("ok 1 cross_core", defect)
        self.assertEqual(not_seen.status, PASSED)
        self.assertEqual(not_seen.label, "ok cross_core: known defect not seen in this run: QEMU bug")

    def test_other_tests_unaffected(self):
        self.assertEqual(self.judge("not ok 2 same_core", exp("*", "cross_core", "fail")).status, FAILED)

    def test_expected_failure_never_reported(self):
        report = runner.parse_ktap(lines("KTAP version 1\n1..1\nok 1 other\n"))
        outcomes = runner.evaluate(report, [exp("*", "cross_core", "fail", "r")],
                                   runner.RunStatus(exit_status=1), expect_exit=1)
        self.assertEqual(statuses(outcomes)[-1], ("expected failure: cross_core", FAILED))
        self.assertIn("expected failure not seen", outcomes[-1].message)

    def test_glob_matching(self):
        self.assertTrue(exp("a72-mttcg-*", "t", "fail").applies_to("a72-mttcg-smp4"))
        self.assertFalse(exp("a72-mttcg-*", "t", "fail").applies_to("a72-el1-smp4"))

    def test_parse_errors_name_file_and_line(self):
        for text in ("* test bogus-kind reason\n", "# ok\n\n* test fail\n"):
            with self.subTest(text=text), self.assertRaises(runner.UsageError) as ctx:
                runner.parse_expectations(text, "exp.txt")
            self.assertRegex(str(ctx.exception), r"^exp\.txt:\d+: ")


class ExitStatusTests(unittest.TestCase):
    ALL_OK = "KTAP version 1\n1..2\nok 1 a\nok 2 b\n"
    ONE_FAIL = "KTAP version 1\n1..2\nnot ok 1 cross_core\nok 2 b\n"

    def failures(self, text, status, expectations=(), expect_exit=None, **run):
        report = runner.parse_ktap(lines(text))
        outcomes = runner.evaluate(report, list(expectations),
                                   runner.RunStatus(exit_status=status, **run), expect_exit)
        return [o.message for o in outcomes if o.status == FAILED]

    def test_consistent(self):
        self.assertEqual(self.failures(self.ALL_OK, 0), [])
        self.assertEqual(self.failures(self.ONE_FAIL, 1), ["not ok 1 cross_core"])

    def test_nonzero_exit_without_failures(self):
        self.assertEqual(self.failures(self.ALL_OK, 1), ["exit status 1 does not match the results"])

    def test_zero_exit_with_failures(self):
        self.assertEqual(self.failures(self.ONE_FAIL, 0),
                         ["not ok 1 cross_core", "exit status 0 does not match the results"])

    def test_expected_fail_uses_the_real_failure(self):
        fail = exp("*", "cross_core", "fail")
        self.assertEqual(self.failures(self.ONE_FAIL, 1, [fail]), [])
        self.assertEqual(self.failures(self.ONE_FAIL, 0, [fail]),
                         ["exit status 0 does not match the results"])

    def test_known_defect_exit_is_consistent(self):
        self.assertEqual(self.failures(self.ONE_FAIL, 1, [exp("*", "cross_core", "known-defect")]), [])

    def test_expect_exit(self):
        fail = exp("*", "cross_core", "fail")
        self.assertEqual(self.failures(self.ONE_FAIL, 1, [fail], expect_exit=1), [])
        messages = self.failures(self.ONE_FAIL, 0, [fail], expect_exit=1)
        self.assertEqual(len(messages), 1)
        self.assertIn("expects exit status 1", messages[0])

    def test_timeout_exit_not_checked(self):
        self.assertEqual(self.failures(self.ALL_OK, -15, timed_out=True, timeout=5),
                         ["timeout: all tests reported but the run did not end within 5 s"])

    def test_unknown_exit_status_not_checked(self):
        self.assertEqual(self.failures(self.ONE_FAIL, None), ["not ok 1 cross_core"])


class ConfigFileTests(unittest.TestCase):
    def test_shipped_files_are_valid(self):
        configs = runner.load_configs(runner.DEFAULT_CONFIGS)
        names = [c.name for c in configs]
        gating = [c for c in configs if not c.command and "thread=multi" not in c.accel]
        self.assertTrue(gating and all(c.accel == "tcg,thread=single" for c in gating))
        self.assertTrue(any("virtualization=on" in c.machine for c in configs), "an EL2-entry config")
        self.assertTrue(any("thread=multi" in c.accel for c in configs), "a multi-threaded config")
        expectations = runner.load_expectations(runner.DEFAULT_EXPECTATIONS)
        for e in expectations:
            with self.subTest(expectation=(e.config_glob, e.test)):
                matching = [c for c in configs if e.applies_to(c.name)]
                self.assertTrue(matching, "every expectation applies to some configuration")
                if e.kind == runner.KIND_FAIL:  # a deliberately broken build must also fail its exit status
                    self.assertTrue(all(c.expect_exit == 1 for c in matching))
        broken = [c for c in configs if c.name.startswith("broken-")]
        for config in broken:
            with self.subTest(config=config.name):
                self.assertIn("inject=", config.append)
                self.assertTrue(any(e.applies_to(config.name) and e.kind == runner.KIND_FAIL
                                    for e in expectations), "a broken build names the test that must fail")
        self.assertEqual(len(names), len(set(names)))

    def test_qemu_argv(self):
        config = runner.parse_config_line(
            'name=x machine=virt cpu=max smp=2 accel=tcg,thread=single append="a=1 b=2"', "f:1")
        argv = runner.qemu_argv(config, "img.bin", "c=3", ["qemu-system-aarch64"])
        self.assertEqual(argv, ["qemu-system-aarch64", "-M", "virt", "-cpu", "max", "-smp", "2",
                                "-m", "256M", "-accel", "tcg,thread=single", "-display", "none",
                                "-monitor", "none", "-serial", "stdio", "-nic", "none", "-semihosting-config",
                                "enable=on,target=native", "-no-reboot", "-kernel", "img.bin",
                                "-append", "a=1 b=2 c=3"])
        plain = runner.parse_config_line("name=y machine=virt cpu=max smp=1 accel=tcg", "f:2")
        self.assertNotIn("-append", runner.qemu_argv(plain, "i", "", ["q"]))

    def test_image_and_extra_keys(self):
        config = runner.parse_config_line(
            'name=pi machine=raspi3b cpu=cortex-a53 smp=4 memory=1G accel=tcg '
            'image=build/rpi3/kernel8.img extra="-dtb build/rpi3/rpi3.dtb"', "f:1")
        self.assertEqual((config.image, config.extra), ("build/rpi3/kernel8.img", "-dtb build/rpi3/rpi3.dtb"))
        argv = runner.qemu_argv(config, config.image, "run=x", ["q"])
        kernel = argv.index("-kernel")
        self.assertEqual(argv[kernel:], ["-kernel", "build/rpi3/kernel8.img", "-dtb", "build/rpi3/rpi3.dtb",
                                         "-append", "run=x"])
        self.assertIn("-dtb build/rpi3/rpi3.dtb; image build/rpi3/kernel8.img", config.describe())

    def test_config_image_overrides_command_line_image(self):
        with tempfile.TemporaryDirectory() as tmp:
            image = Path(tmp) / "pi.img"
            image.write_bytes(b"x")
            config = runner.parse_config_line(f"name=h command='true {{image}}' image={image}", "f:1")
            args = runner.build_parser().parse_args(["--image", "virt.bin"])
            (job,), _ = runner.prepare_jobs([config], args, {})
            self.assertEqual(job.argv, ["true", str(image)])
            missing = runner.parse_config_line("name=m command='true {image}' image=nowhere.img", "c.txt:7")
            with self.assertRaises(runner.UsageError) as ctx:
                runner.prepare_jobs([missing], args, {})
            self.assertIn("image not found: nowhere.img (needed by m; build it first or fix image= at c.txt:7)",
                          str(ctx.exception))

    def test_qemu_versions(self):
        both = runner.parse_configs("name=a machine=virt cpu=max smp=1 accel=tcg qemu=7.2,10\n"
                                    "name=n2 machine=virt cpu=neoverse-n2 smp=2 accel=tcg qemu=10\n", "c.txt")
        self.assertEqual([(c.name, c.qemu) for c in both], [("a", "7.2"), ("q10-a", "10"), ("n2", "10")])
        self.assertIn("QEMU 10", both[1].describe())
        for line, message in (("qemu=9", "each version must be one of 7.2, 10"),
                              ("qemu=10,10", "names a version twice")):
            with self.assertRaises(runner.UsageError) as ctx:
                runner.parse_configs(f"name=b machine=virt cpu=max smp=1 accel=tcg {line}", "c.txt")
            self.assertIn(message, str(ctx.exception))
        with self.assertRaises(runner.UsageError) as ctx:  # the expanded name collides with another
            runner.parse_configs("name=q10-a machine=virt cpu=max smp=1 accel=tcg\n"
                                 "name=a machine=virt cpu=max smp=1 accel=tcg qemu=7.2,10\n", "c.txt")
        self.assertIn("duplicate name 'q10-a'", str(ctx.exception))

    def test_qemu_version_binaries(self):
        args = runner.build_parser().parse_args(["--image", sys.executable])
        configs = runner.parse_configs("name=a machine=virt cpu=max smp=1 accel=tcg qemu=7.2,10\n"
                                       "name=c command='true' qemu=10\n", "c.txt")
        environ = {"QEMU": "true", "QEMU10": "false --ten"}
        jobs, unavailable = runner.prepare_jobs(configs, args, environ)
        self.assertEqual(unavailable, [])
        self.assertEqual([j.argv[0] for j in jobs], ["true", "false", "true"])
        self.assertEqual(jobs[1].argv[1], "--ten")
        self.assertEqual(jobs[2].env["QEMU"], "false --ten")  # a command= config finds its QEMU in $QEMU
        with mock.patch.object(runner, "STAGED_QEMU10", Path("/nonexistent")):
            jobs, unavailable = runner.prepare_jobs(configs, args, {"QEMU": "true"})
        self.assertEqual([j.config.name for j in jobs], ["a"])
        self.assertEqual([c.name for c, _ in unavailable], ["q10-a", "c"])
        self.assertIn("make qemu10", unavailable[0][1])
        out = io.StringIO()
        report = runner.skipped_config(*unavailable[0], runner.Printer(out, io.StringIO(), False))
        self.assertEqual(report.summary(), "0 passed, 0 failed, 1 skipped")
        self.assertIn("== q10-a: SKIP: QEMU 10 is not staged", out.getvalue())

    def test_command_substitutes_image(self):
        config = runner.parse_config_line("name=h command='bin/unit --image {image}'", "f:1")
        self.assertEqual(runner.config_argv(config, "a b.bin", "", ["q"]), ["bin/unit", "--image", "a b.bin"])

    def test_bad_lines(self):
        cases = {
            "name=a machine=virt cpu=max smp=1 accel=tcg colour=red": "unknown key 'colour'",
            "machine=virt cpu=max smp=1 accel=tcg": "missing name",
            "name=a machine=virt cpu=max smp=four accel=tcg": "not an integer",
            "name=a machine=virt cpu=max smp=1 accel=tcg timeout=0": "seconds > 0",
            "name=a machine=virt cpu=max smp=1 accel=tcg default=maybe": "yes or no",
            "name=a machine=virt cpu=max": "missing smp=, accel=",
            "name=a command='unterminated": "quotation",
            "name=../a command=x": "may only use",
            "name=a machine=virt cpu=max smp=1 accel=tcg extra=''": "extra= is empty",
            "name=a command=x image=": "image= is empty",
            "name=a command=x extra=-dtb": "cannot go with command=",
        }
        for line, message in cases.items():
            with self.subTest(line=line), self.assertRaises(runner.UsageError) as ctx:
                runner.parse_configs(f"# comment\n{line}\n", "c.txt")
            self.assertIn("c.txt:2: ", str(ctx.exception))
            self.assertIn(message, str(ctx.exception))

    def test_select(self):
        configs = runner.parse_configs(
            "name=a1 command=x\nname=a2 command=x default=no\nname=b command=x\n", "c")
        names = lambda patterns: [c.name for c in runner.select_configs(configs, patterns)]
        self.assertEqual(names(None), ["a1", "b"])
        self.assertEqual(names(["a*"]), ["a1", "a2"])
        self.assertEqual(names(["b", "a2", "b"]), ["a2", "b"])
        with self.assertRaises(runner.UsageError) as ctx:
            names(["zz*"])
        self.assertIn("valid names: a1, a2, b", str(ctx.exception))


class MainTests(unittest.TestCase):
    """End-to-end runs through main() with fake commands instead of QEMU."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = Path(self._tmp.name)
        self.out = self.tmp / "out"
        self.expectations = self.write("exp.txt", "broken cross_core fail injected on purpose\n")

    def tearDown(self):
        self._tmp.cleanup()

    def write(self, name: str, text: str) -> Path:
        path = self.tmp / name
        path.write_text(text)
        return path

    def script_command(self, name: str, body: str) -> str:
        """A command= value running a Python script (no shell involved)."""
        script = self.write(name, textwrap.dedent(body))
        return shlex.quote(f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}")

    def main(self, *argv: str) -> tuple[int, str, str]:
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = runner.main([*argv, "--out", str(self.out), "--expectations", str(self.expectations)])
        return code, stdout.getvalue(), stderr.getvalue()

    def run_configs(self, text: str, *argv: str) -> tuple[int, str, str]:
        return self.main("--configs", str(self.write("configs.txt", text)), *argv)

    def test_passing_command(self):
        cmd = self.script_command("ok.py", r"""
            import sys
            sys.stdout.write("KTAP version 1\r\n1..2\r\n    # sub\r\nok 1 a\r\nok 2 b # SKIP nope\r\n")
            sys.stdout.write("# selfmod: 1 passed, 0 failed, 1 skipped")  # no final newline
        """)
        code, out, err = self.run_configs(f"name=host command={cmd}\n")
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(out.splitlines()[-1], "1 passed, 0 failed, 1 skipped")
        self.assertIn("host: 1 passed, 0 failed, 1 skipped", out)
        self.assertIn("[host] ok 1 a", out)
        log = (self.out / "host.log").read_bytes()
        self.assertTrue(log.startswith(b"KTAP version 1\r\n1..2\r\n"))
        self.assertTrue(log.endswith(b"1 skipped"))
        suite = ET.parse(self.out / "junit.xml").getroot().find("testsuite")
        self.assertEqual(suite.get("name"), "host")
        self.assertEqual([c.get("name") for c in suite.iter("testcase")], ["a", "b"])
        self.assertIsNotNone(suite.find("testcase[@name='b']/skipped"))

    def test_failing_command_prints_diagnostics_and_junit(self):
        cmd = self.script_command("fail.py", r"""
            import sys
            print("KTAP version 1\n1..2\n    # observed 3 stale\x1b[0m\x00\n    not ok 1 sub\n"
                  "not ok 1 cross_core\nok 2 same_core")
            sys.exit(1)
        """)
        code, out, _ = self.run_configs(f"name=cfg command={cmd}\n")
        self.assertEqual(code, 1)
        self.assertIn("[cfg] not ok 1 cross_core\n        # observed 3 stale", out)
        self.assertEqual(out.splitlines()[-1], "1 passed, 1 failed, 0 skipped")
        failure = ET.parse(self.out / "junit.xml").getroot().find(".//failure")
        self.assertEqual(failure.get("message"), "not ok 1 cross_core")
        self.assertIn("observed 3 stale\\x1b[0m\\x00", failure.text)

    def test_expected_failure_end_to_end(self):
        cmd = self.script_command("broken.py", r"""
            import sys
            print("KTAP version 1\n1..1\n# stale: 7\nnot ok 1 cross_core")
            sys.exit(1)
        """)
        code, out, _ = self.run_configs(f"name=broken command={cmd} expect_exit=1\n")
        self.assertEqual(code, 0, out)
        self.assertIn("[broken] expected not ok: cross_core (injected on purpose)", out)
        self.assertEqual(out.splitlines()[-1], "1 passed, 0 failed, 0 skipped")

    def test_hanging_command_is_killed(self):
        cmd = self.script_command("hang.py", """
            import time
            print("KTAP version 1")
            print("1..2", flush=True)
            time.sleep(30)
        """)
        start = time.monotonic()
        code, out, _ = self.run_configs(f"name=hang command={cmd} timeout=30\n", "--timeout", "1")
        elapsed = time.monotonic() - start
        self.assertLess(elapsed, 8)
        self.assertEqual(code, 1)
        self.assertIn("[hang] TIMEOUT after 1 s", out)
        self.assertIn("missing test 1 (run timed out after 1 s)", out)
        self.assertEqual(out.splitlines()[-1], "0 passed, 2 failed, 0 skipped")
        self.assertEqual((self.out / "hang.log").read_bytes(), b"KTAP version 1\n1..2\n")

    def test_silent_command_ignoring_sigterm_is_killed(self):
        cmd = self.script_command("stubborn.py", """
            import signal, time
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            time.sleep(30)
        """)
        start = time.monotonic()
        code, out, _ = self.run_configs(f"name=stubborn command={cmd} timeout=0.5\n")
        self.assertLess(time.monotonic() - start, 8)
        self.assertEqual(code, 1)
        self.assertIn("no KTAP plan", out)

    def test_list(self):
        code, out, _ = self.main("--list")
        self.assertEqual(code, 0)
        self.assertIn("broken-stale-reader", out)
        self.assertIn("-M virt,virtualization=on -cpu cortex-a72 -smp 4", out)

    def test_config_errors_exit_2(self):
        for text, message in (("name=a command=x\nname=b command=x colour=red\n", ":2: unknown key"),
                              ("name=a command=x\n\nname=a command=y\n", ":3: duplicate name 'a'")):
            with self.subTest(message=message):
                code, out, err = self.run_configs(text)
                self.assertEqual(code, 2)
                self.assertIn(f"configs.txt{message}", err)
                self.assertNotIn("Traceback", out + err)

    def test_usage_errors_exit_2(self):
        configs = str(self.write("configs.txt", "name=q machine=virt cpu=max smp=1 accel=tcg\n"))
        cases = {
            ("--config", "nothing*"): "valid names: q",
            ("--image", str(self.tmp / "missing.bin")): "image not found",
            ("--log", str(self.tmp / "missing.log")): "log file not found",
            ("--timeout", "soon"): "not a number of seconds",
            ("--timeout", "-1"): "not a number of seconds",
        }
        for argv, message in cases.items():
            with self.subTest(argv=argv):
                code, out, err = self.main("--configs", configs, *argv)
                self.assertEqual(code, 2)
                self.assertIn(message, err)
                self.assertNotIn("Traceback", out + err)

    def test_log_mode(self):
        log = self.tmp / "broken.log"
        log.write_bytes(b"noise\r\nKTAP version 1\r\r\n1..2\r\r\nnot ok 1 cross_core\r\r\nok 2 x\r\n")
        code, out, _ = self.main("--log", str(log))
        self.assertEqual(code, 0, out)
        self.assertIn("[broken] expected not ok: cross_core", out)
        self.assertEqual(out.splitlines()[-1], "2 passed, 0 failed, 0 skipped")
        self.assertTrue((self.out / "junit.xml").is_file())

    def test_verbose_echoes_console(self):
        cmd = self.script_command("v.py", 'print("hello\\nKTAP version 1\\n1..1\\nok 1 a")')
        code, out, _ = self.run_configs(f"name=v command={cmd}\n", "--verbose")
        self.assertEqual(code, 0)
        self.assertIn("\nhello\n", out)  # one configuration: the console as it came
        self.assertNotIn("[v] hello", out)
        code, out, _ = self.run_configs(f"name=v command={cmd}\nname=w command={cmd}\n", "--verbose")
        self.assertEqual(code, 0)
        self.assertIn("[v] hello\n", out)  # several: each line says whose it is
        self.assertIn("[w] hello\n", out)
        self.assertEqual(out.count("[v] ok 1 a"), 1)

    def test_random_bytes_console(self):
        """A console that is not KTAP (here 3,000 random bytes): no raw control character reaches the
        terminal, the echo is capped, the raw bytes stay in the log, and the run fails clearly."""
        import random
        garbage = bytes(random.Random(18).randrange(256) for _ in range(3000))
        script = self.write("garbage.bin", "")
        script.write_bytes(garbage)
        cmd = self.script_command("g.py", f"""
            import sys
            sys.stdout.buffer.write(open({str(script)!r}, "rb").read())
            sys.exit(1)
        """)
        for verbose in ((), ("--verbose",)):
            code, out, _ = self.run_configs(f"name=g command={cmd}\n", *verbose)
            self.assertEqual(code, 1)
            self.assertIn("[g] FAIL: no KTAP plan (no 'KTAP version 1' line)", out)
            self.assertEqual(out.splitlines()[-1], "0 passed, 1 failed, 0 skipped")
            self.assertIsNone(re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd]", out), verbose)
            self.assertLess(len(out), 4000)
            self.assertEqual((self.out / "g.log").read_bytes(), garbage)
        log = self.write("garbage.log", "")
        log.write_bytes(garbage)
        code, out, _ = self.main("--log", str(log))
        self.assertEqual(code, 1)
        self.assertIsNone(re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd]", out))

    def test_echo_before_ktap_is_capped(self):
        cmd = self.script_command("n.py", """
            for i in range(500):
                print(f"noise {i}")
            print("KTAP version 1\\n1..1\\nok 1 a")
        """)
        code, out, _ = self.run_configs(f"name=n command={cmd}\n", "--verbose")
        self.assertEqual(code, 0)
        self.assertIn(f"noise {runner.MAX_NOISE_ECHO - 1}\n", out)
        self.assertNotIn(f"noise {runner.MAX_NOISE_ECHO}\n", out)
        self.assertIn("only in the log", out)
        self.assertIn("ok 1 a", out)  # echo resumes with the KTAP output

    def test_progress_lines_are_not_echoed(self):
        cmd = self.script_command("p.py", r"""
            print("KTAP version 1\n1..1\n    # Subtest: a\n    # progress: 1/4\n    # progress: 3/4\nok 1 a")
        """)
        code, out, _ = self.run_configs(f"name=p command={cmd}\n", "--verbose")
        self.assertEqual(code, 0, out)
        self.assertNotIn("progress", out)
        self.assertIn(b"# progress: 3/4", (self.out / "p.log").read_bytes())

    def test_help(self):
        code, out, _ = self.main("--help")
        self.assertEqual(code, 0)
        self.assertIn("examples:", out)


if __name__ == "__main__":
    unittest.main()
