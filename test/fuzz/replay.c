/* replay.c -- run a libFuzzer harness without libFuzzer: feed it every file
 * named on the command line, or every file in a named directory.
 *
 * Built with the normal compiler into fuzz/replay_<target> ctest tests, so
 * ordinary test runs (and the ASan+UBSan build) replay the seed corpus and
 * every crasher saved into it. Each input is copied into a buffer of exactly
 * its size, so a read past the end is caught by ASan as under libFuzzer.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		return -1;
	}
	size_t cap = 4096, len = 0;
	uint8_t *buf = malloc(cap);
	size_t n;
	while (buf != NULL && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap *= 2);
			if (nb == NULL)
				free(buf);
			buf = nb;
		}
	}
	int err = ferror(f);
	fclose(f);
	if (buf == NULL || err) {
		fprintf(stderr, "%s: read error\n", path);
		free(buf);
		return -1;
	}
	/* exact-size copy: no slack after the input for an overread to hit */
	uint8_t *exact = malloc(len ? len : 1);
	if (exact == NULL) {
		free(buf);
		return -1;
	}
	memcpy(exact, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

static int
replay_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay every regular file in dir, in name order; returns how many. */
static long
replay_dir(const char *dir)
{
	struct dirent **list;
	int n = scandir(dir, &list, NULL, NULL);
	if (n < 0) {
		perror(dir);
		return -1;
	}
	char **names = calloc((size_t)n + 1, sizeof(*names));
	long count = 0;
	int m = 0;
	for (int i = 0; i < n; i++) {
		if (names != NULL && list[i]->d_name[0] != '.')
			names[m++] = strdup(list[i]->d_name);
		free(list[i]);
	}
	free(list);
	if (names == NULL)
		return -1;
	qsort(names, (size_t)m, sizeof(*names), replay_name_cmp);
	for (int i = 0; i < m; i++) {
		char path[4096];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(path) < 0)
				count = -1;
			else if (count >= 0)
				count++;
		}
		free(names[i]);
	}
	free(names);
	return count;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	long total = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			perror(argv[i]);
			return 1;
		}
		long n = S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : replay_file(argv[i]) == 0;
		if (n < 0)
			return 1;
		total += n;
	}
	/* an empty corpus would make the test pass without testing anything */
	if (total == 0) {
		fprintf(stderr, "%s: no inputs found\n", argv[0]);
		return 1;
	}
	printf("%s: %ld inputs replayed, no crash\n", argv[0], total);
	return 0;
}
