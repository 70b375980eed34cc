/* test_metrics.c -- unit tests for the Prometheus text renderer.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forward.h"
#include "metrics.h"
#include "testlib.h"
#include "xfr_stats.h"

static char *
render(const metrics_input_t *in)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(out);
	metrics_render(out, in);
	ck_assert_int_eq(fclose(out), 0);
	return text;
}

/* Every sample's family has HELP and TYPE lines before it. */
static void
check_families(const char *text)
{
	char *copy = strdup(text), *save = NULL;
	char typed[64][64];
	size_t ntyped = 0;
	for (char *line = strtok_r(copy, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		if (sscanf(line, "# TYPE %63s", name) == 1) {
			ck_assert_uint_lt(ntyped, 64);
			strcpy(typed[ntyped++], name);
			continue;
		}
		if (line[0] == '#')
			continue;
		size_t n = strcspn(line, "{ ");
		/* a histogram's samples: NAME_bucket, NAME_sum, NAME_count */
		size_t base = n;
		static const char *const suffixes[] = { "_bucket", "_sum", "_count" };
		for (size_t k = 0; k < 3; k++) {
			size_t sl = strlen(suffixes[k]);
			if (n > sl && strncmp(line + n - sl, suffixes[k], sl) == 0)
				base = n - sl;
		}
		bool found = false;
		for (size_t i = 0; i < ntyped && !found; i++)
			found = (strlen(typed[i]) == n && strncmp(typed[i], line, n) == 0) ||
				(strlen(typed[i]) == base && strncmp(typed[i], line, base) == 0);
		ck_assert_msg(found, "no TYPE before: %s", line);
	}
	free(copy);
}

START_TEST(test_render_without_snapshot)
{
	server_stats_t net;
	memset(&net, 0, sizeof(net));
	net.udp_queries = 7;
	net.tcp_queries = 2;
	net.responses[0][3] = 4;
	net.qtypes[qtypeclass_of(28)] = 5;
	reload_stats_t rs = { .done = 3, .failed = 1, .last_ok = false, .last_time = 1700000000,
			      .last_ms = 12.5 };
	metrics_input_t in = { .net = &net, .reload = &rs, .snap = NULL, .uptime_s = 1.5,
			       .updates_accepted = 6, .updates_refused = 8 };
	char *text = render(&in);
	check_families(text);
	ck_assert_ptr_nonnull(strstr(text, "\nhorizond_queries_total{transport=\"udp\"} 7\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nhorizond_queries_total{transport=\"tcp\"} 2\n"));
	ck_assert_ptr_nonnull(
		strstr(text, "\nhorizond_responses_total{transport=\"udp\",rcode=\"NXDOMAIN\"} 4\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nhorizond_qtype_queries_total{qtype=\"AAAA\"} 5\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nhorizond_reloads_total{result=\"ok\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nhorizond_updates_total{result=\"accepted\"} 6\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nhorizond_updates_total{result=\"refused\"} 8\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nhorizond_reloads_total{result=\"failed\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nhorizond_last_reload_success 0\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nhorizond_last_reload_duration_seconds 0.012500\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nhorizond_last_reload_timestamp_seconds 1700000000\n"));
	/* rare RCODEs that never occurred are left out */
	ck_assert_ptr_null(strstr(text, "RCODE13"));
	free(text);
}
END_TEST

START_TEST(test_render_escapes_labels)
{
	conf_view_t cv = { .name = "a\\b\"c\nd" };
	zone_t z = { .name = "example.com.", .serial = 2024 };
	zone_t *zones[1] = { &z };
	view_t v = { .conf = &cv, .zones = zones, .nzones = 1 };
	snapshot_t snap = { .views = &v, .nviews = 1 };
	server_stats_t net;
	memset(&net, 0, sizeof(net));
	net.view_queries[0][1] = 9;
	net.view_queries[SERVER_STAT_VIEWS][0] = 2;
	reload_stats_t rs = { 0 };
	metrics_input_t in = { .net = &net, .reload = &rs, .snap = &snap };
	char *text = render(&in);
	check_families(text);
	ck_assert_ptr_nonnull(strstr(
		text, "\nhorizond_zone_serial{view=\"a\\\\b\\\"c\\nd\",zone=\"example.com.\"} 2024\n"));
	ck_assert_ptr_nonnull(strstr(
		text, "\nhorizond_view_queries_total{view=\"a\\\\b\\\"c\\nd\",transport=\"tcp\"} 9\n"));
	ck_assert_ptr_nonnull(strstr(
		text, "\nhorizond_view_queries_total{view=\"(none)\",transport=\"udp\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nhorizond_last_reload_success 1\n"));
	free(text);
}
END_TEST

START_TEST(test_render_forward_and_transfers)
{
	conf_view_t fwd_conf = { .name = "lan", .nforwarders = 1 };
	conf_view_t auth_conf = { .name = "auth" };
	view_t v[2] = { { .conf = &fwd_conf }, { .conf = &auth_conf } };
	snapshot_t snap = { .views = v, .nviews = 2 };
	server_stats_t net;
	memset(&net, 0, sizeof(net));
	reload_stats_t rs = { 0 };
	static forward_stats_t fs[FORWARD_STAT_VIEWS + 1];
	fs[0].sent = 5;
	fs[0].answers = 4;
	fs[0].timeouts = 1;
	fs[0].latency[0] = 2;                         /* <= 1 ms */
	fs[0].latency[3] = 1;                         /* <= 25 ms */
	fs[0].latency[FORWARD_LATENCY_BUCKETS] = 1;   /* above 2.5 s */
	fs[0].latency_sum_us = 3020500;
	xfr_stats_t xs;
	memset(&xs, 0, sizeof(xs));
	xs.xfr[XFR_STAT_IN][XFR_STAT_IXFR][XFR_STAT_REFUSED] = 3;
	xs.notify[NOTIFY_STAT_FAILED] = 2;
	metrics_input_t in = { .net = &net, .reload = &rs, .snap = &snap, .fwd = fs, .xfr = &xs };
	char *text = render(&in);
	check_families(text);
	ck_assert_ptr_nonnull(strstr(text, "\nhorizond_forward_queries_total{view=\"lan\"} 5\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nhorizond_forward_answers_total{view=\"lan\"} 4\n"));
	ck_assert_ptr_nonnull(strstr(
		text, "\nhorizond_forward_failures_total{view=\"lan\",reason=\"timeout\"} 1\n"));
	/* buckets are cumulative */
	ck_assert_ptr_nonnull(strstr(
		text, "\nhorizond_forward_latency_seconds_bucket{view=\"lan\",le=\"0.001\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(
		text, "\nhorizond_forward_latency_seconds_bucket{view=\"lan\",le=\"0.01\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(
		text, "\nhorizond_forward_latency_seconds_bucket{view=\"lan\",le=\"0.025\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(
		text, "\nhorizond_forward_latency_seconds_bucket{view=\"lan\",le=\"2.5\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(
		text, "\nhorizond_forward_latency_seconds_bucket{view=\"lan\",le=\"+Inf\"} 4\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nhorizond_forward_latency_seconds_sum{view=\"lan\"} 3.020500\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nhorizond_forward_latency_seconds_count{view=\"lan\"} 4\n"));
	/* a view without forwarders has no forwarder series */
	ck_assert_ptr_null(strstr(text, "horizond_forward_queries_total{view=\"auth\"}"));
	ck_assert_ptr_nonnull(strstr(
		text, "\nhorizond_transfers_total{direction=\"in\",type=\"ixfr\",result=\"refused\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(
		text, "\nhorizond_transfers_total{direction=\"out\",type=\"axfr\",result=\"done\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nhorizond_notify_total{result=\"failed\"} 2\n"));
	free(text);
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("render");
	tcase_add_test(tc, test_render_without_snapshot);
	tcase_add_test(tc, test_render_escapes_labels);
	tcase_add_test(tc, test_render_forward_and_transfers);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run_suite(metrics_suite());
}
