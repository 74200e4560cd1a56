/* The litmus runtime's pure parts: the postfix condition evaluator and the state histogram. */
#include <stdint.h>

#include "litmus.h"
#include "litmus_cond.h"
#include "litmus_hist.h"
#include "check.h"

struct cond_case {
	const char *what;
	uint8_t code[16];
	bool atoms[3];
	int want;
};

/* Each program as tests/litmus/litmus_cond.py compiles it. */
static const struct cond_case cond_cases[] = {
    {"a /\\ b, both true", {LC_ATOM, 0, LC_ATOM, 1, LC_AND, LC_END}, {1, 1}, 1},
    {"a /\\ b, b false", {LC_ATOM, 0, LC_ATOM, 1, LC_AND, LC_END}, {1, 0}, 0},
    {"a \\/ b, a true", {LC_ATOM, 0, LC_ATOM, 1, LC_OR, LC_END}, {1, 0}, 1},
    {"a \\/ b, neither", {LC_ATOM, 0, LC_ATOM, 1, LC_OR, LC_END}, {0, 0}, 0},
    {"~a", {LC_ATOM, 0, LC_NOT, LC_END}, {1}, 0},
    {"a => b, a false", {LC_ATOM, 0, LC_ATOM, 1, LC_IMPLIES, LC_END}, {0, 0}, 1},
    {"a => b, a true b false", {LC_ATOM, 0, LC_ATOM, 1, LC_IMPLIES, LC_END}, {1, 0}, 0},
    {"(a \\/ b) /\\ ~c", {LC_ATOM, 0, LC_ATOM, 1, LC_OR, LC_ATOM, 2, LC_NOT, LC_AND, LC_END}, {0, 1, 0}, 1},
    {"true /\\ false", {LC_TRUE, LC_FALSE, LC_AND, LC_END}, {0}, 0},
    {"malformed: operator on an empty stack", {LC_AND, LC_END}, {0}, -1},
    {"malformed: two values left", {LC_TRUE, LC_TRUE, LC_END}, {0}, -1},
    {"malformed: atom index past the atoms", {LC_ATOM, 7, LC_END}, {0}, -1},
    {"malformed: unknown opcode", {42, LC_END}, {0}, -1},
    {"malformed: empty program", {LC_END}, {0}, -1},
};

HOST_TEST(litmus_cond_eval)
{
	(void)env;
	for (unsigned i = 0; i < ARRAY_SIZE(cond_cases); i++) {
		const struct cond_case *c = &cond_cases[i];
		int got = litmus_cond_eval(c->code, c->atoms, 3);
		CHECK(got == c->want, "%s: %d (want %d)", c->what, got, c->want);
	}
}

HOST_TEST(litmus_cond_stack_limit)
{
	(void)env;
	uint8_t code[2 * LITMUS_COND_STACK + 4];
	unsigned n = 0;
	bool atoms[1] = {true};
	for (unsigned i = 0; i <= LITMUS_COND_STACK; i++)
		code[n++] = LC_TRUE;
	code[n++] = LC_END;
	CHECK(litmus_cond_eval(code, atoms, 1) == -1, "%u pushes overflow a stack of %u", LITMUS_COND_STACK + 1,
	      LITMUS_COND_STACK);
}

HOST_TEST(litmus_atom_masks)
{
	(void)env;
	CHECK(litmus_atom_holds(0xffffffff00000001ull, 1, true), "W comparison ignores the high half");
	CHECK(!litmus_atom_holds(0xffffffff00000001ull, 1, false), "X comparison sees it");
	CHECK(litmus_atom_holds((uint64_t)-1, (uint64_t)-1, false), "-1 equals -1");
}

HOST_TEST(litmus_histogram)
{
	(void)env;
	static struct litmus_hist h;
	uint64_t a[2] = {1, 0}, b[2] = {1, 1};
	litmus_hist_init(&h, 2);
	litmus_hist_add(&h, a, 0, false);
	litmus_hist_add(&h, b, 0, true);
	litmus_hist_add(&h, a, 0, false);
	litmus_hist_add(&h, a, 1u << 1, false);
	CHECK(h.nstates == 3, "three distinct states (a faulted thread makes a state of its own): %u", h.nstates);
	CHECK(h.states[0].count == 2 && h.states[1].count == 1 && h.states[2].count == 1, "counts 2, 1, 1");
	CHECK(h.total == 4 && h.holds == 1, "total 4, condition held once");
	for (uint64_t i = 0; i < LITMUS_HIST_STATES + 5; i++) {
		uint64_t v[2] = {100 + i, 0};
		litmus_hist_add(&h, v, 0, false);
	}
	CHECK(h.nstates == LITMUS_HIST_STATES && h.overflow == 8 && h.total == 4 + LITMUS_HIST_STATES + 5,
	      "states past %u are counted as overflow: %llu", LITMUS_HIST_STATES, (unsigned long long)h.overflow);
}
