#!/usr/bin/env python3
"""Unit tests of tests/flash.py against a fake chainloader (a thread speaking the protocol).

The real loader is tested end to end under QEMU by tests/chainload_e2e.py (config rpi3-chainload).
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import struct
import tempfile
import threading
import time
import unittest
import zlib
from pathlib import Path

import flash

BANNER = b"\x03\x03\x03selfmod-loader ready on fake: EL2, DTB at 0x8000000, loads at 0x80000 max=%d\r\n"
SUITE = (b"KTAP version 1\r\n1..2\r\nok 1 a\r\nok 2 b # SKIP no GIC\r\n"
         b"# selfmod: 1 passed, 0 failed, 1 skipped\r\n")


def make_image(size: int = 256) -> bytes:
    image = bytearray(size)
    image[0:4] = struct.pack("<I", 0x14000010)          # b +0x40
    image[8:16] = struct.pack("<Q", 0x80000)
    image[16:24] = struct.pack("<Q", size)
    image[0x38:0x3C] = b"ARM\x64"
    return bytes(image)


class FakeLoader(threading.Thread):
    """Accepts one connection; announces; rejects the first `reject` transfers with a CRC error."""

    def __init__(self, max_size: int = 4096, reject: int = 0, console: bytes = SUITE) -> None:
        super().__init__(daemon=True)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.max_size, self.reject, self.console = max_size, reject, console
        self.received: list[bytes] = []

    def read(self, conn: socket.socket, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise ConnectionError
            data += chunk
        return data

    def run(self) -> None:
        with self.server:
            self.server.settimeout(10)
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.serve(conn)

    def serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            try:
                while True:
                    conn.sendall(b"noise before the banner\r\n" + BANNER % self.max_size)
                    magic = self.read(conn, 4)
                    size, crc = struct.unpack("<II", self.read(conn, 8))
                    assert magic == b"SMLD", magic
                    conn.sendall(b"OK size %d\r\n" % size)
                    data = self.read(conn, size)
                    self.received.append(data)
                    if len(self.received) <= self.reject or zlib.crc32(data) != crc:
                        conn.sendall(b"ERR CRC-32 mismatch; nothing was run, waiting for a new transfer\r\n")
                        continue
                    conn.sendall(b"OK crc %#x, jumping to 0x80000\r\n" % crc + self.console)
                    return
            except (ConnectionError, OSError, AssertionError):
                return


class FlashTests(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = Path(self._tmp.name)
        self.image = self.tmp / "kernel8.img"
        self.image.write_bytes(make_image())

    def tearDown(self):
        self._tmp.cleanup()

    def main(self, *argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = flash.main([*argv, "--out", str(self.tmp / "out"), "--connect-timeout", "0.5",
                               "--ready-timeout", "3", "--timeout", "10"])
        return code, out.getvalue(), err.getvalue()

    def test_good_transfer_after_a_rejected_one(self):
        loader = FakeLoader(reject=1)
        loader.start()
        code, out, err = self.main("--port", f"tcp:127.0.0.1:{loader.port}", "--image", str(self.image))
        loader.join(5)
        self.assertEqual(code, 0, out + err)
        self.assertIn("attempt 1 rejected: ERR CRC-32 mismatch", out)
        self.assertIn("flash.py: OK crc", out)
        self.assertEqual(out.splitlines()[-1], "1 passed, 0 failed, 1 skipped")
        self.assertEqual(loader.received, [make_image()] * 2)
        self.assertTrue((self.tmp / "out" / "board.log").read_bytes().endswith(b"1 skipped\r\n"))
        self.assertTrue((self.tmp / "out" / "junit.xml").is_file())

    def test_every_attempt_rejected(self):
        loader = FakeLoader(reject=10)
        loader.start()
        code, out, err = self.main("--port", f"tcp:127.0.0.1:{loader.port}", "--image", str(self.image),
                                   "--retries", "1")
        self.assertEqual(code, 1)
        self.assertIn("giving up after 2 attempts", out)
        self.assertEqual(out.splitlines()[-1], "0 passed, 1 failed, 0 skipped")

    def test_failing_run_exit_status(self):
        loader = FakeLoader(console=b"KTAP version 1\n1..2\nok 1 a\nnot ok 2 cross_core\n"
                                    b"# selfmod: 1 passed, 1 failed, 0 skipped\n")
        loader.start()
        code, out, _ = self.main("--port", f"tcp:127.0.0.1:{loader.port}", "--image", str(self.image))
        self.assertEqual(code, 1)
        self.assertEqual(out.splitlines()[-1], "1 passed, 1 failed, 0 skipped")

    def test_image_too_large_for_the_loader(self):
        loader = FakeLoader(max_size=100)
        loader.start()
        code, out, err = self.main("--port", f"tcp:127.0.0.1:{loader.port}", "--image", str(self.image))
        self.assertEqual(code, 2)
        self.assertIn("the image is 256 bytes; the chainloader takes at most 100", err)
        self.assertEqual(loader.received, [])

    def test_listen_on_a_pty(self):
        controller, device = os.openpty()
        # After flash.py has opened (and flushed) the port, as a board's console would.
        writer = threading.Timer(0.5, os.write, (controller, b"boot noise\r\n" + SUITE))
        writer.start()
        try:
            code, out, err = self.main("--port", os.ttyname(device), "--listen")
        finally:
            writer.join()
            os.close(controller)
            os.close(device)
        self.assertEqual(code, 0, out + err)
        self.assertEqual(out.splitlines()[-1], "1 passed, 0 failed, 1 skipped")

    def test_silent_port_times_out(self):
        server = socket.create_server(("127.0.0.1", 0))
        with server:
            start = time.monotonic()
            code, out, err = self.main("--port", f"tcp:127.0.0.1:{server.getsockname()[1]}", "--image",
                                       str(self.image), "--ready-timeout", "0.5")
        self.assertLess(time.monotonic() - start, 5)
        self.assertEqual(code, 1)
        self.assertIn("no announcement from the chainloader", err)
        self.assertNotIn("Traceback", out + err)

    def test_bad_input(self):
        free = socket.create_server(("127.0.0.1", 0))
        port = free.getsockname()[1]
        free.close()  # nothing listens there now
        elf = self.tmp / "selfmod.elf"
        elf.write_bytes(b"\x7fELF" + bytes(200))
        cases = {
            ("--port", "tcp:127.0.0.1:1", "--image", str(self.tmp / "missing.img")): "cannot read image",
            ("--port", "tcp:127.0.0.1:1", "--image", str(elf)): "not an arm64 Image",
            ("--port", f"tcp:127.0.0.1:{port}", "--image", str(self.image)): "cannot connect to tcp:127.0.0.1:",
            ("--port", "/dev/ttyNOPE", "--image", str(self.image)): "no such serial port: /dev/ttyNOPE",
            ("--port", "tcp:nowhere", "--image", str(self.image)): "expected tcp:HOST:PORT",
            ("--port", "", "--image", str(self.image)): "--port is empty",
            ("--port", "/dev/null", "--image", str(self.image)): "not a serial port",
            ("--port", "tcp:127.0.0.1:1",): "give --image PATH",
        }
        for argv, message in cases.items():
            with self.subTest(argv=argv):
                code, out, err = self.main(*argv)
                self.assertEqual(code, 2, out + err)
                self.assertIn(message, err)
                self.assertNotIn("Traceback", out + err)

    def test_help(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertEqual(flash.main(["--help"]), 0)
        self.assertIn("make flash PORT=/dev/ttyUSB0", out.getvalue())


if __name__ == "__main__":
    unittest.main()
