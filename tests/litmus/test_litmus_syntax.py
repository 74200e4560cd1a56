"""Parser of the litmus dialect: well-formed tests, and malformed ones failing with their line number."""

import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import litmus_syntax as syntax  # noqa: E402
from litmus_values import LitmusError, Unsupported, Value  # noqa: E402

FAULT_TEST = """AArch64 S-self+fault
Hash=abc
Stable=X9
{
0:X1=x; (* a comment *)
0:X2=0;
0:X3=P1:m0; 1:X3=x;
ins_t *1:X9;
[y]=P1:l1;
}
 P0          | P1   | P1.F           ;
 MOV W0,#1   |m0:   | MOV W2,#2      ;
 STR W0,[X1] | B l1 | ADR X9,l1      ;
 STR W2,[X3] |l1:   | MSR ELR_EL1,X9 ;
             |      | ERET           ;
exists (1:X2=2 /\\ x=1)
"""


def parse(text):
    return syntax.parse(text, "t.litmus")


def error_of(text):
    try:
        parse(text)
    except LitmusError as exc:
        return exc
    raise AssertionError("no error")


class WellFormed(unittest.TestCase):
    def test_fault_handler_test(self):
        t = parse(FAULT_TEST)
        self.assertEqual(t.name, "S-self+fault")
        self.assertEqual(t.info, {"Hash": "abc", "Stable": "X9"})
        self.assertEqual(t.nthreads, 2)
        self.assertEqual(t.reg_init[(0, 3)][0], Value("label", thread=1, label="m0"))
        self.assertEqual(t.reg_init[(0, 1)], (Value("loc", label="x"), 5))
        self.assertEqual(t.reg_init[(1, 3)][1], 7)
        self.assertEqual(t.mem_init["y"][0], Value("label", thread=1, label="l1"))
        self.assertEqual(t.typed, [("ins_t", "*1:X9", 8)])
        self.assertEqual([(r.labels, r.text) for r in t.threads[1].rows], [(["m0"], ""), ([], "B l1"), (["l1"], "")])
        self.assertEqual([r.text for r in t.handlers[1].rows], ["MOV W2,#2", "ADR X9,l1", "MSR ELR_EL1,X9", "ERET"])
        self.assertEqual(t.final.quantifier, "exists")
        self.assertEqual([str(loc) for loc in t.final.observed()], ["1:X2", "x"])

    def test_label_and_instruction_in_one_cell(self):
        t = parse("AArch64 T\n{ 0:X1=P0:m0; }\n P0 ;\n m0: l9: B l0 ;\n l0: ;\nexists 0:X9=0\n")
        self.assertEqual([(r.labels, r.text) for r in t.threads[0].rows], [(["m0", "l9"], "B l0"), (["l0"], "")])

    def test_tagged_values_and_instructions(self):
        t = parse('AArch64 T\n{ ins_t 0:X8=instr:"B .+12"; 0:X9=label:"P0:L"; 0:X1=NOP; 0:X2=-1; 0:X3=0x10 }\n'
                  'P0 ;\nL: NOP ;\nexists 0:X1=NOP')
        self.assertEqual(t.reg_init[(0, 8)][0], Value("insn", label="B .+12"))
        self.assertEqual(t.reg_init[(0, 9)][0], Value("label", thread=0, label="L"))
        self.assertEqual(t.reg_init[(0, 1)][0], Value("insn", label="NOP"))
        self.assertEqual(t.reg_init[(0, 2)][0].number, -1)
        self.assertEqual(t.reg_init[(0, 3)][0].number, 16)
        self.assertEqual(t.typed, [("ins_t", "0:X8", 2)])

    def test_page_table_alias(self):
        t = parse("AArch64 T\n{ 0:X1=x; pte_x=(oa:phy_x); pte_l0=(oa:phy_x); }\nP0 ;\nl0: B l1 ;\nl1: STR W0,[X1] ;\n"
                  "exists 0:X9=1")
        self.assertEqual(t.aliases, {"x": ("l0", 2)})

    def test_locations_filter_and_forall(self):
        t = parse("AArch64 T\n{ }\nP0 ;\nNOP ;\nlocations [x; 0:X3;]\nfilter 0:X1=1\nforall (0:X2=0 => x=1)")
        self.assertEqual(t.final.quantifier, "forall")
        self.assertEqual([str(loc) for loc in t.final.observed()], ["x", "0:X3", "0:X1", "0:X2"])

    def test_not_exists_and_code_location(self):
        t = parse("AArch64 T\n{ }\nP0 ;\nL0: NOP ;\n~exists ([P0:L0]=NOP /\\ ~0:W2=1)")
        self.assertEqual(t.final.quantifier, "~exists")
        self.assertEqual([str(loc) for loc in t.final.observed()], ["[P0:L0]", "0:W2"])

    def test_fault_atoms(self):
        t = parse("AArch64 T\n{ }\nP0 ;\nL0: UDF #0 ;\nexists (fault(P0:L0,UndefinedInstruction) \\/ fault(P0))")
        self.assertEqual([str(loc) for loc in t.final.observed()],
                         ["fault(P0:L0,UndefinedInstruction)", "fault(P0)"])
        with self.assertRaisesRegex(Unsupported, "fault kind 'MMU:Translation'"):
            parse("AArch64 T\n{ }\nP0 ;\nL0: NOP ;\nexists fault(P0:L0,MMU:Translation)")
        with self.assertRaisesRegex(LitmusError, "t.litmus:5: P0:L9 is not a label"):
            parse("AArch64 T\n{ }\nP0 ;\nL0: NOP ;\nexists fault(P0:L9)")


class Malformed(unittest.TestCase):
    CASES = [
        # (text, line, words in the message)
        ("", 1, "empty file"),
        ("X86 T\n{}\nP0;\nexists 0:X0=0", 1, "only AArch64"),
        ("AArch64\n{}\n", 1, "names no test"),
        ("AArch64 T\nwhat is this\n{}\n", 2, "Key=Value"),
        ("AArch64 T\n", 2, "no init block"),
        ("AArch64 T\n{ 0:X0=1;\n 0:X1=2;\n", 2, "never closed"),
        ("AArch64 T\n{\n0:X0=1;\n0:X1=$$;\n}\nP0;\nNOP;\nexists 0:X0=1", 4, "bad value"),
        ("AArch64 T\n{\n0:X0=1;\n0:X0=2;\n}\nP0;\nNOP;\nexists 0:X0=1", 4, "initialised twice"),
        ("AArch64 T\n{ 0:X1=P1:L9; }\nP0 | P1 ;\nNOP | L0: ;\nexists 0:X0=1", 2, "not a label"),
        ("AArch64 T\n{ }\nP0 | Q1 ;\nNOP | NOP ;\nexists 0:X0=1", 3, "bad thread name"),
        ("AArch64 T\n{ }\nP0 | P1 ;\nNOP | NOP ;\nNOP ;\nexists 0:X0=1", 5,
         "1 column(s) in this row, the header names 2"),
        ("AArch64 T\n{ }\nP0 | P2 ;\nNOP | NOP ;\nexists 0:X0=1", 5, "without gaps"),
        ("AArch64 T\n{ }\nP0 ;\nL: NOP ;\nL: NOP ;\nexists 0:X0=1", 5, "defined twice"),
        ("AArch64 T\n{ }\nP0 ;\nNOP ;\n", 5, "expected the final condition"),
        ("AArch64 T\n{ }\nP0 ;\nNOP ;\nexists (0:X0=1\n", 5, "expected ')'"),
        ("AArch64 T\n{ }\nP0 ;\nNOP ;\nexists 0:X0=1 /\\\n\n", 5, "a location"),
        ("AArch64 T\n{ }\nP0 ;\nNOP ;\nexists 0:X0=1 0:X1=2", 5, "the end of the file after the final condition"),
        ("AArch64 T\n{ }\nP0 ;\nNOP ;\nexists 0:X0 1", 5, "expected '='"),
        ("AArch64 T\n{ }\nP0 ;\nNOP ;\nexists 3:X0=1", 5, "does not have"),
        ("AArch64 T\n{ }\nP0 ;\nNOP ;\nexists 0:X0=1 (* open", 5, "never closed"),
        ("AArch64 T\n{ }\nP0 ;\nNOP ;\nexists 0:X0=1 @", 5, "unexpected"),
    ]

    def test_each_error_names_its_line(self):
        for text, line, words in self.CASES:
            with self.subTest(text=text):
                exc = error_of(text)
                self.assertEqual(exc.line, line, str(exc))
                self.assertIn(words, str(exc))
                self.assertTrue(str(exc).startswith(f"t.litmus:{line}: "), str(exc))

    def test_two_location_comparison_is_unsupported_not_malformed(self):
        with self.assertRaisesRegex(Unsupported, "compares two locations"):
            parse("AArch64 T\n{ }\nP0 ;\nNOP ;\nexists 0:X0=0:X1")


if __name__ == "__main__":
    unittest.main()
