/* mmap_wait.c -- how long does a thread wait to map memory while another
 * thread unmaps a retired snapshot?
 *
 *   mmap_wait [-m MB] [-p PAUSE_US] [-r ROUNDS]
 *
 * Each round maps MB (default 300) in 2 MiB chunks and touches them, then
 * a SCHED_IDLE thread on CPU 0 unmaps them one by one (as horizond's
 * background thread frees a retired snapshot's arena chunks), sleeping
 * PAUSE_US microseconds after each (default 0; horizond's arena pauses 20
 * us every 2 MiB: arena_unmap_gently). Meanwhile a thread on CPU 1 maps and
 * unmaps one page every 300 us (as a worker whose malloc must grow its heap)
 * and times each mmap(). Prints the unmapping's duration per round, then
 * how many mmap() calls were timed, their mean and the longest.
 *
 * munmap() holds the memory-map lock; a writer waiting for it is woken when
 * it is released, but the unmapping thread takes it again first until the
 * kernel hands the lock over (after a scheduler tick), so without pauses
 * the mapping thread waits milliseconds. Needs two CPUs. Not a test.
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (2u << 20)

static size_t nchunks = 150;
static long pause_us;
static atomic_bool unmapping;

static double
now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static void
pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *
unmap_all(void *arg)
{
	char **chunks = arg;
	pin(0);
	struct sched_param sp = { .sched_priority = 0 };
	pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);
	double t0 = now_us();
	atomic_store(&unmapping, true);
	for (size_t i = 0; i < nchunks; i++) {
		munmap(chunks[i], CHUNK);
		if (pause_us > 0) {
			struct timespec ts = { 0, pause_us * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	atomic_store(&unmapping, false);
	printf("  unmapped %zu MiB in %.1f ms\n", nchunks * 2, (now_us() - t0) / 1e3);
	return NULL;
}

int
main(int argc, char **argv)
{
	int rounds = 5, opt;
	while ((opt = getopt(argc, argv, "m:p:r:")) != -1) {
		switch (opt) {
		case 'm': nchunks = (size_t)atol(optarg) / 2; break;
		case 'p': pause_us = atol(optarg); break;
		case 'r': rounds = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: mmap_wait [-m MB] [-p PAUSE_US] [-r ROUNDS]\n");
			return 2;
		}
	}
	if (nchunks == 0 || rounds < 1 || pause_us < 0 || pause_us >= 1000000) {
		fprintf(stderr, "mmap_wait: MB at least 2, ROUNDS at least 1, PAUSE_US below 1000000\n");
		return 2;
	}
	char **chunks = calloc(nchunks, sizeof(*chunks));
	if (chunks == NULL)
		return 1;
	pin(1);
	double worst = 0, sum = 0;
	unsigned long calls = 0;
	for (int r = 0; r < rounds; r++) {
		for (size_t i = 0; i < nchunks; i++) {
			chunks[i] = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (chunks[i] == MAP_FAILED) {
				perror("mmap");
				return 1;
			}
			memset(chunks[i], 1, CHUNK);
		}
		pthread_t t;
		if (pthread_create(&t, NULL, unmap_all, chunks) != 0)
			return 1;
		while (!atomic_load(&unmapping))
			;
		while (atomic_load(&unmapping)) {
			double t0 = now_us();
			void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			double waited = now_us() - t0;
			if (p != MAP_FAILED)
				munmap(p, 4096);
			if (waited > worst)
				worst = waited;
			sum += waited;
			calls++;
			usleep(300);
		}
		pthread_join(t, NULL);
	}
	printf("pause %ld us: %lu mmap() calls timed while unmapping, mean %.1f us, longest %.1f us\n",
	       pause_us, calls, calls ? sum / (double)calls : 0.0, worst);
	free(chunks);
	return 0;
}
