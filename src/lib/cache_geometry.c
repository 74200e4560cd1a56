#include "cache_geometry.h"

#include "sysreg.h"

unsigned ctr_dline_bytes(uint64_t ctr)
{
	return 4u << CTR_DMINLINE(ctr);
}
unsigned ctr_iline_bytes(uint64_t ctr)
{
	return 4u << CTR_IMINLINE(ctr);
}

uint64_t ctr_with_lines(uint64_t ctr, unsigned line_bytes)
{
	uint64_t words_log2 = 0; /* the fields hold log2 of the line in 4-byte words */
	while ((4u << words_log2) < line_bytes)
		words_log2++;
	ctr &= ~((CTR_LINE_FIELD_MASK << CTR_DMINLINE_SHIFT) | CTR_LINE_FIELD_MASK);
	return ctr | (words_log2 << CTR_DMINLINE_SHIFT) | words_log2;
}

bool cache_idc_effective(uint64_t ctr, uint64_t clidr)
{
	return CTR_IDC(ctr) || (CLIDR_LOUU(clidr) == 0 && CLIDR_LOUIS(clidr) == 0) || CLIDR_LOC(clidr) == 0;
}

struct cache_lines cache_lines_of(uint64_t ctr, uint64_t clidr)
{
	return (struct cache_lines){
	    .dline = ctr_dline_bytes(ctr),
	    .iline = ctr_iline_bytes(ctr),
	    .idc = cache_idc_effective(ctr, clidr),
	    .dic = CTR_DIC(ctr) != 0,
	};
}

struct cache_lines cache_lines_merge(struct cache_lines a, struct cache_lines b)
{
	return (struct cache_lines){
	    .dline = a.dline < b.dline ? a.dline : b.dline,
	    .iline = a.iline < b.iline ? a.iline : b.iline,
	    .idc = a.idc && b.idc,
	    .dic = a.dic && b.dic,
	};
}

bool cache_lines_equal(struct cache_lines a, struct cache_lines b)
{
	return a.dline == b.dline && a.iline == b.iline && a.idc == b.idc && a.dic == b.dic;
}

struct ccsidr_info ccsidr_decode(uint64_t ccsidr)
{
	struct ccsidr_info i = {
	    .line_bytes = 16u << CCSIDR_LINESIZE(ccsidr),
	    .ways = (unsigned)CCSIDR_ASSOC(ccsidr),
	    .sets = (unsigned)CCSIDR_NUMSETS(ccsidr),
	};
	i.size_bytes = (uint64_t)i.line_bytes * i.ways * i.sets;
	return i;
}

const char *ctype_name(unsigned ctype)
{
	static const char *const names[] = {"none", "I", "D", "I+D", "unified"};
	return ctype < 5 ? names[ctype] : "reserved";
}

const char *l1ip_name(uint64_t ctr)
{
	static const char *const names[] = {"VPIPT", "AIVIVT", "VIPT", "PIPT"};
	return names[CTR_L1IP(ctr)];
}
