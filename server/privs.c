/* privs.c -- drop to server.user keeping CAP_NET_BIND_SERVICE (privs.h).
 *
 * capset(2) and prctl(2) directly: the three capability words are all we
 * set, which does not need libcap.
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE   /* setresuid, setresgid */
#include "privs.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

int
privs_drop(const char *user)
{
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (pw == NULL) {
		log_error("server.user: no user '%s'%s%s", user, errno ? ": " : "",
			  errno ? strerror(errno) : "");
		return -1;
	}
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	if (getuid() == uid && geteuid() == uid) {
		/* already that user: nothing to drop; user: root is the explicit
		 * "stay root" (main.c refuses root without server.user) */
		if (uid == 0)
			log_warning("server.user is %s (uid 0): staying root, every capability is "
				    "kept", user);
		return 0;
	}
	/* keep the permitted set across setuid, then trim it to the one capability */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setgroups(1, &gid) < 0 ||
	    setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0) {
		log_error("server.user: cannot become %s (uid %ld, gid %ld): %s", user, (long)uid,
			  (long)gid, strerror(errno));
		return -1;
	}
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	data[CAP_TO_INDEX(CAP_NET_BIND_SERVICE)].permitted = CAP_TO_MASK(CAP_NET_BIND_SERVICE);
	data[CAP_TO_INDEX(CAP_NET_BIND_SERVICE)].effective = CAP_TO_MASK(CAP_NET_BIND_SERVICE);
	if (syscall(SYS_capset, &hdr, data) < 0) {
		log_error("server.user: cannot keep CAP_NET_BIND_SERVICE: %s", strerror(errno));
		return -1;
	}
	(void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	log_notice("running as %s (uid %ld, gid %ld), keeping only CAP_NET_BIND_SERVICE", user,
		   (long)uid, (long)gid);
	return 0;
}
