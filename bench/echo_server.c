/* echo_server.c -- the cheapest UDP "DNS server" there is, for
 * bench/own_cpu.sh: every datagram goes back with the QR bit set, read and
 * written in batches (epoll, recvmmsg, sendmmsg) as horizond's workers do.
 * Its CPU time per query is the kernel's share of any server's under the
 * same load, so a server's time minus this one's is the server's own.
 *
 *   echo_server PORT     (listens on 127.0.0.1 only)
 *
 * Not a test and not part of horizond. SIGTERM ends it.
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 32
#define MAXLEN 1232

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: echo_server PORT\n");
		return 2;
	}
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])) };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		perror("echo_server: bind");
		return 1;
	}
	struct sigaction sa = { .sa_handler = on_term };
	sigaction(SIGTERM, &sa, NULL);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	static uint8_t buf[BATCH][MAXLEN];
	static struct sockaddr_in peer[BATCH];
	static struct iovec iov[BATCH];
	static struct mmsghdr msg[BATCH];
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		struct epoll_event out;
		if (epoll_wait(ep, &out, 1, -1) <= 0)
			continue;
		for (;;) {
			for (int i = 0; i < BATCH; i++) {
				iov[i] = (struct iovec){ buf[i], MAXLEN };
				msg[i].msg_hdr = (struct msghdr){ .msg_name = &peer[i],
					.msg_namelen = sizeof(peer[i]), .msg_iov = &iov[i], .msg_iovlen = 1 };
			}
			int n = recvmmsg(fd, msg, BATCH, MSG_DONTWAIT, NULL);
			if (n <= 0)
				break;
			for (int i = 0; i < n; i++) {
				if (msg[i].msg_len >= 12)
					buf[i][2] |= 0x80;
				iov[i].iov_len = msg[i].msg_len;
			}
			sendmmsg(fd, msg, (unsigned)n, 0);
			if (n < BATCH)
				break;
		}
	}
	return 0;
}
