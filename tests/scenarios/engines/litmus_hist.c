#include "litmus_hist.h"

#include <string.h>

void litmus_hist_init(struct litmus_hist *h, unsigned nobs)
{
	memset(h, 0, sizeof(*h));
	h->nobs = nobs < LITMUS_MAX_OBS ? nobs : LITMUS_MAX_OBS;
}

static bool same(const struct litmus_state *s, unsigned nobs, const uint64_t *v, uint32_t faulted)
{
	if (s->faulted != faulted)
		return false;
	for (unsigned i = 0; i < nobs; i++)
		if (s->v[i] != v[i])
			return false;
	return true;
}

void litmus_hist_add(struct litmus_hist *h, const uint64_t *v, uint32_t faulted, bool holds)
{
	h->total++;
	h->holds += holds;
	for (unsigned i = 0; i < h->nstates; i++)
		if (same(&h->states[i], h->nobs, v, faulted)) {
			h->states[i].count++;
			return;
		}
	if (h->nstates == LITMUS_HIST_STATES) {
		h->overflow++;
		return;
	}
	struct litmus_state *s = &h->states[h->nstates++];
	memcpy(s->v, v, h->nobs * sizeof(*v));
	s->faulted = faulted;
	s->holds = holds;
	s->count = 1;
}
