/*
 * check_nx_netif.c - the netif nexus (cuse-dev/nx_netif.c) in-process.
 *
 * Most tests attach to loop devices (backend/loop.c: in-memory, TX comes
 * back as RX, no root needed): registration rules, the attach/detach
 * life cycle and its errnos (behaviours scenario 19 and its variants),
 * the data path in both directions, drops and their counters, two
 * rings, the device vanishing, and the daemon-owned netifs of the
 * control requests.  The "tap" case repeats the data path on a real
 * TAP inside a private network namespace each test makes for itself
 * (unshare(CLONE_NEWNET) in Check's forked child); it says "skip" and
 * is left out when this machine cannot make one.
 *
 * The event loop the daemon would run is driven by hand (nt_pump).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "kern_harness.h"
#include "../../backend/backend.h"
#include "../../cuse-dev/evloop.h"
#include "../../cuse-dev/nx_netif.h"

#define NT_DEV          "sklo0"
#define NT_DEV2         "sklo1"
#define NT_ETHERTYPE    0x88b5          /* local experimental */

static struct evl *nt_evl;

static void
setup(void)
{
	kh_setup();
	kh_cred = KH_CRED_SELF;
	nt_evl = evl_new();
	ck_assert_ptr_nonnull(nt_evl);
	nx_netif_set_evloop(nt_evl);
}

static void
teardown(void)
{
	kh_teardown();
	ck_assert_uint_eq(evl_count(nt_evl), 0);
	nx_netif_set_evloop(NULL);
	evl_free(nt_evl);
	skb_loop_destroy(NT_DEV);
	skb_loop_destroy(NT_DEV2);
}

/* Serve whatever the event loop has ready, as the daemon would. */
static void
nt_pump(void)
{
	int i;

	for (i = 0; i < 16; i++) {
		if (evl_run_once(nt_evl, 0) <= 0)
			break;
	}
}

/* ---- nexus helpers ---------------------------------------------------------- */

struct nt_prov {
	uint32_t rings, tx_slots, rx_slots, buf_size;
	int user_channel;
};

static int
nt_register(struct sk_file *ctl, const struct nt_prov *np, uuid_t prov,
    struct nxprov_params *out)
{
	struct skc_nexus_register nr;
	struct nxprov_params *p = &nr.nr_reg.nxpreg_params;
	int err;

	memset(&nr, 0, sizeof(nr));
	nr.nr_reg.nxpreg_version = NXPROV_REG_CURRENT_VERSION;
	nr.nr_reg.nxpreg_requested = NXPREQ_ANONYMOUS |
	    (np->user_channel ? NXPREQ_USER_CHANNEL : 0) |
	    (np->rings ? NXPREQ_TX_RINGS | NXPREQ_RX_RINGS : 0) |
	    (np->tx_slots ? NXPREQ_TX_SLOTS : 0) |
	    (np->rx_slots ? NXPREQ_RX_SLOTS : 0) |
	    (np->buf_size ? NXPREQ_BUF_SIZE : 0);
	strcpy((char *)p->nxp_name, "nt-netif");
	p->nxp_namelen = 8;
	p->nxp_type = NEXUS_TYPE_NET_IF;
	p->nxp_flags = NXPF_ANONYMOUS |
	    (np->user_channel ? NXPF_USER_CHANNEL : 0);
	p->nxp_tx_rings = p->nxp_rx_rings = np->rings;
	p->nxp_tx_slots = np->tx_slots;
	p->nxp_rx_slots = np->rx_slots;
	p->nxp_buf_size = np->buf_size;
	err = kh_ioctl(ctl, SKC_IOC_NEXUS_REGISTER, &nr);
	if (err == 0) {
		uuid_copy(prov, nr.nr_prov_uuid);
		if (out != NULL) {
			struct skc_nexus_opt o;
			struct nxprov_reg_ent ent;

			memset(&o, 0, sizeof(o));
			memset(&ent, 0, sizeof(ent));
			uuid_copy(ent.npre_prov_uuid, prov);
			o.no_opt = NXOPT_NEXUS_PROV_ENTRY;
			o.no_len = sizeof(ent);
			memcpy(o.no_data, &ent, sizeof(ent));
			ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_GET_OPT,
			    &o), 0);
			memcpy(&ent, o.no_data, sizeof(ent));
			*out = ent.npre_prov_params;
		}
	}
	return err;
}

/* A NET_IF instance (anonymous, user channel) of np's shape. */
static void
nt_netif(struct sk_file *ctl, const struct nt_prov *np, uuid_t prov,
    uuid_t nx)
{
	struct nt_prov def = { .user_channel = 1 };

	ck_assert_int_eq(nt_register(ctl, np ? np : &def, prov, NULL), 0);
	ck_assert_int_eq(kh_nexus_create(ctl, prov, nx), 0);
}

/* NXOPT_NEXUS_CONFIG as libos sends it (a get, written back). */
static int
nt_config(struct sk_file *ctl, const uuid_t nx, nxcfg_cmd_t cmd,
    struct nx_spec_req *nsr)
{
	struct skc_nexus_opt o;
	struct nx_cfg_req ncr;
	int err;

	memset(&o, 0, sizeof(o));
	memset(&ncr, 0, sizeof(ncr));
	uuid_copy(ncr.nc_nx_uuid, nx);
	ncr.nc_cmd = cmd;
	ncr.nc_req_len = sizeof(*nsr);
	o.no_opt = NXOPT_NEXUS_CONFIG;
	o.no_len = sizeof(ncr) + sizeof(*nsr);
	memcpy(o.no_data, &ncr, sizeof(ncr));
	memcpy(o.no_data + sizeof(ncr), nsr, sizeof(*nsr));
	err = kh_ioctl(ctl, SKC_IOC_NEXUS_GET_OPT, &o);
	memcpy(nsr, o.no_data + sizeof(ncr), sizeof(*nsr));
	return err;
}

static int
nt_attach(struct sk_file *ctl, const uuid_t nx, const char *ifname,
    uuid_t attach)
{
	struct nx_spec_req nsr;
	int err;

	memset(&nsr, 0, sizeof(nsr));
	strncpy(nsr.nsr_name, ifname, sizeof(nsr.nsr_name) - 1);
	err = nt_config(ctl, nx, NXCFG_CMD_ATTACH, &nsr);
	if (err == 0 && attach != NULL)
		uuid_copy(attach, nsr.nsr_if_uuid);
	return err;
}

static int
nt_detach(struct sk_file *ctl, const uuid_t nx, const uuid_t attach)
{
	struct nx_spec_req nsr;

	memset(&nsr, 0, sizeof(nsr));
	if (attach != NULL)
		uuid_copy(nsr.nsr_if_uuid, attach);
	return nt_config(ctl, nx, NXCFG_CMD_DETACH, &nsr);
}

static int
nt_lookup(const char *ifname, struct skc_ctl_netif_lookup *nl)
{
	struct sk_file *f = sk_file_open(&kh_cred, SK_DOOR_LOCAL, NULL);
	int err;

	memset(nl, 0, sizeof(*nl));
	strncpy(nl->nl_ifname, ifname, sizeof(nl->nl_ifname) - 1);
	err = kh_ioctl(f, SKC_IOC_CTL_NETIF_LOOKUP, nl);
	sk_file_close(f);
	return err;
}

static uint64_t
nt_drops(const struct skc_ctl_netif_lookup *nl, unsigned reason)
{
	uint64_t n = 0;
	uint32_t q;

	for (q = 0; q < nl->nl_rings; q++)
		n += nl->nl_q[q].nq_drops[reason];
	return n;
}

/* ---- frames ------------------------------------------------------------------ */

static uint32_t
nt_fill(uint8_t *p, uint32_t len, uint32_t seed)
{
	uint32_t i;

	memset(p, 0xff, 6);
	p[6] = 0x02;
	for (i = 7; i < 12; i++)
		p[i] = (uint8_t)(seed + i);
	p[12] = NT_ETHERTYPE >> 8;
	p[13] = NT_ETHERTYPE & 0xff;
	for (i = 14; i < len; i++)
		p[i] = (uint8_t)(seed * 31 + i);
	return len;
}

/* Queue one frame on TX ring r (the library's part, RAW packet). */
static void
nt_tx(struct kh_chan *c, uint32_t r, uint32_t len, uint32_t seed)
{
	struct __user_channel_ring *ring = kh_tx(c, r);
	uint32_t s = ring->ring_head;
	struct __user_packet *up = (void *)kh_slot_md(c, ring, s);

	nt_fill(kh_slot_buf(c, ring, s), len, seed);
	up->pkt_length = len;
	up->pkt_qum_buf.buf_doff = 0;
	up->pkt_qum_buf.buf_dlen = len;
	up->pkt_headroom = 0;
	up->pkt_l2_len = 14;
	ring->ring_head = kh_next(ring, s);
}

/* The RX slot at head holds the frame of (len, seed); consume it. */
static void
nt_rx_expect(struct kh_chan *c, uint32_t r, uint32_t len, uint32_t seed)
{
	struct __user_channel_ring *ring = kh_rx(c, r);
	uint32_t s = ring->ring_head;
	struct __user_packet *up = (void *)kh_slot_md(c, ring, s);
	struct __metadata_preamble *mdp = (void *)((uint8_t *)up -
	    METADATA_PREAMBLE_SZ);
	uint8_t want[2048];

	ck_assert_uint_eq(mdp->mdp_type, NEXUS_META_TYPE_PACKET);
	ck_assert_uint_eq(mdp->mdp_subtype, NEXUS_META_SUBTYPE_RAW);
	ck_assert_uint_eq(up->pkt_length, len);
	ck_assert_uint_eq(up->pkt_qum_buf.buf_dlen, len);
	ck_assert_uint_eq(up->pkt_qum_buf.buf_doff, 0);
	ck_assert_uint_eq(up->pkt_l2_len, 14);
	ck_assert_uint_eq(up->pkt_headroom, 0);
	ck_assert(up->pkt_qum_qflags & QUM_F_FINALIZED);
	nt_fill(want, len, seed);
	ck_assert_mem_eq(kh_slot_buf(c, ring, s), want, len);
	ring->ring_head = kh_next(ring, s);
}

/* ---- registration ------------------------------------------------------------- */

START_TEST(test_register_defaults)
{
	struct sk_file *ctl = kh_ctl_open();
	struct nt_prov np = { .user_channel = 1 };
	struct nxprov_params p;
	uuid_t prov;

	ck_assert_int_eq(nt_register(ctl, &np, prov, &p), 0);
	ck_assert_uint_eq(p.nxp_type, NEXUS_TYPE_NET_IF);
	ck_assert_uint_eq(p.nxp_tx_rings, 1);
	ck_assert_uint_eq(p.nxp_rx_rings, 1);
	ck_assert_uint_eq(p.nxp_tx_slots, NX_NETIF_TX_SLOTS_DEF);
	ck_assert_uint_eq(p.nxp_rx_slots, NX_NETIF_RX_SLOTS_DEF);
	ck_assert_uint_eq(p.nxp_buf_size, NX_NETIF_BUFSIZE_DEF);
	ck_assert_uint_eq(p.nxp_md_type, NEXUS_META_TYPE_PACKET);
	ck_assert_uint_eq(p.nxp_md_subtype, NEXUS_META_SUBTYPE_RAW);
	ck_assert_uint_eq(p.nxp_flags, NXPF_ANONYMOUS | NXPF_USER_CHANNEL);
	ck_assert_uint_eq(p.nxp_max_frags, 1);
	/* explicit values; a user channel only when asked for */
	np = (struct nt_prov){ 2, 64, 128, 4096, 0 };
	ck_assert_int_eq(nt_register(ctl, &np, prov, &p), 0);
	ck_assert_uint_eq(p.nxp_tx_rings, 2);
	ck_assert_uint_eq(p.nxp_tx_slots, 64);
	ck_assert_uint_eq(p.nxp_rx_slots, 128);
	ck_assert_uint_eq(p.nxp_buf_size, 4096);
	ck_assert_uint_eq(p.nxp_flags & NXPF_USER_CHANNEL, 0);
	/* limits: buffer 128..32768, rings 1..16 */
	np = (struct nt_prov){ .buf_size = 65536, .user_channel = 1 };
	ck_assert_int_eq(nt_register(ctl, &np, prov, NULL), -ENOMEM);
	np = (struct nt_prov){ .rings = 17, .user_channel = 1 };
	ck_assert_int_eq(nt_register(ctl, &np, prov, NULL), -ENOMEM);
	np = (struct nt_prov){ .buf_size = 64, .user_channel = 1 };
	ck_assert_int_eq(nt_register(ctl, &np, prov, &p), 0);
	ck_assert_uint_eq(p.nxp_buf_size, NX_NETIF_BUFSIZE_DEF);
	sk_file_close(ctl);
}
END_TEST

/* No user channel requested: the DEV port cannot be opened from here. */
START_TEST(test_no_user_channel)
{
	struct sk_file *ctl = kh_ctl_open();
	struct nt_prov np = { .user_channel = 0 };
	struct kh_chan c;
	uuid_t prov, nx;

	ck_assert_int_eq(skb_loop_create(NT_DEV, 1500), 0);
	nt_netif(ctl, &np, prov, nx);
	ck_assert_int_eq(nt_attach(ctl, nx, NT_DEV, NULL), 0);
	ck_assert_int_eq(kh_chan_open(&c, nx, NEXUS_PORT_NET_IF_DEV,
	    CHANNEL_RING_ID_ANY), -ENOTSUP);
	sk_file_close(ctl);
}
END_TEST

/* ---- scenario 19: attach / detach life cycle ------------------------------------ */

START_TEST(test_lifecycle_a)
{
	struct sk_file *ctl = kh_ctl_open();
	struct kh_chan c;
	uuid_t prov, nx, prov2, nx2, att, att2, rnd;
	struct nx_spec_req nsr;

	ck_assert_int_eq(skb_loop_create(NT_DEV, 1500), 0);
	nt_netif(ctl, NULL, prov, nx);
	ck_assert_int_eq(kh_chan_open(&c, nx, NEXUS_PORT_NET_IF_HOST,
	    CHANNEL_RING_ID_ANY), -ENOTSUP);
	ck_assert_int_eq(kh_chan_open(&c, nx, NEXUS_PORT_NET_IF_DEV,
	    CHANNEL_RING_ID_ANY), -ENXIO);
	uuid_generate_random(rnd);
	ck_assert_int_eq(nt_detach(ctl, nx, rnd), -ESRCH);
	ck_assert_int_eq(nt_detach(ctl, nx, NULL), -EINVAL);
	ck_assert_int_eq(nt_attach(ctl, nx, "nosuchif", NULL), -ENXIO);
	memset(&nsr, 0, sizeof(nsr));
	nsr.nsr_flags = NXSPECREQ_UUID;
	uuid_copy(nsr.nsr_uuid, nx);
	ck_assert_int_eq(nt_config(ctl, nx, NXCFG_CMD_ATTACH, &nsr), -EINVAL);
	ck_assert_int_eq(nt_attach(ctl, nx, NT_DEV, att), 0);
	ck_assert(!uuid_is_null(att));
	/* same instance again, then another instance on the same device */
	ck_assert_int_eq(nt_attach(ctl, nx, NT_DEV, NULL), -EBUSY);
	nt_netif(ctl, NULL, prov2, nx2);
	ck_assert_int_eq(nt_attach(ctl, nx2, NT_DEV, att2), -EBUSY);
	ck_assert_int_eq(kh_chan_open(&c, nx, NEXUS_PORT_NET_IF_DEV,
	    CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(nt_detach(ctl, nx, att), -EBUSY);
	kh_chan_close(&c);
	ck_assert_int_eq(nt_detach(ctl, nx, att), 0);
	ck_assert_int_eq(nt_detach(ctl, nx, att), -ESRCH);
	/* the device is free again: the other instance may have it */
	ck_assert_int_eq(nt_attach(ctl, nx2, NT_DEV, att2), 0);
	sk_file_close(ctl);
	ck_assert_uint_eq(evl_count(nt_evl), 0);
}
END_TEST

/* Variant b: the controller goes first; closing the channel later. */
START_TEST(test_lifecycle_b)
{
	struct sk_file *ctl = kh_ctl_open();
	struct kh_chan c;
	uuid_t prov, nx, att;

	ck_assert_int_eq(skb_loop_create(NT_DEV, 1500), 0);
	nt_netif(ctl, NULL, prov, nx);
	ck_assert_int_eq(nt_attach(ctl, nx, NT_DEV, att), 0);
	ck_assert_int_eq(kh_chan_open(&c, nx, NEXUS_PORT_NET_IF_DEV,
	    CHANNEL_RING_ID_ANY), 0);
	sk_file_close(ctl);
	/* the channel still works: TX comes back as RX on a loop device */
	nt_tx(&c, 0, 60, 7);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&c, 0)), 1);
	kh_chan_close(&c);
	ck_assert_uint_eq(evl_count(nt_evl), 0);
}
END_TEST

/* Variant c: free the instance with the channel open, then detach. */
START_TEST(test_lifecycle_c)
{
	struct sk_file *ctl = kh_ctl_open();
	struct skc_nexus_uuid nu;
	struct kh_chan c;
	uuid_t prov, nx, att;

	ck_assert_int_eq(skb_loop_create(NT_DEV, 1500), 0);
	nt_netif(ctl, NULL, prov, nx);
	ck_assert_int_eq(nt_attach(ctl, nx, NT_DEV, att), 0);
	ck_assert_int_eq(kh_chan_open(&c, nx, NEXUS_PORT_NET_IF_DEV,
	    CHANNEL_RING_ID_ANY), 0);
	memset(&nu, 0, sizeof(nu));
	uuid_copy(nu.nu_uuid, nx);
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_DESTROY, &nu), 0);
	ck_assert_int_eq(nt_detach(ctl, nx, att), -ENOENT);
	uuid_copy(nu.nu_uuid, prov);
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_DEREGISTER, &nu), 0);
	sk_file_close(ctl);
	kh_chan_close(&c);
	/* the last channel freed the instance and let the device go */
	ck_assert_uint_eq(evl_count(nt_evl), 0);
	ctl = kh_ctl_open();
	nt_netif(ctl, NULL, prov, nx);
	ck_assert_int_eq(nt_attach(ctl, nx, NT_DEV, att), 0);
	sk_file_close(ctl);
}
END_TEST

/* Variant delete: the device vanishes under an open channel. */
START_TEST(test_device_gone)
{
	struct sk_file *ctl = kh_ctl_open();
	struct kh_chan c, c2;
	uuid_t prov, nx, att;

	ck_assert_int_eq(skb_loop_create(NT_DEV, 1500), 0);
	nt_netif(ctl, NULL, prov, nx);
	ck_assert_int_eq(nt_attach(ctl, nx, NT_DEV, att), 0);
	ck_assert_int_eq(kh_chan_open(&c, nx, NEXUS_PORT_NET_IF_DEV,
	    CHANNEL_RING_ID_ANY), 0);
	ck_assert_uint_eq(evl_count(nt_evl), 1);
	ck_assert_int_eq(skb_loop_destroy(NT_DEV), 0);
	nt_pump();              /* the queue fd reports the hang-up */
	ck_assert_uint_eq(evl_count(nt_evl), 0);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), -ENXIO);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), -ENXIO);
	ck_assert_uint_eq(kh_poll(&c, POLLIN | POLLOUT, 0), POLLHUP | POLLIN);
	ck_assert_int_eq(kh_chan_open(&c2, nx, NEXUS_PORT_NET_IF_DEV, 0),
	    -ENXIO);
	/* detach works although the (dead) channel is still open */
	ck_assert_int_eq(nt_detach(ctl, nx, att), 0);
	ck_assert_int_eq(nt_attach(ctl, nx, NT_DEV, NULL), -EBUSY);
	kh_chan_close(&c);
	/* a new device of the same name: attach and use it again */
	ck_assert_int_eq(skb_loop_create(NT_DEV, 1500), 0);
	ck_assert_int_eq(nt_attach(ctl, nx, NT_DEV, att), 0);
	ck_assert_int_eq(kh_chan_open(&c, nx, NEXUS_PORT_NET_IF_DEV,
	    CHANNEL_RING_ID_ANY), 0);
	kh_chan_close(&c);
	sk_file_close(ctl);
}
END_TEST

/* Gone noticed by a sync (no event loop serving the queue yet). */
START_TEST(test_device_gone_in_sync)
{
	struct sk_file *ctl = kh_ctl_open();
	struct kh_chan c;
	uuid_t prov, nx, att;

	ck_assert_int_eq(skb_loop_create(NT_DEV, 1500), 0);
	nt_netif(ctl, NULL, prov, nx);
	ck_assert_int_eq(nt_attach(ctl, nx, NT_DEV, att), 0);
	ck_assert_int_eq(kh_chan_open(&c, nx, NEXUS_PORT_NET_IF_DEV,
	    CHANNEL_RING_ID_ANY), 0);
	ck_assert_int_eq(skb_loop_destroy(NT_DEV), 0);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), -ENXIO);
	ck_assert_uint_eq(evl_count(nt_evl), 0);
	kh_chan_close(&c);
	ck_assert_int_eq(nt_detach(ctl, nx, att), 0);
	sk_file_close(ctl);
}
END_TEST

/* Client ports: 2..127 bindable on a named netif, 128 out of range. */
START_TEST(test_bind_ports)
{
	struct sk_file *ctl = kh_ctl_open();
	struct nt_prov np = { .user_channel = 1 };
	struct skc_nexus_register nr;
	uuid_t prov, nx, key;
	nexus_port_t port;

	(void)np;
	memset(&nr, 0, sizeof(nr));
	nr.nr_reg.nxpreg_version = NXPROV_REG_CURRENT_VERSION;
	nr.nr_reg.nxpreg_requested = NXPREQ_USER_CHANNEL;
	strcpy((char *)nr.nr_reg.nxpreg_params.nxp_name, "named");
	nr.nr_reg.nxpreg_params.nxp_namelen = 5;
	nr.nr_reg.nxpreg_params.nxp_type = NEXUS_TYPE_NET_IF;
	nr.nr_reg.nxpreg_params.nxp_flags = NXPF_USER_CHANNEL;
	ck_assert_int_eq(kh_ioctl(ctl, SKC_IOC_NEXUS_REGISTER, &nr), 0);
	uuid_copy(prov, nr.nr_prov_uuid);
	ck_assert_int_eq(kh_nexus_create(ctl, prov, nx), 0);
	uuid_generate_random(key);
	for (port = NEXUS_PORT_NET_IF_CLIENT; port < NX_NETIF_MAXPORTS; port++)
		ck_assert_int_eq(kh_bind(ctl, nx, port, NBR_MATCH_PID |
		    NBR_MATCH_KEY, getpid(), key, sizeof(key)), 0);
	ck_assert_int_eq(kh_bind(ctl, nx, NX_NETIF_MAXPORTS, NBR_MATCH_KEY,
	    0, key, sizeof(key)), -EDOM);
	for (port = NEXUS_PORT_NET_IF_CLIENT; port < NX_NETIF_MAXPORTS; port++)
		ck_assert_int_eq(kh_unbind(ctl, nx, port), 0);
	sk_file_close(ctl);
}
END_TEST

/* ---- data path over a loop device ---------------------------------------------- */

static void
nt_open_loop(struct sk_file **ctl, const struct nt_prov *np, uuid_t nx,
    struct kh_chan *c)
{
	uuid_t prov;

	ck_assert_int_eq(skb_loop_create(NT_DEV, 1500), 0);
	*ctl = kh_ctl_open();
	nt_netif(*ctl, np, prov, nx);
	ck_assert_int_eq(nt_attach(*ctl, nx, NT_DEV, NULL), 0);
	ck_assert_int_eq(kh_chan_open(c, nx, NEXUS_PORT_NET_IF_DEV,
	    CHANNEL_RING_ID_ANY), 0);
}

/* Frames of every size from 14 to 1514 go out and come back intact. */
START_TEST(test_loop_roundtrip)
{
	struct skc_ctl_netif_lookup nl;
	struct sk_file *ctl;
	struct kh_chan c;
	uint32_t len, n = 0;
	uuid_t nx;

	nt_open_loop(&ctl, NULL, nx, &c);
	ck_assert_uint_eq(c.info.ci_info.cinfo_nxprov_params.nxp_md_type,
	    NEXUS_META_TYPE_PACKET);
	ck_assert_uint_eq(kh_avail(kh_tx(&c, 0)), NX_NETIF_TX_SLOTS_DEF - 1);
	for (len = 14; len <= 1514; len += 100) {
		nt_tx(&c, 0, len, len);
		n++;
	}
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(kh_avail(kh_tx(&c, 0)), NX_NETIF_TX_SLOTS_DEF - 1);
	nt_pump();
	ck_assert_uint_eq(c.fired, 0);  /* not armed: nobody waits */
	ck_assert_uint_eq(kh_poll(&c, POLLIN, 1), POLLIN);
	ck_assert_uint_eq(kh_avail(kh_rx(&c, 0)), n);
	for (len = 14; len <= 1514; len += 100)
		nt_rx_expect(&c, 0, len, len);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&c, 0)), 0);
	ck_assert_int_eq(nt_lookup(NT_DEV, &nl), 0);
	ck_assert_uint_eq(nl.nl_q[0].nq_tx_packets, n);
	ck_assert_uint_eq(nl.nl_q[0].nq_rx_packets, n);
	ck_assert_uint_eq(nl.nl_channels, 1);
	ck_assert_uint_eq(nl.nl_flags, SKC_NETIF_F_LOOP);
	ck_assert(uuid_compare(nl.nl_nx_uuid, nx) == 0);
	ck_assert(uuid_is_null(nl.nl_attach_uuid));
	kh_chan_close(&c);
	sk_file_close(ctl);
}
END_TEST

/* A reader asleep in poll is woken when frames arrive on the device. */
START_TEST(test_rx_wakeup)
{
	struct sk_file *ctl;
	struct kh_chan c;
	uuid_t nx;

	nt_open_loop(&ctl, NULL, nx, &c);
	ck_assert_uint_eq(kh_poll(&c, POLLIN, 1), 0);   /* armed */
	nt_tx(&c, 0, 100, 1);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(c.fired, 0);
	nt_pump();
	ck_assert_uint_eq(c.fired, 1);
	ck_assert_uint_eq(kh_poll(&c, POLLIN, 1), POLLIN);
	nt_rx_expect(&c, 0, 100, 1);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	kh_chan_close(&c);
	sk_file_close(ctl);
}
END_TEST

/*
 * Every frame is delivered or counted: a full ring leaves the rest in
 * the device's queue for the next sync (nothing dropped), and frames
 * with no channel to take them are read, dropped and counted.
 */
START_TEST(test_drops_counted)
{
	struct nt_prov np = { .tx_slots = 32, .rx_slots = 8, .user_channel = 1 };
	struct skc_ctl_netif_lookup nl;
	struct sk_file *ctl;
	struct kh_chan c;
	uint32_t i;
	uuid_t nx;

	nt_open_loop(&ctl, &np, nx, &c);
	/* ring full: 7 usable RX slots, 12 frames; 5 wait in the device */
	for (i = 0; i < 12; i++)
		nt_tx(&c, 0, 64, i);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	nt_pump();
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&c, 0)), 7);
	nt_pump();
	ck_assert_int_eq(nt_lookup(NT_DEV, &nl), 0);
	ck_assert_uint_eq(nl.nl_q[0].nq_rx_packets, 7);
	ck_assert_uint_eq(nt_drops(&nl, SKC_NETIF_DROP_RING_FULL), 0);
	ck_assert_uint_eq(nt_drops(&nl, SKC_NETIF_DROP_NO_CHANNEL), 0);
	for (i = 0; i < 7; i++)
		nt_rx_expect(&c, 0, 64, i);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&c, 0)), 5);
	for (i = 7; i < 12; i++)
		nt_rx_expect(&c, 0, 64, i);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	/* no channel: frames sent just before closing have no reader */
	for (i = 0; i < 5; i++)
		nt_tx(&c, 0, 64, i);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	nt_pump();              /* the reader is woken, and never reads */
	kh_chan_close(&c);
	nt_pump();
	ck_assert_int_eq(nt_lookup(NT_DEV, &nl), 0);
	ck_assert_uint_eq(nt_drops(&nl, SKC_NETIF_DROP_NO_CHANNEL), 5);
	ck_assert_uint_eq(nt_drops(&nl, SKC_NETIF_DROP_RING_FULL), 0);
	ck_assert_uint_eq(nl.nl_q[0].nq_tx_packets, 17);
	ck_assert_uint_eq(nl.nl_q[0].nq_rx_packets, 12);
	ck_assert_uint_eq(nl.nl_channels, 0);
	sk_file_close(ctl);
}
END_TEST

/*
 * A full RX ring stops taking frames: they wait in the device's queue
 * however long the reader works (the event loop runs meanwhile), and
 * arrive, in order, once a sync (explicit or poll's implicit one) frees
 * slots; none is dropped.  Then the queue is watched again: a reader
 * asleep in poll is woken by the next frame.
 */
START_TEST(test_rx_full_ring_waits)
{
	struct nt_prov np = { .tx_slots = 32, .rx_slots = 4, .user_channel = 1 };
	struct skc_ctl_netif_lookup nl;
	struct sk_file *ctl;
	struct kh_chan c;
	uint32_t i;
	uuid_t nx;

	nt_open_loop(&ctl, &np, nx, &c);
	for (i = 0; i < 3; i++)         /* fills the 3 usable slots */
		nt_tx(&c, 0, 80, i);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	nt_pump();
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&c, 0)), 3);
	for (i = 3; i < 9; i++)         /* arrive while the ring is full */
		nt_tx(&c, 0, 80, i);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	for (i = 0; i < 4; i++)
		nt_pump();
	ck_assert_int_eq(nt_lookup(NT_DEV, &nl), 0);
	ck_assert_uint_eq(nl.nl_q[0].nq_tx_packets, 9);
	ck_assert_uint_eq(nl.nl_q[0].nq_rx_packets, 3);
	for (i = 0; i < SKC_NETIF_DROP_NREASONS; i++)
		ck_assert_uint_eq(nt_drops(&nl, i), 0);
	/* explicit sync with nothing released: still full, still waiting */
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&c, 0)), 3);
	for (i = 0; i < 3; i++)
		nt_rx_expect(&c, 0, 80, i);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&c, 0)), 3);
	for (i = 3; i < 6; i++)
		nt_rx_expect(&c, 0, 80, i);
	/* poll's implicit sync takes the rest */
	ck_assert_uint_eq(kh_poll(&c, POLLIN, 1), POLLIN);
	ck_assert_uint_eq(kh_avail(kh_rx(&c, 0)), 3);
	for (i = 6; i < 9; i++)
		nt_rx_expect(&c, 0, 80, i);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&c, 0)), 0);
	/* room again: the queue is watched, a sleeping reader is woken */
	ck_assert_uint_eq(kh_poll(&c, POLLIN, 1), 0);
	c.fired = 0;
	nt_tx(&c, 0, 80, 9);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	nt_pump();
	ck_assert_uint_eq(c.fired, 1);
	ck_assert_uint_eq(kh_poll(&c, POLLIN, 1), POLLIN);
	nt_rx_expect(&c, 0, 80, 9);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_int_eq(nt_lookup(NT_DEV, &nl), 0);
	ck_assert_uint_eq(nl.nl_q[0].nq_tx_packets, 10);
	ck_assert_uint_eq(nl.nl_q[0].nq_rx_packets, 10);
	for (i = 0; i < SKC_NETIF_DROP_NREASONS; i++)
		ck_assert_uint_eq(nt_drops(&nl, i), 0);
	kh_chan_close(&c);
	sk_file_close(ctl);
}
END_TEST

/* Runts the device refuses are counted; a dropped slot is never sent. */
START_TEST(test_tx_badlen_and_dropped)
{
	struct skc_ctl_netif_lookup nl;
	struct __user_channel_ring *tx;
	struct sk_file *ctl;
	struct kh_chan c;
	uuid_t nx;

	nt_open_loop(&ctl, NULL, nx, &c);
	tx = kh_tx(&c, 0);
	nt_tx(&c, 0, 10, 1);                            /* runt */
	kh_slot_md(&c, tx, tx->ring_head)->qum_qflags = QUM_F_DROPPED;
	nt_tx(&c, 0, 60, 2);                            /* dropped by user */
	nt_tx(&c, 0, 60, 3);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(kh_avail(tx), NX_NETIF_TX_SLOTS_DEF - 1);
	ck_assert_int_eq(nt_lookup(NT_DEV, &nl), 0);
	ck_assert_uint_eq(nl.nl_q[0].nq_tx_packets, 1);
	ck_assert_uint_eq(nt_drops(&nl, SKC_NETIF_DROP_BADLEN), 1);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&c, 0)), 1);
	nt_rx_expect(&c, 0, 60, 3);
	kh_chan_close(&c);
	sk_file_close(ctl);
}
END_TEST

/*
 * The device pushes back (a loop queue holds about 280 frames): the rest
 * stays queued, counted; once the queue drains, the event loop's
 * writability refill sends it, in order, without another TX sync.
 */
START_TEST(test_tx_pushback)
{
	struct nt_prov np = { .tx_slots = 512, .rx_slots = 1024,
		.user_channel = 1 };
	struct skc_ctl_netif_lookup nl;
	struct __user_channel_ring *tx, *rx;
	struct sk_file *ctl;
	struct kh_chan c;
	uint32_t i, got = 0, sent0;
	uuid_t nx;

	nt_open_loop(&ctl, &np, nx, &c);
	tx = kh_tx(&c, 0);
	rx = kh_rx(&c, 0);
	for (i = 0; i < 500; i++)
		nt_tx(&c, 0, 60, i);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_ne(tx->ring_khead, tx->ring_head);       /* pending */
	ck_assert_int_eq(nt_lookup(NT_DEV, &nl), 0);
	sent0 = (uint32_t)nl.nl_q[0].nq_tx_packets;
	ck_assert_uint_lt(sent0, 500);
	ck_assert_uint_ge(nl.nl_q[0].nq_tx_pushback, 1);
	ck_assert_uint_eq(kh_avail(tx), 511 - (500 - sent0));
	for (i = 0; i < 20 && got < 500; i++) {
		ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
		while (kh_avail(rx) != 0)
			nt_rx_expect(&c, 0, 60, got++);
		nt_pump();              /* writable: the refill sends more */
	}
	ck_assert_uint_eq(got, 500);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_uint_eq(kh_avail(tx), 511);
	ck_assert_int_eq(nt_lookup(NT_DEV, &nl), 0);
	ck_assert_uint_eq(nl.nl_q[0].nq_tx_packets, 500);
	ck_assert_uint_eq(nl.nl_q[0].nq_rx_packets, 500);
	ck_assert_uint_eq(nt_drops(&nl, SKC_NETIF_DROP_RING_FULL), 0);
	kh_chan_close(&c);
	sk_file_close(ctl);
}
END_TEST

/* A TX head past the tail is a ring violation: EFAULT, nothing sent. */
START_TEST(test_tx_violation)
{
	struct skc_ctl_netif_lookup nl;
	struct sk_file *ctl;
	struct kh_chan c;
	uuid_t nx;

	kh_cred = KH_CRED_NOBODY;       /* pid 0: never killed */
	nt_open_loop(&ctl, NULL, nx, &c);
	kh_tx(&c, 0)->ring_head = NX_NETIF_TX_SLOTS_DEF;
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), -EFAULT);
	ck_assert_int_eq(nt_lookup(NT_DEV, &nl), 0);
	ck_assert_uint_eq(nl.nl_q[0].nq_tx_packets, 0);
	kh_chan_close(&c);
	sk_file_close(ctl);
}
END_TEST

/* Two rings are two device queues: ring i comes back on ring i. */
START_TEST(test_two_rings)
{
	struct nt_prov np = { .rings = 2, .user_channel = 1 };
	struct skc_ctl_netif_lookup nl;
	struct sk_file *ctl;
	struct kh_chan c, c1;
	uuid_t nx;

	nt_open_loop(&ctl, &np, nx, &c);
	ck_assert_uint_eq(c.nrings, 2);
	ck_assert_uint_eq(evl_count(nt_evl), 2);
	nt_tx(&c, 0, 70, 10);
	nt_tx(&c, 1, 80, 11);
	nt_tx(&c, 1, 90, 12);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&c, 0)), 1);
	ck_assert_uint_eq(kh_avail(kh_rx(&c, 1)), 2);
	nt_rx_expect(&c, 0, 70, 10);
	nt_rx_expect(&c, 1, 80, 11);
	nt_rx_expect(&c, 1, 90, 12);
	ck_assert_int_eq(nt_lookup(NT_DEV, &nl), 0);
	ck_assert_uint_eq(nl.nl_rings, 2);
	ck_assert_uint_eq(nl.nl_q[0].nq_tx_packets, 1);
	ck_assert_uint_eq(nl.nl_q[1].nq_tx_packets, 2);
	kh_chan_close(&c);
	/* one channel per ring */
	ck_assert_int_eq(kh_chan_open(&c, nx, NEXUS_PORT_NET_IF_DEV, 0), 0);
	ck_assert_int_eq(kh_chan_open(&c1, nx, NEXUS_PORT_NET_IF_DEV, 1), 0);
	nt_tx(&c1, 0, 100, 5);
	ck_assert_int_eq(kh_sync(&c1, CHANNEL_SYNC_TX), 0);
	ck_assert_int_eq(kh_sync(&c1, CHANNEL_SYNC_RX), 0);
	nt_rx_expect(&c1, 0, 100, 5);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	ck_assert_uint_eq(kh_avail(kh_rx(&c, 0)), 0);
	kh_chan_close(&c1);
	kh_chan_close(&c);
	sk_file_close(ctl);
}
END_TEST

/* An event ring needs the user packet pool (check_upp.c has the rest). */
START_TEST(test_modes_unsupported)
{
	struct sk_file *ctl;
	struct kh_chan c, c2;
	uuid_t nx;

	nt_open_loop(&ctl, NULL, nx, &c);
	kh_chan_close(&c);
	ck_assert_int_eq(kh_chan_open_key(&c2, nx, NEXUS_PORT_NET_IF_DEV,
	    CHANNEL_RING_ID_ANY, CHMODE_EVENT_RING, NULL, 0), -EINVAL);
	ck_assert_int_eq(kh_chan_open(&c2, nx, 2, CHANNEL_RING_ID_ANY),
	    -ENOTSUP);
	ck_assert_int_eq(kh_chan_open(&c2, nx, NX_NETIF_MAXPORTS,
	    CHANNEL_RING_ID_ANY), -EDOM);
	sk_file_close(ctl);
}
END_TEST

/* ---- daemon-owned netifs (control requests 18-20) ----------------------------- */

static int
nt_ctl_attach(const char *ifname, uint32_t flags, uint32_t rings,
    struct skc_ctl_netif_attach *na)
{
	struct sk_file *f = sk_file_open(&kh_cred, SK_DOOR_LOCAL, NULL);
	int err;

	memset(na, 0, sizeof(*na));
	strncpy(na->na_ifname, ifname, sizeof(na->na_ifname) - 1);
	na->na_flags = flags;
	na->na_rings = rings;
	err = kh_ioctl(f, SKC_IOC_CTL_NETIF_ATTACH, na);
	sk_file_close(f);
	return err;
}

static int
nt_ctl_detach(const char *ifname, const uuid_t nx)
{
	struct sk_file *f = sk_file_open(&kh_cred, SK_DOOR_LOCAL, NULL);
	struct skc_ctl_netif_detach nd;
	int err;

	memset(&nd, 0, sizeof(nd));
	if (ifname != NULL)
		strncpy(nd.nd_ifname, ifname, sizeof(nd.nd_ifname) - 1);
	if (nx != NULL)
		uuid_copy(nd.nd_nx_uuid, nx);
	err = kh_ioctl(f, SKC_IOC_CTL_NETIF_DETACH, &nd);
	sk_file_close(f);
	return err;
}

START_TEST(test_ctl_attach_detach)
{
	struct skc_ctl_netif_attach na, na2;
	struct skc_ctl_netif_lookup nl;
	struct skc_ctl_stats st;
	struct kh_chan c;

	ck_assert_int_eq(nt_ctl_attach(NT_DEV, SKC_NETIF_LOOP, 1, &na),
	    -ENXIO);
	ck_assert_int_eq(nt_ctl_attach(NT_DEV, SKC_NETIF_LOOP |
	    SKC_NETIF_CREATE, 1, &na), 0);
	ck_assert(!uuid_is_null(na.na_nx_uuid));
	ck_assert(!uuid_is_null(na.na_attach_uuid));
	ck_assert_uint_eq(na.na_ifindex, 0);
	ck_assert_int_eq(nt_ctl_attach(NT_DEV, SKC_NETIF_LOOP, 1, &na2),
	    -EBUSY);
	/* it outlives the handle that asked; lookup finds it */
	ck_assert_int_eq(nt_lookup(NT_DEV, &nl), 0);
	ck_assert(uuid_compare(nl.nl_nx_uuid, na.na_nx_uuid) == 0);
	ck_assert(uuid_compare(nl.nl_attach_uuid, na.na_attach_uuid) == 0);
	ck_assert_uint_eq(nl.nl_flags, SKC_NETIF_F_DAEMON | SKC_NETIF_F_LOOP |
	    SKC_NETIF_F_CREATED);
	ck_assert_uint_eq(nl.nl_mtu, 1500);
	ck_assert_uint_eq(nl.nl_link, SKB_LINK_UP | SKB_LINK_RUNNING);
	sk_kern_stats(&st);
	ck_assert_uint_eq(st.cs_instances, 1);
	/* lookup by UUID, with no name */
	memset(&nl, 0, sizeof(nl));
	uuid_copy(nl.nl_nx_uuid, na.na_nx_uuid);
	{
		struct sk_file *f = sk_file_open(&kh_cred, SK_DOOR_LOCAL,
		    NULL);

		ck_assert_int_eq(kh_ioctl(f, SKC_IOC_CTL_NETIF_LOOKUP, &nl),
		    0);
		sk_file_close(f);
	}
	ck_assert_str_eq(nl.nl_ifname, NT_DEV);
	/* a channel on it; detach waits for it */
	ck_assert_int_eq(kh_chan_open(&c, na.na_nx_uuid,
	    NEXUS_PORT_NET_IF_DEV, CHANNEL_RING_ID_ANY), 0);
	nt_tx(&c, 0, 200, 9);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), 0);
	nt_rx_expect(&c, 0, 200, 9);
	ck_assert_int_eq(nt_ctl_detach(NT_DEV, NULL), -EBUSY);
	kh_chan_close(&c);
	ck_assert_int_eq(nt_ctl_detach(NT_DEV, NULL), 0);
	ck_assert_int_eq(nt_lookup(NT_DEV, &nl), -ENXIO);
	ck_assert_int_eq(nt_ctl_detach(NT_DEV, NULL), -ENXIO);
	ck_assert_int_eq(nt_ctl_detach(NULL, na.na_nx_uuid), -ENOENT);
	/* created without PERSIST: the device went with it */
	ck_assert_int_eq(nt_ctl_attach(NT_DEV, SKC_NETIF_LOOP, 1, &na),
	    -ENXIO);
	sk_kern_stats(&st);
	ck_assert_uint_eq(st.cs_instances, 0);
	ck_assert_uint_eq(st.cs_controllers, 0);
}
END_TEST

START_TEST(test_ctl_checks)
{
	struct skc_ctl_netif_attach na;
	struct sk_file *ctl;
	struct kh_chan c;
	uuid_t prov, nx;

	ck_assert_int_eq(nt_ctl_attach("", SKC_NETIF_LOOP, 1, &na), -EINVAL);
	ck_assert_int_eq(nt_ctl_attach(NT_DEV, 0x80, 1, &na), -EINVAL);
	ck_assert_int_eq(nt_ctl_attach(NT_DEV, SKC_NETIF_LOOP |
	    SKC_NETIF_CREATE, 17, &na), -ENOMEM);
	/* not the administrator */
	kh_cred.cr_uid = getuid() == 0 ? 4242 : getuid() + 1;
	if (geteuid() != kh_cred.cr_uid) {
		ck_assert_int_eq(nt_ctl_attach(NT_DEV, SKC_NETIF_LOOP |
		    SKC_NETIF_CREATE, 1, &na), -EPERM);
		ck_assert_int_eq(nt_ctl_detach(NT_DEV, NULL), -EPERM);
	}
	kh_cred = KH_CRED_SELF;
	/* a netif attached by a controller is that controller's to detach */
	ck_assert_int_eq(skb_loop_create(NT_DEV2, 1500), 0);
	ctl = kh_ctl_open();
	nt_netif(ctl, NULL, prov, nx);
	ck_assert_int_eq(nt_attach(ctl, nx, NT_DEV2, NULL), 0);
	ck_assert_int_eq(nt_ctl_detach(NT_DEV2, NULL), -EPERM);
	ck_assert_int_eq(nt_ctl_attach(NT_DEV2, SKC_NETIF_LOOP, 1, &na),
	    -EBUSY);
	ck_assert_int_eq(kh_chan_open(&c, nx, NEXUS_PORT_NET_IF_DEV,
	    CHANNEL_RING_ID_ANY), 0);
	kh_chan_close(&c);
	sk_file_close(ctl);
	/* reserved fields */
	memset(&na, 0, sizeof(na));
	strcpy(na.na_ifname, NT_DEV);
	na.na_reserved[1] = 1;
	{
		struct sk_file *f = sk_file_open(&kh_cred, SK_DOOR_LOCAL,
		    NULL);

		ck_assert_int_eq(kh_ioctl(f, SKC_IOC_CTL_NETIF_ATTACH, &na),
		    -EINVAL);
		sk_file_close(f);
	}
}
END_TEST

/* A daemon-owned netif still attached at exit is closed by sk_kern_fini. */
START_TEST(test_ctl_fini_closes)
{
	struct skc_ctl_netif_attach na;

	ck_assert_int_eq(nt_ctl_attach(NT_DEV, SKC_NETIF_LOOP |
	    SKC_NETIF_CREATE | SKC_NETIF_PERSIST, 2, &na), 0);
	ck_assert_uint_eq(evl_count(nt_evl), 2);
	/* teardown: sk_kern_fini, baseline, no watch left */
}
END_TEST

/* ---- a real TAP in a private network namespace --------------------------------- */

#define NT_TAP          "sknt0"

static void
nt_netns(void)
{
	int fd;

	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare: %s",
	    strerror(errno));
	/* no IPv6 chatter (router solicitations, MLD) among test frames */
	fd = open("/proc/sys/net/ipv6/conf/default/disable_ipv6", O_WRONLY);
	if (fd >= 0) {
		ck_assert_int_eq(write(fd, "1", 1), 1);
		close(fd);
	}
}

static void
nt_link_up(const char *name)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	ck_assert_int_eq(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	ck_assert_int_eq(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	close(s);
}

/* An AF_PACKET socket on the TAP: the wire's other end. */
static int
nt_packet_socket(const char *name)
{
	struct sockaddr_ll sll;
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));

	ck_assert_int_ge(s, 0);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex(name);
	ck_assert_int_gt(sll.sll_ifindex, 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return s;
}

/* Next frame of our ethertype on s (others: Linux's own chatter). */
static ssize_t
nt_packet_recv(int s, uint8_t *buf, size_t cap)
{
	struct pollfd pfd = { .fd = s, .events = POLLIN };
	ssize_t n;
	int tries;

	for (tries = 0; tries < 200; tries++) {
		n = recv(s, buf, cap, 0);
		if (n >= 14 && buf[12] == (NT_ETHERTYPE >> 8) &&
		    buf[13] == (NT_ETHERTYPE & 0xff))
			return n;
		if (n < 0)
			poll(&pfd, 1, 10);
	}
	return -1;
}

START_TEST(test_tap_both_ways)
{
	struct skc_ctl_netif_attach na;
	struct skc_ctl_netif_lookup nl;
	uint8_t buf[2048], want[2048];
	struct kh_chan c;
	int s, i;
	ssize_t n;

	nt_netns();
	ck_assert_int_eq(nt_ctl_attach(NT_TAP, SKC_NETIF_CREATE, 1, &na), 0);
	ck_assert_uint_eq(na.na_ifindex, if_nametoindex(NT_TAP));
	nt_link_up(NT_TAP);
	s = nt_packet_socket(NT_TAP);
	ck_assert_int_eq(kh_chan_open(&c, na.na_nx_uuid,
	    NEXUS_PORT_NET_IF_DEV, CHANNEL_RING_ID_ANY), 0);
	ck_assert_uint_eq(c.info.ci_info.cinfo_nxprov_params.nxp_ifindex,
	    na.na_ifindex);
	/* channel -> wire, byte for byte */
	nt_tx(&c, 0, 1514, 77);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_TX), 0);
	n = nt_packet_recv(s, buf, sizeof(buf));
	ck_assert_int_eq(n, 1514);
	nt_fill(want, 1514, 77);
	ck_assert_mem_eq(buf, want, 1514);
	/* wire -> channel */
	for (i = 0; i < 3; i++) {
		nt_fill(buf, 60 + (uint32_t)i, 100 + (uint32_t)i);
		ck_assert_int_eq(send(s, buf, 60 + (size_t)i, 0), 60 + i);
	}
	for (i = 0; i < 100 && kh_avail(kh_rx(&c, 0)) < 3; i++) {
		nt_pump();
		kh_poll(&c, POLLIN, 0);
		if (kh_avail(kh_rx(&c, 0)) < 3)
			usleep(10000);
	}
	ck_assert_uint_eq(kh_avail(kh_rx(&c, 0)), 3);
	for (i = 0; i < 3; i++)
		nt_rx_expect(&c, 0, 60 + (uint32_t)i, 100 + (uint32_t)i);
	ck_assert_int_eq(nt_lookup(NT_TAP, &nl), 0);
	ck_assert_uint_eq(nl.nl_q[0].nq_rx_packets, 3);
	ck_assert_uint_ge(nl.nl_q[0].nq_tx_packets, 1);
	ck_assert_uint_eq(nl.nl_flags, SKC_NETIF_F_DAEMON | SKC_NETIF_F_CREATED);
	kh_chan_close(&c);
	close(s);
	ck_assert_int_eq(nt_ctl_detach(NT_TAP, NULL), 0);
	ck_assert_uint_eq(if_nametoindex(NT_TAP), 0);  /* created: removed */
}
END_TEST

/* The TAP deleted under an attached netif with a channel open. */
START_TEST(test_tap_deleted)
{
	struct skc_ctl_netif_attach na;
	struct kh_chan c;
	char cmd[64];
	int i;

	nt_netns();
	ck_assert_int_eq(nt_ctl_attach(NT_TAP, SKC_NETIF_CREATE |
	    SKC_NETIF_PERSIST, 1, &na), 0);
	ck_assert_int_eq(kh_chan_open(&c, na.na_nx_uuid,
	    NEXUS_PORT_NET_IF_DEV, CHANNEL_RING_ID_ANY), 0);
	snprintf(cmd, sizeof(cmd), "ip link del %s 2>/dev/null", NT_TAP);
	ck_assert_int_eq(system(cmd), 0);
	for (i = 0; i < 50 && evl_count(nt_evl) != 0; i++) {
		nt_pump();
		usleep(10000);
	}
	ck_assert_uint_eq(evl_count(nt_evl), 0);
	ck_assert_int_eq(kh_sync(&c, CHANNEL_SYNC_RX), -ENXIO);
	ck_assert_uint_eq(kh_poll(&c, POLLIN, 0), POLLHUP | POLLIN);
	ck_assert_int_eq(nt_ctl_detach(NT_TAP, NULL), 0);
	kh_chan_close(&c);
}
END_TEST

/* Can this process make a TAP in a namespace of its own? */
static int
nt_tap_probe(void)
{
	pid_t pid = fork();
	int st, fd;

	if (pid == 0) {
		if (unshare(CLONE_NEWNET) != 0)
			_exit(1);
		fd = open("/dev/net/tun", O_RDWR);
		_exit(fd < 0 ? 2 : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st) == 0 ? 0 : -1;
}

static Suite *
netif_suite(void)
{
	Suite *s = suite_create("nx_netif");
	TCase *tc = tcase_create("loop");
	TCase *tt = tcase_create("tap");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_register_defaults);
	tcase_add_test(tc, test_no_user_channel);
	tcase_add_test(tc, test_lifecycle_a);
	tcase_add_test(tc, test_lifecycle_b);
	tcase_add_test(tc, test_lifecycle_c);
	tcase_add_test(tc, test_device_gone);
	tcase_add_test(tc, test_device_gone_in_sync);
	tcase_add_test(tc, test_bind_ports);
	tcase_add_test(tc, test_loop_roundtrip);
	tcase_add_test(tc, test_rx_wakeup);
	tcase_add_test(tc, test_drops_counted);
	tcase_add_test(tc, test_rx_full_ring_waits);
	tcase_add_test(tc, test_tx_badlen_and_dropped);
	tcase_add_test(tc, test_tx_violation);
	tcase_add_test(tc, test_tx_pushback);
	tcase_add_test(tc, test_two_rings);
	tcase_add_test(tc, test_modes_unsupported);
	tcase_add_test(tc, test_ctl_attach_detach);
	tcase_add_test(tc, test_ctl_checks);
	tcase_add_test(tc, test_ctl_fini_closes);
	suite_add_tcase(s, tc);
	if (nt_tap_probe() != 0) {
		printf("skip: tap cases (needs root, TUN and network "
		    "namespaces); loop cases run\n");
		return s;
	}
	tcase_add_checked_fixture(tt, setup, teardown);
	tcase_set_timeout(tt, 20);
	tcase_add_test(tt, test_tap_both_ways);
	tcase_add_test(tt, test_tap_deleted);
	suite_add_tcase(s, tt);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(netif_suite());
	int failed;

	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
