"""tests/qemu_defects.py without QEMU: the reproducers' count lines, the modes chosen per defect, the
verdicts and the text and summary lines, and clear usage errors."""

from __future__ import annotations

import contextlib
import io
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import qemu_defects as qd  # noqa: E402

STALE_B = next(d for d in qd.DEFECTS if d.name == "qemu_stale_b")
LDXR_WNR = next(d for d in qd.DEFECTS if d.name == "qemu_ldxr_wnr")


def measured(defect: qd.Defect, *boots: dict[str, int]) -> qd.Measure:
    m = qd.Measure(defect)
    for counts in boots:
        m.boots += 1
        m.add(counts)
    return m


class Parsing(unittest.TestCase):
    def test_decimal_and_hexadecimal_counts(self):
        console = ("    # LDXR (exclusive): last observed core 0: data abort ESR=0x96000061\n"
                   "    # QEMU-DEFECT qemu_ldxr_wnr lse2=1 loads=1 faults=1 wnr_set=1 esr=0x96000061\r\n")
        self.assertEqual(qd.parse_counts(console, "qemu_ldxr_wnr"),
                         {"lse2": 1, "loads": 1, "faults": 1, "wnr_set": 1, "esr": 0x96000061})

    def test_only_the_named_reproducer(self):
        console = "# QEMU-DEFECT qemu_stale_b rounds=10 stale=2 persisted=200 ms=5\n"
        self.assertIsNone(qd.parse_counts(console, "qemu_ldxr_wnr"))
        self.assertEqual(qd.parse_counts(console, "qemu_stale_b"),
                         {"rounds": 10, "stale": 2, "persisted": 200, "ms": 5})


class Selection(unittest.TestCase):
    def test_a_race_gets_multi_threaded_tcg_and_the_controls(self):
        labels = [m.label for m in qd.modes_for((10, 0), STALE_B.deterministic)]
        self.assertEqual(labels, ["thread=multi", "thread=single", "thread=multi,one-insn-per-tb",
                                  "thread=multi,-d nochain"])
        self.assertEqual(qd.modes_for((7, 2))[2].extra, ("-singlestep",))

    def test_a_deterministic_defect_gets_one_single_threaded_boot(self):
        modes = qd.modes_for((10, 0), LDXR_WNR.deterministic)
        self.assertEqual([(m.label, m.accel, m.multi) for m in modes], [("thread=single", "tcg,thread=single", False)])

    def test_each_defect_is_booted_on_its_cpu_model(self):
        argv = qd.boot_argv(["qemu"], "img", LDXR_WNR, qd.SINGLE)
        self.assertEqual(argv[argv.index("-cpu") + 1], "max")
        self.assertEqual(argv[argv.index("-smp") + 1], "1")
        self.assertEqual(argv[-1], "run=qemu_ldxr_wnr")
        argv = qd.boot_argv(["qemu"], "img", STALE_B, qd.modes_for((10, 0))[0])
        self.assertEqual(argv[argv.index("-cpu") + 1], "cortex-a72")
        self.assertEqual(argv[-1], "run=qemu_stale_b test_timeout=40")


class Verdicts(unittest.TestCase):
    def test_ldxr_wnr_states(self):
        lse2 = {"lse2": 1, "loads": 1, "faults": 1}
        self.assertEqual(measured(LDXR_WNR, {**lse2, "wnr_set": 1, "esr": 0x96000061}).state, qd.PRESENT)
        self.assertEqual(measured(LDXR_WNR, {**lse2, "wnr_set": 0, "esr": 0x96000021}).state, qd.ABSENT)
        no_lse2 = {"lse2": 0, "loads": 1, "faults": 1, "wnr_set": 0, "esr": 0x96000021}
        self.assertEqual(measured(LDXR_WNR, no_lse2).state, qd.NOT_APPLICABLE)
        # WnR 1 without FEAT_LSE2 is the defect too, on another path
        self.assertEqual(measured(LDXR_WNR, {**no_lse2, "wnr_set": 1}).state, qd.PRESENT)
        # no Alignment fault at all: nothing to say about WnR
        self.assertEqual(measured(LDXR_WNR, {"lse2": 1, "loads": 1, "faults": 0, "wnr_set": 0}).state, qd.UNKNOWN)
        self.assertEqual(measured(LDXR_WNR).state, qd.UNKNOWN)

    def test_values_are_not_summed_over_boots(self):
        m = measured(LDXR_WNR, {"lse2": 1, "loads": 1, "faults": 1, "wnr_set": 0, "esr": 0x96000021},
                     {"lse2": 1, "loads": 1, "faults": 1, "wnr_set": 1, "esr": 0x96000061})
        self.assertEqual(m.counts, {"lse2": 1, "loads": 2, "faults": 2, "wnr_set": 1, "esr": 0x96000061})

    def test_ldxr_wnr_text(self):
        m = measured(LDXR_WNR, {"lse2": 1, "loads": 1, "faults": 1, "wnr_set": 1, "esr": 0x96000061})
        self.assertEqual(qd.describe(m), "-cpu max has FEAT_LSE2: WnR 1 in 1 of 1 Alignment faults of 1 LDXR, "
                         "ESR 0x96000061; 1 boot")
        m = measured(LDXR_WNR, {"lse2": 0, "loads": 1, "faults": 1, "wnr_set": 0, "esr": 0x96000021})
        self.assertIn("has no FEAT_LSE2 (ID_AA64MMFR2_EL1.AT=0)", qd.describe(m))
        self.assertIn("the non-LSE2 check reports a read", qd.describe(m))

    def test_stale_b_text_and_state_as_before(self):
        m = measured(STALE_B, {"rounds": 134, "stale": 124, "persisted": 12400, "ms": 9000})
        self.assertEqual(m.state, qd.PRESENT)
        self.assertEqual(qd.describe(m), "stale in 124 of 134 rounds (still stale in 12400 of 12400 re-calls); "
                         "1 boot")
        m = measured(STALE_B, {"rounds": 100, "stale": 0, "persisted": 0}, {"rounds": 97, "stale": 0})
        self.assertEqual((m.state, qd.describe(m)), (qd.ABSENT, "stale in 0 of 197 rounds; 2 boots"))
        m = qd.Measure(STALE_B, boots=1, failures=["no QEMU-DEFECT line (killed after 60 s): x"])
        self.assertEqual((m.state, qd.describe(m)),
                         (qd.UNKNOWN, "stale in 0 of 0 rounds; 1 boot; 1 without a result: no QEMU-DEFECT line "
                          "(killed after 60 s): x"))

    def test_summary(self):
        multi, single = qd.modes_for((10, 0))[0], qd.SINGLE
        self.assertEqual(qd.summary("10.0.2", [(STALE_B, multi, qd.PRESENT), (LDXR_WNR, single, qd.PRESENT)], 41.4),
                         "qemu-defects: QEMU 10.0.2: 2 of 2 defects present (qemu_stale_b with thread=multi, "
                         "qemu_ldxr_wnr with thread=single); 41 s")
        self.assertEqual(qd.summary("7.2.22", [(STALE_B, multi, qd.ABSENT), (LDXR_WNR, single, qd.NOT_APPLICABLE)],
                                    3), "qemu-defects: QEMU 7.2.22: 0 of 2 defects present; not applicable: "
                         "qemu_ldxr_wnr; 3 s")


class Usage(unittest.TestCase):
    def run_main(self, *argv: str) -> tuple[int, str]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                status = qd.main(list(argv))
            except SystemExit as exc:
                status = exc.code
        return status, out.getvalue()

    def test_unknown_defect(self):
        status, out = self.run_main("--defect", "nope")
        self.assertEqual(status, 2)
        self.assertIn("invalid choice", out)

    def test_missing_qemu_and_image(self):
        status, out = self.run_main("--qemu", "/nonexistent/qemu-system-aarch64")
        self.assertEqual(status, 2)
        self.assertIn("QEMU not found", out)
        status, out = self.run_main("--qemu", sys.executable, "--image", "/nonexistent/selfmod.bin")
        self.assertEqual(status, 2)
        self.assertIn("no image", out)


if __name__ == "__main__":
    unittest.main()
