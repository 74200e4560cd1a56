#include "smc_model.h"

#include <stdlib.h>
#include <string.h>

/* Times are order numbers of events (1, 2, ...); 0 means "never". */
struct line {
	uint64_t key;				     /* line index + 1; 0: empty slot */
	uint64_t written;			     /* last write */
	uint64_t write_done;			     /* first DSB on the writing core after it (the write completed) */
	uint64_t cleaned;			     /* completion of the first clean issued after the write */
	uint64_t clean_issued;			     /* first clean issued after the write (completed or not) */
	uint64_t invalidated[SMC_LINE_CLASSES_MAX];  /* completion of the first valid invalidate, for the cores of
							each line class (a core's line = line << class) */
	uint64_t inval_issued[SMC_LINE_CLASSES_MAX]; /* last invalidate issued after the write (completed or not) */
	bool
	    inval_early[SMC_LINE_CLASSES_MAX]; /* an invalidate issued after the write but before the clean completed */
	unsigned writer;
	uint64_t reported; /* cores that already had a hazard on this line since the write */
};

enum pending_kind { PENDING_CLEAN, PENDING_INVAL, PENDING_WRITE };

struct pending {
	uint64_t key;
	uint64_t issued;
	enum pending_kind kind;
	unsigned cls; /* PENDING_INVAL: the line class of the cores it reaches */
};

struct core {
	struct pending *pending; /* maintenance by address issued since this core's last DSB */
	size_t npending, cap;
	uint64_t whole_issued; /* latest IC IALLU/IALLUIS issued by this core, not yet completed (0: none) */
	bool whole_broadcast;
	uint64_t whole_done;   /* latest issue time of a completed whole-cache invalidate reaching this core */
	uint64_t whole_synced; /* whole_done as of this core's last context synchronisation */
	uint64_t synced;       /* last context synchronisation */
};

struct smc_model {
	struct smc_model_config cfg;
	unsigned line_shift;
	unsigned core_class[SMC_MAX_CORES]; /* log2(core's line / line_bytes) */
	unsigned classes;		    /* 1 + the largest class */
	uint64_t now;
	struct line *lines;
	size_t nlines, cap; /* cap: a power of two */
	struct core core[SMC_MAX_CORES];
};

static uint64_t tick(struct smc_model *m)
{
	return ++m->now;
}

static size_t slot_of(uint64_t key, size_t cap)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 17) & (cap - 1);
}

static struct line *find(const struct smc_model *m, uint64_t key)
{
	for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->lines[i].key == key)
			return &m->lines[i];
		if (m->lines[i].key == 0)
			return NULL;
	}
}

static bool grow(struct smc_model *m)
{
	size_t cap = m->cap * 2;
	struct line *lines = calloc(cap, sizeof(*lines));
	if (!lines)
		return false;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->lines[i].key)
			continue;
		size_t j = slot_of(m->lines[i].key, cap);
		while (lines[j].key)
			j = (j + 1) & (cap - 1);
		lines[j] = m->lines[i];
	}
	free(m->lines);
	m->lines = lines;
	m->cap = cap;
	return true;
}

static struct line *find_or_add(struct smc_model *m, uint64_t key)
{
	struct line *l = find(m, key);
	if (l)
		return l;
	if (2 * (m->nlines + 1) > m->cap && !grow(m))
		abort(); /* out of memory: nothing sensible to report */
	size_t i = slot_of(key, m->cap);
	while (m->lines[i].key)
		i = (i + 1) & (m->cap - 1);
	m->lines[i] = (struct line){.key = key};
	m->nlines++;
	return &m->lines[i];
}

static uint64_t key_of(const struct smc_model *m, uint64_t pa)
{
	return (pa >> m->line_shift) + 1;
}

struct smc_model *smc_model_new(const struct smc_model_config *cfg)
{
	unsigned b = cfg->line_bytes;
	if (b < 4 || (b & (b - 1)) || cfg->cores < 1 || cfg->cores > SMC_MAX_CORES)
		return NULL;
	struct smc_model *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->cfg = *cfg;
	while ((1u << m->line_shift) < b)
		m->line_shift++;
	m->classes = 1;
	for (unsigned c = 0; c < cfg->cores; c++) {
		unsigned l = cfg->core_line[c] ? cfg->core_line[c] : b;
		while ((b << m->core_class[c]) < l)
			m->core_class[c]++;
		if ((b << m->core_class[c]) != l || m->core_class[c] >= SMC_LINE_CLASSES_MAX) {
			free(m);
			return NULL;
		}
		if (m->core_class[c] + 1 > m->classes)
			m->classes = m->core_class[c] + 1;
	}
	m->cap = 1024;
	m->lines = calloc(m->cap, sizeof(*m->lines));
	if (!m->lines) {
		free(m);
		return NULL;
	}
	return m;
}

void smc_model_free(struct smc_model *m)
{
	if (!m)
		return;
	for (unsigned c = 0; c < SMC_MAX_CORES; c++)
		free(m->core[c].pending);
	free(m->lines);
	free(m);
}

static bool valid_core(const struct smc_model *m, unsigned core)
{
	return core < m->cfg.cores;
}

static void add_pending(struct smc_model *m, unsigned core, uint64_t pa, enum pending_kind kind, unsigned cls);

void smc_write(struct smc_model *m, unsigned core, uint64_t pa, size_t bytes)
{
	if (!valid_core(m, core) || bytes == 0)
		return;
	uint64_t t = tick(m);
	uint64_t last = key_of(m, pa + bytes - 1);
	for (uint64_t k = key_of(m, pa); k <= last; k++) {
		*find_or_add(m, k) = (struct line){.key = k, .written = t, .writer = core};
		/* Only with IDC does the model need to know when the write completed (a DSB on its core). */
		if (m->cfg.idc)
			add_pending(m, core, (k - 1) << m->line_shift, PENDING_WRITE, 0);
	}
}

static void add_pending(struct smc_model *m, unsigned core, uint64_t pa, enum pending_kind kind, unsigned cls)
{
	if (!valid_core(m, core))
		return;
	struct core *c = &m->core[core];
	uint64_t t = tick(m);
	if (c->npending == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		struct pending *p = realloc(c->pending, cap * sizeof(*p));
		if (!p)
			abort();
		c->pending = p;
		c->cap = cap;
	}
	c->pending[c->npending++] = (struct pending){key_of(m, pa), t, kind, cls};
	/* Remembered at issue, for saying what is missing when no DSB follows. */
	struct line *l = kind == PENDING_WRITE ? NULL : find(m, key_of(m, pa));
	if (!l || t <= l->written)
		return;
	if (kind == PENDING_CLEAN && !l->clean_issued)
		l->clean_issued = t;
	if (kind == PENDING_INVAL)
		l->inval_issued[cls] = t;
}

/* The lines of the model in the line of class cls around pa: [*first, *first + count). */
static uint64_t class_block(const struct smc_model *m, uint64_t pa, unsigned cls, uint64_t *first)
{
	unsigned shift = m->line_shift + cls;
	*first = ((pa >> shift) << shift);
	return 1ull << cls;
}

void smc_clean(struct smc_model *m, unsigned core, uint64_t pa)
{
	if (m->classes == 1) {
		add_pending(m, core, pa, PENDING_CLEAN, 0);
		return;
	}
	/* Each line of the model that lies in its writer's line around pa. */
	uint64_t first, n = class_block(m, pa, m->classes - 1, &first);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t a = first + (i << m->line_shift), writer_first;
		const struct line *l = find(m, key_of(m, a));
		unsigned cls = l && l->written ? m->core_class[l->writer] : 0;
		uint64_t span = class_block(m, pa, cls, &writer_first);
		if (a >= writer_first && a < writer_first + (span << m->line_shift))
			add_pending(m, core, a, PENDING_CLEAN, 0);
	}
}

void smc_inval_line(struct smc_model *m, unsigned core, uint64_t pa)
{
	/* For the cores of each line class, the lines of the model in their line around pa. */
	for (unsigned cls = 0; cls < m->classes; cls++) {
		uint64_t first, n = class_block(m, pa, cls, &first);
		for (uint64_t i = 0; i < n; i++)
			add_pending(m, core, first + (i << m->line_shift), PENDING_INVAL, cls);
	}
}

void smc_inval_all(struct smc_model *m, unsigned core, bool broadcast)
{
	if (!valid_core(m, core))
		return;
	struct core *c = &m->core[core];
	c->whole_issued = tick(m);
	c->whole_broadcast = c->whole_broadcast || broadcast;
}

/* An invalidate counts only if issued after the clean completed, or with IDC after a DSB completed the
   write (IDC1.SM.B+dsb.ish-ic.ivau-dsb.ish-isb Forbidden only through its DSB; src/lib/verdict.c). */
static bool inval_valid(const struct smc_model *m, const struct line *l, uint64_t issued)
{
	uint64_t after = m->cfg.idc ? l->write_done : l->cleaned;
	return after && after < issued;
}

static void complete(struct smc_model *m, const struct pending *p, uint64_t t)
{
	struct line *l = find(m, p->key);
	if (!l || p->issued <= l->written)
		return; /* never written, or written again since: this maintenance is for older data */
	if (p->kind == PENDING_WRITE) {
		if (!l->write_done)
			l->write_done = t;
	} else if (p->kind == PENDING_CLEAN) {
		if (!l->cleaned)
			l->cleaned = t;
	} else if (inval_valid(m, l, p->issued)) {
		if (!l->invalidated[p->cls])
			l->invalidated[p->cls] = t;
	} else {
		l->inval_early[p->cls] = true;
	}
}

void smc_dsb(struct smc_model *m, unsigned core)
{
	if (!valid_core(m, core))
		return;
	struct core *c = &m->core[core];
	uint64_t t = tick(m);
	for (size_t i = 0; i < c->npending; i++)
		complete(m, &c->pending[i], t);
	c->npending = 0;
	if (c->whole_issued) {
		for (unsigned k = 0; k < m->cfg.cores; k++) {
			struct core *target = &m->core[k];
			if ((k == core || c->whole_broadcast) && target->whole_done < c->whole_issued)
				target->whole_done = c->whole_issued;
		}
		c->whole_issued = 0;
		c->whole_broadcast = false;
	}
}

void smc_dsb_st(struct smc_model *m, unsigned core)
{
	if (!valid_core(m, core))
		return;
	struct core *c = &m->core[core];
	uint64_t t = tick(m);
	size_t kept = 0;
	for (size_t i = 0; i < c->npending; i++) {
		if (c->pending[i].kind == PENDING_WRITE)
			complete(m, &c->pending[i], t);
		else
			c->pending[kept++] = c->pending[i];
	}
	c->npending = kept;
}

void smc_context_sync(struct smc_model *m, unsigned core)
{
	if (!valid_core(m, core))
		return;
	struct core *c = &m->core[core];
	c->synced = tick(m);
	c->whole_synced = c->whole_done;
}

/* The first missing step of the chain for this core and line. */
static enum smc_missing diagnose(const struct smc_model *m, const struct line *l, const struct core *c)
{
	const unsigned cls = m->core_class[c - m->core]; /* the fetching core's line class */
	const uint64_t invalidated = l->invalidated[cls];
	uint64_t after; /* the step that the next one must follow */
	if (m->cfg.idc && m->cfg.dic && c != &m->core[l->writer]) {
		/* Another core sees the write in emulation order (DIC1.MP.RF+dmb.st+ctrlisb Forbidden). */
		after = l->written;
	} else if (m->cfg.idc) {
		/* The write must be completed by a DSB on its core (DIC1.SM.B+isb Allowed, +dsb.ish-isb not). */
		if (!l->write_done)
			return SMC_WRITE_NOT_COMPLETED;
		after = l->write_done;
	} else if (l->cleaned) {
		after = l->cleaned;
	} else {
		return l->clean_issued ? SMC_CLEAN_NOT_COMPLETED : SMC_NO_CLEAN;
	}
	if (!m->cfg.dic) {
		bool by_line = invalidated && invalidated < c->synced;
		bool whole = c->whole_synced > after;
		if (by_line || whole)
			return SMC_OK;
		if (invalidated || c->whole_done > after)
			return SMC_NO_CONTEXT_SYNC;
		if (l->inval_early[cls])
			return SMC_INVAL_BEFORE_CLEAN_DONE;
		if (l->inval_issued[cls] > after)
			return SMC_INVAL_NOT_COMPLETED;
		return SMC_NO_INVAL;
	}
	return c->synced > after ? SMC_OK : SMC_NO_CONTEXT_SYNC;
}

bool smc_fetch(struct smc_model *m, unsigned core, uint64_t pa, struct smc_hazard *h)
{
	if (!valid_core(m, core))
		return false;
	struct line *l = find(m, key_of(m, pa));
	if (!l || !l->written)
		return false; /* never written since the model started: as loaded */
	enum smc_missing missing = diagnose(m, l, &m->core[core]);
	if (missing == SMC_OK)
		return false;
	uint64_t bit = 1ull << core;
	*h = (struct smc_hazard){missing, (l->key - 1) << m->line_shift, l->writer, !(l->reported & bit)};
	l->reported |= bit;
	return true;
}

uint64_t smc_line_written_at(const struct smc_model *m, uint64_t pa)
{
	const struct line *l = find(m, key_of(m, pa));
	return l ? l->written : 0;
}

uint64_t smc_now(const struct smc_model *m)
{
	return m->now;
}

const char *smc_missing_text(enum smc_missing missing)
{
	switch (missing) {
	case SMC_OK: return "nothing";
	case SMC_NO_CLEAN: return "no DC clean (CVAU/CVAC/CIVAC) of the line after its last write";
	case SMC_WRITE_NOT_COMPLETED: return "with IDC: no DSB on the writing core between the write and what follows";
	case SMC_CLEAN_NOT_COMPLETED: return "the DC clean was not completed by a DSB on the core that issued it";
	case SMC_NO_INVAL: return "no IC invalidate (IVAU/IALLU/IALLUIS) reaching this core after the clean";
	case SMC_INVAL_BEFORE_CLEAN_DONE:
		return "the IC invalidate was issued before a DSB completed the DC clean (with IDC: the write)";
	case SMC_INVAL_NOT_COMPLETED: return "the IC invalidate was not completed by a DSB on the core that issued it";
	case SMC_NO_CONTEXT_SYNC:
		return "no context synchronisation (ISB, exception entry/return) on this core after the maintenance "
		       "completed";
	}
	return "?";
}
