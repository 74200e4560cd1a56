#!/usr/bin/env python3
"""Unit tests of tests/checked.py on hand-written consoles (standard library only).

Each verdict is shown to fail when it should: a weakened case without a hazard,
a guaranteed case with one, a hazard outside any test, a DC/IC without an address
in a test, a register/mark disagreement, a stale translation, a disagreement on IDC/DIC, an incomplete firmware run.
"""

from __future__ import annotations

import contextlib
import io
import sys
import textwrap
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import checked  # noqa: E402
import runner  # noqa: E402

HEADER = """\
# checker: smc_checker IDC 0 DIC 0 line 64 cores 2 ram 0x40000000
KTAP version 1
# maintenance uses Dline 64 Iline 64 IDC 0 DIC 0 (safe for every online core)
1..2
"""

GOOD = HEADER + """\
    KTAP version 1
    # Subtest: same_core
    ok 1 line-aligned: new code ran
    ok 2 straddles a line: new code ran
    1..2
ok 1 same_core
    KTAP version 1
    # Subtest: checked_probe
    ok 1 correct: new code
    # checker: expect hazard: IDC 0 and the line was never cleaned
# hazard: core 0 addr 0x40381000 : no DC clean
# hazard: core 0 addr 0x40381040 : no DC clean
    ok 2 no DC: new code
    1..2
ok 2 checked_probe
# selfmod: 2 passed, 0 failed, 0 skipped
# checker: 2 hazards (2 shown), 0 stale-translation executions, 0 maintenance operations without an address mark
"""


def judge(console: str, traits=(0, 0, 64), exit_status=0, timed_out=False) -> checked.KtapOut:
    lines = console.splitlines()
    report = runner.parse_ktap(lines)
    run = runner.ProcessRun(exit_status, timed_out, 1.0)
    return checked.checked_results(checked.split_console(lines), report, run, traits, "test")


def failures(out: checked.KtapOut) -> list[str]:
    return [line.strip() for line in out.lines if line.strip().startswith("not ok")]


class Verdicts(unittest.TestCase):
    def test_good_run_passes(self):
        out = judge(GOOD)
        self.assertEqual(failures(out), [])
        self.assertEqual((out.passed, out.failed, out.skipped), (3, 0, 0))
        self.assertIn("    ok 2 no DC: new code: flagged (2 hazards), as the weakened sequence deserves", out.lines)

    def test_weakened_case_without_hazard_is_missed(self):
        out = judge(GOOD.replace("# hazard: core 0 addr 0x40381000 : no DC clean\n", "")
                    .replace("# hazard: core 0 addr 0x40381040 : no DC clean\n", ""))
        self.assertEqual(failures(out)[0], "not ok 2 no DC: new code: the checker missed it: no hazard, but the "
                         "architecture allows stale code here (IDC 0 and the line was never cleaned)")
        self.assertEqual(out.failed, 1)

    def test_hazard_in_guaranteed_case_fails(self):
        out = judge(GOOD.replace("    ok 2 straddles", "# hazard: core 1 addr 0x40202040 : no ISB\n    ok 2 straddles"))
        self.assertIn("not ok 2 straddles a line: new code ran: 1 hazards in a sequence the architecture "
                      "guarantees (our scenario or library is wrong)", failures(out))
        self.assertIn("    # hazard: core 1 addr 0x40202040 : no ISB", out.lines)

    def test_expectation_applies_to_one_case_only(self):
        console = GOOD.replace("    ok 2 no DC: new code\n", "    ok 2 no DC: new code\n"
                               "# hazard: core 0 addr 0x1 : x\n    ok 3 correct again\n")
        self.assertIn("not ok 3 correct again: 1 hazards in a sequence the architecture guarantees (our scenario "
                      "or library is wrong)", failures(judge(console)))

    def test_hazard_outside_tests_fails(self):
        before = judge(GOOD.replace("KTAP version 1\n", "KTAP version 1\n# hazard: core 0 addr 0x1 : boot\n", 1))
        after = judge(GOOD + "# hazard: core 0 addr 0x2 : after\n")
        for out in (before, after):
            self.assertIn("not ok 2 no hazard outside a test (1)", failures(out))

    def test_hazard_after_last_case_is_judged(self):
        out = judge(GOOD.replace("ok 1 same_core", "# hazard: core 0 addr 0x3 : teardown\nok 1 same_core"))
        self.assertIn("not ok 3 after its last case: 1 hazards in a sequence the architecture guarantees "
                      "(our scenario or library is wrong)", failures(out))

    def test_unmarked_and_stale_fail(self):
        out = judge(GOOD.replace("    ok 1 line-aligned", "# checker: core 0 pc 0x40082df0: DC clean without an "
                                 "address mark (...): not modelled\n    ok 1 line-aligned")
                    + "# stale-translation: core 1 addr 0x40230000 : QEMU ran a translation ...\n")
        self.assertIn("not ok 3 every DC/IC by address in a test had a physical address (1 did not; 0 at boot)",
                      failures(out))
        self.assertIn("not ok 5 QEMU ran no stale translation (1)", failures(out))

    def test_unplaced_dc_at_boot_is_only_shown(self):
        boot = ("# checker: core 0 pc 0x400840e0: DC clean X20 = 0x4009de00: MMU on and no access through that "
                "page seen since the last TLBI, so no physical address: not modelled\n")
        out = judge(GOOD.replace("KTAP version 1\n", "KTAP version 1\n" + boot, 1))
        self.assertEqual(failures(out), [])
        self.assertIn("    ok 3 every DC/IC by address in a test had a physical address (0 did not; 1 at boot)",
                      out.lines)

    def test_register_and_mark_disagree_fails(self):
        out = judge(GOOD + "# checker: core 0 pc 0x40082df0: IC IVAU register address disagrees with its mark: "
                    "X3 = 0x1000 (pa 0x41001000), mark pa 0x40001000 (the mark is used)\n")
        self.assertIn("not ok 4 the register and the address mark of every DC/IC name the same line (1 did not)",
                      failures(out))

    def test_disagreement_on_idc_fails(self):
        self.assertIn("not ok 1 plugin (IDC, DIC, line) (0, 0, 64) and firmware (1, 0, 64) agree",
                      failures(judge(GOOD.replace("IDC 0 DIC 0 (safe", "IDC 1 DIC 0 (safe"))))
        self.assertIn("not ok 1 plugin (IDC, DIC, line) (0, 0, 64) and firmware (0, 0, 64) agree",
                      failures(judge(GOOD, traits=(1, 0, 64))))
        self.assertIn("not ok 1 plugin (IDC, DIC, line) (0, 0, 64) and firmware (0, 0, 64) agree",
                      failures(judge(GOOD, traits=(0, 0, 256))))
        self.assertTrue(failures(judge(GOOD.replace("# checker: smc_checker", "# checker: gone"))))

    def test_incomplete_or_failed_firmware_run_fails(self):
        cut = GOOD[:GOOD.index("ok 2 checked_probe")]
        self.assertTrue(any("the firmware run completed" in f for f in failures(judge(cut, timed_out=True))))
        self.assertTrue(any("the firmware run completed" in f for f in failures(judge(GOOD, exit_status=1))))
        self.assertIn("not ok 1 line-aligned: new code ran: the firmware reported not ok",
                      failures(judge(GOOD.replace("    ok 1 line-aligned", "    not ok 1 line-aligned"))))

    def test_skipped_case_and_test_without_cases(self):
        console = GOOD.replace("    ok 2 no DC: new code", "    ok 2 no DC: new code # SKIP needs 2 cores")
        console = console.replace("1..2\n    KTAP", "1..3\n    KTAP", 1)
        console = console.replace("# selfmod:", "ok 3 empty # SKIP not selected\n# selfmod:")
        out = judge(console)
        self.assertIn("    ok 2 no DC: new code: skipped by the firmware # SKIP", out.lines)
        self.assertIn("ok 3 empty # SKIP", out.lines)


class CommandLine(unittest.TestCase):
    def run_main(self, *argv: str) -> tuple[int, str]:
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            status = checked.main(list(argv))
        return status, err.getvalue()

    def test_missing_files_and_bad_configs_are_usage_errors(self):
        status, err = self.run_main("--config", "a72-el1-smp4", "--image", "/nonexistent.bin")
        self.assertEqual((status, err.strip()), (2, "checked.py: error: checked image (make CHECKED=1 build) "
                                                  "not found: /nonexistent.bin"))
        here = Path(__file__)
        for name, message in (("a72-mttcg-smp4", "needs one global order"), ("host-unit", "not a QEMU"),
                              ("nonesuch", "no configuration named")):
            status, err = self.run_main("--config", name, "--image", str(here), "--plugin", str(here))
            self.assertEqual(status, 2, err)
            self.assertIn(message, err)

    def test_plugin_follows_the_qemu_version(self):
        self.assertEqual(checked.choose_plugin((7, 2)), "build/host/smc_checker.so")
        self.assertEqual(checked.choose_plugin((10, 0)), "build/host/smc_checker-api4.so")
        for version in ((9, 0), (10, 1), (6, 2)):
            with self.assertRaisesRegex(runner.UsageError, "no checker plugin build for QEMU"):
                checked.choose_plugin(version)

    def test_config_is_required(self):
        status, _ = self.run_main()
        self.assertEqual(status, 2)


if __name__ == "__main__":
    unittest.main()
