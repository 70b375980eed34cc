/* query_bench.c -- time query_answer() without sockets.
 *
 * query_bench CONFIG QUERIES ITERATIONS
 * Builds the snapshot from CONFIG, turns every line "name type source" of
 * QUERIES into a wire query (with ldns, before timing), then answers the
 * whole list ITERATIONS times and prints nanoseconds per query and the
 * snapshot's memory. Under valgrind --tool=callgrind, the difference between
 * two ITERATIONS values divided by the extra queries is the instruction
 * count per query (bench/callgrind.sh does that).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "query.h"
#include "snapshot.h"
#include "zonestore.h"

typedef struct bq {
	uint8_t *wire;
	size_t len;
	struct sockaddr_in src;
} bq_t;

static long
rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

int
main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: query_bench CONFIG QUERIES ITERATIONS\n");
		return 2;
	}
	long rss0 = rss_kib();
	diag_t d = { 0 };
	snapshot_t *snap = zonestore_build(argv[1], NULL, &d);
	if (snap == NULL)
		return 1;
	long rss1 = rss_kib();
	FILE *f = fopen(argv[2], "r");
	if (f == NULL) {
		perror(argv[2]);
		return 1;
	}
	size_t n = 0, cap = 1024;
	bq_t *qs = malloc(cap * sizeof(*qs));
	char name[300], type[20], src[64];
	while (fscanf(f, "%299s %19s %63s", name, type, src) == 3) {
		ldns_pkt *p = NULL;
		if (ldns_pkt_query_new_frm_str(&p, name, ldns_get_rr_type_by_name(type),
					       LDNS_RR_CLASS_IN, 0) != LDNS_STATUS_OK)
			continue;
		if (n == cap)
			qs = realloc(qs, (cap *= 2) * sizeof(*qs));
		ldns_pkt2wire(&qs[n].wire, p, &qs[n].len);
		ldns_pkt_free(p);
		memset(&qs[n].src, 0, sizeof(qs[n].src));
		qs[n].src.sin_family = AF_INET;
		inet_pton(AF_INET, src, &qs[n].src.sin_addr);
		n++;
	}
	fclose(f);
	long iters = atol(argv[3]);
	static uint8_t out[QUERY_MAX_ANSWER];
	size_t bytes = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long it = 0; it < iters; it++)
		for (size_t i = 0; i < n; i++) {
			query_src_t from = { .src = (struct sockaddr *)&qs[i].src };
			bytes += query_answer(snap, qs[i].wire, qs[i].len, out, sizeof(out), &from);
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
	double total = (double)iters * (double)n;
	printf("queries: %zu x %ld = %.0f\n", n, iters, total);
	printf("ns/query: %.1f\n", total > 0 ? ns / total : 0.0);
	printf("answer bytes: %zu\n", bytes);
	printf("snapshot RSS: %.1f MiB (process %.1f MiB)\n", (double)(rss1 - rss0) / 1024.0,
	       (double)rss1 / 1024.0);
	for (size_t i = 0; i < n; i++)
		free(qs[i].wire);
	free(qs);
	snapshot_free(&snap);
	return 0;
}
