/* notify.h -- NOTIFY out (RFC 1996): tell the zone's `notify` targets that
 * a new serial is in service.
 *
 * DESIGN. One thread, one UDP socket per address family. notify_zone()
 * (any thread: the control thread after a publish) queues one message per
 * target; the thread sends it and waits for the answer with the same ID
 * from the target's address, sending again after 1, 2, 4 and 8 seconds
 * (5 tries), then gives up with a log line. A newer
 * NOTIFY for the same zone and target replaces one still waiting. Messages
 * carry the zone's SOA in the answer section (RFC 1996 3.7), as BIND's and
 * Knot's do, and are signed with the zone's notify-key if it has one
 * (unsigned otherwise: a secondary checks the SOA it then asks for).
 * Nothing here
 * touches a worker or the writer lock.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_NOTIFY_H
#define HZ_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"

#define NOTIFY_TRIES 5

/* Queue NOTIFY for zone (as written, e.g. "example.com") at serial to
 * each target (copied). soa (soa_len bytes, copied; NULL: none) goes into
 * the answer section: the zone's SOA record as it follows a question for
 * the apex (owner and names compressed against that question at offset
 * 12: the zone's prebuilt answer, zonestore.c). view only names the log
 * lines. key (the zone's notify-key; NULL: unsigned) signs the messages; an
 * answer then counts only if it is signed with the same key. Any thread. */
void notify_zone(const char *view, const char *zone, uint32_t serial, const uint8_t *soa,
		 size_t soa_len, const conf_key_t *key, const conf_sockaddr_t *targets,
		 size_t ntargets);

/* Start / stop the thread (what is still queued is dropped at stop).
 * Returns 0 or -1 (logged). Stop is safe without start. */
int notify_start(void);
void notify_stop(void);

#endif
