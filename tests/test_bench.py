"""tests/bench.py without QEMU: parsing the firmware's BENCH lines, the targets, clear usage errors."""

from __future__ import annotations

import contextlib
import io
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also as `python3 -m unittest tests.test_bench`
import bench  # noqa: E402


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            status = bench.main(list(argv))
        except SystemExit as exc:
            status = exc.code
    return status, out.getvalue()


class Parsing(unittest.TestCase):
    def test_bench_lines_by_table(self):
        tables = bench.parse_bench_lines([
            "    # BENCH maint size=4096 offset=0 dlines=64 bound=259",
            "    # not a bench line",
            "    # BENCH handoff method=sev_wfe rounds_per_s=40000",
        ])
        self.assertEqual(tables["maint"], [{"size": "4096", "offset": "0", "dlines": "64", "bound": "259"}])
        self.assertEqual(tables["handoff"][0]["method"], "sev_wfe")

    def test_targets_missed_are_reported(self):
        base = {"platform": "QEMU 7.2 cortex-a72", "idc": 0, "dic": 0, "dline": 64, "offset": 0, "all": 200,
                "auto_cycles": 0, "libgcc_cycles": 0, "compiler_rt": 500, "linux": 500, "wasmtime": 300}
        big = {**base, "size": 4096, "dlines": 64, "bound": 259, "by_line": 400, "auto": 400, "libgcc": 551,
               "auto_per_libgcc": "0.73", "auto_per_bound": "1.54", "by_line_per_bound": "1.54"}
        small = {**base, "size": 4, "dlines": 1, "bound": 7, "by_line": 40, "auto": 17, "libgcc": 16,
                 "auto_per_libgcc": "1.06", "auto_per_bound": "2.43", "by_line_per_bound": "5.71"}
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            missed = bench.maintenance_report([big, small], cycles_meaningful=False)
        # 4 KiB over 1.1x the bound; 4 B over libgcc and over 16 instructions.
        self.assertEqual(len(missed), 3, missed)
        self.assertIn("300*", out.getvalue())  # wasmtime skips the clean a72 needs
        # Each with its reason on a line of its own; none of these has one (25 allowed above the bound, 18
        # needed; one line in 13, libgcc beaten everywhere else).
        for text in missed:
            self.assertEqual(text.count("\n      why: "), 1, text)
        self.assertIn("why: none known: 25 over the bound allowed, 18 needed (a regression)", missed[0])
        self.assertIn("> libgcc 16\n      why: none known: a regression", missed[1])
        self.assertIn("why: none known: 13 would do (a regression)", missed[2])

    def test_reasons_of_the_targets_that_cannot_be_met(self):
        """The counts of README: Benchmarks: what 1.1 x leaves against what a run-time line size needs, and
        the fewest for two lines with the line size and mode read at run time."""
        base = {"offset": 0, "all": 25, "auto_cycles": 0, "libgcc_cycles": 0, "compiler_rt": 300, "linux": 300,
                "wasmtime": 300, "auto_per_libgcc": "0.5", "auto_per_bound": "1.2", "by_line_per_bound": "1.3"}
        a710 = {**base, "platform": "QEMU 10 cortex-a710", "idc": 1, "dic": 0, "dline": 64}
        a64fx = {**base, "platform": "QEMU 10 a64fx", "idc": 1, "dic": 0, "dline": 256}
        a72 = {**base, "platform": "QEMU 7.2 cortex-a72", "idc": 0, "dic": 0, "dline": 64}
        rows_a710 = [{**a710, "size": 4096, "dlines": 64, "bound": 131, "by_line": 176, "auto": 152, "libgcc": 277},
                     {**a710, "size": 4, "offset": 62, "dlines": 2, "bound": 7, "by_line": 52, "auto": 18,
                      "libgcc": 29}]
        rows_a64fx = [{**a64fx, "size": 4096, "dlines": 16, "bound": 35, "by_line": 80, "auto": 56, "libgcc": 158}]
        rows_a72 = [{**a72, "size": 4, "offset": 62, "dlines": 2, "bound": 11, "by_line": 81, "auto": 18,
                     "libgcc": 46},
                    {**a72, "size": 4096, "dlines": 64, "bound": 259, "by_line": 329, "auto": 281, "libgcc": 542}]
        with contextlib.redirect_stdout(io.StringIO()):
            missed_a710 = bench.maintenance_report(rows_a710, cycles_meaningful=False)
            missed_a64fx = bench.maintenance_report(rows_a64fx, cycles_meaningful=False)
            missed_a72 = bench.maintenance_report(rows_a72, cycles_meaningful=False)
        self.assertEqual(len(missed_a710), 2, missed_a710)
        self.assertIn("1.1 x leaves 13 instructions over the bound; reading the line size at run time needs at "
                      "least 14", missed_a710[0])
        self.assertIn("why: 18 is the fewest for 2 lines with the line size and mode read at run time; 16 needs "
                      "the line size as an immediate", missed_a710[1])
        self.assertIn("1.1 x leaves 3 instructions over the bound", missed_a64fx[0])
        # cortex-a72: 4 KiB met (281 <= 284), two lines the fewest for its mode too.
        self.assertEqual(len(missed_a72), 1, missed_a72)
        self.assertIn("why: 18 is the fewest for 2 lines", missed_a72[0])

    def test_fewest_counts(self):
        # One line: 13 plain (as measured), 14 IDC; two lines 18 in both modes; above the bound 14 IDC, 18 plain.
        self.assertEqual([bench.fewest_short(1, False), bench.fewest_short(1, True)], [13, 14])
        self.assertEqual([bench.fewest_short(2, False), bench.fewest_short(2, True)], [18, 18])
        self.assertEqual([bench.fewest_over_bound(True), bench.fewest_over_bound(False)], [14, 18])

    def test_litmus_miss_has_its_reason(self):
        with contextlib.redirect_stdout(io.StringIO()):
            missed = bench.litmus_report([{"name": "t", "threads": "2", "iterations": "10", "per_s": "9000"}])
        self.assertEqual(len(missed), 1)
        self.assertIn("\n      why: a wall-clock rate on a shared host", missed[0])


class Usage(unittest.TestCase):
    def test_missing_image(self):
        status, text = run("--image", "/nonexistent/selfmod.bin", "--out", "/tmp/selfmod-bench-test")
        self.assertEqual(status, 2)
        self.assertIn("bench.py: error: image not found: /nonexistent/selfmod.bin", text)

    def test_missing_log(self):
        status, text = run("--log", "/nonexistent.log", "--out", "/tmp/selfmod-bench-test")
        self.assertEqual(status, 2)
        self.assertIn("log file not found", text)

    def test_bad_timeout(self):
        status, _ = run("--timeout", "0")
        self.assertEqual(status, 2)


if __name__ == "__main__":
    unittest.main()
