/* main.c -- horizond: arguments, first load, signals, run, stop.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "conf.h"
#include "control.h"
#include "ctl.h"
#include "diag.h"
#include "dump.h"
#include "log.h"
#include "metrics.h"
#include "nat.h"
#include "privs.h"
#include "publish.h"
#include "querylog.h"
#include "reload.h"
#include "sdnotify.h"
#include "server.h"
#include "snapshot.h"
#include "xfr_hist.h"
#include "zonefile.h"
#include "zonestore.h"

#define MAIN_DEFAULT_CONFIG "/etc/horizond/horizond.yaml"

struct main_ctx {
	struct event_base *base;
	server_t *srv;
	reload_t *reload;
	ctl_t *ctl;
	metrics_http_t *metrics;
	struct timespec started;   /* CLOCK_MONOTONIC */
	int stop_signals;
};

static void
main_usage(FILE *out)
{
	fprintf(out,
		"usage: horizond [-c FILE] [--allow-root] [--check] [-v|-d] [-h] [--version]\n"
		"       horizond -c FILE --dump-view NAME --zone ZONE\n"
		"       horizond -c FILE --nat-rules nftables|iptables|ip6tables\n"
		"  -c, --config FILE  configuration file (YAML); default " MAIN_DEFAULT_CONFIG "\n"
		"      --allow-root   keep running as root when started as root without\n"
		"                     server.user (otherwise horizond refuses to start)\n"
		"      --check        load the config and every zone, print each problem\n"
		"                     as FILE:LINE: message, exit 0 if all is well, else 1\n"
		"      --dump-view NAME --zone ZONE\n"
		"                     print the zone as view NAME serves it now (NAT\n"
		"                     translation, journal and auto-ptr zones included),\n"
		"                     one record per line\n"
		"      --nat-rules FORMAT\n"
		"                     print the router ruleset for the nat: map\n"
		"  -v, --verbose      more log output (repeat for debug)\n"
		"  -d, --debug        debug log output\n"
		"  -h, --help         this text\n"
		"      --version      print the version\n"
		"Signals: SIGHUP reloads the config and zones; SIGTERM/SIGINT stop;\n"
		"SIGUSR1/SIGUSR2 are ignored. horizonctl(8) talks to server.control.\n");
}

static unsigned
main_nworkers(const conf_t *c)
{
	if (c->workers != 0)
		return c->workers;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

/* --check: the same builder as a reload, then the warnings that need the
 * whole picture. Problems go to stderr as FILE:LINE: message. */
static int
main_check(const char *path)
{
	diag_t diag = { 0 };
	zonestore_set_serials_readonly(true);
	snapshot_t *snap = zonestore_build(path, NULL, &diag);
	if (snap == NULL) {
		if (diag.errors == 0)
			fprintf(stderr, "%s: cannot be loaded\n", path);
		return 1;
	}
	const conf_t *c = snapshot_conf(snap);
	conf_check_views(c, &diag);
	snapshot_check(snap, &diag);
	printf("%s: ok: %zu view%s, %zu zone%s, %u warning%s\n", path,
	       c->nviews, c->nviews == 1 ? "" : "s",
	       conf_zone_count(c), conf_zone_count(c) == 1 ? "" : "s",
	       diag.warnings, diag.warnings == 1 ? "" : "s");
	int rc = diag.errors == 0 ? 0 : 1;
	snapshot_free(&snap);
	zonestore_shutdown();
	return rc;
}

/* --dump-view NAME --zone ZONE: the zone data exactly as the view serves it
 * now. The config is loaded by the same builder as the server's, then the
 * records behind the zone are printed: the file (NAT translation applied),
 * file + journal for zones that take updates, or the PTR records auto-ptr
 * synthesizes. */
static int
main_dump_view(const char *path, const char *view_name, const char *zone_name)
{
	diag_t diag = { 0 };
	zonestore_set_serials_readonly(true);
	snapshot_t *snap = zonestore_build(path, NULL, &diag);
	if (snap == NULL) {
		if (diag.errors == 0)
			fprintf(stderr, "%s: cannot be loaded\n", path);
		zonestore_shutdown();
		return 1;
	}
	int rc = dump_view_zone(snap, view_name, zone_name, stdout, stderr, path);
	snapshot_free(&snap);
	zonestore_shutdown();
	return rc;
}

/* --nat-rules FORMAT: the ruleset for the nat: map on stdout. */
static int
main_nat_rules(const char *path, const char *format)
{
	enum nat_rules_format fmt;
	if (nat_rules_parse_format(format, &fmt) != 0) {
		fprintf(stderr, "horizond: --nat-rules: unknown format '%s' (nftables, iptables or "
			"ip6tables)\n", format);
		return 2;
	}
	diag_t diag = { 0 };
	conf_t *c = conf_load(path, &diag);
	if (c == NULL)
		return 1;
	const char *why = NULL;
	char *text = nat_rules_render(c->nat, fmt, &why);
	int rc = 1;
	if (text == NULL) {
		fprintf(stderr, "%s: --nat-rules %s: %s\n", path, format, why);
	} else {
		fputs(text, stdout);
		rc = fflush(stdout) == 0 ? 0 : 1;
		free(text);
	}
	conf_free(&c);
	return rc;
}

static void
main_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct main_ctx *m = arg;
	switch (sig) {
	case SIGHUP:
		log_notice("SIGHUP: reload requested");
		reload_request(m->reload);
		break;
	case SIGUSR1:
	case SIGUSR2:
		log_info("%s ignored", sig == SIGUSR1 ? "SIGUSR1" : "SIGUSR2");
		break;
	case SIGTERM:
	case SIGINT:
		if (++m->stop_signals > 1) {
			log_warning("second stop signal, exiting at once");
			_exit(1);
		}
		log_notice("%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		/* Leave the loop; the slow stop runs after it, where a second
		 * signal is still caught (the signal events stay added). */
		event_base_loopbreak(m->base);
		break;
	}
}

/* While stopping, a second SIGTERM/SIGINT must still exit at once, but the
 * main loop is busy joining workers; a plain handler covers that window. */
static void
main_second_signal(int sig)
{
	static const char msg[] = "horizond: second stop signal, exiting at once\n";
	ssize_t n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)n;
	_exit(1);
}

/* The default control socket lives in /run/horizond, which systemd's
 * RuntimeDirectory= (or the package) creates; without it, by hand or in a
 * test that sets no server.control, there is simply no control socket. */
static bool
main_control_dir_exists(const char *sock)
{
	if (strcmp(sock, CONF_DEFAULT_CONTROL) != 0)
		return true;   /* configured: a missing directory is an error, said by ctl_new */
	struct stat st;
	if (stat("/run/horizond", &st) == 0 && S_ISDIR(st.st_mode))
		return true;
	log_info("no /run/horizond: no control socket (set server.control)");
	return false;
}

/* Root without server.user would serve with uid 0 and every capability:
 * refuse unless the admin said so (--allow-root, or server.user: root). */
static bool
main_root_allowed(const conf_t *c, int allow_root)
{
	if (geteuid() != 0 || c->user != NULL)
		return true;
	if (allow_root) {
		log_warning("running as root (--allow-root): every capability is kept");
		return true;
	}
	log_error("started as root without server.user: refusing to run with uid 0 and every "
		  "capability. Set server.user (e.g. user: horizond) to drop privileges once the "
		  "sockets are bound, or stay root deliberately with --allow-root "
		  "(or user: root)");
	return false;
}

static int
main_run(const char *path, int allow_root)
{
	/* A SIGHUP during the first load (big zones take seconds) must not
	 * kill us; there is nothing to reload yet, so it is ignored until the
	 * signal events are in place. */
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
	diag_t diag = { 0 };
	snapshot_t *snap = zonestore_build(path, NULL, &diag);
	if (snap == NULL) {
		log_error("%s: not loaded (%u error%s), not starting", path, diag.errors,
			  diag.errors == 1 ? "" : "s");
		return 1;
	}
	const conf_t *c = snapshot_conf(snap);
	if (!main_root_allowed(c, allow_root)) {
		snapshot_free(&snap);
		return 1;
	}
	/* nat.apply: load the router rules; DNS is served even if that fails. */
	if (c->nat != NULL && c->nat->apply)
		(void)nat_rules_apply(c->nat);
	unsigned nworkers = main_nworkers(c);
	struct main_ctx m = { 0 };
	int rc = 1;
	enum { NSIGS = 5 };
	struct event *sig_ev[NSIGS] = { NULL };
	const int sigs[NSIGS] = { SIGHUP, SIGTERM, SIGINT, SIGUSR1, SIGUSR2 };
	clock_gettime(CLOCK_MONOTONIC, &m.started);

	m.srv = server_new(c, nworkers);
	if (m.srv == NULL) {
		snapshot_free(&snap);
		return 1;
	}
	publish_init(nworkers, snap);
	size_t nviews = c->nviews, nzones = conf_zone_count(c), nlisten = c->nlisten;
	snap = NULL;   /* owned by publish now */

	m.base = event_base_new();
	if (m.base == NULL)
		goto out;
	for (int i = 0; i < NSIGS; i++) {
		sig_ev[i] = evsignal_new(m.base, sigs[i], main_signal_cb, &m);
		if (sig_ev[i] == NULL || evsignal_add(sig_ev[i], NULL) < 0) {
			log_error("cannot install the signal handlers");
			goto out;
		}
	}
	/* Every socket is bound before privileges go, and no thread runs yet:
	 * capabilities are per thread. */
	if (c->control[0] != '\0' && main_control_dir_exists(c->control)) {
		m.ctl = ctl_new(c->control, path, m.srv, &m.started);
		if (m.ctl == NULL)
			goto out;
	}
	if (c->metrics != NULL) {
		m.metrics = metrics_http_new((const struct sockaddr *)&c->metrics->ss,
					     c->metrics->text, m.srv, &m.started);
		if (m.metrics == NULL)
			goto out;
	}
	if (c->user != NULL && privs_drop(c->user) < 0)
		goto out;
	m.reload = reload_new(path, m.srv);
	if (m.reload == NULL)
		goto out;
	/* before the workers: they push to its rings */
	if (querylog_start(nworkers) < 0)
		goto out;
	if (server_start(m.srv) < 0)
		goto out;
	if (control_start() < 0)
		goto out;
	if ((m.ctl != NULL && ctl_start(m.ctl, m.reload) < 0) ||
	    (m.metrics != NULL && metrics_http_start(m.metrics, m.reload) < 0))
		goto out;
	sdnotify_send("READY=1\nSTATUS=serving");
	log_notice("ready: %zu view%s, %zu zone%s, %zu listen address%s, %u worker%s",
		   nviews, nviews == 1 ? "" : "s", nzones, nzones == 1 ? "" : "s",
		   nlisten, nlisten == 1 ? "" : "es", nworkers, nworkers == 1 ? "" : "s");
	event_base_dispatch(m.base);
	rc = 0;
out:
	/* Stopping can take a couple of seconds (TCP output drains); a second
	 * stop signal meanwhile exits at once. */
	sdnotify_send("STOPPING=1");
	for (int i = 0; i < NSIGS; i++)
		if (sig_ev[i] != NULL)
			event_free(sig_ev[i]);
	signal(SIGTERM, main_second_signal);
	signal(SIGINT, main_second_signal);
	signal(SIGHUP, SIG_IGN);
	metrics_http_free(&m.metrics);
	ctl_free(&m.ctl);         /* before the reload thread: `reload` waits on it */
	reload_free(&m.reload);   /* a reload in progress finishes first (on the control thread) */
	control_stop();           /* before the workers: it replies through them */
	xfr_hist_save_all();      /* the control thread is gone: the histories are still */
	server_stop(m.srv);
	querylog_stop();          /* after the workers: what they logged last is written */
	if (rc == 0) {
		server_stats_t st;
		server_get_stats(m.srv, &st);
		log_notice("stopped: udp %llu queries, %llu answers, %llu dropped; "
			   "tcp %llu connections, %llu queries, %llu refused, %llu idle evicted",
			   st.udp_queries, st.udp_answers, st.udp_dropped,
			   st.tcp_connections, st.tcp_queries, st.tcp_refused, st.tcp_evicted);
	}
	server_free(&m.srv);
	snap = publish_shutdown();
	snapshot_free(&snap);
	zonestore_shutdown();
	if (m.base != NULL)
		event_base_free(m.base);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'C' },
		{ "allow-root", no_argument, NULL, 'R' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "dump-view", required_argument, NULL, 'D' },
		{ "zone", required_argument, NULL, 'Z' },
		{ "nat-rules", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *dump_view = NULL, *dump_zone = NULL, *nat_rules = NULL;
	int check = 0, allow_root = 0, opt;
	while ((opt = getopt_long(argc, argv, "c:vdh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'C':
			check = 1;
			break;
		case 'R':
			allow_root = 1;
			break;
		case 'v':
			if (log_verbosity < HZ_LOG_DEBUG)
				log_verbosity++;
			break;
		case 'd':
			log_verbosity = HZ_LOG_DEBUG;
			break;
		case 'h':
			main_usage(stdout);
			return 0;
		case 'V':
			printf("horizond %s\n", HZ_VERSION);
			return 0;
		case 'D':
			dump_view = optarg;
			break;
		case 'Z':
			dump_zone = optarg;
			break;
		case 'N':
			nat_rules = optarg;
			break;
		default:
			main_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "horizond: unexpected argument '%s'\n", argv[optind]);
		main_usage(stderr);
		return 2;
	}
	if (path == NULL)
		path = MAIN_DEFAULT_CONFIG;
	if ((dump_view != NULL) != (dump_zone != NULL)) {
		fprintf(stderr, "horizond: --dump-view and --zone go together\n");
		return 2;
	}
	if (check + (dump_view != NULL) + (nat_rules != NULL) > 1) {
		fprintf(stderr, "horizond: --check, --dump-view and --nat-rules exclude each other\n");
		return 2;
	}
	if (check)
		return main_check(path);
	if (dump_view != NULL)
		return main_dump_view(path, dump_view, dump_zone);
	if (nat_rules != NULL)
		return main_nat_rules(path, nat_rules);
	evthread_use_pthreads();
	return main_run(path, allow_root);
}
