/* fuzz_plan.c: libFuzzer target for the plan parser. Any input must give
 * either a plan or an error message, never a crash or a leak. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../harness/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct plan p;
	struct hd_err err = { 0 };

	if (plan_parse("fuzz.plan", (const char *)data, size, &p, &err) == HD_OK) {
		if (p.njobs == 0 || !p.jobs)
			__builtin_trap();
		plan_free(&p);
	} else if (err.msg[0] == '\0') {
		__builtin_trap(); /* every failure says why */
	}
	return 0;
}
