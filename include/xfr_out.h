/* xfr_out.h -- zone transfers out: AXFR (RFC 5936) and IXFR (RFC 1995)
 * over TCP, per view.
 *
 * DESIGN. tcp.c hands every AXFR/IXFR request to xfr_out_start() (the query
 * path never sees them over TCP). The request is judged on the worker: its
 * TSIG (tsig_answer.h), the view its address and key select (match-clients
 * with "key NAME" elements), the zone of that view, and the zone's
 * allow-transfer list (no list: nobody). A refusal is answered at once. An
 * accepted transfer goes to the control thread as a task
 * (control_submit_task): under the writer lock it takes the records the
 * view serves now (zonestore_served_records: journal, NAT translation,
 * auto-PTR zones included; for a zone signed online the signed records the
 * served zone keeps, the RRSIGs its answers carry) and lays
 * out the messages; the worker gets them
 * back through its event base and writes them a batch at a time, the next
 * batch only once the client has read the last (the connection's write
 * callback), each signed with TSIG when the request was (RFC 8945 5.3.1:
 * every message, chained on the previous MAC). A slow reader costs memory,
 * never the worker's time; at most XFR_OUT_PER_WORKER transfers run per
 * worker. While a transfer runs the connection reads no further request.
 *
 * IXFR: a client whose serial is the zone's (or newer) gets the SOA alone;
 * one whose serial the history holds (xfr_hist.h) the incremental form;
 * any other the whole zone in AXFR form, which RFC 1995 section 4 allows.
 * Over UDP (query.c): AXFR is FORMERR, IXFR the SOA alone.
 * Every transfer is logged with client, view, zone, key, serial, records.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef HZ_XFR_OUT_H
#define HZ_XFR_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "query.h"

struct snapshot;
struct tcp_conn;

#define XFR_OUT_PER_WORKER 4       /* concurrent transfers out per worker */
#define XFR_OUT_MSG_MAX 16384      /* bytes of records per message, before the TSIG */

/* Is q[0..len) a standard query (QR=0) with one question of type AXFR or
 * IXFR? A few byte reads: tcp.c asks for every message. */
bool xfr_out_is_transfer(const uint8_t *q, size_t len);

/* Start a transfer for c. Returns the length of an answer written to out
 * (capacity outmax >= 512; a refusal, signed if the request was), or 0:
 * the transfer is queued and c reads nothing more until it is written. */
size_t xfr_out_start(struct tcp_conn *c, const struct snapshot *snap, const uint8_t *q, size_t len,
		     const query_src_t *from, uint8_t *out, size_t outmax);

/* c's output drained: queue the next messages of its transfer, if any.
 * Returns false if c was freed (a write failed). */
bool xfr_out_pump(struct tcp_conn *c);

/* c is being freed: drop its transfer (a transfer still with the control
 * thread is dropped when it comes back). */
void xfr_out_conn_gone(struct tcp_conn *c);

#endif
