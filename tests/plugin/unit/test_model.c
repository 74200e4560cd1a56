/*
 * The model on hand-written traces. A trace is a string of events, each a
 * letter and a core, optionally @B for the second line (default: line A):
 *   W write   C DC clean   I IC IVAU   A IC IALLU   U IC IALLUIS   D DSB   S ISB (context sync)
 * e.g. "W0 C0 D0 I0 D0 S0" is the canonical same-core sequence.
 */
#include <stdio.h>
#include <string.h>

#include "smc_model.h"
#include "check.h"

#define LINE_A 0x40001000u
#define LINE_B 0x40002000u

static struct smc_model *model(bool idc, bool dic)
{
	struct smc_model_config cfg = {64, idc, dic, 4, {0}};
	struct smc_model *m = smc_model_new(&cfg);
	CHECK(m != NULL, "smc_model_new");
	return m;
}

static void trace(struct smc_model *m, const char *events)
{
	char ev[8];
	int used;
	for (const char *p = events; sscanf(p, "%7s%n", ev, &used) == 1; p += used) {
		unsigned core = (unsigned)(ev[1] - '0');
		uint64_t pa = strstr(ev, "@B") ? LINE_B + 8 : LINE_A + 8;
		switch (ev[0]) {
		case 'W': smc_write(m, core, pa, 4); break;
		case 'C': smc_clean(m, core, pa); break;
		case 'I': smc_inval_line(m, core, pa); break;
		case 'A': smc_inval_all(m, core, false); break;
		case 'U': smc_inval_all(m, core, true); break;
		case 'D': smc_dsb(m, core); break;
		case 'T': smc_dsb_st(m, core); break;
		case 'S': smc_context_sync(m, core); break;
		default: CHECK(false, "bad trace event '%s'", ev);
		}
	}
}

/* The outcome of a fetch of line A (or B) by core. */
static enum smc_missing fetch(struct smc_model *m, unsigned core, uint64_t line)
{
	struct smc_hazard h;
	return smc_fetch(m, core, line + 4, &h) ? h.missing : SMC_OK;
}

#define EXPECT(m, core, line, want, what)                                                                              \
	do {                                                                                                           \
		enum smc_missing got_ = fetch(m, core, line);                                                          \
		CHECK(got_ == (want), "%s: core %u: expected '%s', got '%s'", what, (unsigned)(core),                  \
		      smc_missing_text(want), smc_missing_text(got_));                                                 \
	} while (0)

/* Run a trace on a fresh model and check one fetch of line A. */
static void case_(bool idc, bool dic, const char *events, unsigned core, enum smc_missing want)
{
	struct smc_model *m = model(idc, dic);
	trace(m, events);
	char what[96];
	snprintf(what, sizeof(what), "IDC %d DIC %d \"%s\"", idc, dic, events);
	EXPECT(m, core, LINE_A, want, what);
	smc_model_free(m);
}

/* never-written lines are safe */
HOST_TEST(model_never_written_is_safe)
{
	case_(0, 0, "", 0, SMC_OK);
	case_(0, 0, "W0@B", 0, SMC_OK);
}

/* the canonical same-core sequence and its missing steps */
HOST_TEST(model_canonical_same_core)
{
	case_(0, 0, "W0 C0 D0 I0 D0 S0", 0, SMC_OK);
	case_(0, 0, "W0", 0, SMC_NO_CLEAN);
	case_(0, 0, "W0 D0 I0 D0 S0", 0, SMC_NO_CLEAN);
	case_(0, 0, "W0 C0 D0 S0", 0, SMC_NO_INVAL);
	case_(0, 0, "W0 C0 D0 I0 D0", 0, SMC_NO_CONTEXT_SYNC);
}

/* The clean has been issued but no DSB completed it when the invalidate is issued. */
/* clean not completed when the invalidate is issued */
HOST_TEST(model_clean_not_completed_when_invalidate_issued)
{
	case_(0, 0, "W0 C0 I0 D0 S0", 0, SMC_INVAL_BEFORE_CLEAN_DONE);
	case_(0, 0, "W0 C0 S0", 0, SMC_CLEAN_NOT_COMPLETED);
	case_(0, 0, "W0 C0 I0 D0 I0 D0 S0", 0, SMC_OK); /* a second invalidate after the completion repairs it */
	case_(0, 0, "W0 I0 D0 C0 D0 S0", 0, SMC_INVAL_BEFORE_CLEAN_DONE); /* IC before DC */
}

/* The ISB comes before the DSB that completes the invalidate, not after it. */
/* ISB before the invalidate completes */
HOST_TEST(model_isb_before_invalidate_completes)
{
	case_(0, 0, "W0 C0 D0 I0 S0 D0", 0, SMC_NO_CONTEXT_SYNC);
	case_(0, 0, "W0 C0 D0 I0 S0", 0, SMC_INVAL_NOT_COMPLETED);
	case_(0, 0, "W0 C0 D0 I0 S0 D0 S0", 0, SMC_OK);
	case_(1, 1, "W0 D0 S0", 0, SMC_OK);
	case_(0, 1, "W0 C0 S0 D0", 0, SMC_NO_CONTEXT_SYNC); /* DIC: the ISB must follow the clean's completion */
}

/* only a DSB on the issuing core completes maintenance */
HOST_TEST(model_completion_needs_a_dsb_on_the_issuing_core)
{
	case_(0, 0, "W0 C0 D1 I0 D0 S0", 0, SMC_INVAL_BEFORE_CLEAN_DONE);
	case_(0, 0, "W0 C0 D0 I0 D1 S0", 0, SMC_INVAL_NOT_COMPLETED);
	/* The work split over cores (dcc2): DC on the writer, IC and ISB on the reader. */
	case_(0, 0, "W0 C0 D0 I1 D1 S1", 1, SMC_OK);
}

/* maintenance before the last write does not count */
HOST_TEST(model_maintenance_before_the_write_does_not_count)
{
	case_(0, 0, "C0 D0 I0 D0 W0 S0", 0, SMC_NO_CLEAN);
	case_(0, 0, "C0 W0 D0 I0 D0 S0", 0, SMC_NO_CLEAN); /* issued before the write, completed after it */
	case_(0, 0, "W0 C0 D0 I0 D0 S0 W1", 0, SMC_NO_CLEAN);
	case_(0, 0, "W0 C0 D0 I0 D0 S0 W0@B", 0, SMC_OK); /* another line */
	case_(0, 0, "W0 C0@B D0 I0@B D0 S0", 0, SMC_NO_CLEAN);
}

/* IDC and DIC variants: src/lib/verdict.c's rules, as the checker sees them (docs/verdicts.md). */
HOST_TEST(model_idc_and_dic_variants)
{
	case_(1, 0, "W0 D0 I0 D0 S0", 0, SMC_OK);		    /* IDC1.SM.B+dsb.ish-ic.ivau-dsb.ish-isb */
	case_(1, 0, "W0 I0 D0 S0", 0, SMC_INVAL_BEFORE_CLEAN_DONE); /* no DSB before the IC: allowed */
	case_(1, 0, "W0 S0", 0, SMC_WRITE_NOT_COMPLETED);
	case_(1, 0, "W0 D0 S0", 0, SMC_NO_INVAL);
	case_(1, 0, "W0 D0 I0 S0", 0, SMC_INVAL_NOT_COMPLETED);
	case_(1, 0, "W0 I0 D0 C0 D0 S0", 0, SMC_INVAL_BEFORE_CLEAN_DONE); /* IC before DC: allowed with IDC */
	case_(1, 0, "W0 C0 I0 D0 S0", 0, SMC_INVAL_BEFORE_CLEAN_DONE);	  /* no DSB after DC */
	case_(0, 1, "W0 C0 D0 S0", 0, SMC_OK);				  /* DIC: no invalidate needed */
	case_(0, 1, "W0 S0", 0, SMC_NO_CLEAN);
	case_(0, 1, "W0 C0 S0", 0, SMC_CLEAN_NOT_COMPLETED);
	case_(0, 1, "W0 I0 D0 C0 D0 S0", 0, SMC_OK); /* IC before DC: the later DC, DSB, ISB suffice */
	case_(1, 1, "W0", 0, SMC_WRITE_NOT_COMPLETED);
	case_(1, 1, "W0 S0", 0, SMC_WRITE_NOT_COMPLETED); /* DIC1.SM.B+isb Allowed */
	case_(1, 1, "W0 D0 S0", 0, SMC_OK);		  /* DIC1.SM.B+dsb.ish-isb Forbidden */
	case_(1, 1, "W0 I0 D0 S0", 0, SMC_OK);		  /* IC only: the DSB completes the write */
	case_(1, 1, "W0 C0 I0 S1", 1, SMC_OK);		  /* no DSB, another core: DIC1.MP.RF+dmb.st+ctrlisb */
	case_(1, 1, "W0 C0 I0 S0", 0, SMC_WRITE_NOT_COMPLETED);
	case_(1, 0, "W0 C0 I0 S1", 1, SMC_WRITE_NOT_COMPLETED); /* IDC1.MP.RF+dmb.st+ctrlisb Allowed */
}

/* every core that runs the code context-synchronises */
HOST_TEST(model_other_cores_need_their_own_context_sync)
{
	case_(0, 0, "W0 C0 D0 I0 D0 S0", 1, SMC_NO_CONTEXT_SYNC);
	case_(0, 0, "W0 C0 D0 I0 D0 S0 S1", 1, SMC_OK);
	case_(0, 0, "W0 C0 D0 I0 S1 D0 S0", 1, SMC_NO_CONTEXT_SYNC); /* core 1 synchronised too early */
}

/* IC IALLUIS reaches every core, IC IALLU only its own */
HOST_TEST(model_ialluis_and_iallu)
{
	case_(0, 0, "W0 C0 D0 U0 D0 S0 S1", 1, SMC_OK);		  /* IALLUIS reaches every core */
	case_(0, 0, "W0 C0 D0 A0 D0 S0 S1", 0, SMC_OK);		  /* IALLU: this core's cache */
	case_(0, 0, "W0 C0 D0 A0 D0 S0 S1", 1, SMC_NO_INVAL);	  /* ... not another core's */
	case_(0, 0, "W0 C0 D0 A1 D1 S1", 1, SMC_OK);		  /* IALLU on the core that runs the code */
	case_(0, 0, "W0 C0 U0 D0 S0", 0, SMC_NO_INVAL);		  /* before the clean completed */
	case_(0, 0, "W0 C0 D0 U0 S1 D0", 1, SMC_NO_CONTEXT_SYNC); /* completed after core 1's ISB */
	case_(0, 0, "W0 C0 D0 U0 D1 S0", 0, SMC_NO_INVAL);	  /* completed by another core's DSB: not at all */
}

/* a hazard is first once per core and write */
HOST_TEST(model_hazards_are_first_once_per_core_and_write)
{
	struct smc_model *m = model(0, 0);
	struct smc_hazard h;
	trace(m, "W1");
	CHECK(smc_fetch(m, 0, LINE_A, &h) && h.first && h.writer == 1 && h.line == LINE_A, "first hazard");
	CHECK(smc_fetch(m, 0, LINE_A + 60, &h) && !h.first, "second fetch of the line: not first");
	CHECK(smc_fetch(m, 2, LINE_A, &h) && h.first, "another core: first");
	trace(m, "W1");
	CHECK(smc_fetch(m, 0, LINE_A, &h) && h.first, "after a new write: first again");
	smc_model_free(m);
}

/* a write covers every line it touches */
HOST_TEST(model_writes_cover_every_line_they_touch)
{
	struct smc_model *m = model(0, 0);
	smc_write(m, 0, LINE_A + 62, 4);
	EXPECT(m, 0, LINE_A, SMC_NO_CLEAN, "first line of a straddling write");
	EXPECT(m, 0, LINE_A + 64, SMC_NO_CLEAN, "second line of a straddling write");
	EXPECT(m, 0, LINE_A + 128, SMC_OK, "the line after");
	CHECK(smc_line_written_at(m, LINE_A + 64) == 1 && smc_line_written_at(m, LINE_A + 128) == 0,
	      "smc_line_written_at");
	smc_model_free(m);
}

/* 20000 lines through the hash table */
HOST_TEST(model_many_lines_and_pending_operations)
{
	struct smc_model *m = model(0, 0);
	for (uint64_t i = 0; i < 20000; i++)
		smc_write(m, 0, 0x80000000u + i * 64, 4);
	for (uint64_t i = 0; i < 20000; i++)
		smc_clean(m, 0, 0x80000000u + i * 64);
	smc_dsb(m, 0);
	for (uint64_t i = 0; i < 20000; i++)
		smc_inval_line(m, 0, 0x80000000u + i * 64);
	smc_dsb(m, 0);
	smc_context_sync(m, 0);
	unsigned bad = 0;
	for (uint64_t i = 0; i < 20000; i++)
		bad += fetch(m, 0, 0x80000000u + i * 64) != SMC_OK;
	CHECK(bad == 0, "%u of 20000 maintained lines flagged", bad);
	smc_model_free(m);
}

/* bad configurations and unknown cores */
HOST_TEST(model_bad_configuration_and_cores)
{
	struct smc_model_config bad[] = {
	    {48, 0, 0, 1, {0}}, {0, 0, 0, 1, {0}}, {64, 0, 0, 0, {0}}, {64, 0, 0, SMC_MAX_CORES + 1, {0}}};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(smc_model_new(&bad[i]) == NULL, "configuration %zu accepted", i);
	struct smc_model *m = model(0, 0);
	trace(m, "W9"); /* core 9 of 4: ignored */
	EXPECT(m, 0, LINE_A, SMC_OK, "event of an unknown core");
	smc_model_free(m);
}

/*
 * Cores that disagree on line sizes: core 0 has 64-byte lines, cores 1-3 32-byte ones, the model's line
 * 32. A DC/IC by address acts on each core's own line around it (smc_model.h).
 */
static struct smc_model *mismatched_model(void)
{
	struct smc_model_config cfg = {32, false, false, 4, {64, 32, 32, 32}};
	struct smc_model *m = smc_model_new(&cfg);
	CHECK(m != NULL, "smc_model_new with core lines 64/32");
	return m;
}

/* Core 0 writes 64 bytes and maintains by its 64-byte line at the first byte, then a core fetches the
   second 32 bytes: complete for core 0 (its own lines), the other half of core 1's 32-byte lines never
   invalidated. */
static void mismatched_maintain(struct smc_model *m, unsigned maintainer)
{
	smc_write(m, 0, LINE_A, 64);
	smc_clean(m, maintainer, LINE_A);
	smc_dsb(m, maintainer);
	smc_inval_line(m, maintainer, LINE_A);
	smc_dsb(m, maintainer);
	for (unsigned c = 0; c < 4; c++)
		smc_context_sync(m, c);
}

HOST_TEST(model_mismatched_lines_step_by_the_larger_line)
{
	(void)env;
	struct smc_hazard h;
	struct smc_model *m = mismatched_model();
	mismatched_maintain(m, 0);
	CHECK(!smc_fetch(m, 0, LINE_A + 32, &h), "core 0 (64-byte lines): its own line was maintained whole");
	CHECK(smc_fetch(m, 1, LINE_A + 32, &h) && h.missing == SMC_NO_INVAL,
	      "core 1 (32-byte lines): its second line was never invalidated");
	CHECK(!smc_fetch(m, 1, LINE_A, &h), "core 1: the line holding the address was");
	smc_model_free(m);
}

HOST_TEST(model_mismatched_lines_clean_by_the_writers_line)
{
	(void)env;
	struct smc_hazard h;
	/* Core 1 (32-byte lines) writes both halves; core 0 cleans and invalidates at the first byte only: the
	   second half of the writer's data was never cleaned, whatever core 0's line. */
	struct smc_model *m = mismatched_model();
	smc_write(m, 1, LINE_A, 64);
	smc_clean(m, 0, LINE_A);
	smc_dsb(m, 0);
	smc_inval_line(m, 0, LINE_A);
	smc_inval_line(m, 0, LINE_A + 32);
	smc_dsb(m, 0);
	smc_context_sync(m, 0);
	CHECK(smc_fetch(m, 0, LINE_A + 32, &h) && h.missing == SMC_NO_CLEAN,
	      "the writer's second 32-byte line was never cleaned");
	smc_model_free(m);
	/* Maintained by the smallest line everywhere: clean for every core. */
	m = mismatched_model();
	smc_write(m, 0, LINE_A, 64);
	for (uint64_t a = LINE_A; a < LINE_A + 64; a += 32)
		smc_clean(m, 0, a);
	smc_dsb(m, 0);
	for (uint64_t a = LINE_A; a < LINE_A + 64; a += 32)
		smc_inval_line(m, 0, a);
	smc_dsb(m, 0);
	for (unsigned c = 0; c < 4; c++) {
		smc_context_sync(m, c);
		for (uint64_t a = LINE_A; a < LINE_A + 64; a += 32)
			CHECK(!smc_fetch(m, c, a, &h), "core %u at +%u: the smallest line everywhere is complete", c,
			      (unsigned)(a - LINE_A));
	}
	smc_model_free(m);
	/* A core's line must be the model's line << 0..3. */
	struct smc_model_config bad = {32, false, false, 2, {48, 32}};
	CHECK(smc_model_new(&bad) == NULL, "a core line of 48 bytes is refused");
	struct smc_model_config big = {32, false, false, 2, {512, 32}};
	CHECK(smc_model_new(&big) == NULL, "a core line of 16 model lines is refused");
}
