/* fuzz_conf.c -- libFuzzer harness: arbitrary bytes as the YAML config.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "conf.h"
#include "diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	diag_t d = { .quiet = 1 };
	conf_t *c = conf_parse("fuzz/horizond.yaml", (const char *)data, size, &d);
	/* NULL exactly when an error was reported (conf.h) */
	if ((c == NULL) != (d.errors > 0))
		abort();
	if (c != NULL) {
		/* the checks a valid config gets from --check, and their warnings */
		conf_check_views(c, &d);
		for (size_t i = 0; i < c->nviews; i++)
			(void)conf_acl_reaches_public(c->views[i].match_clients);
	}
	conf_free(&c);
	return 0;
}
