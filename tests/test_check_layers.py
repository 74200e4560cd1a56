"""tests/check_layers.py: it passes on this tree and fails on an upward include, an include cycle, a call cycle."""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

import check_layers

ROOT = Path(__file__).resolve().parent.parent


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        status = check_layers.main(list(argv))
    return status, out.getvalue()


class CheckLayersTest(unittest.TestCase):
    def tree(self, files: dict[str, str]) -> Path:
        """A throwaway project tree with only the files a case names."""
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        root = Path(tmp.name)
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        return root

    def test_this_tree_includes(self):
        status, out = run("--root", str(ROOT))
        self.assertEqual(status, 0, out)

    def test_upward_include_is_named(self):
        root = self.tree({"src/lib/icache.c": '#include "suite.h"\n', "src/harness/suite.h": ""})
        status, out = run("--root", str(root))
        self.assertEqual(status, 1)
        self.assertIn('src/lib/icache.c (lib) includes "suite.h" from a higher layer: '
                      "src/harness/suite.h", out)

    def test_include_cycle_is_named(self):
        root = self.tree({"src/runtime/a.h": '#include "b.h"\n', "src/runtime/b.h": '#include "a.h"\n'})
        status, out = run("--root", str(root))
        self.assertEqual(status, 1)
        self.assertIn("include cycle: src/runtime/a.h <-> src/runtime/b.h", out)

    def test_unknown_include_and_file_outside_layers(self):
        root = self.tree({"src/arch/x.h": '#include "nowhere.h"\n', "src/misc/y.c": ""})
        status, out = run("--root", str(root))
        self.assertEqual(status, 1)
        self.assertIn('#include "nowhere.h" is no file of the firmware', out)
        self.assertIn("src/misc/y.c: in no layer", out)

    @unittest.skipUnless(shutil.which("gcc") and shutil.which("nm"), "needs the host gcc and nm")
    def test_call_cycle_is_named_and_entry_points_are_not_calls(self):
        root = self.tree({
            "src/runtime/start.c": "int suite_main(void); void fatal(void);\n"
                                   "void primary_start(void) { suite_main(); }\n"
                                   "void back(void) { fatal(); }\n",
            "src/runtime/exc.c": "void back(void); void fatal(void) {} void take(void) { back(); }\n",
            "src/harness/suite.c": "void take(void); int suite_main(void) { take(); return 0; }\n",
        })
        objs = []
        for src in ("src/runtime/start.c", "src/runtime/exc.c", "src/harness/suite.c"):
            obj = root / "build" / Path(src).with_suffix(".o")
            obj.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(["gcc", "-c", str(root / src), "-o", str(obj)], check=True)
            objs.append(str(obj))
        status, out = run("--root", str(root), "--nm", "nm", "--objects", *objs)
        self.assertEqual(status, 1, out)
        # start.c <-> exc.c is a cycle; start.c -> suite.c (suite_main, the program's main) is not a call.
        self.assertIn("call cycle between src/runtime/exc.c, src/runtime/start.c:", out)
        self.assertNotIn("suite.c,", out)

    def test_bad_arguments(self):
        status, out = run("--objects", "/nonexistent.o")
        self.assertEqual(status, 2)
        self.assertIn("no such object file", out)
        self.assertEqual(run("--bogus")[0], 2)


if __name__ == "__main__":
    unittest.main()
