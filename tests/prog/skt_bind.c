/*
 * skt_bind - port binding with keys and pids on a named user pipe.
 *
 * Behaviours §5 scenario 9 (XNU "bindupipekey" / "bindupipeanon").  On
 * a named upipe(2 rings) bind key0 to port 0 and key1 to port 1 (again:
 * EEXIST).  A port opens only with its own key (no key or the other key:
 * EACCES), also per ring and with two rings of a port open at once, and
 * the binding outlives the channels.  Unbind works once (then ENOENT);
 * a port beyond the pipe is EDOM; bind flags 0 or an empty key EINVAL;
 * an unbound port of a named nexus is EACCES.  A PID binding admits this
 * process and refuses a forked child with EACCES.  On an anonymous pipe
 * bind and unbind fail ENXIO.
 */
#include <sys/wait.h>

#include "skt_util.h"

static uuid_t bd_key0, bd_key1;

static int bd_bind_key(nexus_controller_t ctl, const uuid_t nx,
    nexus_port_t port, const uuid_t key)
{
	return os_nexus_controller_bind_provider_instance(ctl, nx, port, -1,
	    NULL, key, sizeof(uuid_t), NEXUS_BIND_KEY);
}

static channel_t bd_try(const uuid_t nx, nexus_port_t port, ring_id_t ring,
    const uuid_t key)
{
	struct skt_ch_opts o = SKT_CH_OPTS_DEFAULT;
	channel_attr_t attr;
	channel_t ch;
	int e;

	o.co_ring = ring;
	o.co_key = key;
	o.co_key_len = key != NULL ? sizeof(uuid_t) : 0;
	attr = skt_ch_attr(&o);
	ch = skt_channel_try(nx, port, &o, attr);
	e = errno;
	os_channel_attr_destroy(attr);
	errno = e;
	return ch;
}

static channel_t bd_open(const uuid_t nx, nexus_port_t port, ring_id_t ring,
    const uuid_t key)
{
	channel_t ch = bd_try(nx, port, ring, key);

	if (ch == NULL)
		SKT_FAIL("open port %u ring %d with its key: errno %d (%s)",
		    port, (int)ring, errno, strerror(errno));
	return ch;
}

static void bd_binds(const struct skt_nexus *nx)
{
	T_OK(bd_bind_key(nx->sn_ctl, nx->sn_inst, 0, bd_key0));
	T_SYSERR(bd_bind_key(nx->sn_ctl, nx->sn_inst, 0, bd_key0), EEXIST);
	T_OK(bd_bind_key(nx->sn_ctl, nx->sn_inst, 1, bd_key1));
	T_SYSERR(bd_bind_key(nx->sn_ctl, nx->sn_inst, 1, bd_key1), EEXIST);
	T_SYSERR(bd_bind_key(nx->sn_ctl, nx->sn_inst, 2, bd_key0), EDOM);
	T_SYSERR(os_nexus_controller_bind_provider_instance(nx->sn_ctl,
	    nx->sn_inst, 0, -1, NULL, bd_key0, sizeof(uuid_t), 0), EINVAL);
	T_SYSERR(os_nexus_controller_bind_provider_instance(nx->sn_ctl,
	    nx->sn_inst, 0, -1, NULL, NULL, 0, NEXUS_BIND_KEY), EINVAL);
	skt_ok("bind: 0, again EEXIST, port 2 EDOM, no flags/empty key EINVAL");
}

static void bd_port(const uuid_t nx, nexus_port_t port, const uuid_t mine,
    const uuid_t other)
{
	channel_t a, b;
	int i;

	T_NULL_ERRNO(bd_try(nx, port, CHANNEL_RING_ID_ANY, NULL), EACCES);
	T_NULL_ERRNO(bd_try(nx, port, CHANNEL_RING_ID_ANY, other), EACCES);
	for (i = 0; i < 2; i++) {       /* the binding survives the close */
		a = bd_open(nx, port, CHANNEL_RING_ID_ANY, mine);
		os_channel_destroy(a);
	}
	T_NULL_ERRNO(bd_try(nx, port, 0, NULL), EACCES);
	T_NULL_ERRNO(bd_try(nx, port, 1, NULL), EACCES);
	a = bd_open(nx, port, 0, mine);
	b = bd_open(nx, port, 1, mine);
	os_channel_destroy(a);
	os_channel_destroy(b);
	skt_ok("port %u: EACCES without/with the wrong key, opens with its "
	    "key (twice, and rings 0+1 together)", port);
}

static void bd_unbind(const struct skt_nexus *nx)
{
	T_OK(os_nexus_controller_unbind_provider_instance(nx->sn_ctl,
	    nx->sn_inst, 0));
	T_SYSERR(os_nexus_controller_unbind_provider_instance(nx->sn_ctl,
	    nx->sn_inst, 0), ENOENT);
	T_SYSERR(os_nexus_controller_unbind_provider_instance(nx->sn_ctl,
	    nx->sn_inst, 2), EDOM);
	T_NULL_ERRNO(bd_try(nx->sn_inst, 0, CHANNEL_RING_ID_ANY, NULL), EACCES);
	T_NULL_ERRNO(bd_try(nx->sn_inst, 0, CHANNEL_RING_ID_ANY, bd_key0),
	    EACCES);
	skt_ok("unbind: 0, again ENOENT, port 2 EDOM; unbound port EACCES");
}

/* A PID binding: we may open, a child (another pid) may not. */
static void bd_pid(const struct skt_nexus *nx)
{
	channel_t ch;
	pid_t pid;
	int st;

	T_OK(os_nexus_controller_unbind_provider_instance(nx->sn_ctl,
	    nx->sn_inst, 1));
	T_OK(os_nexus_controller_bind_provider_instance(nx->sn_ctl,
	    nx->sn_inst, 1, getpid(), NULL, NULL, 0, NEXUS_BIND_PID));
	ch = bd_open(nx->sn_inst, 1, CHANNEL_RING_ID_ANY, NULL);
	os_channel_destroy(ch);
	pid = fork();
	T_TRUE(pid >= 0);
	if (pid == 0) {
		skt_prog = "skt_bind(child)";
		T_NULL_ERRNO(bd_try(nx->sn_inst, 1, CHANNEL_RING_ID_ANY, NULL),
		    EACCES);
		_exit(0);
	}
	T_EQ(waitpid(pid, &st, 0), pid);
	T_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	skt_ok("PID binding: this process opens, a child gets EACCES");
}

static void bd_anonymous(void)
{
	struct skt_nx_params p = { 2, -1, -1, 1, -1 };
	struct skt_nexus nx;

	skt_upipe_setup(&nx, "bindanon", &p);
	T_SYSERR(bd_bind_key(nx.sn_ctl, nx.sn_inst, 0, bd_key0), ENXIO);
	T_SYSERR(bd_bind_key(nx.sn_ctl, nx.sn_inst, 1, bd_key1), ENXIO);
	T_SYSERR(os_nexus_controller_unbind_provider_instance(nx.sn_ctl,
	    nx.sn_inst, 0), ENXIO);
	skt_nexus_teardown(&nx);
	skt_ok("anonymous pipe: bind and unbind ENXIO");
}

int main(int argc, char **argv)
{
	struct skt_nx_params p = { 2, 128, -1, 0, -1 };
	struct skt_nexus nx;

	(void)argc;
	skt_set_prog(argv[0]);
	uuid_generate_random(bd_key0);
	uuid_generate_random(bd_key1);
	skt_upipe_setup(&nx, "bindkey", &p);
	bd_binds(&nx);
	bd_port(nx.sn_inst, 0, bd_key0, bd_key1);
	bd_port(nx.sn_inst, 1, bd_key1, bd_key0);
	bd_unbind(&nx);
	bd_pid(&nx);
	skt_nexus_teardown(&nx);
	bd_anonymous();
	printf("%s: PASS\n", skt_prog);
	return 0;
}
