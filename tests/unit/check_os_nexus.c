/*
 * check_os_nexus.c - libos/os_nexus.c and the nexus half of
 * libos/syscalls.c, against a fake daemon that records every request.
 *
 * Covered: os_nexus_attr_* (defaults, every type's set/get, kernel-only
 * types ENOTSUP, unknown types EINVAL, NULL arguments, booleans, clone);
 * register_provider's checks made before any request (empty name,
 * REJECT_ON_CLOSE / MAX_FRAGS / QMAP on the wrong type, WMM rings) and
 * what it sends (version, requested bits, params, flags, clamping);
 * Apple's return conventions (positive errno from the library, -1/errno
 * from a forwarded call); read_provider_attr filling every field with
 * booleans normalised; bind/unbind (key inlined, pointer not sent, flags
 * translated); the list options translated from Apple's user-pointer form;
 * ifattach/ifdetach/flow_add through NXOPT_NEXUS_CONFIG with results
 * written back, and the SET_OPT fallback; the shared controller of
 * os_nexus_flow_set_wake_from_sleep; traffic rules (EINVAL/ENOTSUP).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <skywalk/os_skywalk_private.h>
#include <skywalk/skchan_abi.h>

#include "fake_daemon.h"

/* ---- the fake daemon ---------------------------------------------------- */

#define FK_NCMD (SKC_IOC_NR_MAX + 1)

static int fk_count[FK_NCMD];	       /* requests by command number */
static int fk_errno;		       /* answer every nexus request so */
static int fk_config_as_set;	       /* GET_OPT(CONFIG): ENOPROTOOPT */
static struct nxprov_reg fk_reg;       /* last registration */
static struct skc_nexus_opt fk_set;    /* last SET_OPT */
static struct skc_nexus_opt fk_get;    /* last GET_OPT, as received */
static struct nxprov_params fk_params; /* what PROV_ENTRY answers */
static uint32_t fk_list_total = 5;     /* entries a list has */
static pthread_mutex_t fk_lock = PTHREAD_MUTEX_INITIALIZER;

static const uuid_t fk_uuid = {0xab, 1, 2,  3,	4,  5,	6,  7,
			       8,    9, 10, 11, 12, 13, 14, 15};

/* A list: up to the capacity, entry i = fk_uuid with byte 15 = i. */
static int
fk_list(struct skc_nexus_opt *o)
{
	struct skc_list *lh = (void *)o->no_data;
	uuid_t *ent = (uuid_t *)(void *)(lh + 1);
	uint32_t cap = (uint32_t)((o->no_len - sizeof(*lh)) / sizeof(uuid_t));
	uint32_t i;

	lh->lh_count = cap < fk_list_total ? cap : fk_list_total;
	lh->lh_total = fk_list_total;
	for (i = 0; i < lh->lh_count; i++) {
		uuid_copy(ent[i], fk_uuid);
		ent[i][15] = (unsigned char)i;
	}
	o->no_len = (uint32_t)(sizeof(*lh) + lh->lh_count * sizeof(uuid_t));
	return 0;
}

/* NXCFG_CMD_ATTACH answers an attachment UUID; FLOW_ADD a port. */
static int
fk_config(struct skc_nexus_opt *o)
{
	struct nx_cfg_req *ncr = (void *)o->no_data;
	struct nx_spec_req *nsr = (void *)(ncr + 1);
	struct nx_flow_req *nfr = (void *)(ncr + 1);

	if (ncr->nc_cmd == NXCFG_CMD_ATTACH)
		uuid_copy(nsr->nsr_if_uuid, fk_uuid);
	if (ncr->nc_cmd == NXCFG_CMD_FLOW_ADD)
		nfr->nfr_nx_port = 7;
	return 0;
}

static int
fk_get_opt(struct skc_nexus_opt *o)
{
	fk_get = *o;
	switch (o->no_opt) {
	case NXOPT_NEXUS_PROV_ENTRY:
		/* no_data is 16-byte aligned, the entry wants 64: copy */
		memcpy(o->no_data +
			   offsetof(struct nxprov_reg_ent, npre_prov_params),
		       &fk_params, sizeof(fk_params));
		return 0;
	case NXOPT_NEXUS_PROV_LIST:
	case NXOPT_NEXUS_LIST:
	case NXOPT_CHANNEL_LIST:
		return fk_list(o);
	case NXOPT_NEXUS_CONFIG:
		return fk_config_as_set ? ENOPROTOOPT : fk_config(o);
	default:
		return ENOPROTOOPT;
	}
}

static int
fk_serve(struct skc_msg *m, void *body)
{
	struct skc_nexus_register *nr = body;

	if (_IOC_NR(m->sm_cmd) < FK_NCMD)
		fk_count[_IOC_NR(m->sm_cmd)]++;
	if (m->sm_cmd == SKC_IOC_NEXUS_OPEN)
		return 0;
	if (fk_errno != 0)
		return fk_errno;
	switch (m->sm_cmd) {
	case SKC_IOC_NEXUS_REGISTER:
		fk_reg = nr->nr_reg;
		uuid_copy(nr->nr_prov_uuid, fk_uuid);
		return 0;
	case SKC_IOC_NEXUS_CREATE:
		uuid_copy(((struct skc_nexus_create *)body)->nc_nx_uuid,
			  fk_uuid);
		return 0;
	case SKC_IOC_NEXUS_GET_OPT:
		return fk_get_opt(body);
	case SKC_IOC_NEXUS_SET_OPT:
		fk_set = *(struct skc_nexus_opt *)body;
		return 0;
	default:
		return 0;
	}
}

static void *
fk_conn_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	unsigned char body[4096] __attribute__((aligned(64)));
	struct skc_msg m;

	while (fk_read_msg(fd, &m, body, sizeof(body)) == 0) {
		pthread_mutex_lock(&fk_lock);
		m.sm_error = fk_serve(&m, body);
		pthread_mutex_unlock(&fk_lock);
		if (fk_sendmsg(fd, &m, sizeof(m), body, m.sm_len, NULL, 0) < 0)
			break;
	}
	close(fd);
	return NULL;
}

static void
setup(void)
{
	memset(fk_count, 0, sizeof(fk_count));
	fk_errno = 0;
	fk_config_as_set = 0;
	fk_listen("/tmp/check_os_nexus.XXXXXX", fk_conn_main, 0);
}

static void
teardown(void)
{
	fk_unlisten();
}

static int
fk_n(uint32_t cmd)
{
	int n;

	pthread_mutex_lock(&fk_lock);
	n = fk_count[_IOC_NR(cmd)];
	pthread_mutex_unlock(&fk_lock);
	return n;
}

/* ---- attributes ---------------------------------------------------------- */

static const nexus_attr_type_t settable[] = {
    NEXUS_ATTR_TX_RINGS,       NEXUS_ATTR_RX_RINGS,	 NEXUS_ATTR_TX_SLOTS,
    NEXUS_ATTR_RX_SLOTS,       NEXUS_ATTR_SLOT_BUF_SIZE, NEXUS_ATTR_ANONYMOUS,
    NEXUS_ATTR_MHINTS,	       NEXUS_ATTR_PIPES,	 NEXUS_ATTR_EXTENSIONS,
    NEXUS_ATTR_QMAP,	       NEXUS_ATTR_USER_CHANNEL,	 NEXUS_ATTR_MAX_FRAGS,
    NEXUS_ATTR_LARGE_BUF_SIZE,
};

static const nexus_attr_type_t kernel_only[] = {
    NEXUS_ATTR_SLOT_META_SIZE,	 NEXUS_ATTR_IFINDEX,
    NEXUS_ATTR_STATS_SIZE,	 NEXUS_ATTR_FLOWADV_MAX,
    NEXUS_ATTR_CHECKSUM_OFFLOAD, NEXUS_ATTR_USER_PACKET_POOL,
    NEXUS_ATTR_ADV_SIZE,
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(test_attr_create_zeroed)
{
	nexus_attr_t a = os_nexus_attr_create();
	uint64_t v = 1;
	int t;

	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->nxa_requested, 0);
	for (t = NEXUS_ATTR_TX_RINGS; t <= NEXUS_ATTR_LARGE_BUF_SIZE; t++) {
		ck_assert_int_eq(os_nexus_attr_get(a, t, &v), 0);
		ck_assert_uint_eq(v, 0);
	}
	os_nexus_attr_destroy(a);
}
END_TEST

START_TEST(test_attr_set_get_each)
{
	nexus_attr_t a = os_nexus_attr_create();
	uint64_t v, want;
	size_t i;

	for (i = 0; i < NELEM(settable); i++) {
		want = 1000 + i;
		ck_assert_int_eq(os_nexus_attr_set(a, settable[i], want), 0);
		ck_assert_int_eq(os_nexus_attr_get(a, settable[i], &v), 0);
		ck_assert_uint_eq(v, want);
	}
	ck_assert_uint_eq(
	    a->nxa_requested,
	    NXA_REQ_TX_RINGS | NXA_REQ_RX_RINGS | NXA_REQ_TX_SLOTS |
		NXA_REQ_RX_SLOTS | NXA_REQ_BUF_SIZE | NXA_REQ_ANONYMOUS |
		NXA_REQ_MHINTS | NXA_REQ_PIPES | NXA_REQ_EXTENSIONS |
		NXA_REQ_QMAP | NXA_REQ_USER_CHANNEL | NXA_REQ_MAX_FRAGS |
		NXA_REQ_LARGE_BUF_SIZE);
	os_nexus_attr_destroy(a);
}
END_TEST

START_TEST(test_attr_kernel_only_enotsup)
{
	nexus_attr_t a = os_nexus_attr_create();
	size_t i;

	for (i = 0; i < NELEM(kernel_only); i++)
		ck_assert_int_eq(os_nexus_attr_set(a, kernel_only[i], 1),
				 ENOTSUP);
	ck_assert_uint_eq(a->nxa_requested, 0);
	os_nexus_attr_destroy(a);
}
END_TEST

START_TEST(test_attr_bad_args)
{
	nexus_attr_t a = os_nexus_attr_create();
	uint64_t v;

	ck_assert_int_eq(os_nexus_attr_set(a, NEXUS_ATTR_LARGE_BUF_SIZE + 1, 1),
			 EINVAL);
	ck_assert_int_eq(os_nexus_attr_set(a, (nexus_attr_type_t)-1, 1),
			 EINVAL);
	ck_assert_int_eq(
	    os_nexus_attr_get(a, NEXUS_ATTR_LARGE_BUF_SIZE + 1, &v), EINVAL);
	ck_assert_int_eq(os_nexus_attr_get(a, NEXUS_ATTR_TX_RINGS, NULL),
			 EINVAL);
	ck_assert_int_eq(os_nexus_attr_set(NULL, NEXUS_ATTR_TX_RINGS, 1),
			 EINVAL);
	ck_assert_int_eq(os_nexus_attr_get(NULL, NEXUS_ATTR_TX_RINGS, &v),
			 EINVAL);
	os_nexus_attr_destroy(a);
	os_nexus_attr_destroy(NULL);
}
END_TEST

START_TEST(test_attr_reject_on_close_bool)
{
	nexus_attr_t a = os_nexus_attr_create();
	uint64_t v;

	ck_assert_int_eq(os_nexus_attr_set(a, NEXUS_ATTR_REJECT_ON_CLOSE, 42),
			 0);
	ck_assert_int_eq(os_nexus_attr_get(a, NEXUS_ATTR_REJECT_ON_CLOSE, &v),
			 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_uint_eq(a->nxa_requested, NXA_REQ_REJECT_ON_CLOSE);
	os_nexus_attr_destroy(a);
}
END_TEST

START_TEST(test_attr_clone)
{
	nexus_attr_t a = os_nexus_attr_create(), b, c;
	uint64_t v;

	os_nexus_attr_set(a, NEXUS_ATTR_TX_SLOTS, 77);
	b = os_nexus_attr_clone(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_ne(a, b);
	ck_assert_int_eq(os_nexus_attr_get(b, NEXUS_ATTR_TX_SLOTS, &v), 0);
	ck_assert_uint_eq(v, 77);
	ck_assert_uint_eq(b->nxa_requested, NXA_REQ_TX_SLOTS);
	c = os_nexus_attr_clone(NULL);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->nxa_requested, 0);
	os_nexus_attr_destroy(a);
	os_nexus_attr_destroy(b);
	os_nexus_attr_destroy(c);
}
END_TEST

/* ---- registration -----------------------------------------------------------
 */

static nexus_name_t nx_name = "check_os_nexus";

static nexus_controller_t
ctl(void)
{
	nexus_controller_t c = os_nexus_controller_create();

	ck_assert_ptr_nonnull(c);
	ck_assert_int_ge(os_nexus_controller_get_fd(c), 0);
	return c;
}

START_TEST(test_register_sends_requested)
{
	nexus_controller_t c = ctl();
	nexus_attr_t a = os_nexus_attr_create();
	struct nxprov_params *p = &fk_reg.nxpreg_params;
	uuid_t prov;

	os_nexus_attr_set(a, NEXUS_ATTR_TX_RINGS, 2);
	os_nexus_attr_set(a, NEXUS_ATTR_RX_RINGS, 2);
	os_nexus_attr_set(a, NEXUS_ATTR_TX_SLOTS, 100);
	os_nexus_attr_set(a, NEXUS_ATTR_SLOT_BUF_SIZE, 1ULL << 40);
	os_nexus_attr_set(a, NEXUS_ATTR_ANONYMOUS, 1);
	os_nexus_attr_set(a, NEXUS_ATTR_REJECT_ON_CLOSE, 1);
	ck_assert_int_eq(os_nexus_controller_register_provider(
			     c, nx_name, NEXUS_TYPE_USER_PIPE, a, &prov),
			 0);
	ck_assert_int_eq(uuid_compare(prov, fk_uuid), 0);
	ck_assert_uint_eq(fk_reg.nxpreg_version, NXPROV_REG_CURRENT_VERSION);
	ck_assert_uint_eq(fk_reg.nxpreg_requested,
			  NXPREQ_TX_RINGS | NXPREQ_RX_RINGS | NXPREQ_TX_SLOTS |
			      NXPREQ_BUF_SIZE | NXPREQ_ANONYMOUS |
			      NXPREQ_REJECT_ON_CLOSE);
	ck_assert_str_eq((char *)p->nxp_name, "check_os_nexus");
	ck_assert_uint_eq(p->nxp_namelen, strlen("check_os_nexus"));
	ck_assert_int_eq(p->nxp_type, NEXUS_TYPE_USER_PIPE);
	ck_assert_uint_eq(p->nxp_tx_rings, 2);
	ck_assert_uint_eq(p->nxp_tx_slots, 100);
	ck_assert_uint_eq(p->nxp_rx_slots, 0);		/* not requested */
	ck_assert_uint_eq(p->nxp_buf_size, UINT32_MAX); /* clamped */
	ck_assert_uint_eq(p->nxp_flags, NXPF_ANONYMOUS);
	ck_assert_int_eq(p->nxp_reject_on_close, 1);
	os_nexus_attr_destroy(a);
	os_nexus_controller_destroy(c);
}
END_TEST

START_TEST(test_register_no_attr)
{
	nexus_controller_t c = ctl();
	uuid_t prov;

	ck_assert_int_eq(os_nexus_controller_register_provider(
			     c, nx_name, NEXUS_TYPE_NET_IF, NULL, &prov),
			 0);
	ck_assert_uint_eq(fk_reg.nxpreg_requested, 0);
	ck_assert_int_eq(fk_reg.nxpreg_params.nxp_type, NEXUS_TYPE_NET_IF);
	os_nexus_controller_destroy(c);
}
END_TEST

/* Library-detected errors: positive errno, and nothing sent. */
static void
reg_refused(nexus_type_t type, nexus_attr_type_t at, uint64_t v,
	    nexus_attr_type_t at2, uint64_t v2)
{
	nexus_controller_t c = ctl();
	nexus_attr_t a = os_nexus_attr_create();
	uuid_t prov;

	ck_assert_int_eq(os_nexus_attr_set(a, at, v), 0);
	ck_assert_int_eq(os_nexus_attr_set(a, at2, v2), 0);
	ck_assert_int_eq(
	    os_nexus_controller_register_provider(c, nx_name, type, a, &prov),
	    EINVAL);
	ck_assert_int_eq(fk_n(SKC_IOC_NEXUS_REGISTER), 0);
	os_nexus_attr_destroy(a);
	os_nexus_controller_destroy(c);
}

START_TEST(test_register_type_checks)
{
	switch (_i) {
	case 0:
		reg_refused(NEXUS_TYPE_NET_IF, NEXUS_ATTR_REJECT_ON_CLOSE, 1,
			    NEXUS_ATTR_TX_RINGS, 1);
		break;
	case 1:
		reg_refused(NEXUS_TYPE_USER_PIPE, NEXUS_ATTR_MAX_FRAGS, 2,
			    NEXUS_ATTR_TX_RINGS, 1);
		break;
	case 2:
		reg_refused(NEXUS_TYPE_USER_PIPE, NEXUS_ATTR_QMAP,
			    NEXUS_QMAP_TYPE_DEFAULT, NEXUS_ATTR_TX_RINGS, 1);
		break;
	case 3:
		reg_refused(NEXUS_TYPE_NET_IF, NEXUS_ATTR_QMAP,
			    NEXUS_QMAP_TYPE_WMM, NEXUS_ATTR_TX_RINGS, 2);
		break;
	case 4:
		reg_refused(NEXUS_TYPE_KERNEL_PIPE, NEXUS_ATTR_REJECT_ON_CLOSE,
			    0, NEXUS_ATTR_TX_RINGS, 1);
		break;
	}
}
END_TEST

START_TEST(test_register_type_checks_pass)
{
	nexus_controller_t c = ctl();
	nexus_attr_t a = os_nexus_attr_create();
	uuid_t prov;

	os_nexus_attr_set(a, NEXUS_ATTR_QMAP, NEXUS_QMAP_TYPE_WMM);
	os_nexus_attr_set(a, NEXUS_ATTR_TX_RINGS, NEXUS_NUM_WMM_QUEUES);
	os_nexus_attr_set(a, NEXUS_ATTR_MAX_FRAGS, 4);
	ck_assert_int_eq(os_nexus_controller_register_provider(
			     c, nx_name, NEXUS_TYPE_NET_IF, a, &prov),
			 0);
	ck_assert_uint_eq(fk_reg.nxpreg_params.nxp_qmap, NEXUS_QMAP_TYPE_WMM);
	ck_assert_uint_eq(fk_reg.nxpreg_params.nxp_max_frags, 4);
	os_nexus_attr_destroy(a);
	os_nexus_controller_destroy(c);
}
END_TEST

START_TEST(test_register_empty_name)
{
	nexus_controller_t c = ctl();
	nexus_name_t empty = "";
	uuid_t prov;

	ck_assert_int_eq(os_nexus_controller_register_provider(
			     c, empty, NEXUS_TYPE_USER_PIPE, NULL, &prov),
			 EINVAL);
	ck_assert_int_eq(fk_n(SKC_IOC_NEXUS_REGISTER), 0);
	os_nexus_controller_destroy(c);
}
END_TEST

/* A 64-byte name without NUL: kept, terminated, length 64. */
START_TEST(test_register_full_name)
{
	nexus_controller_t c = ctl();
	nexus_name_t full;
	uuid_t prov;

	memset(full, 'n', sizeof(full));
	ck_assert_int_eq(os_nexus_controller_register_provider(
			     c, full, NEXUS_TYPE_USER_PIPE, NULL, &prov),
			 0);
	ck_assert_uint_eq(fk_reg.nxpreg_params.nxp_namelen, 64);
	ck_assert_uint_eq(fk_reg.nxpreg_params.nxp_name[63], 0);
	os_nexus_controller_destroy(c);
}
END_TEST

/* A kernel error comes back as -1/errno (the system call's result). */
START_TEST(test_register_kernel_error)
{
	nexus_controller_t c = ctl();
	uuid_t prov;

	fk_errno = ENOMEM;
	errno = 0;
	ck_assert_int_eq(os_nexus_controller_register_provider(
			     c, nx_name, NEXUS_TYPE_USER_PIPE, NULL, &prov),
			 -1);
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_int_eq(os_nexus_controller_deregister_provider(c, fk_uuid),
			 -1);
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_int_eq(os_nexus_controller_free_provider_instance(c, fk_uuid),
			 -1);
	ck_assert_int_eq(errno, ENOMEM);
	os_nexus_controller_destroy(c);
}
END_TEST

START_TEST(test_alloc_instance)
{
	nexus_controller_t c = ctl();
	uuid_t nx;

	uuid_clear(nx);
	ck_assert_int_eq(
	    os_nexus_controller_alloc_provider_instance(c, fk_uuid, &nx), 0);
	ck_assert_int_eq(uuid_compare(nx, fk_uuid), 0);
	ck_assert_int_eq(os_nexus_controller_free_provider_instance(c, nx), 0);
	ck_assert_int_eq(os_nexus_controller_deregister_provider(c, fk_uuid),
			 0);
	ck_assert_int_eq(fk_n(SKC_IOC_NEXUS_CREATE), 1);
	ck_assert_int_eq(fk_n(SKC_IOC_NEXUS_DESTROY), 1);
	ck_assert_int_eq(fk_n(SKC_IOC_NEXUS_DEREGISTER), 1);
	os_nexus_controller_destroy(c);
}
END_TEST

/* ---- provider attributes
 * ------------------------------------------------------------ */

START_TEST(test_read_provider_attr)
{
	nexus_controller_t c = ctl();
	nexus_attr_t a = os_nexus_attr_create();
	uint64_t v;

	memset(&fk_params, 0, sizeof(fk_params));
	fk_params.nxp_tx_rings = 3;
	fk_params.nxp_rx_slots = 256;
	fk_params.nxp_buf_size = 2048;
	fk_params.nxp_meta_size = 80;
	fk_params.nxp_max_frags = 1;
	fk_params.nxp_large_buf_size = 9000;
	fk_params.nxp_flags = NXPF_ANONYMOUS | NXPF_USER_CHANNEL;
	fk_params.nxp_capabilities =
	    NXPCAP_CHECKSUM_PARTIAL | NXPCAP_USER_PACKET_POOL;
	fk_params.nxp_reject_on_close = 7;
	os_nexus_attr_set(a, NEXUS_ATTR_TX_SLOTS, 12345); /* overwritten */
	ck_assert_int_eq(os_nexus_controller_read_provider_attr(c, fk_uuid, a),
			 0);
	ck_assert_uint_eq(fk_get.no_opt, NXOPT_NEXUS_PROV_ENTRY);
	ck_assert_uint_eq(fk_get.no_len, sizeof(struct nxprov_reg_ent));
	ck_assert_int_eq(uuid_compare(fk_get.no_data, fk_uuid), 0);
#define GET(t, want)                                                           \
	do {                                                                   \
		ck_assert_int_eq(os_nexus_attr_get(a, t, &v), 0);              \
		ck_assert_uint_eq(v, want);                                    \
	} while (0)
	GET(NEXUS_ATTR_TX_RINGS, 3);
	GET(NEXUS_ATTR_RX_SLOTS, 256);
	GET(NEXUS_ATTR_TX_SLOTS, 0);
	GET(NEXUS_ATTR_SLOT_BUF_SIZE, 2048);
	GET(NEXUS_ATTR_SLOT_META_SIZE, 80);
	GET(NEXUS_ATTR_MAX_FRAGS, 1);
	GET(NEXUS_ATTR_LARGE_BUF_SIZE, 9000);
	GET(NEXUS_ATTR_ANONYMOUS, 1);
	GET(NEXUS_ATTR_USER_CHANNEL, 1);
	GET(NEXUS_ATTR_CHECKSUM_OFFLOAD, 1);
	GET(NEXUS_ATTR_USER_PACKET_POOL, 1);
	GET(NEXUS_ATTR_REJECT_ON_CLOSE, 1);
#undef GET
	os_nexus_attr_destroy(a);
	os_nexus_controller_destroy(c);
}
END_TEST

START_TEST(test_read_provider_attr_errors)
{
	nexus_controller_t c = ctl();
	nexus_attr_t a = os_nexus_attr_create();

	ck_assert_int_eq(
	    os_nexus_controller_read_provider_attr(c, fk_uuid, NULL), EINVAL);
	ck_assert_int_eq(fk_n(SKC_IOC_NEXUS_GET_OPT), 0);
	fk_errno = ENOENT;
	ck_assert_int_eq(os_nexus_controller_read_provider_attr(c, fk_uuid, a),
			 -1);
	ck_assert_int_eq(errno, ENOENT);
	os_nexus_attr_destroy(a);
	os_nexus_controller_destroy(c);
}
END_TEST

/* ---- binding
 * ---------------------------------------------------------------------- */

START_TEST(test_bind_key_inlined)
{
	static const char key[] = "0123456789abcdef";
	nexus_controller_t c = ctl();
	struct nx_bind_req *nbr = (void *)fk_set.no_data;

	ck_assert_int_eq(os_nexus_controller_bind_provider_instance(
			     c, fk_uuid, 1, 4242, NULL, key, 16,
			     NEXUS_BIND_KEY | NEXUS_BIND_PID),
			 0);
	ck_assert_uint_eq(fk_set.no_opt, NXOPT_NEXUS_BIND);
	ck_assert_uint_eq(fk_set.no_len, sizeof(*nbr) + 16);
	ck_assert_int_eq(uuid_compare(nbr->nb_nx_uuid, fk_uuid), 0);
	ck_assert_uint_eq(nbr->nb_port, 1);
	ck_assert_int_eq(nbr->nb_pid, 4242);
	ck_assert_uint_eq(nbr->nb_flags, NBR_MATCH_KEY | NBR_MATCH_PID);
	ck_assert_uint_eq(nbr->nb_key, 0); /* no pointer crosses */
	ck_assert_uint_eq(nbr->nb_key_len, 16);
	ck_assert_int_eq(memcmp(nbr + 1, key, 16), 0);
	os_nexus_controller_destroy(c);
}
END_TEST

START_TEST(test_bind_key_ignored_without_flag)
{
	nexus_controller_t c = ctl();
	struct nx_bind_req *nbr = (void *)fk_set.no_data;
	uuid_t exec;

	uuid_generate(exec);
	ck_assert_int_eq(
	    os_nexus_controller_bind_provider_instance(
		c, fk_uuid, 0, 1, exec, "key", 3, NEXUS_BIND_EXEC_UUID),
	    0);
	ck_assert_uint_eq(fk_set.no_len, sizeof(*nbr));
	ck_assert_uint_eq(nbr->nb_flags, NBR_MATCH_EXEC_UUID);
	ck_assert_uint_eq(nbr->nb_key_len, 0);
	ck_assert_int_eq(uuid_compare(nbr->nb_exec_uuid, exec), 0);
	os_nexus_controller_destroy(c);
}
END_TEST

/* Keys the library cannot copy are refused before the daemon sees them. */
START_TEST(test_bind_bad_key)
{
	static char big[NEXUS_MAX_KEY_LEN + 1];
	nexus_controller_t c = ctl();

	ck_assert_int_eq(
	    os_nexus_controller_bind_provider_instance(
		c, fk_uuid, 0, 0, NULL, big, sizeof(big), NEXUS_BIND_KEY),
	    -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(os_nexus_controller_bind_provider_instance(
			     c, fk_uuid, 0, 0, NULL, NULL, 4, NEXUS_BIND_KEY),
			 -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(fk_n(SKC_IOC_NEXUS_SET_OPT), 0);
	/* empty key: the daemon's call (it answers EINVAL on XNU) */
	ck_assert_int_eq(os_nexus_controller_bind_provider_instance(
			     c, fk_uuid, 0, 0, NULL, NULL, 0, NEXUS_BIND_KEY),
			 0);
	ck_assert_int_eq(fk_n(SKC_IOC_NEXUS_SET_OPT), 1);
	os_nexus_controller_destroy(c);
}
END_TEST

START_TEST(test_unbind)
{
	nexus_controller_t c = ctl();
	struct nx_unbind_req *nur = (void *)fk_set.no_data;

	ck_assert_int_eq(
	    os_nexus_controller_unbind_provider_instance(c, fk_uuid, 1), 0);
	ck_assert_uint_eq(fk_set.no_opt, NXOPT_NEXUS_UNBIND);
	ck_assert_uint_eq(fk_set.no_len, sizeof(*nur));
	ck_assert_uint_eq(nur->nu_port, 1);
	fk_errno = ENOENT;
	ck_assert_int_eq(
	    os_nexus_controller_unbind_provider_instance(c, fk_uuid, 1), -1);
	ck_assert_int_eq(errno, ENOENT);
	os_nexus_controller_destroy(c);
}
END_TEST

/* ---- lists
 * ---------------------------------------------------------------------------
 */

START_TEST(test_nexus_list)
{
	nexus_controller_t c = ctl();
	int fd = os_nexus_controller_get_fd(c);
	struct nx_list_req r;
	uuid_t arr[3];
	uint32_t len = sizeof(r);

	memset(&r, 0, sizeof(r));
	uuid_copy(r.nl_prov_uuid, fk_uuid);
	r.nl_num_nx_uuids = 3;
	r.nl_nx_uuids = (user_addr_t)(uintptr_t)arr;
	ck_assert_int_eq(__nexus_get_opt(fd, NXOPT_NEXUS_LIST, &r, &len), 0);
	ck_assert_uint_eq(r.nl_num_nx_uuids, 3);
	ck_assert_uint_eq(arr[2][15], 2);
	ck_assert_uint_eq(fk_get.no_len,
			  sizeof(struct skc_list) + 3 * sizeof(uuid_t));
	/* the provider filter travels in lh_uuid */
	ck_assert_int_eq(uuid_compare(fk_get.no_data, fk_uuid), 0);
	/* NULL array: how many exist */
	r.nl_nx_uuids = 0;
	r.nl_num_nx_uuids = 0;
	ck_assert_int_eq(__nexus_get_opt(fd, NXOPT_NEXUS_LIST, &r, &len), 0);
	ck_assert_uint_eq(r.nl_num_nx_uuids, fk_list_total);
	len = sizeof(r) - 1;
	ck_assert_int_eq(__nexus_get_opt(fd, NXOPT_NEXUS_LIST, &r, &len), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(__nexus_get_opt(fd, NXOPT_NEXUS_LIST, &r, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	os_nexus_controller_destroy(c);
}
END_TEST

START_TEST(test_channel_list)
{
	nexus_controller_t c = ctl();
	struct ch_list_req r;
	uuid_t arr[8];
	uint32_t len = sizeof(r);

	memset(&r, 0, sizeof(r));
	r.cl_num_ch_uuids = 8;
	r.cl_ch_uuids = (user_addr_t)(uintptr_t)arr;
	ck_assert_int_eq(__nexus_get_opt(os_nexus_controller_get_fd(c),
					 NXOPT_CHANNEL_LIST, &r, &len),
			 0);
	ck_assert_uint_eq(r.cl_num_ch_uuids, fk_list_total);
	ck_assert_uint_eq(arr[4][15], 4);
	os_nexus_controller_destroy(c);
}
END_TEST

/* Provider list: UUIDs from the list, then each entry fetched. */
START_TEST(test_prov_list)
{
	nexus_controller_t c = ctl();
	struct nxprov_reg_ent ents[2];
	struct nxprov_list_req r;
	uint32_t len = sizeof(r);

	memset(&fk_params, 0, sizeof(fk_params));
	fk_params.nxp_tx_slots = 64;
	memset(&r, 0, sizeof(r));
	r.nrl_num_regs = 2;
	r.nrl_regs = (user_addr_t)(uintptr_t)ents;
	ck_assert_int_eq(__nexus_get_opt(os_nexus_controller_get_fd(c),
					 NXOPT_NEXUS_PROV_LIST, &r, &len),
			 0);
	ck_assert_uint_eq(r.nrl_num_regs, 2);
	ck_assert_uint_eq(ents[1].npre_prov_uuid[15], 1);
	ck_assert_uint_eq(ents[1].npre_prov_params.nxp_tx_slots, 64);
	ck_assert_int_eq(fk_n(SKC_IOC_NEXUS_GET_OPT), 3);
	os_nexus_controller_destroy(c);
}
END_TEST

/* ---- config commands
 * ------------------------------------------------------------------ */

START_TEST(test_ifattach_returns_uuid)
{
	nexus_controller_t c = ctl();
	struct nx_cfg_req *ncr = (void *)fk_get.no_data;
	struct nx_spec_req *nsr = (void *)(ncr + 1);
	uuid_t att;

	uuid_clear(att);
	ck_assert_int_eq(
	    __os_nexus_ifattach(c, fk_uuid, "sktap0", NULL, TRUE, &att), 0);
	ck_assert_int_eq(uuid_compare(att, fk_uuid), 0);
	ck_assert_uint_eq(fk_get.no_opt, NXOPT_NEXUS_CONFIG);
	ck_assert_uint_eq(fk_get.no_len, sizeof(*ncr) + sizeof(*nsr));
	ck_assert_int_eq(ncr->nc_cmd, NXCFG_CMD_ATTACH);
	ck_assert_uint_eq(ncr->nc_req_len, sizeof(*nsr));
	ck_assert_uint_eq(ncr->nc_req, 0); /* no pointer crosses */
	ck_assert_str_eq(nsr->nsr_name, "sktap0");
	ck_assert_uint_eq(nsr->nsr_flags, NXSPECREQ_HOST);
	os_nexus_controller_destroy(c);
}
END_TEST

START_TEST(test_ifattach_by_uuid)
{
	nexus_controller_t c = ctl();
	struct nx_spec_req *nsr =
	    (void *)(fk_get.no_data + sizeof(struct nx_cfg_req));
	uuid_t netif, att;

	uuid_generate(netif);
	ck_assert_int_eq(
	    __os_nexus_ifattach(c, fk_uuid, NULL, netif, FALSE, &att), 0);
	ck_assert_uint_eq(nsr->nsr_flags, NXSPECREQ_UUID);
	ck_assert_int_eq(uuid_compare(nsr->nsr_uuid, netif), 0);
	os_nexus_controller_destroy(c);
}
END_TEST

START_TEST(test_ifattach_bad_args)
{
	nexus_controller_t c = ctl();
	char longname[NX_SPEC_IF_NAMELEN + 1];
	uuid_t att;

	memset(longname, 'i', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(
	    __os_nexus_ifattach(c, fk_uuid, NULL, NULL, FALSE, &att), EINVAL);
	ck_assert_int_eq(
	    __os_nexus_ifattach(c, fk_uuid, longname, NULL, FALSE, &att),
	    EINVAL);
	ck_assert_int_eq(fk_n(SKC_IOC_NEXUS_GET_OPT), 0);
	fk_errno = ENXIO;
	ck_assert_int_eq(
	    __os_nexus_ifattach(c, fk_uuid, "nosuchif", NULL, FALSE, &att), -1);
	ck_assert_int_eq(errno, ENXIO);
	os_nexus_controller_destroy(c);
}
END_TEST

/* A daemon serving config only as a set: repeated as SET_OPT. */
START_TEST(test_config_set_fallback)
{
	nexus_controller_t c = ctl();
	struct nx_cfg_req *ncr = (void *)fk_set.no_data;
	struct nx_spec_req *nsr = (void *)(ncr + 1);

	fk_config_as_set = 1;
	ck_assert_int_eq(__os_nexus_ifdetach(c, fk_uuid, fk_uuid), 0);
	ck_assert_int_eq(fk_n(SKC_IOC_NEXUS_GET_OPT), 1);
	ck_assert_int_eq(fk_n(SKC_IOC_NEXUS_SET_OPT), 1);
	ck_assert_uint_eq(fk_set.no_opt, NXOPT_NEXUS_CONFIG);
	ck_assert_int_eq(ncr->nc_cmd, NXCFG_CMD_DETACH);
	ck_assert_int_eq(uuid_compare(nsr->nsr_if_uuid, fk_uuid), 0);
	os_nexus_controller_destroy(c);
}
END_TEST

START_TEST(test_flow_add_written_back)
{
	nexus_controller_t c = ctl();
	struct nx_flow_req nfr;

	memset(&nfr, 0, sizeof(nfr));
	nfr.nfr_nx_port = NEXUS_PORT_ANY;
	ck_assert_int_eq(__os_nexus_flow_add(c, fk_uuid, &nfr), 0);
	ck_assert_uint_eq(nfr.nfr_nx_port, 7);
	ck_assert_int_eq(__os_nexus_flow_del(c, fk_uuid, &nfr), 0);
	os_nexus_controller_destroy(c);
}
END_TEST

START_TEST(test_config_too_big)
{
	nexus_controller_t c = ctl();
	static char big[SKC_OPT_DATA_MAX];

	ck_assert_int_eq(__os_nexus_get_llink_info(
			     c, fk_uuid, (const void *)big, sizeof(big)),
			 -1);
	ck_assert_int_eq(errno, EINVAL);
	os_nexus_controller_destroy(c);
}
END_TEST

/* Through the shared controller: one NEXUS_OPEN however many calls. */
START_TEST(test_wake_from_sleep_shared)
{
	struct nx_cfg_req *ncr = (void *)fk_get.no_data;
	struct nx_flow_req *nfr = (void *)(ncr + 1);
	uuid_t flow;

	uuid_generate(flow);
	ck_assert_int_eq(
	    os_nexus_flow_set_wake_from_sleep(fk_uuid, flow, false), 0);
	ck_assert_int_eq(ncr->nc_cmd, NXCFG_CMD_FLOW_CONFIG);
	ck_assert_uint_eq(nfr->nfr_flags, NXFLOWREQF_NOWAKEFROMSLEEP);
	ck_assert_int_eq(uuid_compare(nfr->nfr_flow_uuid, flow), 0);
	ck_assert_int_eq(os_nexus_flow_set_wake_from_sleep(fk_uuid, flow, true),
			 0);
	ck_assert_uint_eq(nfr->nfr_flags, 0);
	ck_assert_int_eq(fk_n(SKC_IOC_NEXUS_OPEN), 1);
}
END_TEST

/* ---- controller and traffic rules
 * ------------------------------------------------------- */

START_TEST(test_controller_lifecycle)
{
	nexus_controller_t c = ctl();
	int fd = os_nexus_controller_get_fd(c);
	struct ch_info ci;

	ck_assert_int_ge(fd, 0);
	ck_assert_uint_ne(c->ncd_guard, 0);
	ck_assert_int_eq(fk_n(SKC_IOC_NEXUS_OPEN), 1);
	/* a controller is not a channel */
	ck_assert_int_eq(__channel_get_info(fd, &ci, sizeof(ci)), -1);
	ck_assert_int_eq(errno, ENODEV);
	os_nexus_controller_destroy(c);
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
	os_nexus_controller_destroy(NULL);
}
END_TEST

START_TEST(test_traffic_rules)
{
	nexus_controller_t c = ctl();
	struct ifnet_traffic_descriptor_common td = {
	    .itd_type = IFNET_TRAFFIC_DESCRIPTOR_TYPE_INET,
	    .itd_len = sizeof(td)};
	struct ifnet_traffic_rule_action ra = {
	    .ra_type = IFNET_TRAFFIC_RULE_ACTION_STEER, .ra_len = sizeof(ra)};
	uuid_t rule;

	ck_assert_int_eq(
	    os_nexus_controller_add_traffic_rule(c, "en0", &td, &ra, 0, &rule),
	    ENOTSUP);
	ck_assert_int_eq(
	    os_nexus_controller_add_traffic_rule(c, NULL, &td, &ra, 0, &rule),
	    EINVAL);
	td.itd_len = 1;
	ck_assert_int_eq(
	    os_nexus_controller_add_traffic_rule(c, "en0", &td, &ra, 0, &rule),
	    EINVAL);
	td.itd_len = sizeof(td);
	ra.ra_type = 9;
	ck_assert_int_eq(
	    os_nexus_controller_add_traffic_rule(c, "en0", &td, &ra, 0, &rule),
	    ENOTSUP);
	ck_assert_int_eq(os_nexus_controller_remove_traffic_rule(c, rule),
			 ENOTSUP);
	ck_assert_int_eq(os_nexus_controller_remove_traffic_rule(c, NULL),
			 EINVAL);
	ck_assert_int_eq(
	    os_nexus_controller_iterate_traffic_rules(c, NULL, NULL), EINVAL);
	os_nexus_controller_destroy(c);
}
END_TEST

static Suite *
nexus_suite(void)
{
	Suite *s = suite_create("os_nexus");
	TCase *attr = tcase_create("attr");
	TCase *reg = tcase_create("register");
	TCase *opt = tcase_create("options");
	TCase *ctl_tc = tcase_create("controller");

	tcase_add_test(attr, test_attr_create_zeroed);
	tcase_add_test(attr, test_attr_set_get_each);
	tcase_add_test(attr, test_attr_kernel_only_enotsup);
	tcase_add_test(attr, test_attr_bad_args);
	tcase_add_test(attr, test_attr_reject_on_close_bool);
	tcase_add_test(attr, test_attr_clone);
	suite_add_tcase(s, attr);

	tcase_add_checked_fixture(reg, setup, teardown);
	tcase_add_test(reg, test_register_sends_requested);
	tcase_add_test(reg, test_register_no_attr);
	tcase_add_loop_test(reg, test_register_type_checks, 0, 5);
	tcase_add_test(reg, test_register_type_checks_pass);
	tcase_add_test(reg, test_register_empty_name);
	tcase_add_test(reg, test_register_full_name);
	tcase_add_test(reg, test_register_kernel_error);
	tcase_add_test(reg, test_alloc_instance);
	tcase_add_test(reg, test_read_provider_attr);
	tcase_add_test(reg, test_read_provider_attr_errors);
	suite_add_tcase(s, reg);

	tcase_add_checked_fixture(opt, setup, teardown);
	tcase_add_test(opt, test_bind_key_inlined);
	tcase_add_test(opt, test_bind_key_ignored_without_flag);
	tcase_add_test(opt, test_bind_bad_key);
	tcase_add_test(opt, test_unbind);
	tcase_add_test(opt, test_nexus_list);
	tcase_add_test(opt, test_channel_list);
	tcase_add_test(opt, test_prov_list);
	tcase_add_test(opt, test_ifattach_returns_uuid);
	tcase_add_test(opt, test_ifattach_by_uuid);
	tcase_add_test(opt, test_ifattach_bad_args);
	tcase_add_test(opt, test_config_set_fallback);
	tcase_add_test(opt, test_flow_add_written_back);
	tcase_add_test(opt, test_config_too_big);
	tcase_add_test(opt, test_wake_from_sleep_shared);
	suite_add_tcase(s, opt);

	tcase_add_checked_fixture(ctl_tc, setup, teardown);
	tcase_add_test(ctl_tc, test_controller_lifecycle);
	tcase_add_test(ctl_tc, test_traffic_rules);
	suite_add_tcase(s, ctl_tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(nexus_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
