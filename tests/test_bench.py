"""tests/bench.py without QEMU: parsing the firmware's BENCH lines, the targets, clear usage errors."""

from __future__ import annotations

import contextlib
import io
import unittest

import bench


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
        row = {"size": 4096, "offset": 0, "dlines": 64, "bound": 259, "by_line": 400, "auto": 400, "all": 200,
               "libgcc": 551, "auto_cycles": 0, "libgcc_cycles": 0, "auto_per_libgcc": "0.73",
               "auto_per_bound": "1.54", "by_line_per_bound": "1.54"}
        with contextlib.redirect_stdout(io.StringIO()):
            missed = bench.maintenance_report([row], cycles_meaningful=False)
        self.assertEqual(len(missed), 2, missed)


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
