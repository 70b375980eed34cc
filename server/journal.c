/* journal.c -- append, repair, compact and replay the text journal of
 * dynamic updates (the format is described in journal.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "durable.h"
#include "log.h"

char *
journal_path(const char *zonefile)
{
	size_t n = strlen(zonefile);
	char *p = xmalloc(n + 5);
	memcpy(p, zonefile, n);
	memcpy(p + n, ".jnl", 5);
	return p;
}

ldns_rr *
journal_rr_to_ldns(const zrr_t *rr)
{
	size_t len = (size_t)rr->owner_len + 10 + rr->rdlen;
	uint8_t *buf = xmalloc(len);
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

/* ---------------------------------------------------------------------------
 * Files: durable writes
 */

/* Append text to a growing buffer. */
static void
journal_buf_add(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);
	if (*len + n + 1 > *cap) {
		while (*len + n + 1 > *cap)
			*cap = *cap ? *cap * 2 : 1024;
		*buf = xrealloc(*buf, *cap);
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

/* A fresh journal id: 16 hex digits. */
static void
journal_new_id(char out[JOURNAL_ID_LEN + 1])
{
	static unsigned counter;
	uint8_t r[JOURNAL_ID_LEN / 2];
	if (getentropy(r, sizeof(r)) != 0) {
		/* no entropy source: time, pid and a counter are unique enough here */
		uint64_t x = (uint64_t)time(NULL) << 32 ^ (uint64_t)getpid() << 12 ^ ++counter;
		for (size_t i = 0; i < sizeof(r); i++)
			r[i] = (uint8_t)(x >> (8 * i));
	}
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
}

/* fsync the directory holding path (durable.h), logged when it fails. */
static int
journal_fsync_dir(const char *path)
{
	if (durable_fsync_dir(path) != 0) {
		log_error("journal: fsync of the directory of %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Write a whole new file and fsync it (not its directory). */
static int
journal_write_file(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_error("journal: cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	if (durable_write_all(fd, text, len) != 0 || fsync(fd) != 0) {
		log_error("journal: cannot write %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

/* One transaction as text, appended to buf; -1 if a record cannot be
 * written as text. */
static int
journal_format_block(char **buf, size_t *len, size_t *cap, uint32_t serial, const char *comment,
		     const journal_op_t *ops, size_t nops)
{
	char line[512], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(line, sizeof(line), "begin %u %s %s\n", serial, stamp, comment ? comment : "");
	journal_buf_add(buf, len, cap, line);
	for (size_t i = 0; i < nops; i++) {
		ldns_rr *rr = journal_rr_to_ldns(&ops[i].rr);
		char *text = rr ? ldns_rr2str(rr) : NULL;
		ldns_rr_free(rr);
		if (text == NULL)
			return -1;
		size_t tl = strlen(text);
		while (tl > 0 && (text[tl - 1] == '\n' || text[tl - 1] == ' '))
			text[--tl] = '\0';
		journal_buf_add(buf, len, cap, ops[i].op == '+' ? "+ " : "- ");
		journal_buf_add(buf, len, cap, text);
		journal_buf_add(buf, len, cap, "\n");
		free(text);
	}
	snprintf(line, sizeof(line), "commit %u\n", serial);
	journal_buf_add(buf, len, cap, line);
	return 0;
}

/* fstat a journal just opened (fd < 0: the open failed); on failure the
 * reason is logged and fd closed. */
static int
journal_fstat(int fd, const char *path, struct stat *st)
{
	if (fd < 0 || fstat(fd, st) != 0) {
		log_error("journal %s: %s: %s", path, fd < 0 ? "open" : "stat", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return 0;
}

int
journal_append(const char *path, uint32_t serial, const char *comment,
	       const journal_op_t *ops, size_t nops)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	bool created = false;
	int fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		created = true;
	}
	struct stat st;
	if (journal_fstat(fd, path, &st) != 0)
		return -1;
	char last = '\n';
	if (st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1)
		last = 0;
	if (last != '\n') {
		/* a fragment here would become part of our first line */
		log_error("journal %s: does not end with a complete line; not appending", path);
		close(fd);
		return -1;
	}
	if (st.st_size == 0) {
		char id[JOURNAL_ID_LEN + 1], line[64];
		journal_new_id(id);
		snprintf(line, sizeof(line), "journal %s\n", id);
		journal_buf_add(&buf, &len, &cap, line);
	}
	if (journal_format_block(&buf, &len, &cap, serial, comment, ops, nops) != 0) {
		log_error("journal %s: cannot write a record as text", path);
		free(buf);
		close(fd);
		return -1;
	}
	if (durable_write_all(fd, buf, len) != 0) {
		log_error("journal %s: write: %s", path, strerror(errno));
		/* cut the half-written block off, so that it cannot be mistaken
		 * for a committed one later */
		if (ftruncate(fd, st.st_size) != 0)
			log_error("journal %s: truncate: %s", path, strerror(errno));
		free(buf);
		close(fd);
		return -1;
	}
	free(buf);
	if (fsync(fd) != 0) {
		log_error("journal %s: fsync: %s", path, strerror(errno));
		/* not acknowledged: take it back, so that a restart does not
		 * bring back what the client was told failed */
		if (ftruncate(fd, st.st_size) != 0)
			log_error("journal %s: truncate: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	/* the new file's name must be as durable as its contents */
	if (created && journal_fsync_dir(path) != 0) {
		unlink(path);
		return -1;
	}
	return 0;
}

int
journal_cut(const char *path, long long end)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && end == 0)
		return 0;
	struct stat st;
	if (journal_fstat(fd, path, &st) != 0)
		return -1;
	if (st.st_size == end) {
		close(fd);
		return 0;
	}
	if (st.st_size < end) {
		log_error("journal %s: shorter (%lld bytes) than when it was read (%lld): changed "
			  "on disk? Not appending until a reload reads it again", path,
			  (long long)st.st_size, end);
		close(fd);
		return -1;
	}
	/* show the start of what goes, escaped */
	unsigned char raw[48];
	ssize_t n = pread(fd, raw, sizeof(raw), end);
	char shown[4 * sizeof(raw) + 1];
	size_t p = 0;
	for (ssize_t i = 0; i < n; i++) {
		if (raw[i] >= 0x20 && raw[i] < 0x7f && raw[i] != '\\')
			shown[p++] = (char)raw[i];
		else
			p += (size_t)snprintf(shown + p, sizeof(shown) - p, raw[i] == '\n' ? "\\n" :
					      "\\x%02x", raw[i]);
	}
	shown[p] = '\0';
	if (ftruncate(fd, end) != 0 || fsync(fd) != 0) {
		log_error("journal %s: cannot cut it back to %lld bytes: %s", path, end,
			  strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	long long cut = (long long)st.st_size - end;
	log_warning("journal %s: cut %lld byte%s after the last committed transaction (a write "
		    "cut short by a crash, never acknowledged): \"%s\"%s", path, cut,
		    cut == 1 ? "" : "s", shown, cut > (long long)sizeof(raw) ? "..." : "");
	return 0;
}

/* The journal line of path (id "-" if none) and its size (0 if missing). */
static int
journal_peek(const char *path, char id[JOURNAL_ID_LEN + 1], long long *size)
{
	snprintf(id, JOURNAL_ID_LEN + 1, "-");
	*size = 0;
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		log_error("journal %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	char line[64];
	if (fstat(fileno(f), &st) == 0)
		*size = st.st_size;
	if (fgets(line, sizeof(line), f) != NULL && strncmp(line, "journal ", 8) == 0 &&
	    strlen(line) == 8 + JOURNAL_ID_LEN + 1)
		snprintf(id, JOURNAL_ID_LEN + 1, "%.*s", JOURNAL_ID_LEN, line + 8);
	fclose(f);
	return 0;
}

/* mkdir for the state directory (one level), its entry made durable. */
static int
journal_mkdir(const char *file)
{
	const char *slash = strrchr(file, '/');
	if (slash == NULL || slash == file)
		return 0;
	char dir[4096];
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - file), file);
	if (mkdir(dir, 0750) == 0)
		return journal_fsync_dir(dir);
	if (errno == EEXIST)
		return 0;
	log_error("journal: cannot create the state directory %s: %s", dir, strerror(errno));
	return -1;
}

int
journal_compact(const char *jnl, const char *state, uint32_t serial,
		const journal_op_t *ops, size_t nops, int stop_after)
{
	char id[JOURNAL_ID_LEN + 1];
	long long size;
	if (journal_peek(jnl, id, &size) != 0 || journal_mkdir(state) != 0)
		return -1;
	char *buf = NULL, line[256];
	size_t len = 0, cap = 0;
	journal_buf_add(&buf, &len, &cap, "; horizond: the zone's changes relative to its file "
			"(compacted journal); do not edit\n");
	snprintf(line, sizeof(line), "covers %s %lld\n", id, size);
	journal_buf_add(&buf, &len, &cap, line);
	if (journal_format_block(&buf, &len, &cap, serial, "compacted", ops, nops) != 0) {
		log_error("journal %s: cannot write a record as text", state);
		free(buf);
		return -1;
	}
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", state);
	int rc = journal_write_file(tmp, buf, len);
	free(buf);
	if (rc != 0 || stop_after == 1)
		return rc;
	if (rename(tmp, state) != 0) {
		log_error("journal: rename %s to %s: %s", tmp, state, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (journal_fsync_dir(state) != 0 || stop_after == 2)
		return stop_after == 2 ? 0 : -1;
	/* from here on the state holds everything: a new journal starts */
	char nid[JOURNAL_ID_LEN + 1];
	journal_new_id(nid);
	snprintf(line, sizeof(line), "journal %s\n", nid);
	snprintf(tmp, sizeof(tmp), "%s.tmp", jnl);
	if (journal_write_file(tmp, line, strlen(line)) != 0 || stop_after == 3)
		return stop_after == 3 ? 0 : -1;
	if (rename(tmp, jnl) != 0) {
		log_error("journal: rename %s to %s: %s", tmp, jnl, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return journal_fsync_dir(jnl);
}

/* ---------------------------------------------------------------------------
 * Reading
 */

/* A record line of a transaction, kept until the commit line is seen. */
typedef struct jline {
	char op;
	zrr_t rr;
} jline_t;

/* Could this line be the start of one we write, cut short? (Journals
 * written before the tail was cut at open completed such a fragment with
 * the next block's leading newline.) commit: the commit line expected. */
static bool
journal_fragment(const char *line, size_t len, const char *commit)
{
	static const char *const starts[] = { "begin ", "commit ", "+ ", "- ", "journal " };
	if (len == 0)
		return false;
	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
		if (len <= strlen(starts[i]) && strncmp(line, starts[i], len) == 0)
			return true;
	return commit != NULL && len < strlen(commit) && strncmp(line, commit, len) == 0;
}

/* The reader's state: a transaction is collected until its commit line,
 * and a malformed line is held as "suspect" until we know whether anything
 * committed follows it (then it is an error) or not (a write cut short). */
typedef struct jreader {
	const char *path;
	diag_t *d;
	jline_t *pend;
	size_t npend, cappend;
	bool in_txn;
	unsigned long long txn_serial;
	unsigned long begin_line, broken_line;
	const char *broken_msg;
	unsigned long fragment_line;   /* a fragment that a begin line must follow */
	const char *fragment_msg;
	unsigned long suspect_line;
	char suspect_msg[160];
} jreader_t;

static void
jr_drop_txn(jreader_t *r)
{
	r->in_txn = false;
	r->npend = 0;
	r->broken_line = 0;
}

static void
jr_suspect(jreader_t *r, unsigned long line, const char *msg)
{
	if (r->suspect_line == 0) {
		r->suspect_line = line;
		snprintf(r->suspect_msg, sizeof(r->suspect_msg), "%s", msg);
	}
	jr_drop_txn(r);
}

static void
jr_fragment(jreader_t *r, unsigned long line, const char *msg)
{
	if (r->fragment_line != 0)
		jr_suspect(r, r->fragment_line, r->fragment_msg);
	r->fragment_line = line;
	r->fragment_msg = msg;
	jr_drop_txn(r);
}

long
journal_read(const char *path, const char *origin, const char *skip_id, long long skip_to,
	     journal_op_fn fn, void *arg, diag_t *d, journal_info_t *info)
{
	journal_info_t dummy;
	if (info == NULL)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	info->covers_end = -1;
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)   /* no file, or no directory */
			return 0;
		diag_error(d, path, 0, "cannot read it: %s", strerror(errno));
		return -1;
	}
	ldns_rdf *orig = ldns_dname_new_frm_str(origin);
	arena_t *tmp = arena_new(0);
	jreader_t r = { .path = path, .d = d };
	bool bad = false, header = true, skipping = false;
	unsigned long lineno = 0;
	long long pos = 0;
	long done = 0;
	char *line = NULL, commit[64] = "";
	size_t lcap = 0;
	ssize_t got;
	while (!bad && (got = getline(&line, &lcap, f)) >= 0) {
		lineno++;
		long long start = pos;
		pos += got;
		bool complete = line[got - 1] == '\n';
		bool nul = memchr(line, 0, (size_t)got) != NULL;
		if (lineno == 1) {
			if (complete && !nul && strncmp(line, "journal ", 8) == 0 &&
			    got == 8 + JOURNAL_ID_LEN + 1) {
				snprintf(info->id, sizeof(info->id), "%.*s", JOURNAL_ID_LEN, line + 8);
				info->end = pos;
			}
			skipping = skip_to >= 0 && skip_id != NULL &&
				   strcmp(info->id[0] ? info->id : "-", skip_id) == 0;
			if (info->id[0])
				continue;
		}
		if (skipping) {
			/* covered by the compacted state: already applied */
			if (start < skip_to) {
				if (pos > skip_to || !complete) {
					diag_error(d, path, lineno, "the compacted state covers this journal "
						   "up to byte %lld, which is not the end of a line", skip_to);
					bad = true;
				}
				continue;
			}
			skipping = false;
			if (info->end < skip_to)
				info->end = skip_to;
		}
		if (!complete) {
			/* every committed block ends with a complete line */
			if (!r.in_txn && r.fragment_line == 0)
				diag_warn(d, path, lineno, "incomplete last line ignored");
			break;
		}
		while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
			line[--got] = '\0';
		if (r.fragment_line != 0) {
			if (strncmp(line, "begin ", 6) == 0 && !nul) {
				diag_warn(d, path, r.fragment_line, "%s: a line cut short by an earlier "
					  "crash, its transaction skipped", r.fragment_msg);
				r.fragment_line = 0;
			} else {
				jr_suspect(&r, r.fragment_line, r.fragment_msg);
				r.fragment_line = 0;
			}
		}
		if (nul) {
			jr_fragment(&r, lineno, "NUL bytes");
			continue;
		}
		if (got == 0 || line[0] == ';')
			continue;
		if (header && strncmp(line, "covers ", 7) == 0) {
			char id[32];
			long long off;
			char extra;
			if (sscanf(line + 7, "%31s %lld %c", id, &off, &extra) != 2 || off < 0 ||
			    (strcmp(id, "-") != 0 && strlen(id) != JOURNAL_ID_LEN)) {
				diag_error(d, path, lineno, "bad covers line");
				bad = true;
				break;
			}
			snprintf(info->covers_id, sizeof(info->covers_id), "%s", id);
			info->covers_end = off;
			continue;
		}
		if (strncmp(line, "begin ", 6) == 0) {
			header = false;
			if (r.in_txn)
				diag_warn(d, path, r.begin_line, "transaction without commit skipped");
			jr_drop_txn(&r);
			char *end;
			r.txn_serial = strtoull(line + 6, &end, 10);
			if (end == line + 6 || (*end != ' ' && *end != '\0') || r.txn_serial > UINT32_MAX) {
				if (end == line + 6 && *end == '\0')
					jr_fragment(&r, lineno, "begin line without serial");
				else
					jr_suspect(&r, lineno, "bad begin line");
				continue;
			}
			r.in_txn = true;
			r.begin_line = lineno;
			snprintf(commit, sizeof(commit), "commit %llu", r.txn_serial);
			continue;
		}
		if (strncmp(line, "commit ", 7) == 0 && (!r.in_txn || strcmp(line, commit) != 0)) {
			if (r.in_txn && journal_fragment(line, (size_t)got, commit))
				jr_fragment(&r, lineno, "commit line cut short");
			else
				jr_suspect(&r, lineno, "commit line does not close a begin line with "
					   "the same serial");
			continue;
		}
		if (strncmp(line, "commit ", 7) == 0) {
			if (r.suspect_line != 0) {
				/* committed data follows a malformed line: not a crash */
				diag_error(d, path, r.suspect_line, "%s", r.suspect_msg);
				bad = true;
				break;
			}
			if (r.broken_line != 0) {
				diag_error(d, path, r.broken_line, "bad record: %s", r.broken_msg);
				bad = true;
				break;
			}
			for (size_t i = 0; i < r.npend && !bad; i++)
				if (!fn(arg, r.pend[i].op, &r.pend[i].rr, d))
					bad = true;
			jr_drop_txn(&r);
			done++;
			info->end = pos;
			continue;
		}
		if ((line[0] == '+' || line[0] == '-') && line[1] == ' ' && r.in_txn) {
			if (r.broken_line != 0)
				continue;
			ldns_rr *rr = NULL;
			ldns_status st = ldns_rr_new_frm_str(&rr, line + 2, 0, orig, NULL);
			if (st != LDNS_STATUS_OK) {
				/* an error only if the block turns out committed */
				r.broken_line = lineno;
				r.broken_msg = ldns_get_errorstr_by_id(st);
				continue;
			}
			if (r.npend == r.cappend) {
				r.cappend = r.cappend ? r.cappend * 2 : 16;
				r.pend = xrealloc(r.pend, r.cappend * sizeof(*r.pend));
			}
			r.pend[r.npend].op = line[0];
			bool ok = journal_rr_from_ldns(rr, tmp, &r.pend[r.npend].rr);
			ldns_rr_free(rr);
			if (!ok) {
				r.broken_line = lineno;
				r.broken_msg = "record too large";
				continue;
			}
			r.pend[r.npend].rr.file = path;
			r.pend[r.npend].rr.line = lineno;
			r.npend++;
			continue;
		}
		if (journal_fragment(line, (size_t)got, r.in_txn ? commit : NULL))
			jr_fragment(&r, lineno, "a fragment of a line");
		else
			jr_suspect(&r, lineno, "unexpected line (expected begin, +, -, commit)");
	}
	if (!bad && skipping && pos < skip_to) {
		diag_error(d, path, 0, "holds %lld bytes, but the compacted state covers it up to "
			   "byte %lld: was it changed by hand?", pos, skip_to);
		bad = true;
	} else if (skipping) {
		if (info->end < skip_to)   /* the file ends where the state's cover does */
			info->end = skip_to;
	}
	if (!bad) {
		/* nothing committed follows these: the end of a write cut short */
		if (r.in_txn)
			diag_warn(d, path, r.begin_line, "transaction without commit skipped (cut short?)");
		if (r.fragment_line != 0)
			diag_warn(d, path, r.fragment_line, "%s at the end: skipped (cut short?)",
				  r.fragment_msg);
		if (r.suspect_line != 0)
			diag_warn(d, path, r.suspect_line, "%s: skipped, nothing committed follows "
				  "(a write cut short?)", r.suspect_msg);
	}
	info->size = pos;
	info->txns = done;
	free(line);
	free(r.pend);
	fclose(f);
	arena_free(&tmp);
	ldns_rdf_deep_free(orig);
	return bad ? -1 : done;
}

long
journal_replay(const char *path, const char *origin, journal_op_fn fn, void *arg, diag_t *d)
{
	return journal_read(path, origin, NULL, -1, fn, arg, d, NULL);
}
