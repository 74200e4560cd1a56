#!/usr/bin/env python3
"""Checks of the Raspberry Pi 4 build, as far as a machine without a Pi 4 can check it.

build/rpi4 boots on QEMU 10's raspi4b (tests/configs.txt: rpi4-*), which does
not run the Pi firmware. These tests read what `make BOARD=rpi4 build loader`
produced (make test builds it first): the arm64 Image header the firmware
loads, the SD-card files, the moved copy rpi4-kernel-address boots, and the
disassembly of the ELF (the EL2 -> EL1 path, the load-address check, the
spin-table release, the chainloader's cache maintenance before it jumps).

    python3 -m unittest tests/test_rpi4_image.py
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import struct
import subprocess
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "rpi4"
SDCARD = BUILD / "sdcard"
LOADER_CARD = BUILD / "sdcard-loader"
OBJDUMP = os.environ.get("OBJDUMP", "aarch64-linux-gnu-objdump")
NM = os.environ.get("NM", "aarch64-linux-gnu-nm")

TEXT_OFFSET = 0x80000
IMAGE_MAGIC = b"ARM\x64"
B_OPCODE_MASK, B_OPCODE = 0xFC000000, 0x14000000      # B imm26
LOADER_BASE = 0x02000000                              # board/pi/rules.mk


def need(path: Path) -> Path:
    if not path.is_file():
        raise AssertionError(f"{path.relative_to(ROOT)} is missing: run 'make BOARD=rpi4 build loader' first")
    return path


def tool(name: str) -> list[str]:
    argv = shlex.split(name)
    if not argv or shutil.which(argv[0]) is None:
        raise AssertionError(f"{name!r} not found (Debian package binutils-aarch64-linux-gnu)")
    return argv


def symbols(elf: Path) -> dict[str, int]:
    out = subprocess.run([*tool(NM), str(elf)], capture_output=True, text=True, check=True, timeout=60).stdout
    table = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            table[parts[2]] = int(parts[0], 16)
    return table


FUNCTION_RE = re.compile(r"^[0-9a-f]+ <([^>]+)>:$")
INSN_RE = re.compile(r"^\s*[0-9a-f]+:\s+[0-9a-f]{8}\s+(.*)$")


def disassembly(elf: Path) -> dict[str, list[str]]:
    """Instructions (mnemonic and operands) of every symbol objdump starts a block at."""
    out = subprocess.run([*tool(OBJDUMP), "-d", str(elf)], capture_output=True, text=True, check=True,
                         timeout=60).stdout
    functions: dict[str, list[str]] = {}
    current = None
    for line in out.splitlines():
        head = FUNCTION_RE.match(line)
        if head:
            current = functions.setdefault(head.group(1), [])
            continue
        insn = INSN_RE.match(line)
        if insn and current is not None:
            current.append(" ".join(insn.group(1).split("//")[0].split()))
    return functions


def image_header(path: Path) -> dict[str, int | bytes]:
    data = need(path).read_bytes()
    if len(data) < 64:
        raise AssertionError(f"{path}: {len(data)} bytes, shorter than an arm64 Image header")
    code0, text_offset, image_size, flags = struct.unpack_from("<I4xQQQ", data, 0)
    return {"code0": code0, "text_offset": text_offset, "image_size": image_size, "flags": flags,
            "magic": data[0x38:0x3C], "length": len(data)}


def branch_target(insn: int, at: int) -> int:
    offset = insn & 0x03FFFFFF
    if offset & 0x02000000:
        offset -= 1 << 26
    return at + 4 * offset


def in_order(instructions: list[str], *wanted: str) -> bool:
    """Each wanted prefix found after the previous one."""
    position = 0
    for prefix in wanted:
        while position < len(instructions) and not instructions[position].startswith(prefix):
            position += 1
        if position == len(instructions):
            return False
        position += 1
    return True


class ImageHeaderTests(unittest.TestCase):
    def test_suite_image_header(self):
        header = image_header(SDCARD / "kernel8.img")
        self.assertEqual(header["code0"] & B_OPCODE_MASK, B_OPCODE, "the first instruction is a branch (B)")
        self.assertEqual(header["text_offset"], TEXT_OFFSET)
        self.assertEqual(header["magic"], IMAGE_MAGIC)
        self.assertEqual(header["flags"], 2, "little-endian, 4 KiB pages")
        self.assertGreaterEqual(header["image_size"], header["length"], "image_size covers .bss and the arena")
        self.assertLess(TEXT_OFFSET + header["image_size"], LOADER_BASE, "the chainloader can receive it")

    def test_entry_branches_to_primary_entry(self):
        elf = need(BUILD / "selfmod.elf")
        syms = symbols(elf)
        self.assertEqual(syms["_start"], TEXT_OFFSET, "linked at kernel_address=0x80000")
        header = image_header(SDCARD / "kernel8.img")
        self.assertEqual(branch_target(header["code0"], TEXT_OFFSET), syms["primary_entry"])
        self.assertEqual((SDCARD / "kernel8.img").read_bytes(), need(BUILD / "kernel8.img").read_bytes(),
                         "the SD-card copy is the image just built")

    def test_moved_image_differs_only_in_text_offset(self):
        """rpi4-kernel-address's input: the same image, its header asking to be loaded at 0x200000."""
        image = need(BUILD / "kernel8.img").read_bytes()
        moved = need(BUILD / "kernel8-at-0x200000.img").read_bytes()
        self.assertEqual(image_header(BUILD / "kernel8-at-0x200000.img")["text_offset"], 0x200000)
        self.assertEqual(len(moved), len(image))
        self.assertEqual(moved[:8] + moved[16:], image[:8] + image[16:], "only text_offset (bytes 8-15) differs")

    def test_loader_image_header(self):
        header = image_header(LOADER_CARD / "kernel8.img")
        self.assertEqual(header["code0"] & B_OPCODE_MASK, B_OPCODE)
        self.assertEqual(header["text_offset"], TEXT_OFFSET, "the firmware loads the loader like any kernel8.img")
        self.assertEqual(header["magic"], IMAGE_MAGIC)


class SdCardTests(unittest.TestCase):
    REQUIRED = {"arm_64bit": "1", "kernel": "kernel8.img", "kernel_address": "0x80000", "enable_uart": "1"}

    def settings(self, path: Path) -> dict[str, str]:
        values = {}
        for line in need(path).read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                key, sep, value = line.partition("=")
                self.assertTrue(sep, f"{path}: {line!r} is not key=value")
                values[key.strip()] = value.strip()
        return values

    def test_config_txt(self):
        for card in (SDCARD, LOADER_CARD):
            with self.subTest(card=card.name):
                values = self.settings(card / "config.txt")
                for key, value in self.REQUIRED.items():
                    self.assertEqual(values.get(key), value, f"{card.name}/config.txt: {key}")
                self.assertNotIn("kernel_old", values, "kernel_old=1 would load the image at 0")

    def test_cmdline_txt_puts_our_arguments_after_the_separator(self):
        for card in (SDCARD, LOADER_CARD):
            with self.subTest(card=card.name):
                text = need(card / "cmdline.txt").read_text()
                self.assertEqual(len(text.splitlines()), 1, "the firmware reads one line")
                self.assertEqual(text.split()[0], "--")


class DisassemblyTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.firmware = disassembly(need(BUILD / "selfmod.elf"))
        cls.loader = disassembly(need(BUILD / "loader" / "loader.elf"))

    def function(self, functions: dict[str, list[str]], name: str) -> list[str]:
        self.assertIn(name, functions, f"no function {name} in the disassembly")
        return functions[name]

    def test_el2_path(self):
        el2 = self.function(self.firmware, "el2_to_el1")
        self.assertTrue(in_order(el2, "mrs x0, currentel", "msr hcr_el2", "msr spsr_el2", "msr elr_el2", "eret"),
                        "EL2 -> EL1: HCR_EL2 (EL1 is AArch64), SPSR/ELR_EL2, ERET\n" + "\n".join(el2))
        primary = self.function(self.firmware, "primary_entry")
        self.assertTrue(any(i.startswith("bl") and "<el2_to_el1>" in i for i in primary))
        secondary = self.function(self.firmware, "secondary_entry")
        self.assertTrue(any(i.startswith("bl") and "<el2_to_el1>" in i for i in secondary))

    def test_load_address_checked_before_any_c(self):
        """Where it runs (ADR) against where it was linked (a literal), before primary_start's C."""
        primary = self.function(self.firmware, "primary_entry")
        self.assertTrue(in_order(primary, "adr", "ldr", "cmp", "b.ne", "bl") and
                        any("<wrong_load_address>" in i for i in primary) and
                        any(i.startswith("bl") and "<primary_start>" in i for i in primary),
                        "\n".join(primary))
        check = next(n for n, i in enumerate(primary) if "<wrong_load_address>" in i)
        start = next(n for n, i in enumerate(primary) if "<primary_start>" in i)
        self.assertLess(check, start)

    def test_spin_table_release(self):
        release = self.function(self.firmware, "spintable_release")
        self.assertTrue(in_order(release, "str", "dc civac", "dsb sy", "sev"),
                        "slot write, clean to PoC, DSB SY, SEV\n" + "\n".join(release))
        start = self.function(self.firmware, "board_core_start")
        self.assertTrue(any("<spintable_release>" in i for i in start), "rpi4 starts cores through the spin table")
        entry = self.function(self.firmware, "spintable_entry")
        self.assertTrue(in_order(entry, "mrs x1, mpidr_el1", "br"), "\n".join(entry))
        self.assertNotIn("psci_cpu_on", "\n".join(start))

    def test_loader_cache_maintenance_before_jump(self):
        run = self.function(self.loader, "loader_run")
        self.assertTrue(in_order(run, "mrs x4, ctr_el0", "dc civac", "dsb sy", "ic ialluis", "dsb sy", "isb", "br"),
                        "clean to PoC, invalidate I, DSB, ISB, then jump\n" + "\n".join(run))


if __name__ == "__main__":
    unittest.main()
