/*
 * check_arena.c - libos/arena.c, and __channel_open / __channel_get_info
 * / guarded_close_np of libos/syscalls.c, which map and unmap a channel's
 * span.
 *
 * Covered: every rule of uarena_validate (counts, alignment, bounds,
 * wrap-around, overlap, windows past a memfd's end); a span mapped from
 * memfds made here, with regions at the right offsets, shared with the
 * memfd both ways; a read-only region faulting on write and a gap
 * faulting on any access (SIGSEGV in Check's forked child); a writable
 * region over a memfd sealed against writable mappings refused (EIO);
 * __channel_open over a fake daemon on the socket door (memfds + wakeup
 * eventfd with the reply) and on the CUSE door (ioctl, then the memfds
 * fetched with the ticket over the socket: ioctl() is replaced in this
 * program to play the device); cinfo_mem_base patched; the key inlined;
 * a bad map from the daemon failing cleanly with no descriptor leaked;
 * the span gone after guarded_close_np.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <skywalk/os_skywalk_private.h>
#include <skywalk/skchan_abi.h>

#include "../../libos/door.h"
#include "fake_daemon.h"

static size_t pg;

/* Under AddressSanitizer, let the expected SIGSEGVs be signals. */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "handle_segv=0";
}

/* ---- memfds and maps ----------------------------------------------------- */

static int
mk_memfd(size_t len, const char *fill, unsigned seals)
{
	int fd = memfd_create("check_arena", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)len), 0);
	if (fill != NULL)
		ck_assert_int_eq(pwrite(fd, fill, strlen(fill), 0),
				 (ssize_t)strlen(fill));
	if (seals != 0)
		ck_assert_int_eq(fcntl(fd, F_ADD_SEALS, seals), 0);
	return fd;
}

/*
 * The standard span: 5 pages.
 *   page 0  gap (guard)
 *   page 1  "schema", read-only, memfd 0 @ 0
 *   page 2-3 "ring", read-write, memfd 1 @ 1 page
 *   page 4  gap
 */
static void
mk_map(struct skc_map *mp)
{
	memset(mp, 0, sizeof(*mp));
	mp->mp_span_size = 5 * pg;
	mp->mp_nfds = 2;
	mp->mp_nregions = 2;
	mp->mp_regions[0] = (struct skc_map_region){.mr_fd = 0,
						    .mr_prot = SKC_PROT_READ,
						    .mr_span_off = pg,
						    .mr_fd_off = 0,
						    .mr_len = pg};
	mp->mp_regions[1] =
	    (struct skc_map_region){.mr_fd = 1,
				    .mr_prot = SKC_PROT_READ | SKC_PROT_WRITE,
				    .mr_span_off = 2 * pg,
				    .mr_fd_off = pg,
				    .mr_len = 2 * pg};
}

/* memfd 0: 1 page "SCHEMA", sealed against writable maps; memfd 1: 3 pages. */
static void
mk_fds(int fds[2])
{
	fds[0] = mk_memfd(pg, "SCHEMA",
			  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE);
	fds[1] = mk_memfd(3 * pg, NULL, F_SEAL_SHRINK | F_SEAL_GROW);
	ck_assert_int_eq(pwrite(fds[1], "RING", 4, (off_t)pg), 4);
}

static void
setup_pg(void)
{
	pg = (size_t)sysconf(_SC_PAGESIZE);
}

/* ---- validation ---------------------------------------------------------- */

START_TEST(test_validate_good)
{
	struct skc_map m;
	int fds[2];

	mk_map(&m);
	mk_fds(fds);
	ck_assert_int_eq(uarena_validate(&m, NULL, 2), 0);
	ck_assert_int_eq(uarena_validate(&m, fds, 2), 0);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* Each case breaks one rule of the standard map. */
static void
bad_case(int i, struct skc_map *m, unsigned *nfds)
{
	struct skc_map_region *r = &m->mp_regions[1];

	mk_map(m);
	*nfds = 2;
	switch (i) {
	case 0:
		*nfds = 1;
		break; /* nfds mismatch */
	case 1:
		m->mp_nfds = *nfds = 0;
		break; /* no memfd */
	case 2:
		m->mp_nfds = *nfds = SKC_MAP_FDS_MAX + 1;
		break;
	case 3:
		m->mp_nregions = 0;
		break;
	case 4:
		m->mp_nregions = SKC_MAP_REGIONS_MAX + 1;
		break;
	case 5:
		m->mp_span_size = 0;
		break;
	case 6:
		m->mp_span_size = 5 * pg + 1;
		break; /* unaligned span */
	case 7:
		r->mr_fd = 2;
		break; /* fd index */
	case 8:
		r->mr_prot |= 0x4;
		break; /* unknown prot */
	case 9:
		r->mr_len = 0;
		break;
	case 10:
		r->mr_len = pg + 8;
		break;
	case 11:
		r->mr_span_off = 2 * pg + 8;
		break;
	case 12:
		r->mr_fd_off = 8;
		break;
	case 13:
		r->mr_span_off = 4 * pg;
		break; /* past the span */
	case 14:
		r->mr_span_off = UINT64_MAX - pg + 1;
		break; /* wraps */
	case 15:
		r->mr_span_off = pg;
		break; /* overlaps 0 */
	case 16:
		r->mr_span_off = 0;
		break; /* overlaps 0 */
	case 17:
		m->mp_span_size = UINT64_MAX & ~(uint64_t)(pg - 1);
		break;
	case 18:
		r->mr_fd_off = UINT64_MAX - pg + 1;
		break;
	}
}

START_TEST(test_validate_bad)
{
	struct skc_map m;
	unsigned nfds;

	bad_case(_i, &m, &nfds);
	ck_assert_msg(uarena_validate(&m, NULL, nfds) == EIO,
		      "case %d accepted", _i);
}
END_TEST

/* A window past the end of its memfd would SIGBUS later: refused now. */
START_TEST(test_validate_window_past_memfd)
{
	struct skc_map m;
	int fds[2];

	mk_map(&m);
	mk_fds(fds);
	m.mp_regions[1].mr_fd_off = 2 * pg; /* memfd 1 has 3 pages */
	ck_assert_int_eq(uarena_validate(&m, NULL, 2), 0);
	ck_assert_int_eq(uarena_validate(&m, fds, 2), EIO);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* ---- mapping ------------------------------------------------------------- */

static char *
map_std(int fds[2])
{
	struct skc_map m;
	void *base = NULL;

	mk_map(&m);
	mk_fds(fds);
	ck_assert_int_eq(uarena_map(&m, fds, 2, &base), 0);
	ck_assert_ptr_nonnull(base);
	ck_assert_uint_eq((uintptr_t)base % pg, 0);
	return base;
}

START_TEST(test_map_contents)
{
	int fds[2];
	char *b = map_std(fds), buf[8] = "";

	ck_assert_int_eq(memcmp(b + pg, "SCHEMA", 6), 0);
	ck_assert_int_eq(memcmp(b + 2 * pg, "RING", 4), 0);
	/* the writable region is the memfd, both ways */
	memcpy(b + 3 * pg, "USER", 4);
	ck_assert_int_eq(pread(fds[1], buf, 4, (off_t)(2 * pg)), 4);
	ck_assert_int_eq(memcmp(buf, "USER", 4), 0);
	ck_assert_int_eq(pwrite(fds[1], "KERN", 4, (off_t)pg + 8), 4);
	ck_assert_int_eq(memcmp(b + 2 * pg + 8, "KERN", 4), 0);
	/* the mapping survives the memfds */
	close(fds[0]);
	close(fds[1]);
	ck_assert_int_eq(memcmp(b + pg, "SCHEMA", 6), 0);
	uarena_unmap(b, 5 * pg);
}
END_TEST

START_TEST(test_map_readonly_faults)
{
	int fds[2];
	char *b = map_std(fds);

	*(volatile char *)(b + pg) = 'x'; /* SIGSEGV here */
}
END_TEST

START_TEST(test_map_gap_faults)
{
	int fds[2];
	char *b = map_std(fds);

	(void)*(volatile char *)(b + 4 * pg); /* SIGSEGV here */
}
END_TEST

START_TEST(test_map_after_unmap_faults)
{
	int fds[2];
	char *b = map_std(fds);

	uarena_unmap(b, 5 * pg);
	(void)*(volatile char *)(b + 2 * pg); /* SIGSEGV here */
}
END_TEST

/* Writable over a memfd sealed against writable maps: the daemon's error. */
START_TEST(test_map_sealed_rw_refused)
{
	struct skc_map m;
	void *base = NULL;
	int fds[2];

	mk_map(&m);
	mk_fds(fds);
	m.mp_regions[0].mr_prot = SKC_PROT_READ | SKC_PROT_WRITE;
	errno = 0;
	ck_assert_int_eq(uarena_map(&m, fds, 2, &base), -1);
	ck_assert_int_eq(errno, EIO);
	ck_assert_ptr_null(base);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(test_map_invalid_refused)
{
	struct skc_map m;
	void *base = NULL;
	int fds[2];

	mk_map(&m);
	mk_fds(fds);
	m.mp_regions[1].mr_span_off = 4 * pg;
	ck_assert_int_eq(uarena_map(&m, fds, 2, &base), -1);
	ck_assert_int_eq(errno, EIO);
	ck_assert_ptr_null(base);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* ---- the fake daemon: channels
 * ----------------------------------------------- */

static char fk_dev[128];
static int fk_bad_map; /* send a map that fails validation */
static int fk_fetches; /* ARENA_FETCH requests served */
static struct skc_channel_open fk_last_open;
static pthread_mutex_t fk_lock = PTHREAD_MUTEX_INITIALIZER;

#define FK_TICKET 0x5eedf00dULL

/* The kernel's half of an open: the map, and the memfds to hand over. */
static void
fk_open(struct skc_channel_open *co, int fds[3])
{
	pthread_mutex_lock(&fk_lock);
	fk_last_open = *co;
	pthread_mutex_unlock(&fk_lock);
	mk_map(&co->co_map);
	if (fk_bad_map)
		co->co_map.mp_regions[1].mr_span_off = 64 * pg;
	co->co_ticket = FK_TICKET;
	co->co_init.ci_guard = 0x1111; /* libos must not trust this */
	mk_fds(fds);
}

static void
fk_info(struct skc_channel_info *ci)
{
	memset(&ci->ci_info, 0, sizeof(ci->ci_info));
	ci->ci_info.cinfo_mem_map_size = 5 * pg;
	ci->ci_info.cinfo_mem_base = 0;
	ci->ci_info.cinfo_schema_offset = pg;
	ci->ci_info.cinfo_nx_port = 1;
}

/* Serve one request in place; fills fds to send. Returns the errno. */
static int
fk_serve(struct skc_msg *m, void *body, int *fds, int *nfds)
{
	struct skc_arena_fetch *af = body;

	*nfds = 0;
	switch (m->sm_cmd) {
	case SKC_IOC_CHANNEL_OPEN:
		fk_open(body, fds);
		fds[2] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		*nfds = 3;
		return 0;
	case SKC_IOC_CHANNEL_INFO:
		fk_info(body);
		return 0;
	case SKC_IOC_ARENA_FETCH:
		if (af->af_ticket != FK_TICKET)
			return EPERM;
		__atomic_add_fetch(&fk_fetches, 1, __ATOMIC_SEQ_CST);
		mk_fds(fds);
		af->af_nfds = 2;
		*nfds = 2;
		return 0;
	default:
		return 0;
	}
}

static void *
fk_conn_main(void *arg)
{
	int fd = (int)(intptr_t)arg, fds[3], nfds, i;
	unsigned char body[4096] __attribute__((aligned(64)));
	struct skc_msg m;

	while (fk_read_msg(fd, &m, body, sizeof(body)) == 0) {
		m.sm_error = fk_serve(&m, body, fds, &nfds);
		if (fk_sendmsg(fd, &m, sizeof(m), body, m.sm_len, fds, nfds) !=
		    (ssize_t)(sizeof(m) + m.sm_len))
			abort();
		for (i = 0; i < nfds; i++)
			close(fds[i]);
	}
	close(fd);
	return NULL;
}

static void
setup(void)
{
	setup_pg();
	fk_bad_map = 0;
	fk_listen("/tmp/check_arena.XXXXXX", fk_conn_main, 0);
	snprintf(fk_dev, sizeof(fk_dev), "%s/skchan-dev", fk_dir);
	setenv("SKCHAN_DEVICE", fk_dev, 1);
}

static void
teardown(void)
{
	unlink(fk_dev);
	fk_unlisten();
}

/*
 * The CUSE door's device, played by this program: ioctl() on a file
 * opened from fk_dev is served by fk_serve (descriptors cannot travel
 * through an ioctl, so those it makes are dropped, as CUSE would).
 */
static int
is_fake_dev(int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(fk_dev, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int
ioctl(int fd, unsigned long req, ...)
{
	struct skc_msg m = {.sm_cmd = (uint32_t)req};
	int fds[3], nfds, err, i;
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!is_fake_dev(fd))
		return (int)syscall(SYS_ioctl, fd, req, arg);
	m.sm_len = _IOC_SIZE(req);
	err = fk_serve(&m, arg, fds, &nfds);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

/* ---- __channel_open
 * -------------------------------------------------------------- */

static int
count_open_fds(void)
{
	int fd, n = 0;

	usleep(100000); /* the fake daemon lives here: let it settle */
	for (fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

static int
ch_open(struct ch_init *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->ci_version = CHANNEL_INIT_CURRENT_VERSION;
	ci->ci_ch_ring_id = CHANNEL_RING_ID_ANY;
	ci->ci_nx_port = 1;
	uuid_generate(ci->ci_nx_uuid);
	return __channel_open(ci, sizeof(*ci));
}

static void
check_channel(int fd, const struct ch_init *ci, enum udoor_kind door)
{
	struct ch_info info;
	struct fdt_ent e;
	char *base;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	ck_assert_uint_ne(ci->ci_guard, 0);
	ck_assert_uint_ne(ci->ci_guard, 0x1111);
	ck_assert_int_eq(__channel_get_info(fd, &info, sizeof(info)), 0);
	base = (char *)(uintptr_t)info.cinfo_mem_base;
	ck_assert_ptr_nonnull(base);
	ck_assert_uint_eq(info.cinfo_mem_map_size, 5 * pg);
	ck_assert_int_eq(memcmp(base + info.cinfo_schema_offset, "SCHEMA", 6),
			 0);
	ck_assert_int_eq(memcmp(base + 2 * pg, "RING", 4), 0);
	ck_assert_int_eq(fdt_lookup(fd, &e), 0);
	ck_assert_int_eq(e.fe_door, door);
	ck_assert_int_eq(e.fe_type, FDT_CHANNEL);
	ck_assert_int_eq(e.fe_evfd >= 0, door == UDOOR_SOCKET);
}

START_TEST(test_open_socket_door)
{
	struct ch_init ci;
	int fd = ch_open(&ci);

	check_channel(fd, &ci, UDOOR_SOCKET);
	ck_assert_int_eq(fk_fetches, 0);
	ck_assert_int_eq(guarded_close_np(fd, &ci.ci_guard), 0);
}
END_TEST

START_TEST(test_open_cuse_door)
{
	struct ch_init ci;
	int fd;

	close(open(fk_dev, O_CREAT | O_RDWR, 0600));
	setenv("SKCHAN_DOOR", "cuse", 1);
	fd = ch_open(&ci);
	check_channel(fd, &ci, UDOOR_CUSE);
	ck_assert_int_eq(fk_fetches, 1);
	ck_assert_int_eq(guarded_close_np(fd, &ci.ci_guard), 0);
}
END_TEST

START_TEST(test_info_args)
{
	struct ch_info info;
	struct ch_init ci;
	int fd = ch_open(&ci);

	ck_assert_int_eq(__channel_get_info(fd, NULL, sizeof(info)), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(__channel_get_info(fd, &info, sizeof(info) - 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(guarded_close_np(fd, &ci.ci_guard), 0);
	ck_assert_int_eq(__channel_get_info(fd, &info, sizeof(info)), -1);
	ck_assert_int_eq(errno, EBADF);
}
END_TEST

/* After guarded_close_np the span is gone: touching it faults. */
START_TEST(test_close_unmaps)
{
	struct ch_info info;
	struct ch_init ci;
	int fd = ch_open(&ci);
	char *base;

	ck_assert_int_eq(__channel_get_info(fd, &info, sizeof(info)), 0);
	base = (char *)(uintptr_t)info.cinfo_mem_base;
	ck_assert_int_eq(guarded_close_np(fd, &ci.ci_guard), 0);
	(void)*(volatile char *)(base + 2 * pg); /* SIGSEGV here */
}
END_TEST

START_TEST(test_readonly_region_of_channel_faults)
{
	struct ch_info info;
	struct ch_init ci;
	int fd = ch_open(&ci);

	ck_assert_int_eq(__channel_get_info(fd, &info, sizeof(info)), 0);
	*(volatile char *)(uintptr_t)(info.cinfo_mem_base +
				      info.cinfo_schema_offset) =
	    1; /* SIGSEGV here */
}
END_TEST

START_TEST(test_bad_map_no_leak)
{
	struct ch_init ci;
	int before, fd;

	fk_bad_map = 1;
	before = count_open_fds();
	errno = 0;
	fd = ch_open(&ci);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(errno, EIO);
	ck_assert_int_eq(count_open_fds(), before);
}
END_TEST

START_TEST(test_bad_map_cuse_no_leak)
{
	struct ch_init ci;
	int before, fd;

	close(open(fk_dev, O_CREAT | O_RDWR, 0600));
	setenv("SKCHAN_DOOR", "cuse", 1);
	fk_bad_map = 1;
	before = count_open_fds();
	fd = ch_open(&ci);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(errno, EIO);
	ck_assert_int_eq(count_open_fds(), before);
}
END_TEST

START_TEST(test_key_inlined)
{
	static const char key[] = "sixteen byte key";
	struct ch_init ci;
	int fd;

	memset(&ci, 0, sizeof(ci));
	ci.ci_version = CHANNEL_INIT_CURRENT_VERSION;
	uuid_generate(ci.ci_nx_uuid);
	ci.ci_key = (user_addr_t)(uintptr_t)key;
	ci.ci_key_len = 16;
	fd = __channel_open(&ci, sizeof(ci));
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_eq(fk_last_open.co_init.ci_key, 0); /* no pointer */
	ck_assert_uint_eq(fk_last_open.co_init.ci_key_len, 16);
	ck_assert_int_eq(memcmp(fk_last_open.co_key, key, 16), 0);
	ck_assert_uint_eq(fk_last_open.co_hdr.rh_size,
			  sizeof(struct skc_channel_open));
	ck_assert_uint_eq(ci.ci_key, 0); /* cleared, as XNU does */
	ck_assert_int_eq(guarded_close_np(fd, &ci.ci_guard), 0);
}
END_TEST

START_TEST(test_open_args)
{
	struct ch_init ci;
	char key[2000];

	memset(&ci, 0, sizeof(ci));
	ci.ci_version = CHANNEL_INIT_CURRENT_VERSION;
	ck_assert_int_eq(__channel_open(NULL, sizeof(ci)), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(__channel_open(&ci, sizeof(ci) - 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	ci.ci_key_len = 4; /* length without a key */
	ck_assert_int_eq(__channel_open(&ci, sizeof(ci)), -1);
	ck_assert_int_eq(errno, EINVAL);
	ci.ci_key = (user_addr_t)(uintptr_t)key;
	ci.ci_key_len = 0; /* key without a length */
	ck_assert_int_eq(__channel_open(&ci, sizeof(ci)), -1);
	ck_assert_int_eq(errno, EINVAL);
	ci.ci_key_len = NEXUS_MAX_KEY_LEN + 1;
	ck_assert_int_eq(__channel_open(&ci, sizeof(ci)), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* A forked child has no channel: fd closed and span unmapped. */
START_TEST(test_fork_child_unmapped)
{
	struct ch_info info;
	struct ch_init ci;
	int fd = ch_open(&ci), st;
	unsigned char vec;
	char *base;
	pid_t pid;

	ck_assert_int_eq(__channel_get_info(fd, &info, sizeof(info)), 0);
	base = (char *)(uintptr_t)info.cinfo_mem_base;
	pid = fork();
	if (pid == 0)
		_exit(fcntl(fd, F_GETFD) < 0 && mincore(base, pg, &vec) < 0 &&
			      errno == ENOMEM
			  ? 0
			  : 1);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_eq(memcmp(base + pg, "SCHEMA", 6), 0);
	ck_assert_int_eq(guarded_close_np(fd, &ci.ci_guard), 0);
}
END_TEST

static Suite *
arena_suite(void)
{
	Suite *s = suite_create("arena");
	TCase *val = tcase_create("validate");
	TCase *map = tcase_create("map");
	TCase *ch = tcase_create("channel_open");

	tcase_add_checked_fixture(val, setup_pg, NULL);
	tcase_add_test(val, test_validate_good);
	tcase_add_loop_test(val, test_validate_bad, 0, 19);
	tcase_add_test(val, test_validate_window_past_memfd);
	suite_add_tcase(s, val);

	tcase_add_checked_fixture(map, setup_pg, NULL);
	tcase_add_test(map, test_map_contents);
	tcase_add_test_raise_signal(map, test_map_readonly_faults, SIGSEGV);
	tcase_add_test_raise_signal(map, test_map_gap_faults, SIGSEGV);
	tcase_add_test_raise_signal(map, test_map_after_unmap_faults, SIGSEGV);
	tcase_add_test(map, test_map_sealed_rw_refused);
	tcase_add_test(map, test_map_invalid_refused);
	suite_add_tcase(s, map);

	tcase_add_checked_fixture(ch, setup, teardown);
	tcase_add_test(ch, test_open_socket_door);
	tcase_add_test(ch, test_open_cuse_door);
	tcase_add_test(ch, test_info_args);
	tcase_add_test_raise_signal(ch, test_close_unmaps, SIGSEGV);
	tcase_add_test_raise_signal(ch, test_readonly_region_of_channel_faults,
				    SIGSEGV);
	tcase_add_test(ch, test_bad_map_no_leak);
	tcase_add_test(ch, test_bad_map_cuse_no_leak);
	tcase_add_test(ch, test_key_inlined);
	tcase_add_test(ch, test_open_args);
	tcase_add_test(ch, test_fork_child_unmapped);
	suite_add_tcase(s, ch);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(arena_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
