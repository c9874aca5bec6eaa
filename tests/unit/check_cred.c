/*
 * check_cred.c - who is calling (cuse-dev/cred.c) and the doors'
 * framing rule (door.h).
 *
 * Covered: parsing "Tgid:" out of a status text (good, missing, junk,
 * overflow, a Name line that tries to fake it); tid -> tgid for the
 * main thread and for a second thread (whose tid is not a pid); 0 for
 * tid 0, negative and vanished tids; the one-entry cache, against a fake
 * /proc tree: a hit when the thread is still in the group, a re-read
 * when the tid has moved to another process; SO_PEERCRED of a
 * socketpair; door_req_check for every command of the ABI and for
 * foreign, short and oversized ones.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "../../cuse-dev/door.h"

static pid_t cr_parse(const char *s)
{
	return door_parse_tgid(s, strlen(s));
}

START_TEST(test_parse_status)
{
	ck_assert_int_eq(cr_parse("Name:\tcat\nUmask:\t0022\nState:\tR\n"
	    "Tgid:\t4242\nNgid:\t0\nPid:\t4243\n"), 4242);
	ck_assert_int_eq(cr_parse("Name:\tx\nTgid:   17"), 17);
	ck_assert_int_eq(cr_parse("Name:\tx\nPid:\t5\n"), 0);
	ck_assert_int_eq(cr_parse("Name:\tx\nTgid:\t\n"), 0);
	ck_assert_int_eq(cr_parse("Name:\tx\nTgid:\t-3\n"), 0);
	ck_assert_int_eq(cr_parse("Name:\tx\nTgid:\t12ab\n"), 0);
	ck_assert_int_eq(cr_parse("Name:\tx\nTgid:\t99999999999999\n"), 0);
	/* Only a line that starts with Tgid: counts. */
	ck_assert_int_eq(cr_parse("Name:\tTgid: 7\nTgid:\t8\n"), 8);
	ck_assert_int_eq(cr_parse("Tgid:\t9\n"), 0);
	ck_assert_int_eq(door_parse_tgid("", 0), 0);
	/* Length is honoured: the number is cut off, not read past. */
	ck_assert_int_eq(door_parse_tgid("N\nTgid:\t123\n", 10), 12);
}
END_TEST

static void *cr_thread(void *arg)
{
	pid_t *out = arg;

	out[0] = (pid_t)syscall(SYS_gettid);
	out[1] = door_tid_to_tgid(out[0]);
	return NULL;
}

START_TEST(test_tid_to_tgid_live)
{
	pthread_t t;
	pid_t r[2];

	ck_assert_int_eq(door_tid_to_tgid(getpid()), getpid());
	ck_assert_int_eq(pthread_create(&t, NULL, cr_thread, r), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_ne(r[0], getpid());
	ck_assert_int_eq(r[1], getpid());
}
END_TEST

START_TEST(test_tid_to_tgid_unknown)
{
	ck_assert_int_eq(door_tid_to_tgid(0), 0);
	ck_assert_int_eq(door_tid_to_tgid(-1), 0);
	ck_assert_int_eq(door_tid_to_tgid(INT_MAX), 0);
	ck_assert_int_eq(door_tid_to_tgid_cached(NULL, 0), 0);
}
END_TEST

/* ---- a fake /proc -------------------------------------------------------- */

static char cr_root[64];

static void cr_write(const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cr_root, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void cr_mkdir(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", cr_root, rel);
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

static void cr_unlink(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", cr_root, rel);
	ck_assert_int_eq(unlink(path), 0);
}

static void cr_rmdir(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", cr_root, rel);
	ck_assert_int_eq(rmdir(path), 0);
}

/*
 * Thread 501 of process 500; later tid 501 dies and is reused by a
 * thread of process 700.  The cached answer must not survive that.
 */
START_TEST(test_cache_follows_tid_reuse)
{
	struct door_tidcache tc = { 0 };

	snprintf(cr_root, sizeof(cr_root), "/tmp/check_cred.%d", getpid());
	ck_assert_int_eq(mkdir(cr_root, 0755), 0);
	door_proc_root = cr_root;
	cr_mkdir("500");
	cr_mkdir("500/task");
	cr_mkdir("500/task/501");
	cr_mkdir("501");
	cr_write("501/status", "Name:\tt\nUmask:\t0022\nState:\tS\n"
	    "Tgid:\t500\n");

	ck_assert_int_eq(door_tid_to_tgid_cached(&tc, 501), 500);
	ck_assert_int_eq(tc.tc_tid, 501);
	ck_assert_int_eq(tc.tc_tgid, 500);
	/* A hit needs only task/501 in 500: prove it by breaking status. */
	cr_write("501/status", "garbage");
	ck_assert_int_eq(door_tid_to_tgid_cached(&tc, 501), 500);

	/* 501 leaves 500 and becomes a thread of 700. */
	cr_rmdir("500/task/501");
	cr_write("501/status", "Name:\tt\nTgid:\t700\n");
	ck_assert_int_eq(door_tid_to_tgid_cached(&tc, 501), 700);
	ck_assert_int_eq(tc.tc_tgid, 700);

	/* 501 gone altogether: unknown, and nothing stays cached. */
	cr_write("501/status", "");
	ck_assert_int_eq(door_tid_to_tgid_cached(&tc, 501), 0);
	ck_assert_int_eq(tc.tc_tid, 0);
	ck_assert_int_eq(door_tid_to_tgid_cached(&tc, 0), 0);

	/* The cache is per tid: another tid is looked up afresh. */
	cr_write("501/status", "Name:\tt\nTgid:\t700\n");
	ck_assert_int_eq(door_tid_to_tgid_cached(&tc, 501), 700);
	ck_assert_int_eq(door_tid_to_tgid_cached(&tc, 502), 0);

	door_proc_root = "/proc";
	cr_unlink("501/status");
	cr_rmdir("501");
	cr_rmdir("500/task");
	cr_rmdir("500");
	ck_assert_int_eq(rmdir(cr_root), 0);
}
END_TEST

START_TEST(test_cred_from_req)
{
	struct door_tidcache tc = { 0 };
	struct sk_cred cr;

	door_cred_from_req(&cr, &tc, getpid(), 1234, 5678);
	ck_assert_int_eq(cr.cr_pid, getpid());
	ck_assert_uint_eq(cr.cr_uid, 1234);
	ck_assert_uint_eq(cr.cr_gid, 5678);
	/* The real /proc hit path. */
	door_cred_from_req(&cr, &tc, getpid(), 0, 0);
	ck_assert_int_eq(cr.cr_pid, getpid());
	/* A caller in another pid namespace: pid 0, ids kept. */
	door_cred_from_req(&cr, &tc, 0, 7, 8);
	ck_assert_int_eq(cr.cr_pid, 0);
	ck_assert_uint_eq(cr.cr_uid, 7);
	door_cred_from_req(&cr, NULL, getpid(), 7, 8);
	ck_assert_int_eq(cr.cr_pid, getpid());
}
END_TEST

START_TEST(test_cred_from_socket)
{
	struct sk_cred cr = { -1, 1, 1 };
	int sv[2], p[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(door_cred_from_socket(sv[1], &cr), 0);
	ck_assert_int_eq(cr.cr_pid, getpid());
	ck_assert_uint_eq(cr.cr_uid, getuid());
	ck_assert_uint_eq(cr.cr_gid, getgid());
	close(sv[0]);
	close(sv[1]);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(door_cred_from_socket(p[0], &cr), -ENOTSOCK);
	close(p[0]);
	close(p[1]);
	ck_assert_int_eq(door_cred_from_socket(-1, &cr), -EBADF);
}
END_TEST

START_TEST(test_req_check)
{
	static const uint32_t cmds[] = {
		SKC_IOC_NEXUS_OPEN, SKC_IOC_NEXUS_REGISTER,
		SKC_IOC_NEXUS_DEREGISTER, SKC_IOC_NEXUS_CREATE,
		SKC_IOC_NEXUS_DESTROY, SKC_IOC_NEXUS_GET_OPT,
		SKC_IOC_NEXUS_SET_OPT, SKC_IOC_CHANNEL_OPEN,
		SKC_IOC_CHANNEL_INFO, SKC_IOC_CHANNEL_SYNC,
		SKC_IOC_CHANNEL_GET_OPT, SKC_IOC_CHANNEL_SET_OPT,
		SKC_IOC_CHANNEL_POLL, SKC_IOC_ARENA_FETCH, SKC_IOC_CTL_STATS,
		SKC_IOC_CTL_INFO, SKC_IOC_CTL_LIST, SKC_IOC_CTL_NETIF_ATTACH,
		SKC_IOC_CTL_NETIF_DETACH, SKC_IOC_CTL_NETIF_LOOKUP,
		SKC_IOC_CTL_DEFUNCT, SKC_IOC_HANDLE_CLOSE,
	};
	size_t i;

	_Static_assert(sizeof(cmds) / sizeof(cmds[0]) == SKC_IOC_NR_MAX,
	    "every command");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		ck_assert_int_eq(door_req_check(cmds[i], _IOC_SIZE(cmds[i])),
		    0);
		ck_assert_int_eq(door_req_check(cmds[i],
		    _IOC_SIZE(cmds[i]) - 1), -EINVAL);
		ck_assert_int_eq(door_req_check(cmds[i],
		    _IOC_SIZE(cmds[i]) + 1), -EINVAL);
		ck_assert_uint_le(_IOC_SIZE(cmds[i]), DOOR_REQ_MAX);
	}
	ck_assert_int_eq(door_req_check(0x5401, 0), -ENOTTY);	/* TCGETS */
	ck_assert_int_eq(door_req_check(_IOWR('X', 1, struct skc_ctl_stats),
	    sizeof(struct skc_ctl_stats)), -ENOTTY);
	ck_assert_int_eq(door_req_check(_IO(SKC_IOC_MAGIC, 1), 0), -EINVAL);
	ck_assert_int_eq(door_req_check(_IOWR(SKC_IOC_MAGIC, 1, uint32_t), 4),
	    -EINVAL);
	ck_assert_int_eq(door_req_check(_IOC(_IOC_READ | _IOC_WRITE,
	    SKC_IOC_MAGIC, 99, DOOR_REQ_MAX + 1), DOOR_REQ_MAX + 1), -EINVAL);
	ck_assert_int_eq(door_req_check(_IOC(_IOC_READ | _IOC_WRITE,
	    SKC_IOC_MAGIC, 99, DOOR_REQ_MAX), DOOR_REQ_MAX), 0);
	/* The buffer is aligned for the strictest struct. */
	ck_assert_uint_eq(_Alignof(union door_req) %
	    _Alignof(struct skc_nexus_register), 0);
}
END_TEST

static Suite *cred_suite(void)
{
	Suite *s = suite_create("cred");
	TCase *tc = tcase_create("cred");

	tcase_add_test(tc, test_parse_status);
	tcase_add_test(tc, test_tid_to_tgid_live);
	tcase_add_test(tc, test_tid_to_tgid_unknown);
	tcase_add_test(tc, test_cache_follows_tid_reuse);
	tcase_add_test(tc, test_cred_from_req);
	tcase_add_test(tc, test_cred_from_socket);
	tcase_add_test(tc, test_req_check);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cred_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
