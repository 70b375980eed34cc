/* horizonctl.c -- the operator's client for horizond's control socket.
 *
 * horizonctl [-s SOCKET] COMMAND [ARGS]: sends the command as one line,
 * prints the server's text (stdout on success, stderr on failure) and exits
 * 0 or 1. The protocol is in include/ctl.h.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: horizonctl [-s SOCKET] COMMAND\n"
		"  -s, --socket PATH  horizond's control socket (server.control),\n"
		"                     default " CTL_DEFAULT_SOCKET "\n"
		"commands:\n"
		"  status             views, zones, serials, last reload\n"
		"  reload             reload config and zones (like SIGHUP), wait for the result\n"
		"  flush [VIEW [NAME]]\n"
		"                     drop cached answers: all, one view's, or one name's\n"
		"  stats              the counters (Prometheus text format)\n"
		"  dump VIEW ZONE     the zone as VIEW serves it now, in master-file format\n"
		"Exit status: 0 on success, 1 on failure, 2 on a usage error.\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = CTL_DEFAULT_SOCKET;
	int opt;
	while ((opt = getopt_long(argc, argv, "+s:h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			sock = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	char line[CTL_MAX_LINE];
	size_t len = 0;
	for (int i = optind; i < argc; i++) {
		int n = snprintf(line + len, sizeof(line) - len, "%s%s", i > optind ? " " : "",
				 argv[i]);
		if (n < 0 || (size_t)n >= sizeof(line) - len - 1 || strpbrk(argv[i], " \t\r\n")) {
			fprintf(stderr, "horizonctl: arguments too long or with blanks\n");
			return 2;
		}
		len += (size_t)n;
	}
	line[len] = '\0';
	ctl_cmd_t cmd;
	const char *why;
	if (ctl_parse(line, &cmd, &why) != 0) {
		fprintf(stderr, "horizonctl: %s\n", why);
		usage(stderr);
		return 2;
	}
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(sock) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "horizonctl: %s: path too long\n", sock);
		return 1;
	}
	strcpy(sun.sun_path, sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "horizonctl: cannot connect to %s: %s\n", sock, strerror(errno));
		return 1;
	}
	line[len++] = '\n';
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, line + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fprintf(stderr, "horizonctl: %s: %s\n", sock, strerror(errno));
			return 1;
		}
		off += (size_t)w;
	}
	shutdown(fd, SHUT_WR);
	/* The first line says how it went; the rest is the text. A reload
	 * may take long: no timeout, the server answers once it is done. */
	char buf[65536];
	int state = 0;   /* 0: reading the status line, 1: ok, 2: error */
	char head[8];
	size_t hlen = 0;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "horizonctl: %s: %s\n", sock, strerror(errno));
			return 1;
		}
		if (r == 0)
			break;
		size_t off = 0;
		while (state == 0 && off < (size_t)r) {
			char ch = buf[off++];
			if (ch == '\n') {
				head[hlen] = '\0';
				state = strcmp(head, "ok") == 0 ? 1 : 2;
			} else if (hlen + 1 < sizeof(head)) {
				head[hlen++] = ch;
			}
		}
		if (off < (size_t)r)
			fwrite(buf + off, 1, (size_t)r - off, state == 1 ? stdout : stderr);
	}
	close(fd);
	if (state == 0) {
		fprintf(stderr, "horizonctl: %s: no answer (is the server stopping?)\n", sock);
		return 1;
	}
	return state == 1 && fflush(stdout) == 0 ? 0 : 1;
}
