"""tests/check_registry.py: passes on this tree, and names each kind of mismatch in a small made-up one."""

from __future__ import annotations

import contextlib
import io
import tempfile
import unittest
from pathlib import Path

import check_registry

ROOT = Path(__file__).resolve().parent.parent

SCENARIO = """
static void a_run(struct test *t) { if (test_injected(t, "stale")) return; }
TEST_CASE(300, a_case, .name = "a", .run = a_run, .injections = "stale");
TEST_CASE(310, b_case, .name = "b", .run = a_run, .injections = B_INJECTIONS);
"""
CONFIGS = 'name=ok machine=virt\nname=broken-a machine=virt append="run=a inject=stale" expect_exit=1\n'
EXPECTATIONS = "*broken-a  a  fail  the stale reader must say not ok\n"


def run(root: Path) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        status = check_registry.main(["--root", str(root)])
    return status, out.getvalue()


class CheckRegistryTest(unittest.TestCase):
    def tree(self, scenario: str = SCENARIO, configs: str = CONFIGS, expectations: str = EXPECTATIONS,
             header: str = '#define B_INJECTIONS "stale"\n') -> Path:
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        root = Path(tmp.name)
        for rel, text in {"tests/scenarios/a.c": scenario, "tests/scenarios/engines/b.h": header,
                          "tests/configs.txt": configs, "tests/expectations.txt": expectations}.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        return root

    def test_this_tree(self):
        status, out = run(ROOT)
        self.assertEqual(status, 0, out)

    def test_consistent_tree(self):
        status, out = run(self.tree())
        self.assertEqual(status, 0, out)

    def test_order_key_twice(self):
        status, out = run(self.tree(SCENARIO.replace("TEST_CASE(310", "TEST_CASE(300")))
        self.assertEqual(status, 1)
        self.assertIn("order key 300 is used twice: tests/scenarios/a.c: a_case and tests/scenarios/a.c: b_case", out)

    def test_injection_used_but_not_declared(self):
        status, out = run(self.tree(SCENARIO.replace('"stale")) return;', '"stale") || test_injected(t, "new")) '
                                                                          "return;")))
        self.assertEqual(status, 1)
        self.assertIn('injection "new" is tested in tests/scenarios/a.c but no TEST_CASE declares it', out)

    def test_injection_declared_but_never_asked_for_nor_provoked(self):
        status, out = run(self.tree(header='#define B_INJECTIONS "stale unused"\n'))
        self.assertEqual(status, 1)
        self.assertIn('injection "unused" is declared in tests/scenarios/a.c but no test_injected() asks for it', out)
        self.assertIn('injection "unused" (tests/scenarios/a.c) is provoked by no configuration', out)

    def test_configuration_injects_unknown_name_without_expectations(self):
        status, out = run(self.tree(configs=CONFIGS + 'name=broken-b machine=virt append="inject=typo"\n'))
        self.assertEqual(status, 1)
        self.assertIn('configuration broken-b injects "typo", which no TEST_CASE declares', out)
        self.assertIn("configuration broken-b injects typo but tests/expectations.txt has no line for it", out)

    def test_missing_inputs(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        status, out = run(Path(tmp.name))
        self.assertEqual(status, 2)
        self.assertIn("not found", out)


if __name__ == "__main__":
    unittest.main()
