/*
 * cred.c - who is calling: credentials for both doors.
 *
 * The kernel compares pids in three places (ports bound to a pid, the
 * arena ticket handoff between the CUSE door and the socket door, and
 * the SIGABRT a ring violation earns), so every door must hand it the
 * same kind of pid: the thread-group id, as SO_PEERCRED reports it.
 *
 * A CUSE request carries the id of the calling *thread*, translated into
 * the daemon's pid namespace, or 0 when the caller is not visible there.
 * We map it to its thread group through /proc/<tid>/status ("Tgid:"),
 * which exists for every thread, also for ones that are not group
 * leaders and so are not listed in /proc.  Anything uncertain yields 0,
 * which the kernel never lets match.  This assumes the /proc the daemon
 * sees belongs to its own pid namespace (true unless someone mounts
 * another one over it).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "door.h"

const char *door_proc_root = "/proc";

pid_t door_parse_tgid(const char *status, size_t len)
{
	static const char key[] = "\nTgid:";
	const char *p, *end = status + len;
	long v = 0;

	p = memmem(status, len, key, sizeof(key) - 1);
	if (p == NULL)
		return 0;
	for (p += sizeof(key) - 1; p < end && (*p == ' ' || *p == '\t'); p++)
		;
	if (p == end || *p < '0' || *p > '9')
		return 0;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > INT_MAX)
			return 0;
	}
	if (p < end && *p != '\n')
		return 0;
	return (pid_t)v;
}

/* Reads the beginning of <proc>/<tid>/status; "Tgid:" is on line 4. */
static ssize_t cred_read_status(pid_t tid, char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%d/status", door_proc_root,
	    (int)tid) >= (int)sizeof(path))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, size);
	while (n < 0 && errno == EINTR);
	close(fd);
	return n;
}

pid_t door_tid_to_tgid(pid_t tid)
{
	char buf[1024];
	ssize_t n;

	if (tid <= 0)
		return 0;
	n = cred_read_status(tid, buf, sizeof(buf));
	if (n <= 0)
		return 0;
	return door_parse_tgid(buf, (size_t)n);
}

/* Does thread tid belong to thread group tgid right now? */
static int cred_in_group(pid_t tgid, pid_t tid)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%d/task/%d", door_proc_root,
	    (int)tgid, (int)tid) >= (int)sizeof(path))
		return 0;
	return access(path, F_OK) == 0;
}

pid_t door_tid_to_tgid_cached(struct door_tidcache *tc, pid_t tid)
{
	pid_t tgid;

	if (tid <= 0)
		return 0;
	if (tc != NULL && tc->tc_tid == tid && tc->tc_tgid > 0 &&
	    cred_in_group(tc->tc_tgid, tid))
		return tc->tc_tgid;
	tgid = door_tid_to_tgid(tid);
	if (tc != NULL) {
		tc->tc_tid = tgid > 0 ? tid : 0;
		tc->tc_tgid = tgid;
	}
	return tgid;
}

void door_cred_from_req(struct sk_cred *cr, struct door_tidcache *tc,
    pid_t tid, uid_t uid, gid_t gid)
{
	cr->cr_pid = door_tid_to_tgid_cached(tc, tid);
	cr->cr_uid = uid;
	cr->cr_gid = gid;
}

int door_cred_from_socket(int fd, struct sk_cred *cr)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
		return -errno;
	if (len != sizeof(uc))
		return -EINVAL;
	/* The kernel reports 0 for a peer outside our pid namespace. */
	cr->cr_pid = uc.pid > 0 ? uc.pid : 0;
	cr->cr_uid = uc.uid;
	cr->cr_gid = uc.gid;
	return 0;
}
