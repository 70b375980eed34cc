/* stall_probe.c -- when could a CPU run nothing at all?
 *
 * One SCHED_FIFO thread per CPU, pinned, wakes every PERIOD microseconds
 * (absolute CLOCK_MONOTONIC deadlines) and measures how late it woke. A
 * real-time thread preempts every normal thread at once, so a late wake-up
 * of more than a fraction of a millisecond means the CPU could not run any
 * thread of the guest: the hypervisor had taken the virtual CPU away, or the
 * kernel sat in a section it does not preempt. bench/reload_gap.sh -P runs it
 * beside the client, to tell such stalls from the server's own gaps.
 *
 *   stall_probe [-c CPU,CPU...] [-p PERIOD_US] [-t THRESHOLD_US] [-d SECONDS]
 *
 * Defaults: every online CPU, 500 us, 1000 us, until SIGTERM/SIGINT. Prints
 * each late wake-up over the threshold as
 * "HH:MM:SS.mmmZ EPOCH.UUUUUU cpu N late MS": the wall-clock time the wake-up
 * was due (UTC, and in seconds since 1970 for scripts); the CPU was
 * unavailable from then for at least MS milliseconds (the stall began up to
 * one period earlier). bench/reload_gap.py --stalls reads these lines. At the
 * end, one line per CPU:
 * "cpu N wakeups W late_over_threshold K max_late_ms M".
 * Needs root (or CAP_SYS_NICE) for SCHED_FIFO; without it, it says so and
 * exits 1 rather than measure something else.
 * Not a test and not part of horizond.
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MAX_CPUS 256

struct probe {
	int cpu;
	pthread_t thread;
	unsigned long wakeups, late;
	long max_late_ns;
};

static long period_ns = 500000, threshold_ns = 1000000;
static volatile sig_atomic_t stop;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void
on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static long
ns_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000000000L + (b->tv_nsec - a->tv_nsec);
}

static void
add_ns(struct timespec *t, long ns)
{
	t->tv_nsec += ns;
	while (t->tv_nsec >= 1000000000L) {
		t->tv_nsec -= 1000000000L;
		t->tv_sec++;
	}
}

/* The wall-clock time of a monotonic instant, printed as HH:MM:SS.mmmZ. */
static void
print_late(int cpu, const struct timespec *due, long late_ns)
{
	struct timespec mono_now, real_now;
	clock_gettime(CLOCK_MONOTONIC, &mono_now);
	clock_gettime(CLOCK_REALTIME, &real_now);
	long back = ns_between(due, &mono_now);
	long long real_ns = (long long)real_now.tv_sec * 1000000000LL + real_now.tv_nsec - back;
	time_t sec = (time_t)(real_ns / 1000000000LL);
	struct tm tm;
	gmtime_r(&sec, &tm);
	pthread_mutex_lock(&out_lock);
	printf("%02d:%02d:%02d.%03dZ %lld.%06lld cpu %d late %.3f\n", tm.tm_hour, tm.tm_min,
	       tm.tm_sec, (int)(real_ns % 1000000000LL / 1000000), real_ns / 1000000000LL,
	       real_ns % 1000000000LL / 1000, cpu, late_ns / 1e6);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static void *
run_probe(void *arg)
{
	struct probe *p = arg;
	struct timespec due, now;
	clock_gettime(CLOCK_MONOTONIC, &due);
	while (!stop) {
		add_ns(&due, period_ns);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) == EINTR && !stop)
			;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long late = ns_between(&due, &now);
		p->wakeups++;
		if (late > p->max_late_ns)
			p->max_late_ns = late;
		if (late > threshold_ns) {
			p->late++;
			print_late(p->cpu, &due, late);
			/* After a stall, start the schedule afresh instead of
			 * catching up with a burst of overdue wake-ups. */
			due = now;
		}
	}
	return NULL;
}

static int
parse_cpus(char *list, int *cpus)
{
	int n = 0;
	for (char *tok = strtok(list, ","); tok && n < MAX_CPUS; tok = strtok(NULL, ","))
		cpus[n++] = atoi(tok);
	return n;
}

int
main(int argc, char **argv)
{
	static struct probe probes[MAX_CPUS];
	int cpus[MAX_CPUS], ncpus = 0, seconds = 0, opt;
	while ((opt = getopt(argc, argv, "c:p:t:d:")) != -1) {
		switch (opt) {
		case 'c': ncpus = parse_cpus(optarg, cpus); break;
		case 'p': period_ns = atol(optarg) * 1000L; break;
		case 't': threshold_ns = atol(optarg) * 1000L; break;
		case 'd': seconds = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: stall_probe [-c CPU,...] [-p PERIOD_US] [-t THRESHOLD_US] [-d SECONDS]\n");
			return 2;
		}
	}
	if (period_ns <= 0 || threshold_ns <= 0) {
		fprintf(stderr, "stall_probe: period and threshold must be positive\n");
		return 2;
	}
	if (ncpus == 0) {
		long online = sysconf(_SC_NPROCESSORS_ONLN);
		for (long i = 0; i < online && ncpus < MAX_CPUS; i++)
			cpus[ncpus++] = (int)i;
	}
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	if (seconds > 0) {
		signal(SIGALRM, on_stop);
		alarm((unsigned)seconds);
	}
	mlockall(MCL_CURRENT | MCL_FUTURE);

	for (int i = 0; i < ncpus; i++) {
		pthread_attr_t attr;
		struct sched_param sp = { .sched_priority = 50 };
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpus[i], &set);
		pthread_attr_init(&attr);
		pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
		pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
		pthread_attr_setschedparam(&attr, &sp);
		pthread_attr_setaffinity_np(&attr, sizeof set, &set);
		probes[i].cpu = cpus[i];
		int err = pthread_create(&probes[i].thread, &attr, run_probe, &probes[i]);
		pthread_attr_destroy(&attr);
		if (err) {
			fprintf(stderr, "stall_probe: cannot start a SCHED_FIFO thread on CPU %d: %s\n",
			        cpus[i], strerror(err));
			stop = 1;
			for (int j = 0; j < i; j++)
				pthread_join(probes[j].thread, NULL);
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	/* The threads wake within one period of stop being set. */
	for (int i = 0; i < ncpus; i++)
		pthread_join(probes[i].thread, NULL);
	for (int i = 0; i < ncpus; i++)
		printf("cpu %d wakeups %lu late_over_threshold %lu max_late_ms %.3f\n", probes[i].cpu,
		       probes[i].wakeups, probes[i].late, probes[i].max_late_ns / 1e6);
	return 0;
}
