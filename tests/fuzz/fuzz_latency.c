/* fuzz_latency.c: libFuzzer target for emu's latency profile parser (the
 * file behind emu_latency=FILE). Any input gives a profile or an error
 * message, never a crash or a leak. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../emu/emu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct emu_latency l;
	struct hd_err err = { 0 };

	if (emu_latency_parse((const char *)data, size, "fuzz", &l, &err) == HD_OK) {
		if (!l.name[0] || memchr(l.name, '\0', sizeof(l.name)) == NULL)
			__builtin_trap();
		for (int op = 0; op < XCL_HV_OP_COUNT; op++)
			if (!(l.op[op].sigma >= 0 && l.op[op].sigma <= 3))
				__builtin_trap();
	} else if (err.msg[0] == '\0') {
		__builtin_trap(); /* every failure says why */
	}
	return 0;
}
