"""Self-tests of "never hang, never lie": each failure is provoked on purpose and the exact report asserted.

They boot the firmware image (build/virt/selfmod.bin, built by `make test` before it runs these)
under QEMU with deliberate defects (inject=...), bad boot arguments, a deadline cut short, or a
console cut in the middle of a line, and check what the firmware and the host runner say.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import unittest
from pathlib import Path

import runner

HERE = Path(__file__).resolve().parent

ROOT = HERE.parent
IMAGE = Path(os.environ.get("SELFMOD_IMAGE", ROOT / "build/virt/selfmod.bin"))
QEMU = os.environ.get("QEMU", "qemu-system-aarch64")


def boot(append: str, smp: int = 2, timeout: float = 30.0) -> tuple[int | None, list[str]]:
    """Boot the image with these boot arguments; the exit status and the console lines."""
    config = runner.Config(name="selftest", machine="virt", cpu="cortex-a72", smp=smp, accel="tcg,thread=single")
    argv = runner.qemu_argv(config, str(IMAGE), append, [QEMU])
    output = bytearray()
    run = runner.run_process(argv, timeout, output.extend)
    if run.timed_out:
        raise AssertionError(f"QEMU still running after {timeout} s with {append!r}")
    return run.exit_status, runner.split_lines(bytes(output))


def run_runner(*argv: str) -> tuple[int, list[str]]:
    """tests/runner.py in-process: its exit status and its output lines."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        status = runner.main(list(argv))
    return status, out.getvalue().splitlines()


@unittest.skipUnless(IMAGE.exists(), f"{IMAGE} not built (make test builds it first)")
class BadBootArguments(unittest.TestCase):
    """Each bad boot argument: a message naming it, nothing run, exit status 2."""

    CASES = {
        "bogus=1": "unknown boot argument 'bogus=1' (valid: run=",
        "list=1": "unknown boot argument 'list=1'",
        "iterations=0": "'iterations=0': iterations must be a whole number from 1 to 1000000000",
        "iterations=12abc": "'iterations=12abc': iterations must be a whole number",
        "iterations=1000000001": "'iterations=1000000001': iterations must be",
        "seed=-1": "'seed=-1': seed must be a whole number",
        "test_timeout=0": "'test_timeout=0': timeouts are whole seconds from 1 to 86400",
        "run=": "'run=': run= needs a test name, group or glob",
        "run=cross_core,": "'run=cross_core,': run= ends with a comma",
        "run=nothing": "run=nothing matches no test or group",
        "inject=nope": "inject=nope is not a defect any selected test knows",
        "core_lines=48": "'core_lines=48': core_lines= takes line sizes in bytes, powers of two from 16 to 2048",
        "core_lines=64,": "'core_lines=64,': core_lines= takes line sizes",
    }

    def test_each_bad_argument_is_named_and_nothing_runs(self):
        for arg, message in self.CASES.items():
            with self.subTest(arg=arg):
                status, lines = boot(arg)
                self.assertEqual(status, 2, lines)
                errors = [line for line in lines if line.startswith("# error: ")]
                self.assertEqual(len(errors), 1, lines)
                self.assertIn(message, errors[0])
                self.assertIn("Bail out! bad boot arguments: nothing was run", lines)
                self.assertIn("#   cross_core [smc] inject: stale_reader reader_never_wakes", lines)
                self.assertFalse([line for line in lines if line.startswith(("ok ", "not ok ", "1.."))], lines)

    def test_core_lines_without_el2_is_refused(self):
        """core_lines= needs the EL2 monitor; booted at EL1 the image says so and runs nothing."""
        status, lines = boot("core_lines=64,32")
        self.assertEqual(status, 2, lines)
        self.assertIn("# error: core_lines= needs the EL2 monitor: boot the image at EL2 "
                      "(QEMU: -M virt,virtualization=on)", lines)
        self.assertIn("Bail out! bad boot arguments: nothing was run", lines)
        self.assertFalse([line for line in lines if line.startswith(("ok ", "not ok ", "1.."))], lines)


@unittest.skipUnless(IMAGE.exists(), f"{IMAGE} not built (make test builds it first)")
class ProvokedFailures(unittest.TestCase):
    """A hang, a lost core, a missed run deadline, a check that finds nothing: exact reports."""

    def test_core0_hang_is_stopped_at_the_test_deadline_and_the_suite_goes_on(self):
        status, lines = boot("inject=hang_core0 test_timeout=1 run=deadline,same_core")
        self.assertEqual(status, 1)
        self.assertIn("    not ok 2 finished within the test's deadline of 1 s # TIMEOUT", lines)
        self.assertIn("not ok 1 deadline", lines)
        self.assertIn("ok 2 same_core", lines)
        self.assertEqual(lines[-1], "# selfmod: 1 passed, 1 failed, 0 skipped")

    def test_a_reader_that_never_wakes_is_lost_and_later_tests_skip_with_the_reason(self):
        status, lines = boot("inject=reader_never_wakes run=cross_core,fault_other_core")
        self.assertEqual(status, 1)
        self.assertIn("    not ok 1 core 1 did not finish by the deadline # TIMEOUT", lines)
        self.assertIn("    # core 1 is marked lost: later tests that need it are skipped", lines)
        self.assertIn("not ok 1 cross_core", lines)
        self.assertIn("ok 2 fault_other_core # SKIP needs 2 cores, 1 online (core 1 lost)", lines)
        self.assertEqual(lines[-1], "# selfmod: 0 passed, 1 failed, 1 skipped")

    def test_the_run_deadline_ends_the_run_with_a_complete_plan(self):
        status, lines = boot("run_timeout=1 iterations=100000000 run=same_core,cross_core")
        self.assertEqual(status, 1)
        self.assertIn("1..2", lines)
        self.assertIn("    not ok 1 finished within the run's deadline of 1 s # TIMEOUT", lines)
        self.assertIn("    not ok 1 started before the run's deadline of 1 s", lines)
        self.assertIn("not ok 2 cross_core", lines)

    def test_a_probe_that_does_not_fault_is_not_ok(self):
        status, lines = boot("inject=no_fault run=faults")
        self.assertEqual(status, 1)
        self.assertIn("    not ok 2 write to image code: caught", lines)
        self.assertIn("    # expected EC 0x25, observed no exception at all", lines)
        self.assertIn("    not ok 6 unaligned exclusive load across a 16-byte boundary: caught", lines)
        self.assertIn("    # FEAT_LSE2 not implemented: every unaligned exclusive access faults: "
                      "expected EC 0x25, observed no exception at all", lines)

    def test_the_wrong_lse2_rule_is_not_ok(self):
        """cortex-a72 has no FEAT_LSE2: taken as an LSE2 core, its unaligned exclusive load must fail the check."""
        status, lines = boot("inject=wrong_lse2 run=faults")
        self.assertEqual(status, 1)
        self.assertIn("    not ok 5 unaligned exclusive load within a 16-byte quantity: data abort", lines)
        self.assertTrue(any(line.startswith("    # FEAT_LSE2: an exclusive access within one aligned 16-byte "
                                            "quantity does not fault: expected no fault") for line in lines), lines)
        self.assertIn("    ok 6 unaligned exclusive load across a 16-byte boundary: caught as data abort", lines)

    def test_faults_are_reported_with_esr_elr_far_and_core(self):
        status, lines = boot("run=faults,fault_other_core")
        self.assertEqual(status, 0, lines)
        record = r"core [01]: [a-z ]+ \(EC 0x[0-9a-f]{2}\) ESR=0x[0-9a-f]{8} ELR=0x[0-9a-f]+ FAR=0x[0-9a-f]+$"
        reports = [line for line in lines if line.startswith("    # ") and "ESR=" in line]
        self.assertEqual(len(reports), 9, lines)  # 8 probes of faults (cortex-a72: no FEAT_LSE2), 1 other core
        for line in reports:
            self.assertRegex(line, r"^    # (.*observed )?" + record)


@unittest.skipUnless(IMAGE.exists(), f"{IMAGE} not built (make test builds it first)")
class HostSide(unittest.TestCase):
    """The runner kills QEMU past its deadline and reports what it got; a cut console still counts."""

    def test_qemu_killed_mid_run_reports_every_missing_test_as_failed(self):
        with tempfile.TemporaryDirectory() as out:
            status, lines = run_runner("--config", "a72-el1-smp4", "--image", str(IMAGE), "--out", out,
                                       "--timeout", "2", "--append", "iterations=100000000 run_timeout=100")
        self.assertEqual(status, 1)
        self.assertTrue(any("killed" in line for line in lines), lines)
        self.assertRegex(lines[-1], r"^\d+ passed, [1-9]\d* failed, \d+ skipped$")

    def test_console_cut_in_the_middle_of_a_line(self):
        status, lines = boot("run=same_core,cross_core")
        self.assertEqual(status, 0)
        text = "\n".join(lines)
        cut = text[: text.index("ok 1 same_core") + 5]  # "ok 1 " and no name, no newline
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp, "cut.log")
            log.write_text(cut)
            status, out = run_runner("--log", str(log), "--out", tmp)
        self.assertEqual(status, 1)
        self.assertEqual(out[-1], "0 passed, 2 failed, 0 skipped")


if __name__ == "__main__":
    unittest.main()
