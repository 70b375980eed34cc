/* lograte.c -- at most a few log lines per client address (see lograte.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "lograte.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

lograte_t lograte_refused = LOGRATE_INIT;

/* The address bytes of src (4 or 16) into a; returns how many. */
static size_t
lograte_addr(const struct sockaddr *src, uint8_t a[16])
{
	if (src->sa_family == AF_INET6) {
		memcpy(a, &((const struct sockaddr_in6 *)src)->sin6_addr, 16);
		return 16;
	}
	memset(a, 0, 16);
	if (src->sa_family == AF_INET) {
		memcpy(a, &((const struct sockaddr_in *)src)->sin_addr, 4);
		return 4;
	}
	return 0;
}

bool
lograte_allow(lograte_t *rl, const struct sockaddr *src, time_t now, unsigned *held)
{
	uint8_t a[16];
	size_t n = lograte_addr(src, a);
	uint32_t h = 2166136261u;   /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ a[i]) * 16777619u;
	pthread_mutex_lock(&rl->lock);
	lograte_slot_t *s = &rl->slot[h % LOGRATE_SLOTS];
	if (s->family != src->sa_family || memcmp(s->addr, a, 16) != 0) {
		/* another address had this slot: it starts over */
		memcpy(s->addr, a, 16);
		s->family = src->sa_family;
		s->start = now;
		s->lines = s->held = 0;
	}
	if (now - s->start >= LOGRATE_INTERVAL || now < s->start) {
		s->start = now;
		s->lines = 0;
	}
	bool ok = s->lines < LOGRATE_BURST;
	if (ok) {
		s->lines++;
		*held = s->held;
		s->held = 0;
	} else {
		s->held++;
	}
	pthread_mutex_unlock(&rl->lock);
	return ok;
}

void
lograte_warning(lograte_t *rl, const struct sockaddr *src, const char *fmt, ...)
{
	unsigned held = 0;
	if (!lograte_allow(rl, src, time(NULL), &held))
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (held > 0)
		log_warning("%s (and %u similar lines from this address not logged)", line, held);
	else
		log_warning("%s", line);
}

void
lograte_client_text(const struct sockaddr *sa, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (sa != NULL && sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		port = ntohs(s->sin_port);
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		port = ntohs(s->sin6_port);
	}
	snprintf(buf, size, "%s#%u", a, port);
}
