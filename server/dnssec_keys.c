/* dnssec_keys.c -- the signing keys of a zone: files under server.state-dir,
 * made on first use, ZSKs rolled by pre-publication. The design is in
 * dnssec_keys.h. Key generation and signing are ldns and OpenSSL's.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "dnssec_keys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "durable.h"
#include "log.h"

typedef enum { ROLE_CSK, ROLE_KSK, ROLE_ZSK } key_role_t;
static const char *const role_names[] = { "csk", "ksk", "zsk" };

typedef struct hkey {
	key_role_t role;
	long long created, activate, retire, remove;
	uint16_t tag;
	EVP_PKEY *pkey;
	ldns_rr *dnskey;
	char *base;          /* "<dir>/K<zone>+<alg>+<tag>", malloc'ed */
	bool dirty;          /* metadata changed: write the .key file again */
} hkey_t;

typedef struct hkeys {
	hkey_t *k;
	size_t n, cap;
} hkeys_t;

char *
dnssec_keys_dir(const char *state_dir)
{
	size_t len = strlen(state_dir) + 8;
	char *p = xmalloc(len);
	snprintf(p, len, "%s/keys", state_dir);
	return p;
}

/* The zone's part of a key file name: the name in lower case with its
 * trailing dot, as BIND's K<zone>+...; bytes a file name cannot hold
 * become '_'. */
static void
dnssec_keys_file_zone(const char *origin, char *out, size_t size)
{
	size_t n = 0;
	for (const char *c = origin; *c && n + 1 < size; c++) {
		char ch = *c >= 'A' && *c <= 'Z' ? (char)(*c - 'A' + 'a') : *c;
		out[n++] = ch == '/' || ch == '\\' || (unsigned char)ch <= ' ' ? '_' : ch;
	}
	out[n] = '\0';
}

static char *
dnssec_keys_path(const char *base, const char *ext)
{
	size_t len = strlen(base) + strlen(ext) + 1;
	char *p = xmalloc(len);
	snprintf(p, len, "%s%s", base, ext);
	return p;
}

/* The .key file: metadata comment, then the DNSKEY record. */
static int
dnssec_keys_save_meta(const hkey_t *k)
{
	char *rr = ldns_rr2str(k->dnskey);
	if (rr == NULL)
		return -1;
	size_t len = strlen(rr) + 256;
	char *text = xmalloc(len);
	int n = snprintf(text, len, "; horizond-key role=%s created=%lld activate=%lld retire=%lld "
			 "remove=%lld\n%s", role_names[k->role], k->created, k->activate, k->retire,
			 k->remove, rr);
	free(rr);
	char *path = dnssec_keys_path(k->base, ".key");
	int rc = n > 0 && (size_t)n < len ? durable_replace(path, text, (size_t)n, 0600) : -1;
	free(path);
	free(text);
	return rc;
}

static void
dnssec_keys_push(hkeys_t *ks, const hkey_t *k)
{
	if (ks->n == ks->cap) {
		ks->cap = ks->cap ? ks->cap * 2 : 8;
		ks->k = xrealloc(ks->k, ks->cap * sizeof(*ks->k));
	}
	ks->k[ks->n++] = *k;
}

static void
dnssec_keys_clear(hkey_t *k)
{
	EVP_PKEY_free(k->pkey);
	ldns_rr_free(k->dnskey);
	free(k->base);
	memset(k, 0, sizeof(*k));
}

/* The DNSKEY record of an ldns key (owner origin, our TTL). */
static ldns_rr *
dnssec_keys_dnskey(ldns_key *lk)
{
	ldns_rr *rr = ldns_key2rr(lk);
	if (rr != NULL)
		ldns_rr_set_ttl(rr, DNSSEC_KEYS_DNSKEY_TTL);
	return rr;
}

/* An ldns key around k's private key (a new reference to it). */
static ldns_key *
dnssec_keys_ldns(const hkey_t *k, int alg, const ldns_rdf *owner)
{
	ldns_key *lk = ldns_key_new();
	if (lk == NULL)
		return NULL;
	EVP_PKEY_up_ref(k->pkey);
	ldns_key_set_algorithm(lk, (ldns_signing_algorithm)alg);
	ldns_key_set_evp_key(lk, k->pkey);
	ldns_key_set_flags(lk, k->role == ROLE_ZSK ? LDNS_KEY_ZONE_KEY
			   : LDNS_KEY_ZONE_KEY | LDNS_KEY_SEP_KEY);
	ldns_key_set_pubkey_owner(lk, ldns_rdf_clone(owner));
	ldns_key_set_keytag(lk, k->tag);
	ldns_key_set_use(lk, true);
	return lk;
}

/* Read one key (base = path without extension); false if it is not a
 * complete key of ours for this algorithm (ignored). */
static bool
dnssec_keys_read(const char *base, int alg, hkey_t *k)
{
	memset(k, 0, sizeof(*k));
	char *kpath = dnssec_keys_path(base, ".key");
	char *ppath = dnssec_keys_path(base, ".pem");
	FILE *f = fopen(kpath, "re");
	bool ok = false;
	if (f != NULL) {
		char line[8192], role[8] = "";
		if (fgets(line, sizeof(line), f) != NULL &&
		    sscanf(line, "; horizond-key role=%7s created=%lld activate=%lld retire=%lld "
			   "remove=%lld", role, &k->created, &k->activate, &k->retire, &k->remove) == 5 &&
		    fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			ok = ldns_rr_new_frm_str(&k->dnskey, line, 0, NULL, NULL) == LDNS_STATUS_OK &&
			     ldns_rr_get_type(k->dnskey) == LDNS_RR_TYPE_DNSKEY;
			for (int r = 0; r < 3; r++)
				if (strcmp(role, role_names[r]) == 0)
					k->role = (key_role_t)r;
			ok = ok && (strcmp(role, role_names[k->role]) == 0);
		}
		fclose(f);
	}
	FILE *p = ok ? fopen(ppath, "re") : NULL;
	if (p != NULL) {
		k->pkey = PEM_read_PrivateKey(p, NULL, NULL, NULL);
		fclose(p);
	}
	ok = ok && k->pkey != NULL && ldns_rdf2native_int8(ldns_rr_rdf(k->dnskey, 2)) == alg;
	free(kpath);
	free(ppath);
	if (!ok) {
		dnssec_keys_clear(k);
		return false;
	}
	k->tag = ldns_calc_keytag(k->dnskey);
	k->base = xmalloc(strlen(base) + 1);
	strcpy(k->base, base);
	return true;
}

/* All complete keys of the zone with this algorithm in dir. */
static void
dnssec_keys_scan(const char *dir, const char *fzone, int alg, hkeys_t *out)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	char prefix[1200];
	snprintf(prefix, sizeof(prefix), "K%s+%03d+", fzone, alg);
	size_t plen = strlen(prefix);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		if (n < plen + 4 || strncmp(e->d_name, prefix, plen) != 0 ||
		    strcmp(e->d_name + n - 4, ".key") != 0)
			continue;
		char base[2200];
		snprintf(base, sizeof(base), "%s/%.*s", dir, (int)(n - 4), e->d_name);
		hkey_t k;
		if (dnssec_keys_read(base, alg, &k))
			dnssec_keys_push(out, &k);
	}
	closedir(d);
}

/* Make a key: private key first, the .key file last (see the header). */
static int
dnssec_keys_make(const char *dir, const char *fzone, int alg, const ldns_rdf *owner,
		 key_role_t role, time_t now, long long activate, hkey_t *k)
{
	memset(k, 0, sizeof(*k));
	ldns_key *gen = ldns_key_new_frm_algorithm((ldns_signing_algorithm)alg, 256);
	if (gen == NULL || ldns_key_evp_key(gen) == NULL) {
		ldns_key_deep_free(gen);
		return -1;
	}
	k->role = role;
	k->created = (long long)now;
	k->activate = activate;
	k->pkey = ldns_key_evp_key(gen);
	EVP_PKEY_up_ref(k->pkey);
	ldns_key_deep_free(gen);
	ldns_key *lk = dnssec_keys_ldns(k, alg, owner);
	k->dnskey = lk ? dnssec_keys_dnskey(lk) : NULL;
	ldns_key_deep_free(lk);
	if (k->dnskey == NULL) {
		dnssec_keys_clear(k);
		return -1;
	}
	k->tag = ldns_calc_keytag(k->dnskey);
	char base[2200];
	snprintf(base, sizeof(base), "%s/K%s+%03d+%05u", dir, fzone, alg, k->tag);
	k->base = xmalloc(strlen(base) + 1);
	strcpy(k->base, base);
	/* the PEM in memory, then one atomic write */
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem = NULL;
	long plen = 0;
	int rc = -1;
	if (bio != NULL && PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL) == 1 &&
	    (plen = BIO_get_mem_data(bio, &pem)) > 0) {
		char *ppath = dnssec_keys_path(base, ".pem");
		rc = durable_replace(ppath, pem, (size_t)plen, 0600);
		free(ppath);
	}
	BIO_free(bio);
	if (rc == 0)
		rc = dnssec_keys_save_meta(k);
	if (rc != 0)
		dnssec_keys_clear(k);
	else
		log_notice("dnssec: zone %s: new %s, tag %u, in %s.key", fzone, role_names[role],
			   k->tag, k->base);
	return rc;
}

static void
dnssec_keys_remove_files(const hkey_t *k)
{
	char *kp = dnssec_keys_path(k->base, ".key");
	char *pp = dnssec_keys_path(k->base, ".pem");
	unlink(kp);   /* the .key first: without it the .pem is ignored */
	unlink(pp);
	free(kp);
	free(pp);
}

static void
dnssec_keys_next(time_t *next, long long t, time_t now)
{
	if (t > (long long)now && (*next == 0 || t < (long long)*next))
		*next = (time_t)t;
}

/* Is k in its signing period at now? */
static bool
dnssec_keys_signs(const hkey_t *k, time_t now)
{
	return k->activate <= (long long)now && (k->retire == 0 || (long long)now < k->retire);
}

/* The ZSK roll (RFC 7583 pre-publication), one step per call: publish a
 * successor DNSSEC_KEYS_PREPUBLISH before the active ZSK's lifetime ends,
 * which signs from then on; the old one is dropped DNSSEC_KEYS_POSTPUBLISH
 * later. */
static int
dnssec_keys_roll_zsk(hkeys_t *ks, const char *dir, const char *fzone, int alg,
		     const ldns_rdf *owner, unsigned lifetime, time_t now, time_t *next)
{
	hkey_t *active = NULL, *succ = NULL;
	for (size_t i = 0; i < ks->n; i++) {
		hkey_t *k = &ks->k[i];
		if (k->role != ROLE_ZSK)
			continue;
		if (dnssec_keys_signs(k, now) && (active == NULL || k->activate > active->activate))
			active = k;
	}
	for (size_t i = 0; i < ks->n; i++) {
		hkey_t *k = &ks->k[i];
		if (k->role == ROLE_ZSK && active != NULL && k != active && k->activate > active->activate)
			succ = k;
	}
	if (active == NULL) {
		/* none yet (or the clock went back before every ZSK's activation):
		 * one that signs at once */
		hkey_t k;
		if (dnssec_keys_make(dir, fzone, alg, owner, ROLE_ZSK, now, (long long)now, &k) != 0)
			return -1;
		dnssec_keys_push(ks, &k);
		dnssec_keys_next(next, (long long)now + lifetime - DNSSEC_KEYS_PREPUBLISH, now);
		return 1;
	}
	long long end = active->activate + (long long)lifetime;
	if (succ == NULL && (long long)now >= end - DNSSEC_KEYS_PREPUBLISH) {
		long long act = end > (long long)now ? end : (long long)now;
		hkey_t k;
		if (dnssec_keys_make(dir, fzone, alg, owner, ROLE_ZSK, now, act, &k) != 0)
			return -1;
		/* active may move with the array: set its times before the push */
		active->retire = act;
		active->remove = act + DNSSEC_KEYS_POSTPUBLISH;
		active->dirty = true;
		dnssec_keys_push(ks, &k);
		dnssec_keys_next(next, act, now);
		return 1;
	}
	if (succ == NULL)
		dnssec_keys_next(next, end - DNSSEC_KEYS_PREPUBLISH, now);
	else
		dnssec_keys_next(next, succ->activate, now);
	return 0;
}

/* The zone's lock file "<dir>/.K<zone>.lock" (hidden: not a key file),
 * locked (flock, exclusive):
 * reading the keys, making missing ones and rolling them is one step for
 * every process and thread -- two servers (or --check beside a server)
 * starting on one state-dir must not both find no key and make two. The
 * lock goes with the descriptor (close). -1 with errno set. */
static int
dnssec_keys_lock(const char *dir, const char *fzone)
{
	char path[2200];
	snprintf(path, sizeof(path), "%s/.K%s.lock", dir, fzone);
	int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
	}
	return fd;
}

int
dnssec_keys_get(const conf_zone_t *cz, const char *origin, time_t now, dnssec_keyset_t *out,
		diag_t *d)
{
	memset(out, 0, sizeof(*out));
	if (cz->state_dir == NULL) {
		diag_error(d, cz->path, 0, "zone %s: dnssec-signing needs server.state-dir",
			   origin);
		return -1;
	}
	char *dir = dnssec_keys_dir(cz->state_dir);
	char fzone[1100];
	dnssec_keys_file_zone(origin, fzone, sizeof(fzone));
	ldns_rdf *owner = NULL;
	int alg = cz->dnssec_algorithm;
	if (durable_mkdirs(dir, 0700) != 0 ||
	    ldns_str2rdf_dname(&owner, origin) != LDNS_STATUS_OK) {
		diag_error(d, cz->path, 0, "zone %s: cannot create the key directory %s: %s",
			   origin, dir, strerror(errno));
		free(dir);
		return -1;
	}
	ldns_dname2canonical(owner);
	int lock = dnssec_keys_lock(dir, fzone);
	if (lock < 0) {
		diag_error(d, cz->path, 0, "zone %s: cannot lock the key directory %s: %s", origin,
			   dir, strerror(errno));
		ldns_rdf_deep_free(owner);
		free(dir);
		return -1;
	}
	hkeys_t ks = { 0 };
	dnssec_keys_scan(dir, fzone, alg, &ks);
	/* keys past their removal time go */
	size_t w = 0;
	for (size_t i = 0; i < ks.n; i++) {
		if (ks.k[i].remove != 0 && ks.k[i].remove <= (long long)now) {
			dnssec_keys_remove_files(&ks.k[i]);
			dnssec_keys_clear(&ks.k[i]);
		} else {
			ks.k[w++] = ks.k[i];
		}
	}
	ks.n = w;
	int rc = 0;
	/* the key the DS points to: a CSK, or the KSK */
	key_role_t sep_role = cz->dnssec_ksk_zsk ? ROLE_KSK : ROLE_CSK;
	bool have_sep = false;
	for (size_t i = 0; i < ks.n; i++)
		have_sep |= ks.k[i].role == sep_role && ks.k[i].retire == 0;
	if (!have_sep) {
		hkey_t k;
		rc = dnssec_keys_make(dir, fzone, alg, owner, sep_role, now, (long long)now, &k);
		if (rc == 0) {
			dnssec_keys_push(&ks, &k);
			out->created++;
		}
	}
	if (rc == 0 && cz->dnssec_ksk_zsk) {
		int r = dnssec_keys_roll_zsk(&ks, dir, fzone, alg, owner, cz->dnssec_zsk_lifetime, now,
					     &out->next_event);
		if (r < 0)
			rc = -1;
		else
			out->created += (unsigned)r;
	}
	for (size_t i = 0; rc == 0 && i < ks.n; i++)
		if (ks.k[i].dirty && dnssec_keys_save_meta(&ks.k[i]) != 0)
			rc = -1;
	int saved_errno = errno;
	close(lock);   /* the files are complete: the next reader sees them */
	errno = saved_errno;
	if (rc != 0) {
		diag_error(d, cz->path, 0, "zone %s: cannot make or save a key in %s: %s", origin,
			   dir, errno ? strerror(errno) : "key generation failed");
	} else {
		out->signing = ldns_key_list_new();
		out->dnskeys = ldns_rr_list_new();
		out->sep = ldns_rr_list_new();
		for (size_t i = 0; i < ks.n; i++) {
			const hkey_t *k = &ks.k[i];
			/* keys of the other mode (csk vs ksk-zsk) are not ours now */
			if (cz->dnssec_ksk_zsk ? k->role == ROLE_CSK : k->role != ROLE_CSK)
				continue;
			dnssec_keys_next(&out->next_event, k->remove, now);
			ldns_rr_list_push_rr(out->dnskeys, ldns_rr_clone(k->dnskey));
			if (k->role == sep_role && k->retire == 0)
				ldns_rr_list_push_rr(out->sep, ldns_rr_clone(k->dnskey));
			if (dnssec_keys_signs(k, now))
				ldns_key_list_push_key(out->signing, dnssec_keys_ldns(k, alg, owner));
		}
	}
	for (size_t i = 0; i < ks.n; i++)
		dnssec_keys_clear(&ks.k[i]);
	free(ks.k);
	ldns_rdf_deep_free(owner);
	free(dir);
	return rc;
}

void
dnssec_keys_free(dnssec_keyset_t *ks)
{
	if (ks->signing != NULL)
		ldns_key_list_free(ks->signing);   /* deep: frees the keys too */
	ldns_rr_list_deep_free(ks->dnskeys);
	ldns_rr_list_deep_free(ks->sep);
	memset(ks, 0, sizeof(*ks));
}
