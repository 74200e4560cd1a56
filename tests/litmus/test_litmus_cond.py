"""The final condition: parsing (precedence), evaluation on states, and the postfix program the
firmware runs, checked against the direct evaluation on every assignment of its atoms."""

import itertools
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import litmus_cond as cond  # noqa: E402
from litmus_values import LitmusError, Unsupported, Value  # noqa: E402

X = {"NOP": 0xD503201F}


def resolve(v: Value) -> int:
    return v.number if v.kind == "int" else X[v.label] if v.kind == "insn" else 0x1000 + len(v.label)


def state(**kw):
    """state(r1_2=1, x=0): 1:X2=1, x=0."""
    out = {}
    for k, v in kw.items():
        if k.startswith("r"):
            th, reg = k[1:].split("_")
            out[cond.Loc("reg", thread=int(th), reg=int(reg))] = v
        elif k.startswith("w"):
            th, reg = k[1:].split("_")
            out[cond.Loc("reg", thread=int(th), reg=int(reg), w=True)] = v
        else:
            out[cond.Loc("mem", name=k)] = v
    return out


class Parse(unittest.TestCase):
    def test_and_binds_tighter_than_or(self):
        p = cond.parse_prop("1:X0=1 \\/ 1:X1=1 /\\ x=2")
        self.assertIsInstance(p, cond.Or)
        self.assertIsInstance(p.ps[1], cond.And)

    def test_not_binds_tightest_and_implies_is_loosest(self):
        p = cond.parse_prop("~1:X0=1 /\\ x=1 => y=1")
        self.assertIsInstance(p, cond.Implies)
        self.assertIsInstance(p.p, cond.And)
        self.assertIsInstance(p.p.ps[0], cond.Not)

    def test_parentheses_and_constants(self):
        p = cond.parse_prop("(1:X0=1 \\/ true) /\\ not (false)")
        self.assertEqual(cond.show_prop(p), "(1:X0=1 \\/ true) /\\ ~false")

    def test_values(self):
        p = cond.parse_prop("0:X1=P1:L0 /\\ [x]=NOP /\\ y=-2 /\\ 0:X2=z /\\ 0:X3=instr:\"B .+12\"")
        self.assertEqual([a.value.kind for a in cond.Final("exists", p).atoms()],
                         ["label", "insn", "int", "loc", "insn"])

    def test_errors_carry_the_line(self):
        for text, line in (("1:X0=1 /\\", 3), ("(1:X0=1", 3), ("1:X0=1 \\/\n\n )", 5), ("=1", 3)):
            with self.subTest(text=text), self.assertRaises(LitmusError) as ctx:
                cond.parse_prop(text, 3, "f")
            self.assertEqual(ctx.exception.line, line)


class Evaluate(unittest.TestCase):
    def test_exists_shape(self):
        p = cond.parse_prop("1:X1=1 /\\ 1:X2=0")
        self.assertTrue(cond.evaluate(p, state(r1_1=1, r1_2=0), resolve))
        self.assertFalse(cond.evaluate(p, state(r1_1=1, r1_2=1), resolve))

    def test_or_not_implies(self):
        p = cond.parse_prop("~(x=1) \\/ (1:X0=2 => y=3)")
        self.assertTrue(cond.evaluate(p, state(x=0, r1_0=2, y=0), resolve))
        self.assertFalse(cond.evaluate(p, state(x=1, r1_0=2, y=0), resolve))
        self.assertTrue(cond.evaluate(p, state(x=1, r1_0=5, y=0), resolve))

    def test_w_register_compares_low_half(self):
        p = cond.parse_prop("0:W2=NOP")
        self.assertTrue(cond.evaluate(p, state(w0_2=0xFFFF_FFFF_0000_0000 | X["NOP"]), resolve))
        q = cond.parse_prop("0:X2=NOP")
        self.assertFalse(cond.evaluate(q, state(r0_2=0xFFFF_FFFF_0000_0000 | X["NOP"]), resolve))

    def test_negative_numbers_are_64_bit(self):
        p = cond.parse_prop("0:X2=-1")
        self.assertTrue(cond.evaluate(p, state(r0_2=0xFFFF_FFFF_FFFF_FFFF), resolve))


PROPS = [
    "a=1", "~a=1", "a=1 /\\ b=1", "a=1 \\/ b=1", "a=1 => b=1", "~(a=1 /\\ b=1) \\/ c=1",
    "(a=1 \\/ b=1) /\\ (c=1 \\/ ~a=1)", "a=1 => b=1 => c=1", "true /\\ a=1", "false \\/ ~(b=1 => c=1)",
    "~~a=1 /\\ (b=1 \\/ c=1 \\/ a=1) /\\ ~(c=1 => a=1)",
]


class Postfix(unittest.TestCase):
    def test_agrees_with_evaluate_on_every_assignment(self):
        for text in PROPS:
            p = cond.parse_prop(text)
            atoms: list = []
            code = cond.compile_prop(p, atoms)
            names = sorted({a.loc.name for a in atoms})
            for bits in itertools.product((0, 1), repeat=len(names)):
                st = {cond.Loc("mem", name=n): b for n, b in zip(names, bits)}
                truth = [cond.atom_holds(a, st[a.loc], resolve) for a in atoms]
                with self.subTest(text=text, bits=bits):
                    self.assertEqual(cond.run_postfix(code, truth), cond.evaluate(p, st, resolve))

    def test_program_shape(self):
        atoms: list = []
        code = cond.compile_prop(cond.parse_prop("a=1 /\\ ~b=2"), atoms)
        self.assertEqual(code, [cond.OP_ATOM, 0, cond.OP_ATOM, 1, cond.OP_NOT, cond.OP_AND, cond.OP_END])
        self.assertEqual([str(a.loc) for a in atoms], ["a", "b"])

    def test_too_deep_is_unsupported(self):
        deep = "a=1"
        for _ in range(cond.MAX_STACK):
            deep = f"b=1 /\\ ({deep} \\/ c=1)"
        with self.assertRaises(Unsupported):
            cond.compile_prop(cond.parse_prop(deep), [])


if __name__ == "__main__":
    unittest.main()
