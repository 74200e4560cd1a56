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
