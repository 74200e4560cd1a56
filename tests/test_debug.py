#!/usr/bin/env python3
"""Unit tests of tests/debug.py (make debug and its scripted gdb check), standard library only."""

from __future__ import annotations

import contextlib
import io
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import debug  # noqa: E402
import runner  # noqa: E402

GDB_OK = """\
Hardware assisted breakpoint 1 at 0x40080000: file boot/entry.S, line 12.

Thread 1 hit Breakpoint 1, _start () at boot/entry.S:12
pc             0x40080000          0x40080000 <_start>
x0=0x48000000
el=1
  Id   Target Id                    Frame
* 1    Thread 1.1 (CPU#0 [running]) _start () at boot/entry.S:12
  2    Thread 1.2 (CPU#1 [halted ]) 0x0000000000000000 in ?? ()
  3    Thread 1.3 (CPU#2 [halted ]) 0x0000000000000000 in ?? ()
  4    Thread 1.4 (CPU#3 [halted ]) 0x0000000000000000 in ?? ()
[Inferior 1 (process 1) detached]
"""


def config(**fields) -> runner.Config:
    values = dict(name="a72", machine="virt", cpu="cortex-a72", smp=4, accel="tcg")
    values.update(fields)
    return runner.Config(**values)


class DebugTests(unittest.TestCase):
    def report(self, gdb_out: str, status: int | None = 0, console: str = "# selfmod: 1 passed, 0 failed",
               smp: int = 4) -> tuple[int, str]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = debug.report(gdb_out, status, console, smp)
        return code, out.getvalue()

    def test_gdb_command(self):
        argv = debug.gdb_argv("gdb-multiarch", "build/virt/selfmod.elf", 1234, 2)
        self.assertEqual(argv[:4], ["gdb-multiarch", "-q", "-nx", "build/virt/selfmod.elf"])
        self.assertIn("target remote 127.0.0.1:1234", argv)
        self.assertLess(argv.index("hbreak _start"), argv.index("continue"))
        self.assertEqual(argv[-2:], ["-ex", "thread 3"])  # core 2 is gdb's thread 3
        batch = debug.gdb_argv("gdb", "x.elf", 5, None, batch=["info threads", "detach"])
        self.assertEqual(batch[1], "-batch")
        self.assertEqual(batch[-4:], ["-ex", "info threads", "-ex", "detach"])

    def test_qemu_command_stops_with_stub(self):
        argv = debug.qemu_debug_argv(config(), "img.bin", "run=x", 4321, {"QEMU": "qemu-x"})
        self.assertEqual(argv[0], "qemu-x")
        self.assertEqual(argv[-3:], ["-S", "-gdb", "tcp:127.0.0.1:4321"])
        self.assertIn("run=x", argv)
        with self.assertRaises(runner.UsageError):
            debug.qemu_debug_argv(config(command="true"), "img", "", 1, {})

    def test_check_passes(self):
        code, out = self.report(GDB_OK)
        self.assertEqual(code, 0, out)
        self.assertIn("ok 1 gdb attached and stopped at _start (pc 0x40080000 <_start>)", out)
        self.assertIn("ok 3 every core is a gdb thread (4 of 4)", out)

    def test_check_fails_clearly(self):
        code, out = self.report("127.0.0.1:1: Connection refused.\n", status=None, console="")
        self.assertEqual(code, 1)
        self.assertIn("not ok 1 gdb attached and stopped at _start", out)
        self.assertIn("# 127.0.0.1:1: Connection refused.", out)
        self.assertIn("not ok 4 detached: the suite ran to its end (QEMU still running)", out)
        code, out = self.report(GDB_OK.replace("<_start>", "<primary_entry+8>"))
        self.assertEqual(code, 1)
        code, out = self.report(GDB_OK, smp=2)
        self.assertIn("not ok 3 every core is a gdb thread (4 of 2)", out)

    def test_usage_errors(self):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            self.assertEqual(debug.main(["--config", "no-such-config"]), 2)
            self.assertEqual(debug.main(["--config", "a72-el1-smp4", "--core", "4"]), 2)
            self.assertEqual(debug.main(["--config", "host-unit"]), 2)
        self.assertIn("no configuration named 'no-such-config'", err.getvalue())
        self.assertIn("--core 4: a72-el1-smp4 has cores 0-3", err.getvalue())

    def test_help(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertEqual(debug.main(["--help"]), 0)
        self.assertIn("--check", out.getvalue())


if __name__ == "__main__":
    unittest.main()
