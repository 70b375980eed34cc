/* fuzz_zonefile.c -- libFuzzer harness: parse arbitrary bytes as a master file.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "zonefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	diag_t d = { 0, 0, NULL, 1 };
	/* $INCLUDE in the input resolves relative to the current directory. */
	zonefile_t *z = zonefile_parse("example.com", "fuzz.zone", (const char *)data, size, &d);
	zonefile_free(&z);
	return 0;
}
