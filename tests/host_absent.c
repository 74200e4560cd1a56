/*
 * Stands in for the host unit tests (tests/host) on a branch that does not
 * have them yet: the host-unit configuration then reports one visible SKIP
 * instead of failing to link. The Makefile uses it only when tests/host has
 * no sources; delete it once tests/host is on every branch.
 */
#include <stdio.h>

int main(void)
{
	puts("KTAP version 1\n1..1\nok 1 host_unit # SKIP tests/host is not on this branch");
	return 0;
}
