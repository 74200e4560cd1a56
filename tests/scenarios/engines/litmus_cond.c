#include "litmus_cond.h"

#include "litmus.h"

int litmus_cond_eval(const uint8_t *code, const bool *atom_true, unsigned natoms)
{
	bool stack[LITMUS_COND_STACK];
	unsigned sp = 0;
	for (;; code++) {
		bool a, b;
		switch (*code) {
		case LC_END: return sp == 1 ? stack[0] : -1;
		case LC_TRUE:
		case LC_FALSE:
		case LC_ATOM:
			if (sp == LITMUS_COND_STACK)
				return -1;
			if (*code == LC_ATOM) {
				code++;
				if (*code >= natoms)
					return -1;
				stack[sp++] = atom_true[*code];
			} else {
				stack[sp++] = *code == LC_TRUE;
			}
			break;
		case LC_NOT:
			if (sp < 1)
				return -1;
			stack[sp - 1] = !stack[sp - 1];
			break;
		case LC_AND:
		case LC_OR:
		case LC_IMPLIES:
			if (sp < 2)
				return -1;
			b = stack[--sp];
			a = stack[sp - 1];
			stack[sp - 1] = *code == LC_AND ? a && b : *code == LC_OR ? a || b : !a || b;
			break;
		default: return -1;
		}
	}
}
