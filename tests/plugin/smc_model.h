/*
 * What the architecture lets an incoherent instruction side do, as a model
 * over one global order of events (Arm ARM B2.2.5; semantics.md). Pure C, no
 * QEMU: the plugin feeds it events, the unit tests feed it hand-written traces.
 *
 * Per physical line: the last write; the first clean (DC CVAU/CVAC/CIVAC)
 * issued after it, counted once a later DSB on the issuing core completed it;
 * the first invalidate (IC IVAU) issued after that completion, counted once a
 * DSB on its issuing core completed it. Per core: the last context
 * synchronisation (ISB, exception entry or return) and the whole-cache
 * invalidates (IC IALLUIS for every core, IC IALLU for the issuing core)
 * completed before it. A fetch of a line is a hazard unless the chain
 *   write < clean issued < clean completed < invalidate issued < invalidate completed < context sync < fetch
 * holds, with the clean dropped when IDC and the invalidate dropped when DIC.
 *
 * Cores that disagree on line sizes (core_line[]): a DC or IC by address acts, in each core's cache, on
 * that core's line holding the address (Arm ARM D7.5.9.3: "the cache line that contains the VA"). So a
 * clean reaches a line of the model (line_bytes, the smallest) when it lies in the writer's line around
 * the address (the dirty data is in the writer's cache), and an invalidate reaches it for a fetching
 * core when it lies in that core's line around the address: stepping by one core's larger line leaves
 * the other half of a smaller-lined core's line stale, the bug Linux avoids by using the smallest line.
 */
#ifndef SMC_MODEL_H
#define SMC_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMC_MAX_CORES	     64
#define SMC_LINE_CLASSES_MAX 4 /* a core's line is line_bytes << 0..3 */

struct smc_model_config {
	unsigned line_bytes; /* a power of two: the smaller of the data and instruction line sizes */
	bool idc;	     /* no clean to PoU needed (CTR_EL0.IDC, or CLIDR_EL1 LoUU=LoUIS=0) */
	bool dic;	     /* no instruction invalidate needed (CTR_EL0.DIC) */
	unsigned cores;	     /* 1..SMC_MAX_CORES */
	/* Each core's line (data and instruction) where cores disagree: line_bytes << 0..3; 0 = line_bytes. */
	unsigned core_line[SMC_MAX_CORES];
};

/* The first step of the chain that is missing, for a fetch. */
enum smc_missing {
	SMC_OK,
	SMC_NO_CLEAN,		     /* no DC clean of the line after its last write */
	SMC_WRITE_NOT_COMPLETED,     /* IDC: no DSB on the writer after the write before the IC (or the ISB) */
	SMC_CLEAN_NOT_COMPLETED,     /* a clean was issued, but no DSB on its core completed it */
	SMC_NO_INVAL,		     /* no IC invalidate after the clean completed (or after the write, IDC) */
	SMC_INVAL_BEFORE_CLEAN_DONE, /* an invalidate was issued before a DSB completed the clean */
	SMC_INVAL_NOT_COMPLETED,     /* an invalidate was issued, but no DSB on its core completed it */
	SMC_NO_CONTEXT_SYNC,	     /* the fetching core did not context-synchronise after the last step */
};

struct smc_hazard {
	enum smc_missing missing;
	uint64_t line;	 /* physical address of the line */
	unsigned writer; /* core that wrote the line last */
	bool first;	 /* the first hazard of this core on this line since its last write */
};

struct smc_model;

/* NULL if the configuration is invalid or memory runs out. */
struct smc_model *smc_model_new(const struct smc_model_config *cfg);
void smc_model_free(struct smc_model *m);

/* Events, in the global order they happened. Cores are 0..cores-1 (others are ignored). */
void smc_write(struct smc_model *m, unsigned core, uint64_t pa, size_t bytes);
void smc_clean(struct smc_model *m, unsigned core, uint64_t pa);	/* DC CVAU/CVAC/CIVAC by address */
void smc_inval_line(struct smc_model *m, unsigned core, uint64_t pa);	/* IC IVAU by address */
void smc_inval_all(struct smc_model *m, unsigned core, bool broadcast); /* IC IALLUIS (true), IC IALLU */
void smc_dsb(struct smc_model *m, unsigned core);	   /* a DSB that completes maintenance (not ST/LD-only) */
void smc_dsb_st(struct smc_model *m, unsigned core);	   /* DSB ..ST: completes this core's writes only */
void smc_context_sync(struct smc_model *m, unsigned core); /* ISB, exception entry, exception return */

/* An instruction fetch by core from the line holding pa. Returns true (and fills h) for a hazard. */
bool smc_fetch(struct smc_model *m, unsigned core, uint64_t pa, struct smc_hazard *h);

/* The order number of the last write to the line holding pa (0: never written), and of the last event. */
uint64_t smc_line_written_at(const struct smc_model *m, uint64_t pa);
uint64_t smc_now(const struct smc_model *m);

/* What was missing, in words. */
const char *smc_missing_text(enum smc_missing missing);

#endif
