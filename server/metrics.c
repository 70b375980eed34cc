/* metrics.c -- Prometheus text format for the server's counters, and the
 * evhttp server that serves it (metrics.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/util.h>

#include "cache.h"
#include "control.h"
#include "forward.h"
#include "log.h"
#include "publish.h"
#include "xfr_stats.h"
#include "zonestore.h"

/* A label value: backslash, double quote and newline escaped (the text
 * format's only rules). */
static void
metrics_label(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(out, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

static void
metrics_family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A sample with one label (lname NULL: none). */
static void
metrics_sample(FILE *out, const char *name, const char *lname, const char *lvalue,
	       unsigned long long value)
{
	fputs(name, out);
	if (lname != NULL) {
		fprintf(out, "{%s=\"", lname);
		metrics_label(out, lvalue);
		fputs("\"}", out);
	}
	fprintf(out, " %llu\n", value);
}

/* The forwarder's families, one series per view that has forwarders (by its
 * slot in the snapshot, like horizond_view_queries_total). */
static void
metrics_render_forward(FILE *out, const snapshot_t *s, const forward_stats_t *fs)
{
	size_t nv = s->nviews < FORWARD_STAT_VIEWS ? s->nviews : FORWARD_STAT_VIEWS;
	metrics_family(out, "horizond_forward_queries_total", "counter",
		       "Questions sent to forwarders (every try: UDP, TCP retry, next forwarder).");
	for (size_t i = 0; i < nv; i++)
		if (s->views[i].conf->nforwarders > 0)
			metrics_sample(out, "horizond_forward_queries_total", "view",
				       s->views[i].conf->name, fs[i].sent);
	metrics_family(out, "horizond_forward_answers_total", "counter",
		       "Answers accepted from forwarders (our ID, question and source).");
	for (size_t i = 0; i < nv; i++)
		if (s->views[i].conf->nforwarders > 0)
			metrics_sample(out, "horizond_forward_answers_total", "view",
				       s->views[i].conf->name, fs[i].answers);
	metrics_family(out, "horizond_forward_failures_total", "counter",
		       "Failed tries by reason: timeout, rcode (SERVFAIL, REFUSED, NOTIMP or FORMERR "
		       "from upstream), malformed (unusable answer), network (socket, send or TCP).");
	static const char *const reasons[4] = { "timeout", "rcode", "malformed", "network" };
	for (size_t i = 0; i < nv; i++) {
		if (s->views[i].conf->nforwarders == 0)
			continue;
		const unsigned long long val[4] = { fs[i].timeouts, fs[i].rcode_errors,
						    fs[i].malformed, fs[i].network };
		for (unsigned k = 0; k < 4; k++) {
			fputs("horizond_forward_failures_total{view=\"", out);
			metrics_label(out, s->views[i].conf->name);
			fprintf(out, "\",reason=\"%s\"} %llu\n", reasons[k], val[k]);
		}
	}
	metrics_family(out, "horizond_forward_rejected_total", "counter",
		       "Questions answered SERVFAIL without being forwarded, by reason: client_share "
		       "(the client already had its share of the worker's pending questions), "
		       "overload (the worker's pending questions or waiting clients at their limit, "
		       "or no memory).");
	for (size_t i = 0; i < nv; i++) {
		if (s->views[i].conf->nforwarders == 0)
			continue;
		fputs("horizond_forward_rejected_total{view=\"", out);
		metrics_label(out, s->views[i].conf->name);
		fprintf(out, "\",reason=\"client_share\"} %llu\n", fs[i].client_share);
		fputs("horizond_forward_rejected_total{view=\"", out);
		metrics_label(out, s->views[i].conf->name);
		fprintf(out, "\",reason=\"overload\"} %llu\n", fs[i].overload);
	}
	metrics_family(out, "horizond_forward_latency_seconds", "histogram",
		       "Time from sending a question to a forwarder to accepting its answer.");
	for (size_t i = 0; i < nv; i++) {
		if (s->views[i].conf->nforwarders == 0)
			continue;
		unsigned long long cum = 0;
		for (unsigned b = 0; b <= FORWARD_LATENCY_BUCKETS; b++) {
			cum += fs[i].latency[b];
			fputs("horizond_forward_latency_seconds_bucket{view=\"", out);
			metrics_label(out, s->views[i].conf->name);
			if (b < FORWARD_LATENCY_BUCKETS)
				fprintf(out, "\",le=\"%g\"} %llu\n", forward_latency_le_us[b] / 1e6, cum);
			else
				fprintf(out, "\",le=\"+Inf\"} %llu\n", cum);
		}
		fputs("horizond_forward_latency_seconds_sum{view=\"", out);
		metrics_label(out, s->views[i].conf->name);
		fprintf(out, "\"} %.6f\n", (double)fs[i].latency_sum_us / 1e6);
		/* the count is the +Inf bucket (not answers: read at another moment) */
		fputs("horizond_forward_latency_seconds_count{view=\"", out);
		metrics_label(out, s->views[i].conf->name);
		fprintf(out, "\"} %llu\n", cum);
	}
}

/* Transfers by direction, type and result; NOTIFY out by result. */
static void
metrics_render_xfr(FILE *out, const xfr_stats_t *x)
{
	static const char *const dirs[XFR_STAT_DIRS] = { "out", "in" };
	static const char *const types[XFR_STAT_TYPES] = { "axfr", "ixfr" };
	static const char *const results[XFR_STAT_RESULTS] = { "done", "refused", "failed" };
	metrics_family(out, "horizond_transfers_total", "counter",
		       "Zone transfers by direction (out: we served, in: secondary zones), type "
		       "(as asked) and result.");
	for (unsigned d = 0; d < XFR_STAT_DIRS; d++)
		for (unsigned t = 0; t < XFR_STAT_TYPES; t++)
			for (unsigned r = 0; r < XFR_STAT_RESULTS; r++)
				fprintf(out, "horizond_transfers_total{direction=\"%s\",type=\"%s\","
					"result=\"%s\"} %llu\n", dirs[d], types[t], results[r],
					x->xfr[d][t][r]);
	static const char *const notify[NOTIFY_STAT_RESULTS] = { "sent", "answered", "failed" };
	metrics_family(out, "horizond_notify_total", "counter",
		       "NOTIFY messages to secondaries: sent (once per target, retries not "
		       "counted), answered, failed (no answer after every try).");
	for (unsigned k = 0; k < NOTIFY_STAT_RESULTS; k++)
		metrics_sample(out, "horizond_notify_total", "result", notify[k], x->notify[k]);
}

void
metrics_render(FILE *out, const metrics_input_t *in)
{
	const server_stats_t *n = in->net;
	metrics_family(out, "horizond_build_info", "gauge", "Version of the running horizond.");
	metrics_sample(out, "horizond_build_info", "version", HZ_VERSION, 1);
	metrics_family(out, "horizond_uptime_seconds", "gauge", "Seconds since the server started.");
	fprintf(out, "horizond_uptime_seconds %.3f\n", in->uptime_s);

	metrics_family(out, "horizond_queries_total", "counter",
		       "DNS messages received, by transport.");
	metrics_sample(out, "horizond_queries_total", "transport", "udp", n->udp_queries);
	metrics_sample(out, "horizond_queries_total", "transport", "tcp", n->tcp_queries);
	metrics_family(out, "horizond_udp_responses_total", "counter", "UDP responses sent.");
	metrics_sample(out, "horizond_udp_responses_total", NULL, NULL, n->udp_answers);
	metrics_family(out, "horizond_udp_dropped_total", "counter",
		       "UDP messages dropped (not answerable, or the reply could not be sent).");
	metrics_sample(out, "horizond_udp_dropped_total", NULL, NULL, n->udp_dropped);
	metrics_family(out, "horizond_tcp_connections_total", "counter", "TCP connections accepted.");
	metrics_sample(out, "horizond_tcp_connections_total", NULL, NULL, n->tcp_connections);
	metrics_family(out, "horizond_tcp_refused_total", "counter",
		       "TCP connections refused (tcp-clients reached).");
	metrics_sample(out, "horizond_tcp_refused_total", NULL, NULL, n->tcp_refused);
	metrics_family(out, "horizond_tcp_evicted_total", "counter",
		       "Idle TCP connections closed to make room for a new one (tcp-clients reached).");
	metrics_sample(out, "horizond_tcp_evicted_total", NULL, NULL, n->tcp_evicted);

	static const char *const rcodes[16] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN",
		"YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "RCODE11", "RCODE12", "RCODE13",
		"RCODE14", "RCODE15",
	};
	static const char *const transports[2] = { "udp", "tcp" };
	metrics_family(out, "horizond_responses_total", "counter",
		       "Responses written at once (not the forwarder's later ones), by transport "
		       "and RCODE.");
	for (unsigned t = 0; t < 2; t++)
		for (unsigned k = 0; k < 16; k++)
			if (n->responses[t][k] != 0 || k == 0 || k == 2 || k == 3 || k == 5)
				fprintf(out, "horizond_responses_total{transport=\"%s\",rcode=\"%s\"} "
					"%llu\n", transports[t], rcodes[k], n->responses[t][k]);
	metrics_family(out, "horizond_qtype_queries_total", "counter",
		       "Queries a view took, by QTYPE (the common ones; the rest as other).");
	for (unsigned k = 0; k < QTYPECLASS_N; k++)
		metrics_sample(out, "horizond_qtype_queries_total", "qtype",
			       qtypeclass_name(k), n->qtypes[k]);

	metrics_family(out, "horizond_updates_total", "counter",
		       "Dynamic updates (RFC 2136) answered, by result: accepted (NOERROR) or "
		       "refused (any other RCODE).");
	metrics_sample(out, "horizond_updates_total", "result", "accepted", in->updates_accepted);
	metrics_sample(out, "horizond_updates_total", "result", "refused", in->updates_refused);

	const reload_stats_t *r = in->reload;
	metrics_family(out, "horizond_reloads_total", "counter", "Reloads, by result.");
	metrics_sample(out, "horizond_reloads_total", "result", "ok", r->done);
	metrics_sample(out, "horizond_reloads_total", "result", "failed", r->failed);
	metrics_family(out, "horizond_last_reload_success", "gauge",
		       "1 if the last reload put new data in service (1 before any reload).");
	metrics_sample(out, "horizond_last_reload_success", NULL, NULL,
		       r->last_time == 0 || r->last_ok ? 1 : 0);
	metrics_family(out, "horizond_last_reload_duration_seconds", "gauge",
		       "How long the last reload took.");
	fprintf(out, "horizond_last_reload_duration_seconds %.6f\n", r->last_ms / 1e3);
	metrics_family(out, "horizond_last_reload_timestamp_seconds", "gauge",
		       "When the last reload ended (Unix time; 0: none yet).");
	metrics_sample(out, "horizond_last_reload_timestamp_seconds", NULL, NULL,
		       (unsigned long long)r->last_time);

	if (in->xfr != NULL)
		metrics_render_xfr(out, in->xfr);

	const snapshot_t *s = in->snap;
	if (s == NULL)
		return;
	/* counted by the view's position in the snapshot (the workers know no
	 * names); the slot past the last counts queries no view took */
	metrics_family(out, "horizond_view_queries_total", "counter",
		       "Queries by the view that took them (view \"(none)\": no view) and transport.");
	size_t nv = s->nviews < SERVER_STAT_VIEWS ? s->nviews : SERVER_STAT_VIEWS;
	for (size_t i = 0; i <= nv; i++) {
		unsigned slot = i < nv ? (unsigned)i : SERVER_STAT_VIEWS;
		for (unsigned t = 0; t < 2; t++) {
			fputs("horizond_view_queries_total{view=\"", out);
			metrics_label(out, i < nv ? s->views[i].conf->name : "(none)");
			fprintf(out, "\",transport=\"%s\"} %llu\n", transports[t],
				n->view_queries[slot][t]);
		}
	}
	/* rate limiting (rrl.h): only views with rate-limit */
	metrics_family(out, "horizond_rrl_limited_total", "counter",
		       "UDP answers rate limited, by view and action (slip: sent as TC, drop: not sent).");
	for (size_t i = 0; i < nv; i++) {
		if (s->views[i].conf->rate_limit == NULL)
			continue;
		for (unsigned a = 0; a < 2; a++) {
			fputs("horizond_rrl_limited_total{view=\"", out);
			metrics_label(out, s->views[i].conf->name);
			fprintf(out, "\",action=\"%s\"} %llu\n", a ? "drop" : "slip",
				n->rrl_limited[i][a]);
		}
	}
	metrics_family(out, "horizond_zone_serial", "gauge", "SOA serial of each zone a view serves.");
	for (size_t i = 0; i < s->nviews; i++) {
		const view_t *v = &s->views[i];
		for (size_t k = 0; k < v->nzones; k++) {
			if (v->zones[k] == NULL)
				continue;
			fputs("horizond_zone_serial{view=\"", out);
			metrics_label(out, v->conf->name);
			fputs("\",zone=\"", out);
			metrics_label(out, v->zones[k]->name);
			fprintf(out, "\"} %u\n", v->zones[k]->serial);
		}
	}
	static const struct {
		const char *name, *type, *help;
	} cf[] = {
		{ "horizond_cache_hits_total", "counter", "Forwarded queries answered from the cache." },
		{ "horizond_cache_misses_total", "counter", "Cache lookups that found nothing fresh." },
		{ "horizond_cache_entries", "gauge", "Answers held in the cache." },
		{ "horizond_cache_bytes", "gauge", "Bytes the cache holds." },
	};
	for (size_t f = 0; f < sizeof(cf) / sizeof(cf[0]); f++) {
		metrics_family(out, cf[f].name, cf[f].type, cf[f].help);
		for (size_t i = 0; i < s->nviews; i++) {
			const view_t *v = &s->views[i];
			if (v->cache == NULL)
				continue;
			cache_stats_t cs;
			cache_get_stats(v->cache, &cs);
			const unsigned long long val[] = { cs.hits, cs.misses, cs.entries, cs.bytes };
			metrics_sample(out, cf[f].name, "view", v->conf->name, val[f]);
		}
	}
	if (in->fwd != NULL)
		metrics_render_forward(out, s, in->fwd);
}

double
metrics_seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

char *
metrics_text(server_t *srv, reload_t *reload, const struct timespec *started)
{
	server_stats_t net;
	reload_stats_t rs;
	server_get_stats(srv, &net);
	reload_get_stats(reload, &rs);
	control_stats_t cs;
	control_get_stats(&cs);
	forward_stats_t *fwd = calloc(FORWARD_STAT_VIEWS + 1, sizeof(*fwd));
	if (fwd == NULL)
		return NULL;
	server_get_forward_stats(srv, fwd);
	xfr_stats_t xs;
	xfr_stats_get(&xs);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (out == NULL) {
		free(fwd);
		return NULL;
	}
	/* the writer lock keeps the published snapshot alive while we read it */
	zonestore_lock();
	metrics_input_t in = { .net = &net, .reload = &rs, .snap = publish_current(),
			       .updates_accepted = cs.updates_accepted,
			       .updates_refused = cs.updates_refused + net.updates_refused,
			       .uptime_s = metrics_seconds_since(started), .fwd = fwd,
			       .xfr = &xs };
	metrics_render(out, &in);
	zonestore_unlock();
	free(fwd);
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* ---------------------------------------------------------------------------
 * The HTTP endpoint
 */

struct metrics_http {
	struct event_base *base;
	struct evhttp *http;
	pthread_t thread;
	server_t *srv;
	reload_t *reload;
	const struct timespec *started;
	bool running;
};

static void
metrics_http_cb(struct evhttp_request *req, void *arg)
{
	metrics_http_t *m = arg;
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
	    evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		evhttp_send_error(req, 405, "Method Not Allowed");
		return;
	}
	char *text = metrics_text(m->srv, m->reload, m->started);
	struct evbuffer *body = evbuffer_new();
	if (text == NULL || body == NULL) {
		free(text);
		if (body != NULL)
			evbuffer_free(body);
		evhttp_send_error(req, 500, "Internal Server Error");
		return;
	}
	evbuffer_add(body, text, strlen(text));
	free(text);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, 200, "OK", body);
	evbuffer_free(body);
}

static void
metrics_http_other(struct evhttp_request *req, void *arg)
{
	evhttp_send_error(req, 404, "Not Found (try /metrics)");
}

static void *
metrics_http_main(void *arg)
{
	metrics_http_t *m = arg;
	event_base_dispatch(m->base);
	return NULL;
}

metrics_http_t *
metrics_http_new(const struct sockaddr *addr, const char *text, server_t *srv,
		 const struct timespec *started)
{
	metrics_http_t *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->srv = srv;
	m->started = started;
	char host[INET6_ADDRSTRLEN];
	unsigned port = 0;
	if (addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)addr;
		evutil_inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		port = ntohs(a->sin6_port);
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)addr;
		evutil_inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		port = ntohs(a->sin_port);
	}
	m->base = event_base_new();
	m->http = m->base != NULL ? evhttp_new(m->base) : NULL;
	if (m->http == NULL || evhttp_bind_socket(m->http, host, (ev_uint16_t)port) != 0) {
		log_error("server.metrics: cannot listen on %s", text);
		goto fail;
	}
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_timeout(m->http, 10);
	evhttp_set_cb(m->http, "/metrics", metrics_http_cb, m);
	evhttp_set_gencb(m->http, metrics_http_other, m);
	return m;
fail:
	if (m->http != NULL)
		evhttp_free(m->http);
	if (m->base != NULL)
		event_base_free(m->base);
	free(m);
	return NULL;
}

int
metrics_http_start(metrics_http_t *m, reload_t *reload)
{
	m->reload = reload;
	if (pthread_create(&m->thread, NULL, metrics_http_main, m) != 0) {
		log_error("server.metrics: cannot start the thread");
		return -1;
	}
	m->running = true;
	return 0;
}

void
metrics_http_free(metrics_http_t **mp)
{
	if (mp == NULL || *mp == NULL)
		return;
	metrics_http_t *m = *mp;
	if (m->running) {
		event_base_loopbreak(m->base);   /* thread-safe: evthread_use_pthreads() */
		pthread_join(m->thread, NULL);
	}
	evhttp_free(m->http);
	event_base_free(m->base);
	free(m);
	*mp = NULL;
}
