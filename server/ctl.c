/* ctl.c -- the horizonctl control socket (ctl.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE   /* accept4, pipe2 */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "cache.h"
#include "dump.h"
#include "log.h"
#include "metrics.h"
#include "publish.h"
#include "zonestore.h"

#define CTL_IO_TIMEOUT_S 5    /* a client that stalls is dropped (and stop waits at most this) */

struct ctl {
	int fd;                 /* listening socket */
	int wake[2];            /* ctl_free writes here to stop the thread */
	char *path, *conf_path;
	reload_t *reload;
	server_t *srv;
	const struct timespec *started;
	pthread_t thread;
	bool running;
};

/* Copy the next blank-separated word of *p into out (size n). Returns its
 * length, 0 at the end, -1 if it does not fit. */
static int
ctl_word(const char **p, char *out, size_t n)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t len = strcspn(s, " \t\r\n");
	*p = s + len;
	if (len >= n)
		return -1;
	memcpy(out, s, len);
	out[len] = '\0';
	return (int)len;
}

int
ctl_parse(const char *line, ctl_cmd_t *out, const char **why)
{
	static const struct {
		const char *word;
		enum ctl_verb verb;
		int min, max;   /* arguments */
	} verbs[] = {
		{ "status", CTL_STATUS, 0, 0 }, { "reload", CTL_RELOAD, 0, 0 },
		{ "flush", CTL_FLUSH, 0, 2 },   { "stats", CTL_STATS, 0, 0 },
		{ "dump", CTL_DUMP, 2, 2 },
	};
	char verb[16], extra[2];
	memset(out, 0, sizeof(*out));
	int n = ctl_word(&line, verb, sizeof(verb));
	if (n <= 0) {
		*why = n == 0 ? "no command" : "unknown command";
		return -1;
	}
	size_t i = 0;
	while (i < sizeof(verbs) / sizeof(verbs[0]) && strcmp(verbs[i].word, verb) != 0)
		i++;
	if (i == sizeof(verbs) / sizeof(verbs[0])) {
		*why = "unknown command (status, reload, flush [VIEW [NAME]], stats, dump VIEW ZONE)";
		return -1;
	}
	out->verb = verbs[i].verb;
	int nargs = 0;
	if ((n = ctl_word(&line, out->view, sizeof(out->view))) > 0)
		nargs++;
	if (n > 0 && (n = ctl_word(&line, out->name, sizeof(out->name))) > 0)
		nargs++;
	if (n < 0) {
		*why = "argument too long";
		return -1;
	}
	if (n > 0 && ctl_word(&line, extra, sizeof(extra)) != 0) {
		*why = "too many arguments";
		return -1;
	}
	if (nargs < verbs[i].min || nargs > verbs[i].max) {
		*why = verbs[i].verb == CTL_DUMP ? "usage: dump VIEW ZONE"
		       : nargs > verbs[i].max    ? "too many arguments"
						 : "missing arguments";
		return -1;
	}
	return 0;
}

/* --- the commands: each writes its text to out, returns 0 or -1 ---------- */

static int
ctl_status(ctl_t *c, FILE *out)
{
	reload_stats_t rs;
	reload_get_stats(c->reload, &rs);
	fprintf(out, "horizond %s, pid %ld, up %.0f s, config %s\n", HZ_VERSION, (long)getpid(),
		metrics_seconds_since(c->started), c->conf_path);
	if (rs.last_time == 0) {
		fprintf(out, "last reload: none\n");
	} else {
		char when[32];
		struct tm tm;
		gmtime_r(&rs.last_time, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(out, "last reload: %s at %s in %.1f ms (%lu ok, %lu failed)\n",
			rs.last_ok ? "ok" : "failed", when, rs.last_ms, rs.done, rs.failed);
	}
	zonestore_lock();
	const snapshot_t *s = publish_current();
	for (size_t i = 0; s != NULL && i < s->nviews; i++) {
		const view_t *v = &s->views[i];
		fprintf(out, "view %s: %zu zone%s%s\n", v->conf->name, v->nzones,
			v->nzones == 1 ? "" : "s", v->conf->recursion ? ", recursion" : "");
		for (size_t k = 0; k < v->nzones; k++)
			if (v->zones[k] != NULL)
				fprintf(out, "  %s serial %u%s\n", v->zones[k]->name,
					v->zones[k]->serial,
					k >= v->conf->nzones ? " (auto-ptr)" : "");
	}
	zonestore_unlock();
	return 0;
}

static int
ctl_reload(ctl_t *c, FILE *out)
{
	bool ok = reload_request_wait(c->reload);
	reload_stats_t rs;
	reload_get_stats(c->reload, &rs);
	if (!ok) {
		fprintf(out, "reload failed: the old data stays in service (the server log says why)\n");
		return -1;
	}
	fprintf(out, "reload: done in %.1f ms\n", rs.last_ms);
	return 0;
}

static int
ctl_flush(ctl_t *c, const ctl_cmd_t *cmd, FILE *out)
{
	uint8_t wire[LDNS_MAX_DOMAINLEN + 1];
	size_t wire_len = 0;
	if (cmd->name[0] != '\0') {
		ldns_rdf *rdf = ldns_dname_new_frm_str(cmd->name);
		if (rdf == NULL) {
			fprintf(out, "flush: '%s' is not a domain name\n", cmd->name);
			return -1;
		}
		ldns_dname2canonical(rdf);
		wire_len = ldns_rdf_size(rdf);
		memcpy(wire, ldns_rdf_data(rdf), wire_len);
		ldns_rdf_deep_free(rdf);
	}
	int rc = 0;
	size_t views = 0;
	zonestore_lock();   /* keeps the snapshot, and so its caches, alive */
	const snapshot_t *s = publish_current();
	for (size_t i = 0; s != NULL && i < s->nviews; i++) {
		const view_t *v = &s->views[i];
		if (cmd->view[0] != '\0' && strcmp(cmd->view, v->conf->name) != 0)
			continue;
		views++;
		if (v->cache == NULL) {
			if (cmd->view[0] != '\0') {
				fprintf(out, "flush: view '%s' has no cache (no recursion)\n", cmd->view);
				rc = -1;
			}
			continue;
		}
		size_t n = cache_flush(v->cache, wire_len ? wire : NULL, wire_len);
		fprintf(out, "view %s: %zu cached answer%s dropped\n", v->conf->name, n,
			n == 1 ? "" : "s");
	}
	zonestore_unlock();
	if (cmd->view[0] != '\0' && views == 0) {
		fprintf(out, "flush: no view named '%s'\n", cmd->view);
		rc = -1;
	}
	return rc;
}

static int
ctl_stats(ctl_t *c, FILE *out)
{
	char *text = metrics_text(c->srv, c->reload, c->started);
	if (text == NULL) {
		fprintf(out, "stats: out of memory\n");
		return -1;
	}
	fputs(text, out);
	free(text);
	return 0;
}

/* Only the error text goes back when the dump fails. */
static int
ctl_dump(const ctl_cmd_t *cmd, FILE *out)
{
	char *err = NULL;
	size_t err_len = 0;
	FILE *errf = open_memstream(&err, &err_len);
	if (errf == NULL)
		return -1;
	zonestore_lock();
	int rc = dump_view_zone(publish_current(), cmd->view, cmd->name, out, errf, "dump");
	zonestore_unlock();
	fclose(errf);
	if (rc != 0) {
		rewind(out);   /* drop a partial dump; the error text replaces it */
		fputs(err, out);
	}
	free(err);
	return rc == 0 ? 0 : -1;
}

/* --- the socket -------------------------------------------------------------- */

static bool
ctl_write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Read one command line (up to the newline or the end of the client's
 * writing). Returns its length, or -1. */
static ssize_t
ctl_read_line(int fd, char *buf, size_t size)
{
	size_t len = 0;
	while (len + 1 < size) {
		ssize_t r = recv(fd, buf + len, size - 1 - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		len += (size_t)r;
		if (memchr(buf, '\n', len) != NULL)
			break;
	}
	buf[len] = '\0';
	char *nl = strchr(buf, '\n');
	if (nl == NULL && len + 1 >= size)
		return -1;   /* longer than any command */
	if (nl != NULL)
		*nl = '\0';
	return (ssize_t)strlen(buf);
}

static void
ctl_serve_client(ctl_t *c, int fd)
{
	struct timeval tv = { .tv_sec = CTL_IO_TIMEOUT_S };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	char line[CTL_MAX_LINE];
	if (ctl_read_line(fd, line, sizeof(line)) < 0) {
		static const char msg[] = "error\ncommand line too long or not readable\n";
		ctl_write_all(fd, msg, sizeof(msg) - 1);
		return;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (out == NULL)
		return;
	ctl_cmd_t cmd;
	const char *why = NULL;
	int rc = -1;
	if (ctl_parse(line, &cmd, &why) != 0) {
		fprintf(out, "%s\n", why);
	} else {
		log_info("control: %s", line);
		switch (cmd.verb) {
		case CTL_STATUS: rc = ctl_status(c, out); break;
		case CTL_RELOAD: rc = ctl_reload(c, out); break;
		case CTL_FLUSH:  rc = ctl_flush(c, &cmd, out); break;
		case CTL_STATS:  rc = ctl_stats(c, out); break;
		case CTL_DUMP:   rc = ctl_dump(&cmd, out); break;
		}
	}
	if (fclose(out) != 0) {
		free(text);
		return;
	}
	const char *head = rc == 0 ? "ok\n" : "error\n";
	if (ctl_write_all(fd, head, strlen(head)))
		ctl_write_all(fd, text, len);
	free(text);
}

static void *
ctl_main(void *arg)
{
	ctl_t *c = arg;
	for (;;) {
		struct pollfd p[2] = { { .fd = c->fd, .events = POLLIN },
				       { .fd = c->wake[0], .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_error("control: poll: %s", strerror(errno));
			break;
		}
		if (p[1].revents != 0)
			break;
		if (p[0].revents == 0)
			continue;
		int fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;   /* the client went away, or out of descriptors: next time */
		ctl_serve_client(c, fd);
		close(fd);
	}
	return NULL;
}

ctl_t *
ctl_new(const char *path, const char *conf_path, server_t *srv, const struct timespec *started)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_error("server.control: %s: path too long for a unix socket", path);
		return NULL;
	}
	strcpy(sun.sun_path, path);
	ctl_t *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->fd = c->wake[0] = c->wake[1] = -1;
	c->srv = srv;
	c->started = started;
	c->path = strdup(path);
	c->conf_path = strdup(conf_path);
	if (c->path == NULL || c->conf_path == NULL)
		goto fail;
	/* a socket file a previous run left behind (never any other file, and
	 * never the socket of a server that still answers on it) */
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		bool live = probe >= 0 && connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0;
		if (probe >= 0)
			close(probe);
		if (live) {
			log_error("server.control: %s: another server is listening there", path);
			goto fail;
		}
		unlink(path);
	}
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* 0600 from the start: no window in which others could connect */
	mode_t old = umask(0177);
	int brc = c->fd < 0 ? -1 : bind(c->fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (brc < 0 || listen(c->fd, 8) < 0) {
		log_error("server.control: cannot listen on %s: %s", path, strerror(errno));
		goto fail;
	}
	if (pipe2(c->wake, O_CLOEXEC) < 0) {
		log_error("server.control: %s", strerror(errno));
		unlink(path);
		goto fail;
	}
	return c;
fail:
	if (c->fd >= 0)
		close(c->fd);
	if (c->wake[0] >= 0) {
		close(c->wake[0]);
		close(c->wake[1]);
	}
	free(c->path);
	free(c->conf_path);
	free(c);
	return NULL;
}

int
ctl_start(ctl_t *c, reload_t *reload)
{
	c->reload = reload;
	if (pthread_create(&c->thread, NULL, ctl_main, c) != 0) {
		log_error("server.control: cannot start the control socket thread");
		return -1;
	}
	c->running = true;
	return 0;
}

void
ctl_free(ctl_t **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	ctl_t *c = *cp;
	if (c->running) {
		ssize_t n = write(c->wake[1], "x", 1);
		(void)n;
		pthread_join(c->thread, NULL);
	}
	close(c->fd);
	close(c->wake[0]);
	close(c->wake[1]);
	unlink(c->path);
	free(c->path);
	free(c->conf_path);
	free(c);
	*cp = NULL;
}
