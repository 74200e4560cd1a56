"""QEMU's Raspberry Pi machines, for the tools that boot a Pi image outside tests/configs.txt
(tests/chainload_e2e.py, tests/lava/simboard.py): machine, CPU, the only -smp and -m each accepts,
the device tree the project gives it (QEMU makes none for a Pi) and the QEMU version that has it.
Imported, not run: `python3 tests/pi_machines.py --help` only says so.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class PiMachine:
    machine: str   # QEMU -M
    cpu: str
    memory: str    # -m: the only RAM size the machine accepts
    dtb: str       # build/BOARD/*.dtb (board/BOARD/*.dts)
    qemu: str      # the QEMU version that has the machine (tests/runner.py QEMU_VERSIONS)

    def argv(self) -> list[str]:
        """Machine, CPU, cores, RAM and single-threaded TCG (as in tests/configs.txt)."""
        return ["-M", self.machine, "-cpu", self.cpu, "-smp", "4", "-m", self.memory,
                "-accel", "tcg,thread=single"]


PI_MACHINES = {
    "rpi3": PiMachine("raspi3b", "cortex-a53", "1G", "build/rpi3/rpi3.dtb", "7.2"),
    "rpi4": PiMachine("raspi4b", "cortex-a72", "2G", "build/rpi4/rpi4.dtb", "10"),
}

if __name__ == "__main__":
    print(__doc__.strip())
    sys.exit(0 if sys.argv[1:] in ([], ["--help"], ["-h"]) else 2)
