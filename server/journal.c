/* journal.c -- append and replay the text journal of dynamic updates.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "log.h"

char *
journal_path(const char *zonefile)
{
	size_t n = strlen(zonefile);
	char *p = malloc(n + 5);
	if (p == NULL)
		abort();
	memcpy(p, zonefile, n);
	memcpy(p + n, ".jnl", 5);
	return p;
}

ldns_rr *
journal_rr_to_ldns(const zrr_t *rr)
{
	size_t len = (size_t)rr->owner_len + 10 + rr->rdlen;
	uint8_t *buf = malloc(len);
	if (buf == NULL)
		abort();
	size_t p = rr->owner_len;
	memcpy(buf, rr->owner, p);
	buf[p++] = (uint8_t)(rr->type >> 8);
	buf[p++] = (uint8_t)rr->type;
	buf[p++] = (uint8_t)(rr->rclass >> 8);
	buf[p++] = (uint8_t)rr->rclass;
	buf[p++] = (uint8_t)(rr->ttl >> 24);
	buf[p++] = (uint8_t)(rr->ttl >> 16);
	buf[p++] = (uint8_t)(rr->ttl >> 8);
	buf[p++] = (uint8_t)rr->ttl;
	buf[p++] = (uint8_t)(rr->rdlen >> 8);
	buf[p++] = (uint8_t)rr->rdlen;
	memcpy(buf + p, rr->rdata, rr->rdlen);
	ldns_rr *out = NULL;
	size_t pos = 0;
	if (ldns_wire2rr(&out, buf, len, &pos, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK)
		out = NULL;
	free(buf);
	return out;
}

bool
journal_rr_from_ldns(const ldns_rr *rr, arena_t *a, zrr_t *out)
{
	const ldns_rdf *own = ldns_rr_owner(rr);
	if (own == NULL || ldns_rdf_size(own) == 0 || ldns_rdf_size(own) > 255)
		return false;
	size_t rdlen = 0;
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++)
		if (ldns_rr_rdf(rr, i) != NULL)
			rdlen += ldns_rdf_size(ldns_rr_rdf(rr, i));
	if (rdlen > 65535)
		return false;
	memset(out, 0, sizeof(*out));
	out->owner = arena_memdup_bytes(a, ldns_rdf_data(own), ldns_rdf_size(own));
	out->owner_len = (uint16_t)ldns_rdf_size(own);
	out->type = (uint16_t)ldns_rr_get_type(rr);
	out->rclass = (uint16_t)ldns_rr_get_class(rr);
	out->ttl = ldns_rr_ttl(rr);
	out->rdlen = (uint16_t)rdlen;
	uint8_t *rd = arena_alloc_bytes(a, rdlen ? rdlen : 1);
	size_t pos = 0;
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *r = ldns_rr_rdf(rr, i);
		if (r == NULL)
			continue;
		memcpy(rd + pos, ldns_rdf_data(r), ldns_rdf_size(r));
		pos += ldns_rdf_size(r);
	}
	out->rdata = rd;
	return true;
}

/* Append text to a growing buffer. */
static void
journal_buf_add(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);
	if (*len + n + 1 > *cap) {
		while (*len + n + 1 > *cap)
			*cap = *cap ? *cap * 2 : 1024;
		*buf = realloc(*buf, *cap);
		if (*buf == NULL)
			abort();
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

int
journal_append(const char *path, uint32_t serial, const char *comment,
	       const journal_op_t *ops, size_t nops)
{
	char *buf = NULL, line[512];
	size_t len = 0, cap = 0;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* the leading newline ends a line a crash may have left unfinished */
	snprintf(line, sizeof(line), "\nbegin %u %s %s\n", serial, stamp, comment ? comment : "");
	journal_buf_add(&buf, &len, &cap, line);
	for (size_t i = 0; i < nops; i++) {
		ldns_rr *rr = journal_rr_to_ldns(&ops[i].rr);
		char *text = rr ? ldns_rr2str(rr) : NULL;
		ldns_rr_free(rr);
		if (text == NULL) {
			log_error("journal %s: cannot write a record as text", path);
			free(buf);
			return -1;
		}
		size_t tl = strlen(text);
		while (tl > 0 && (text[tl - 1] == '\n' || text[tl - 1] == ' '))
			text[--tl] = '\0';
		journal_buf_add(&buf, &len, &cap, ops[i].op == '+' ? "+ " : "- ");
		journal_buf_add(&buf, &len, &cap, text);
		journal_buf_add(&buf, &len, &cap, "\n");
		free(text);
	}
	snprintf(line, sizeof(line), "commit %u\n", serial);
	journal_buf_add(&buf, &len, &cap, line);

	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_error("journal %s: open: %s", path, strerror(errno));
		free(buf);
		return -1;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			log_error("journal %s: write: %s", path, strerror(errno));
			/* cut the half-written block off, so that it cannot be
			 * mistaken for a committed one later */
			off_t end = lseek(fd, 0, SEEK_END);
			if (end >= (off_t)off && ftruncate(fd, end - (off_t)off) != 0)
				log_error("journal %s: truncate: %s", path, strerror(errno));
			close(fd);
			free(buf);
			return -1;
		}
		off += (size_t)w;
	}
	free(buf);
	if (fsync(fd) != 0) {
		log_error("journal %s: fsync: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* A record line of a transaction, kept until the commit line is seen. */
typedef struct jline {
	char op;
	zrr_t rr;
} jline_t;

long
journal_replay(const char *path, const char *origin, journal_op_fn fn, void *arg, diag_t *d)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		diag_error(d, path, 0, "cannot read journal: %s", strerror(errno));
		return -1;
	}
	ldns_rdf *orig = ldns_dname_new_frm_str(origin);
	arena_t *tmp = arena_new(0);
	jline_t *pend = NULL;
	size_t npend = 0, cappend = 0;
	bool in_txn = false, bad = false;
	unsigned long begin_line = 0, lineno = 0, broken_line = 0;
	const char *broken_msg = "";
	unsigned long long txn_serial = 0;
	long done = 0;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t got;
	while (!bad && (got = getline(&line, &lcap, f)) >= 0) {
		lineno++;
		if (line[got - 1] != '\n') {
			/* a last line without its newline was cut short by a crash:
			 * every committed block ends with a complete line */
			if (!in_txn)
				diag_warn(d, path, lineno, "incomplete last line ignored");
			break;
		}
		while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
			line[--got] = '\0';
		if (got == 0 || line[0] == ';')
			continue;
		if (strncmp(line, "begin ", 6) == 0) {
			if (in_txn)
				diag_warn(d, path, begin_line, "transaction without commit skipped");
			broken_line = 0;
			char *end;
			txn_serial = strtoull(line + 6, &end, 10);
			if (end == line + 6 || (*end != ' ' && *end != '\0') || txn_serial > UINT32_MAX) {
				diag_error(d, path, lineno, "bad begin line");
				bad = true;
				break;
			}
			in_txn = true;
			begin_line = lineno;
			npend = 0;
			continue;
		}
		if (strncmp(line, "commit ", 7) == 0) {
			char *end;
			unsigned long long s = strtoull(line + 7, &end, 10);
			if (!in_txn || *end != '\0' || s != txn_serial) {
				diag_error(d, path, lineno, "commit line does not close a begin line "
					   "with the same serial");
				bad = true;
				break;
			}
			if (broken_line != 0) {
				diag_error(d, path, broken_line, "bad record: %s", broken_msg);
				bad = true;
				break;
			}
			for (size_t i = 0; i < npend && !bad; i++)
				if (!fn(arg, pend[i].op, &pend[i].rr, d))
					bad = true;
			in_txn = false;
			npend = 0;
			done++;
			continue;
		}
		if ((line[0] == '+' || line[0] == '-') && line[1] == ' ' && in_txn) {
			if (broken_line != 0)
				continue;
			ldns_rr *rr = NULL;
			ldns_status st = ldns_rr_new_frm_str(&rr, line + 2, 0, orig, NULL);
			if (st != LDNS_STATUS_OK) {
				/* an error only if the block turns out committed: a crash
				 * can leave half a line before the next block's begin */
				broken_line = lineno;
				broken_msg = ldns_get_errorstr_by_id(st);
				continue;
			}
			if (npend == cappend) {
				cappend = cappend ? cappend * 2 : 16;
				pend = realloc(pend, cappend * sizeof(*pend));
				if (pend == NULL)
					abort();
			}
			pend[npend].op = line[0];
			bool ok = journal_rr_from_ldns(rr, tmp, &pend[npend].rr);
			ldns_rr_free(rr);
			if (!ok) {
				diag_error(d, path, lineno, "record too large");
				bad = true;
				break;
			}
			pend[npend].rr.file = path;
			pend[npend].rr.line = lineno;
			npend++;
			continue;
		}
		diag_error(d, path, lineno, "unexpected line (expected begin, +, -, commit)");
		bad = true;
	}
	if (!bad && in_txn)
		diag_warn(d, path, begin_line, "transaction without commit skipped (cut short?)");
	free(line);
	free(pend);
	fclose(f);
	arena_free(&tmp);
	ldns_rdf_deep_free(orig);
	return bad ? -1 : done;
}
