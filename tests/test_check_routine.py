"""Host tests of make check-routine (tests/check_routine.py, tests/routine_marks.py): the address marks,
the missing step in words, the stride, the judgement of a console, and that a known-wrong example
that comes out clean fails."""

import tempfile
import unittest
from pathlib import Path
from unittest import mock

import check_routine as cr
import routine_marks

A72 = cr.KINDS[0]
A710 = next(k for k in cr.KINDS if k.name == "a710")
N2 = next(k for k in cr.KINDS if k.name == "n2")
A72_T, A710_T = (0, 0, 64), (1, 0, 64)  # (IDC, DIC, line) as tests/checked.py cache_traits gives them


def console(hazards_by_test: dict, expect: dict | None = None) -> list[str]:
    lines = ["# checker: smc_checker IDC 0 DIC 0 line 64 cores 4 ram 0x40000000", "KTAP version 1",
             "# maintenance uses Dline 64 Iline 64 IDC 0 DIC 0 (safe for every online core)",
             f"1..{len(cr.SCENARIOS)}"]
    for n, name in enumerate(cr.SCENARIOS, 1):
        lines += ["    KTAP version 1", f"    # Subtest: {name}"]
        if expect and name in expect:
            lines.append(f"    # checker: expect hazard: {expect[name]}")
        lines += hazards_by_test.get(name, [])
        lines += ["    ok 1 case", "    1..1", f"ok {n} {name}"]
    return lines


def hazard(core: int, addr: int, text: str, writer: int = 0, block: int = 0x1000000000) -> str:
    return f"# hazard: core {core} addr {addr:#x} : {text} (line last written by core {writer}; block at va {block:#x})"


NO_CLEAN = "no DC clean (CVAU/CVAC/CIVAC) of the line after its last write"


class Marks(unittest.TestCase):
    def test_every_form_is_marked_and_nothing_else(self):
        text, n, raw = routine_marks.add_marks(
            "1: dc cvau, x2 // clean\n\tIC IVAU, X0\nsys #3, c7, c11, #1, x1 ; dsb ish\n"
            "dc zva, x3\nldr x0, [x1]\n.inst 0xd50b7520\n")
        self.assertEqual(n, 3)
        self.assertEqual(raw, 1)
        self.assertIn("1: ldrb wzr, [x2] ; dc cvau, x2", text)
        self.assertIn("ldrb wzr, [X0] ; IC IVAU, X0", text)
        self.assertIn("ldrb wzr, [x1] ; sys #3, c7, c11, #1, x1", text)
        self.assertNotIn("[x3]", text)

    def test_macro_argument(self):
        text, n, _ = routine_marks.add_marks(".macro m reg\n dc civac, \\reg\n.endm\n")
        self.assertEqual(n, 1)
        self.assertIn("ldrb wzr, [\\reg]", text)


class Words(unittest.TestCase):
    def test_missing_steps(self):
        self.assertEqual(cr.missing_step(NO_CLEAN, A72_T, {"dc": False}, True, set()),
                         "no clean to PoU (DC CVAU) before the invalidate on an IDC=0 core")
        self.assertEqual(cr.missing_step(NO_CLEAN, A72_T, {"dc": True}, True, {0x40, 0xc0, 0x140}),
                         "stride 128 skips every other 64-byte line")
        self.assertIn("no DSB between the store and the IC",
                      cr.missing_step("the IC invalidate was issued before a DSB completed", A710_T, {}, True, set()))
        self.assertEqual(cr.missing_step("no context synchronisation (ISB", A72_T, {}, False, set()),
                         "no ISB on the executing core after the hand-off")

    def test_stride(self):
        self.assertEqual(cr.stride_of({0x40, 0xc0, 0x140}, 64), 128)
        self.assertEqual(cr.stride_of({0x40, 0x80, 0xc0, 0x140}, 64), 256)
        self.assertIsNone(cr.stride_of({0x40, 0x80}, 64))


class Judge(unittest.TestCase):
    def test_hazard_clean_and_expected(self):
        con = console({"same_core": [hazard(0, 0x40202000, NO_CLEAN)],
                       "trampoline": [hazard(1, 0x40330000, NO_CLEAN, block=0x1000130000),
                                      hazard(1, 0x40331000, NO_CLEAN, block=0x1000131000)]},
                      expect={"trampoline": "T patched (only in blocks at va 0x1000130000)"})
        cells = cr.judge_kind(con, A72, A72_T, {"dc": False})
        self.assertEqual(cells["same_core"].verdict, "hazard")
        self.assertEqual(cells["cross_core"].verdict, "clean")
        self.assertEqual(cells["trampoline"].verdict, "hazard")  # the routine's block, not T's
        con = console({"trampoline": [hazard(1, 0x40330000, NO_CLEAN, block=0x1000130000)]},
                      expect={"trampoline": "T patched (only in blocks at va 0x1000130000)"})
        self.assertEqual(cr.judge_kind(con, A72, A72_T, {})["trampoline"].verdict, "clean")

    def test_mismatched_lines_name_the_smallest_line(self):
        """The kind whose cores disagree: a 64-byte stride where another core has 32-byte lines says so."""
        mismatched = next(k for k in cr.KINDS if k.name == "mismatched")
        self.assertEqual((mismatched.machine, mismatched.lines), ("virt,virtualization=on", (64, 32)))
        con = console({"publish_by_pointer": [hazard(1, a, NO_CLEAN) for a in (0x40200020, 0x40200060, 0x402000a0)]})
        con[0] = con[0].replace("line 64", "line 32")
        con[2] = con[2].replace("Dline 64 Iline 64", "Dline 32 Iline 32")
        cell = cr.judge_kind(con, mismatched, (0, 0, 32), {"dc": True, "ic": True, "ctr": True})["publish_by_pointer"]
        self.assertEqual(cell.verdict, "hazard")
        self.assertIn("stride 64 skips every other 32-byte line (core 0 reads 64-byte lines in CTR_EL0, other "
                      "cores have 32: where cores disagree, step by the smallest line of all cores", cell.why)
        # A routine that never reads CTR_EL0 (a fixed stride) is not told about CTR_EL0.
        cell = cr.judge_kind(con, mismatched, (0, 0, 32), {"dc": True, "ic": True})["publish_by_pointer"]
        self.assertEqual(cell.why, "stride 64 skips every other 32-byte line")

    def test_mismatched_kind_boots_at_el2_with_core_lines(self):
        """Its run gives the firmware core_lines=64,32 and the checker core_lines=64/32 with line=32."""
        mismatched = next(k for k in cr.KINDS if k.name == "mismatched")
        setup = cr.Setup(["qemu-system-aarch64"], "p.so", (0, 0, 32))
        seen = []

        def fake_run(argv, timeout, sink):
            seen.append(argv)
            return mock.Mock(error="", timed_out=False)

        with tempfile.TemporaryDirectory() as out, \
                mock.patch.object(cr.runner, "run_process", side_effect=fake_run):
            cr.run_kind(Path("img.bin"), mismatched, setup, Path(out), 5.0, {})
        argv = " ".join(seen[0])
        self.assertIn("virtualization=on", argv)
        self.assertIn("core_lines=64,32", argv)
        self.assertIn("p.so,idc=0,dic=0,line=32,max_reports=", argv)
        self.assertIn(",core_lines=64/32", argv)

    def test_register_and_mark_disagree_is_not_judged(self):
        con = console({})
        con.insert(4, "# checker: core 0 pc 0x40081234: dc cvau register address disagrees with its mark")
        self.assertEqual({c.verdict for c in cr.judge_kind(con, A710, A710_T, {}).values()}, {"not judged"})

    def test_plugin_refused_is_not_run(self):
        cells = cr.judge_kind(["qemu: Could not load plugin x.so: plugin requires API version 1"], A710, A710_T, {})
        self.assertEqual({c.verdict for c in cells.values()}, {"not run"})

    def test_known_wrong_example_that_comes_out_clean_fails(self):
        clean = {k.name: {s: cr.Cell("clean") for s in cr.SCENARIOS} for k in cr.KINDS}
        with mock.patch.object(cr, "build_image", return_value=Path("x.bin")), \
             mock.patch.object(cr, "kind_setup", return_value=cr.Setup()), \
             mock.patch.object(cr, "run_kind", side_effect=lambda img, kind, *a: (clean[kind.name], None)), \
             mock.patch("sys.stdout"):
            status = cr.main(["--examples", str(Path(__file__).resolve().parent.parent / "examples/routines"),
                              "--select", "wasmtime_ic_only", "--csv", "/dev/null", "--plugin", __file__])
        self.assertEqual(status, 1)

    def test_nothing_ran_is_no_pass(self):
        not_run = {k.name: {s: cr.Cell("not run", "no QEMU here") for s in cr.SCENARIOS} for k in cr.KINDS}
        routine = Path(__file__).resolve().parent.parent / "examples/routines/selfmod_library.c"
        with mock.patch.object(cr, "build_image", return_value=Path("x.bin")), \
             mock.patch.object(cr, "kind_setup", return_value=cr.Setup()), \
             mock.patch.object(cr, "run_kind", side_effect=lambda img, kind, *a: (not_run[kind.name], None)), \
             mock.patch("sys.stdout"), mock.patch("sys.stderr") as err:
            status = cr.main([str(routine), "--csv", "/dev/null", "--plugin", __file__])
        self.assertEqual(status, 1)
        self.assertIn("no cell ran", "".join(str(c) for c in err.write.call_args_list))

    def test_plugin_per_qemu_version(self):
        """Each kind gets the build tests/checked.py chooses for its QEMU's version, and that version's
        IDC/DIC/line for its -cpu; a missing build is a usage error, a missing QEMU a 'not run'."""
        with mock.patch.object(cr.runner, "qemu_command", return_value=(["qemu"], "")), \
             mock.patch.object(cr.shutil, "which", return_value="/usr/bin/qemu"), \
             mock.patch.object(cr.Path, "is_file", return_value=True):
            with mock.patch.object(cr.checked, "qemu_version", return_value=(7, 2)):
                setup = cr.kind_setup(A72, "auto", {})
                self.assertEqual((setup.plugin, setup.traits), ("build/host/smc_checker.so", A72_T))
            with mock.patch.object(cr.checked, "qemu_version", return_value=(10, 0)):
                setup = cr.kind_setup(N2, "auto", {})
                self.assertEqual((setup.plugin, setup.traits), ("build/host/smc_checker-api4.so", (1, 1, 64)))
                self.assertEqual(cr.kind_setup(N2, "my.so", {}).plugin, "my.so")
            with mock.patch.object(cr.checked, "qemu_version", return_value=(6, 0)):
                self.assertIn("no checker plugin build for QEMU 6.0", cr.kind_setup(A72, "auto", {}).why_not)
        with mock.patch.object(cr.runner, "qemu_command", return_value=(["qemu"], "")), \
             mock.patch.object(cr.shutil, "which", return_value="/usr/bin/qemu"), \
             mock.patch.object(cr.checked, "qemu_version", return_value=(10, 0)), \
             mock.patch.object(cr.Path, "is_file", return_value=False):
            self.assertRaises(cr.runner.UsageError, cr.kind_setup, N2, "auto", {})
        with mock.patch.object(cr.runner, "qemu_command", return_value=([], "not staged")):
            self.assertIn("not staged", cr.kind_setup(N2, "auto", {}).why_not)

    def test_bad_input(self):
        with mock.patch("sys.stderr"):
            self.assertEqual(cr.main(["/nonexistent/routine.S"]), 2)
            self.assertEqual(cr.main(["--kinds", "nothing", __file__]), 2)


if __name__ == "__main__":
    unittest.main()
