/* loadgen.c: see loadgen.h. */
#include "loadgen.h"

void loadgen_ramp(struct loadgen *lg, uint32_t first, uint32_t target)
{
	lg->kind = LOADGEN_RAMP;
	lg->target = target;
	lg->issued = first > 0 ? first - 1 : 0;
}

struct loadgen_action loadgen_next(struct loadgen *lg)
{
	struct loadgen_action a = { LOADGEN_DONE, 0 };

	switch (lg->kind) {
	case LOADGEN_RAMP:
		if (lg->issued < lg->target) {
			a.kind = LOADGEN_CREATE;
			a.seq = ++lg->issued;
		}
		break;
	}
	return a;
}
