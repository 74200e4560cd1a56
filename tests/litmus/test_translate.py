"""translate.py as a user runs it: files, directories, @lists, kinds, untranslatable and malformed tests."""

import contextlib
import io
import os
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import translate  # noqa: E402

# The herd catalogue, as tests/litmus/litmus.mk finds it (LITMUS_DIR; its default beside the project).
CATALOGUE = Path(os.environ.get("LITMUS_DIR") or HERE.parents[1] / ".." / "shared" / "litmus" / "aarch64-ifetch")
OWN = HERE / "selfmod"
CROSS = shutil.which("aarch64-linux-gnu-gcc")

GOOD = "AArch64 good\n{ 0:X0=NOP; 0:X1=P0:L0; }\nP0 ;\nSTR W0,[X1] ;\nL0: B L1 ;\nMOV W9,#1 ;\nL1: ;\nexists 0:X9=0\n"
HVC = "AArch64 calls-hvc\n{ }\nP0 ;\nHVC #0 ;\nexists 0:X0=0\n"
BAD_ASM = "AArch64 bad-asm\n{ }\nP0 ;\nFROB X1,X2 ;\nexists 0:X0=0\n"
MALFORMED = "AArch64 broken\n{ 0:X0=1; }\nP0 ;\nNOP ;\nexists (0:X0=1\n"


class Cli(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.tmp)

    def write(self, name, text):
        path = self.tmp / name
        path.write_text(text)
        return path

    def run_cli(self, *args):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = translate.main([str(a) for a in args])
        return status, out.getvalue(), err.getvalue()

    def test_translates_and_keeps_the_untranslatable_as_skipped(self):
        self.write("good.litmus", GOOD)
        self.write("hvc.litmus", HVC)
        kinds = self.write("kinds.txt", "good Allowed\nIDC1.good Forbidden\n")
        status, out, err = self.run_cli("--kinds", kinds, self.tmp)
        self.assertEqual(status, 0, err)
        self.assertIn('.name = "good"', out)
        self.assertIn("LITMUS_ALLOWED, LITMUS_FORBIDDEN, LITMUS_NO_VERDICT", out)
        self.assertIn('test_skip(t, "not translated: line 4: HVC #0: HVC calls the hypervisor', out)
        self.assertIn("calls-hvc: NOT TRANSLATED", err)
        self.assertIn("2 file(s): 1 translated, 1 not translated, 0 malformed", err)

    def test_malformed_is_an_error_with_file_and_line(self):
        bad = self.write("broken.litmus", MALFORMED)
        status, out, err = self.run_cli(bad)
        self.assertEqual(status, 1)
        self.assertEqual(out, "")
        self.assertIn(f"{bad}:5: expected ')'", err)

    def test_keep_going_turns_malformed_into_a_skip(self):
        self.write("broken.litmus", MALFORMED)
        status, out, _ = self.run_cli("--keep-going", self.tmp)
        self.assertEqual(status, 0)
        self.assertIn("not translated: malformed: line 5", out)

    def test_lists_and_output_file(self):
        self.write("good.litmus", GOOD)
        lst = self.write("@some", "# a herd list\ngood.litmus\n")
        target = self.tmp / "out" / "t.c"
        status, out, err = self.run_cli("-o", target, f"@{lst}")
        self.assertEqual((status, out), (0, ""), err)
        self.assertIn('.name = "good"', target.read_text())

    def test_usage_errors(self):
        kinds = self.write("kinds.txt", "good Maybe\n")
        self.write("good.litmus", GOOD)
        for args, words in (([self.tmp / "nope.litmus"], "no such file"),
                            (["--kinds", kinds, self.tmp], "kinds.txt:1: expected"),
                            ([f"@{self.tmp / 'nolist'}"], "cannot read list")):
            with self.subTest(args=args):
                status, _, err = self.run_cli(*args)
                self.assertEqual(status, 2)
                self.assertIn(words, err)

    def test_duplicate_names_are_skipped_not_merged(self):
        self.write("a.litmus", GOOD)
        self.write("b.litmus", GOOD)
        status, out, err = self.run_cli(self.tmp)
        self.assertEqual(status, 0)
        self.assertIn("a test of the same name is already translated", err)

    @unittest.skipUnless(CROSS, "no aarch64-linux-gnu-gcc")
    def test_assembler_rejection_skips_only_that_test(self):
        self.write("good.litmus", GOOD)
        self.write("bad.litmus", BAD_ASM)
        status, out, err = self.run_cli("--assembler", f"{CROSS} -c", self.tmp)
        self.assertEqual(status, 0, err)
        self.assertIn("bad-asm: NOT TRANSLATED: the assembler rejects it", err)
        self.assertIn('.name = "good"', out)

    @unittest.skipUnless((CATALOGUE / "DIC0-IDC0").is_dir(), "no herd catalogue (LITMUS_DIR)")
    def test_whole_dic0_idc0_folder_translates(self):
        status, out, err = self.run_cli("--kinds", CATALOGUE / "kinds.txt", CATALOGUE / "DIC0-IDC0")
        self.assertEqual(status, 0, err)
        self.assertIn("77 file(s): 77 translated, 0 not translated, 0 malformed", err)

    @unittest.skipUnless((CATALOGUE / "DIC0-IDC1").is_dir(), "no herd catalogue (LITMUS_DIR)")
    def test_flavoured_test_takes_each_flavours_verdict_from_its_base_name(self):
        test = CATALOGUE / "DIC0-IDC1" / "IDC1.SM.B+badcachesync-isb.litmus"
        status, out, err = self.run_cli("--kinds", CATALOGUE / "kinds.txt", test)
        self.assertEqual(status, 0, err)
        # SM.B+badcachesync-isb is Allowed on IDC=0 cores, IDC1./DIC1. Forbidden: never the IDC1 verdict
        # on an IDC=0 core.
        self.assertIn(".verdict = {LITMUS_ALLOWED, LITMUS_FORBIDDEN, LITMUS_FORBIDDEN}, "
                      '.base = "SM.B+badcachesync-isb", .written_for = LITMUS_IDC1', out)
        self.assertIn('.group = "litmus-IDC1"', out)

    def test_own_tests_translate_with_a_verdict_for_every_flavour(self):
        status, out, err = self.run_cli("--kinds", OWN / "kinds.txt", "--without-catalogue", "no catalogue here", OWN)
        self.assertEqual(status, 0, err)
        own = sorted(OWN.glob("*.litmus"))
        self.assertGreaterEqual(len(own), 5)
        self.assertIn(f"{len(own)} file(s): {len(own)} translated, 0 not translated", err)
        self.assertNotIn("LITMUS_NO_VERDICT", out)
        self.assertEqual(out.count('.group = "litmus-selfmod"'), len(own))
        self.assertEqual(out.count(".written_for = LITMUS_ANY_FLAVOUR"), len(own))
        for flavour in ("DIC0-IDC0", "IDC1", "DIC1"):  # each catalogue group names a skip with the reason
            self.assertIn(f'.name = "herd-catalogue-{flavour}", .group = "litmus-{flavour}"', out)
        self.assertEqual(out.count('test_skip(t, "no catalogue here")'), 3)

    def test_flavour_from_cache_type_line_or_name(self):
        import litmus_emit as emit
        self.assertEqual(emit.split_flavour("IDC1.X", {"CacheType": "IDC"}), ("X", 1))
        self.assertEqual(emit.split_flavour("DIC1.X", {"CacheType": "DIC"}), ("X", 2))
        self.assertEqual(emit.split_flavour("DIC1.X", {}), ("X", 2))
        self.assertEqual(emit.split_flavour("X", {"CacheType": "IDC"}), ("X", 1))
        self.assertEqual(emit.split_flavour("X", {}), ("X", 0))
        with self.assertRaises(translate.Unsupported):
            emit.split_flavour("X", {"CacheType": "PIPT"})

    def test_kinds_files_that_disagree(self):
        a = self.write("a.txt", "good Allowed\n")
        b = self.write("b.txt", "good Forbidden\n")
        self.write("good.litmus", GOOD)
        status, _, err = self.run_cli("--kinds", a, "--kinds", b, self.tmp / "good.litmus")
        self.assertEqual(status, 2)
        self.assertIn("good is Forbidden here but Allowed in an earlier kinds file", err)


if __name__ == "__main__":
    unittest.main()
