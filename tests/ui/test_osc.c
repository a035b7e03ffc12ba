// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The OSC remote control against real sockets: a ras_osc on a free port of
 * 127.0.0.1, and a liblo server of the test's own that sends the commands
 * (so replies come back to it) and collects what rasbeat answers. Once the
 * oscsend binary (liblo-tools) sends too. Without oscsend that test fails:
 * run scripts/install-deps.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <lo/lo.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rasbeat/osc.h"
#include "testutil.h"

/* ---- the test's own OSC server ------------------------------------------ */

#define ARGS_MAX 24

struct got {
	char path[64];
	char types[ARGS_MAX + 1];
	double num[ARGS_MAX];
	char str[ARGS_MAX][256];
};

struct peer {
	lo_server srv;
	char url[128];
	struct got got[16];
	int n;
};

static int on_any(const char *path, const char *types, lo_arg **argv, int argc, lo_message m,
		  void *user)
{
	struct peer *p = user;
	struct got *g;

	(void)m;
	if (p->n >= 16)
		return 0;
	g = &p->got[p->n++];
	memset(g, 0, sizeof(*g));
	snprintf(g->path, sizeof(g->path), "%s", path);
	for (int i = 0; i < argc && i < ARGS_MAX; i++) {
		g->types[i] = types[i];
		/* liblo's argv points into the message: 4-byte aligned only,
		 * so the 8-byte union lo_arg is read by copy, never through
		 * argv[i]->f (undefined, and UBSan says so). */
		float f;
		int32_t n;

		switch (types[i]) {
		case 'f':
			memcpy(&f, argv[i], sizeof(f));
			g->num[i] = f;
			break;
		case 'i':
			memcpy(&n, argv[i], sizeof(n));
			g->num[i] = n;
			break;
		case 's':
			snprintf(g->str[i], sizeof(g->str[i]), "%s", (const char *)argv[i]);
			break;
		default:
			break;
		}
	}
	return 0;
}

static void peer_open(struct peer *p)
{
	char *url;

	memset(p, 0, sizeof(*p));
	p->srv = lo_server_new_with_proto(NULL, LO_UDP, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p->srv);
	lo_server_add_method(p->srv, NULL, NULL, on_any, p);
	url = lo_server_get_url(p->srv);
	free(url);
	snprintf(p->url, sizeof(p->url), "osc.udp://127.0.0.1:%d/", lo_server_get_port(p->srv));
}

static void peer_close(struct peer *p)
{
	lo_server_free(p->srv);
}

/* Wait up to `s` seconds for the n-th message; the message or NULL. */
static struct got *peer_wait(struct peer *p, int n, double s)
{
	double end = test_now() + s;

	while (p->n < n && test_now() < end)
		lo_server_recv_noblock(p->srv, 20);
	return p->n >= n ? &p->got[n - 1] : NULL;
}

static lo_address to_osc(const struct ras_osc *osc)
{
	char port[16];

	snprintf(port, sizeof(port), "%d", ras_osc_port(osc));
	return lo_address_new("127.0.0.1", port);
}

static bool next_action(struct ras_osc *osc, struct ras_action *a, double s)
{
	double end = test_now() + s;

	do {
		if (ras_osc_next(osc, a))
			return true;
		test_nap(0.005);
	} while (test_now() < end);
	return false;
}

static struct ras_osc *osc_open(void)
{
	char err[256] = "";
	struct ras_osc *osc = ras_osc_new(NULL, NULL, err, sizeof(err));

	if (!osc)
		fprintf(stderr, "\ntest_osc: %s\n", err);
	return osc;
}

/* ---- tests --------------------------------------------------------------- */

static void test_actions(void)
{
	struct ras_osc *osc = osc_open();
	struct ras_action a;
	struct peer p;
	lo_address to;

	CU_ASSERT_PTR_NOT_NULL_FATAL(osc);
	peer_open(&p);
	to = to_osc(osc);

	lo_send_from(to, p.srv, LO_TT_IMMEDIATE, "/rasbeat/tempo", "f", 104.5f);
	CU_ASSERT_TRUE_FATAL(next_action(osc, &a, 2));
	CU_ASSERT_EQUAL(a.kind, RAS_ACTION_TEMPO_SET);
	CU_ASSERT_DOUBLE_EQUAL(a.value, 104.5, 1e-6);
	CU_ASSERT_EQUAL(a.source, RAS_SOURCE_OSC);
	CU_ASSERT_STRING_EQUAL(a.from, p.url);
	CU_ASSERT_TRUE(isnan(a.time_s));

	lo_send_from(to, p.srv, LO_TT_IMMEDIATE, "/rasbeat/tempo", "i", 100);
	CU_ASSERT_TRUE(next_action(osc, &a, 2) && a.kind == RAS_ACTION_TEMPO_SET && a.value == 100);
	lo_send_from(to, p.srv, LO_TT_IMMEDIATE, "/rasbeat/tempo", "d", 99.25);
	CU_ASSERT_TRUE(next_action(osc, &a, 2) && a.value == 99.25);

	lo_send_from(to, p.srv, LO_TT_IMMEDIATE, "/rasbeat/pause", "");
	CU_ASSERT_TRUE(next_action(osc, &a, 2) && a.kind == RAS_ACTION_PAUSE);
	lo_send_from(to, p.srv, LO_TT_IMMEDIATE, "/rasbeat/resume", "");
	CU_ASSERT_TRUE(next_action(osc, &a, 2) && a.kind == RAS_ACTION_RESUME);
	lo_send_from(to, p.srv, LO_TT_IMMEDIATE, "/rasbeat/next", "");
	CU_ASSERT_TRUE(next_action(osc, &a, 2) && a.kind == RAS_ACTION_NEXT_PHASE);

	lo_send_from(to, p.srv, LO_TT_IMMEDIATE, "/rasbeat/mark", "s", "stumbled\nleft");
	CU_ASSERT_TRUE_FATAL(next_action(osc, &a, 2));
	CU_ASSERT_EQUAL(a.kind, RAS_ACTION_MARK);
	CU_ASSERT_STRING_EQUAL(a.text, "stumbled left");	/* no newline into the CSV */
	lo_send_from(to, p.srv, LO_TT_IMMEDIATE, "/rasbeat/mark", "");
	CU_ASSERT_TRUE(next_action(osc, &a, 2) && a.kind == RAS_ACTION_MARK && !a.text[0]);

	/* A tablet's button: 1 on press acts, 0 on release does not. */
	lo_send_from(to, p.srv, LO_TT_IMMEDIATE, "/rasbeat/next", "f", 1.0f);
	lo_send_from(to, p.srv, LO_TT_IMMEDIATE, "/rasbeat/next", "f", 0.0f);
	lo_send_from(to, p.srv, LO_TT_IMMEDIATE, "/rasbeat/pause", "T");
	CU_ASSERT_TRUE(next_action(osc, &a, 2) && a.kind == RAS_ACTION_NEXT_PHASE);
	CU_ASSERT_TRUE(next_action(osc, &a, 2) && a.kind == RAS_ACTION_PAUSE);

	lo_send_from(to, p.srv, LO_TT_IMMEDIATE, "/rasbeat/query", "");
	CU_ASSERT_TRUE(next_action(osc, &a, 2) && a.kind == RAS_ACTION_QUERY);
	CU_ASSERT_STRING_EQUAL(a.from, p.url);
	lo_send_from(to, p.srv, LO_TT_IMMEDIATE, "/rasbeat/quit", "");
	CU_ASSERT_TRUE(next_action(osc, &a, 2) && a.kind == RAS_ACTION_QUIT);

	/* A bundle's messages act at once, in order. */
	{
		lo_bundle b = lo_bundle_new(LO_TT_IMMEDIATE);
		lo_message m1 = lo_message_new(), m2 = lo_message_new();

		lo_message_add_float(m1, 90);
		lo_bundle_add_message(b, "/rasbeat/tempo", m1);
		lo_bundle_add_message(b, "/rasbeat/resume", m2);
		lo_send_bundle_from(to, p.srv, b);
		lo_bundle_free_recursive(b);
	}
	CU_ASSERT_TRUE(next_action(osc, &a, 2) && a.kind == RAS_ACTION_TEMPO_SET && a.value == 90);
	CU_ASSERT_TRUE(next_action(osc, &a, 2) && a.kind == RAS_ACTION_RESUME);
	CU_ASSERT_FALSE(next_action(osc, &a, 0.2));
	CU_ASSERT_EQUAL(p.n, 0);	/* nothing went wrong, nothing was said */

	lo_address_free(to);
	peer_close(&p);
	ras_osc_free(osc);
}

/* Send path (types, one arg) and expect an error reply containing want. */
static void expect_error(struct ras_osc *osc, struct peer *p, lo_message m, const char *path,
			 const char *want)
{
	lo_address to = to_osc(osc);
	struct ras_action a;
	struct got *g;
	int n = p->n + 1;

	lo_send_message_from(to, p->srv, path, m);
	g = peer_wait(p, n, 2);
	CU_ASSERT_PTR_NOT_NULL(g);
	if (g) {
		CU_ASSERT_STRING_EQUAL(g->path, "/rasbeat/error");
		CU_ASSERT_STRING_EQUAL(g->types, "s");
		if (!strstr(g->str[0], want)) {
			fprintf(stderr, "\ntest_osc: %s: got \"%s\", wanted \"%s\"\n", path, g->str[0],
				want);
			CU_FAIL("error reply text");
		}
	}
	CU_ASSERT_FALSE(ras_osc_next(osc, &a));
	lo_address_free(to);
}

static void test_errors(void)
{
	struct ras_osc *osc = osc_open();
	struct peer p;
	lo_message m;

	CU_ASSERT_PTR_NOT_NULL_FATAL(osc);
	peer_open(&p);

	m = lo_message_new();
	lo_message_add_string(m, "fast");
	expect_error(osc, &p, m, "/rasbeat/tempo",
		     "/rasbeat/tempo: expects one number (f, d, i or h): bpm, got 's'");
	lo_message_free(m);

	m = lo_message_new();
	expect_error(osc, &p, m, "/rasbeat/tempo", "/rasbeat/tempo: expects one number");
	lo_message_free(m);

	m = lo_message_new();
	lo_message_add_float(m, NAN);
	expect_error(osc, &p, m, "/rasbeat/tempo", "/rasbeat/tempo: the tempo must be a finite");
	lo_message_free(m);

	m = lo_message_new();
	lo_message_add_float(m, INFINITY);
	expect_error(osc, &p, m, "/rasbeat/tempo", "finite");
	lo_message_free(m);

	m = lo_message_new();
	lo_message_add_float(m, 0);
	expect_error(osc, &p, m, "/rasbeat/tempo", "/rasbeat/tempo: 0 bpm is outside 40..180");
	lo_message_free(m);

	m = lo_message_new();
	lo_message_add_int32(m, 1000);
	expect_error(osc, &p, m, "/rasbeat/tempo", "/rasbeat/tempo: 1000 bpm is outside 40..180");
	lo_message_free(m);

	CU_ASSERT_EQUAL(ras_osc_set_limits(osc, 60, 120.5), 0);
	CU_ASSERT_EQUAL(ras_osc_set_limits(osc, 120, 60), -EINVAL);
	CU_ASSERT_EQUAL(ras_osc_set_limits(osc, NAN, 60), -EINVAL);
	m = lo_message_new();
	lo_message_add_double(m, 130);
	expect_error(osc, &p, m, "/rasbeat/tempo", "130 bpm is outside 60..120.50");
	lo_message_free(m);

	m = lo_message_new();
	lo_message_add_float(m, 1);
	lo_message_add_float(m, 2);
	expect_error(osc, &p, m, "/rasbeat/tempo", "got 'ff'");
	lo_message_free(m);

	m = lo_message_new();
	lo_message_add_string(m, "now");
	expect_error(osc, &p, m, "/rasbeat/pause", "/rasbeat/pause: expects no argument, got 's'");
	lo_message_free(m);

	m = lo_message_new();
	lo_message_add_int32(m, 3);
	expect_error(osc, &p, m, "/rasbeat/mark", "/rasbeat/mark: expects no argument or one string");
	lo_message_free(m);

	m = lo_message_new();
	expect_error(osc, &p, m, "/rasbeat/foo", "/rasbeat/foo: unknown path");
	lo_message_free(m);

	m = lo_message_new();
	expect_error(osc, &p, m, "/other/thing", "/other/thing: unknown path; rasbeat knows");
	lo_message_free(m);

	m = lo_message_new();
	lo_message_add_string(m, "http://example.org/");
	expect_error(osc, &p, m, "/rasbeat/register", "not an osc.udp://HOST:PORT/ URL");
	lo_message_free(m);

	/* Not OSC at all, from a plain socket: a reply, no crash. */
	{
		struct sockaddr_in sa = { .sin_family = AF_INET,
					  .sin_port = htons(ras_osc_port(osc)) };
		int fd = lo_server_get_socket_fd(p.srv);
		int n = p.n + 1;
		struct got *g;

		inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
		CU_ASSERT(sendto(fd, "hello", 5, 0, (struct sockaddr *)&sa, sizeof(sa)) == 5);
		g = peer_wait(&p, n, 2);
		CU_ASSERT(g && strstr(g->str[0], "malformed OSC message"));
		CU_ASSERT(sendto(fd, "#bundle\0\0\0\0\0\0\0\0\1\0\0\0\x40", 20, 0,
				 (struct sockaddr *)&sa, sizeof(sa)) == 20);
		g = peer_wait(&p, n + 1, 2);
		CU_ASSERT(g && strstr(g->str[0], "malformed OSC bundle"));
	}

	/* Still alive and well. */
	{
		lo_address to = to_osc(osc);
		struct ras_action a;

		lo_send_from(to, p.srv, LO_TT_IMMEDIATE, "/rasbeat/tempo", "f", 100.0f);
		CU_ASSERT_TRUE(next_action(osc, &a, 2) && a.value == 100);
		lo_address_free(to);
	}
	peer_close(&p);
	ras_osc_free(osc);
}

static void fill_status(struct ras_status *st)
{
	ras_status_init(st);
	st->time_s = 61.5;
	st->tempo_bpm = 104.5;
	snprintf(st->mode, sizeof(st->mode), "protocol");
	snprintf(st->phase, sizeof(st->phase), "ramp");
	st->phase_index = 2;
	st->phase_count = 5;
	st->phase_elapsed_s = 12;
	st->r = 0.875;
	st->async_ms = -12;
	st->paused = true;
	st->xruns = 3;
	snprintf(st->sensor, sizeof(st->sensor), "walker");
	snprintf(st->log_dir, sizeof(st->log_dir), "/tmp/x");
	snprintf(st->message, sizeof(st->message), "ramp held: R 0.55 < 0.8");
}

static void test_query_reply(void)
{
	struct ras_osc *osc = osc_open();
	struct ras_status st;
	struct ras_action a;
	lo_address to;
	struct peer p;
	struct got *g;

	CU_ASSERT_PTR_NOT_NULL_FATAL(osc);
	peer_open(&p);
	to = to_osc(osc);
	fill_status(&st);
	lo_send_from(to, p.srv, LO_TT_IMMEDIATE, "/rasbeat/query", "");
	CU_ASSERT_TRUE_FATAL(next_action(osc, &a, 2));
	CU_ASSERT_EQUAL(a.kind, RAS_ACTION_QUERY);
	CU_ASSERT_EQUAL(ras_osc_reply(osc, a.from, &st), 0);
	g = peer_wait(&p, 1, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_STRING_EQUAL(g->path, "/rasbeat/state");
	CU_ASSERT_STRING_EQUAL(g->types, RAS_OSC_STATE_TYPES);
	CU_ASSERT_DOUBLE_EQUAL(g->num[0], 61.5, 1e-4);
	CU_ASSERT_DOUBLE_EQUAL(g->num[1], 104.5, 1e-4);
	CU_ASSERT_TRUE(isnan(g->num[2]));		/* target */
	CU_ASSERT_TRUE(isnan(g->num[3]));		/* cadence */
	CU_ASSERT_STRING_EQUAL(g->str[4], "protocol");
	CU_ASSERT_STRING_EQUAL(g->str[5], "ramp");
	CU_ASSERT_EQUAL(g->num[6], 2);
	CU_ASSERT_EQUAL(g->num[7], 5);
	CU_ASSERT_DOUBLE_EQUAL(g->num[8], 12, 1e-4);
	CU_ASSERT_TRUE(isnan(g->num[9]));		/* open phase */
	CU_ASSERT_DOUBLE_EQUAL(g->num[10], 0.875, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(g->num[11], -12, 1e-6);
	CU_ASSERT_EQUAL(g->num[12], 1);
	CU_ASSERT_EQUAL(g->num[13], 3);
	CU_ASSERT_STRING_EQUAL(g->str[14], "walker");
	CU_ASSERT_STRING_EQUAL(g->str[15], "/tmp/x");
	CU_ASSERT_STRING_EQUAL(g->str[16], "ramp held: R 0.55 < 0.8");

	/* Bad URLs are refused, not crashed on. */
	CU_ASSERT_EQUAL(ras_osc_reply(osc, "osc.tcp://127.0.0.1:9/", &st), -EINVAL);
	CU_ASSERT_EQUAL(ras_osc_reply(osc, "osc.udp://127.0.0.1/", &st), -EINVAL);
	CU_ASSERT_EQUAL(ras_osc_reply(osc, "osc.udp://127.0.0.1:99999/", &st), -EINVAL);
	CU_ASSERT_EQUAL(ras_osc_reply(osc, "", &st), -EINVAL);
	CU_ASSERT_EQUAL(ras_osc_reply(osc, "osc.udp://no.such.host.invalid:9000/", &st), -ENOENT);

	/* The play loop can tell an OSC client why it did nothing. */
	CU_ASSERT_EQUAL(ras_osc_error(osc, p.url, "next: no protocol"), 0);
	g = peer_wait(&p, 2, 2);
	CU_ASSERT(g && !strcmp(g->path, "/rasbeat/error") && !strcmp(g->str[0], "next: no protocol"));

	lo_address_free(to);
	peer_close(&p);
	ras_osc_free(osc);
}

static void test_register_notify(void)
{
	struct ras_osc *osc = osc_open();
	struct ras_status st;
	struct peer p, q;
	lo_address to;
	struct got *g;
	char url[64];

	CU_ASSERT_PTR_NOT_NULL_FATAL(osc);
	peer_open(&p);
	peer_open(&q);
	to = to_osc(osc);
	fill_status(&st);

	/* Nothing registered: notify just remembers. */
	CU_ASSERT_EQUAL(ras_osc_notify(osc, &st), 0);
	CU_ASSERT_EQUAL(ras_osc_clients(osc), 0);

	/* The sender registers itself; it hears back, with the state. */
	lo_send_from(to, p.srv, LO_TT_IMMEDIATE, "/rasbeat/register", "");
	g = peer_wait(&p, 1, 2);
	CU_ASSERT(g && !strcmp(g->path, "/rasbeat/registered") && !strcmp(g->str[0], p.url));
	g = peer_wait(&p, 2, 2);
	CU_ASSERT(g && !strcmp(g->path, "/rasbeat/state"));
	CU_ASSERT_EQUAL(ras_osc_clients(osc), 1);

	/* p registers q by URL (a name, even). */
	snprintf(url, sizeof(url), "osc.udp://localhost:%d/", lo_server_get_port(q.srv));
	lo_send_from(to, p.srv, LO_TT_IMMEDIATE, "/rasbeat/register", "s", url);
	g = peer_wait(&q, 1, 2);
	CU_ASSERT(g && !strcmp(g->path, "/rasbeat/registered"));
	peer_wait(&q, 2, 2);
	CU_ASSERT_EQUAL(ras_osc_clients(osc), 2);
	/* Again: no double. */
	lo_send_from(to, p.srv, LO_TT_IMMEDIATE, "/rasbeat/register", "s", q.url);
	peer_wait(&q, 4, 2);
	CU_ASSERT_EQUAL(ras_osc_clients(osc), 2);

	st.tempo_bpm = 111;
	CU_ASSERT_EQUAL(ras_osc_notify(osc, &st), 0);
	g = peer_wait(&p, 3, 2);
	CU_ASSERT(g && !strcmp(g->path, "/rasbeat/state") && g->num[1] == 111);
	g = peer_wait(&q, 5, 2);
	CU_ASSERT(g && !strcmp(g->path, "/rasbeat/state") && g->num[1] == 111);

	/* p leaves; only q hears the next one. */
	lo_send_from(to, p.srv, LO_TT_IMMEDIATE, "/rasbeat/unregister", "");
	g = peer_wait(&p, 4, 2);
	CU_ASSERT(g && !strcmp(g->path, "/rasbeat/unregistered"));
	CU_ASSERT_EQUAL(ras_osc_clients(osc), 1);
	CU_ASSERT_EQUAL(ras_osc_notify(osc, &st), 0);
	CU_ASSERT_PTR_NOT_NULL(peer_wait(&q, 6, 2));
	CU_ASSERT_PTR_NULL(peer_wait(&p, 5, 0.3));

	/* At most RAS_OSC_CLIENTS_MAX: the oldest goes. */
	for (int i = 0; i < RAS_OSC_CLIENTS_MAX + 2; i++) {
		snprintf(url, sizeof(url), "osc.udp://127.0.0.1:%d/", 40000 + i);
		lo_send_from(to, p.srv, LO_TT_IMMEDIATE, "/rasbeat/register", "s", url);
	}
	test_nap(0.3);
	CU_ASSERT_EQUAL(ras_osc_clients(osc), RAS_OSC_CLIENTS_MAX);
	q.n = 0;
	CU_ASSERT_EQUAL(ras_osc_notify(osc, &st), 0);
	CU_ASSERT_PTR_NULL(peer_wait(&q, 1, 0.3));	/* q was the oldest */

	lo_address_free(to);
	peer_close(&p);
	peer_close(&q);
	ras_osc_free(osc);
}

static const char *in_path(const char *name)
{
	static char buf[512];
	const char *path = getenv("PATH");

	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, name);
		if (!access(buf, X_OK))
			return buf;
		path += n + (path[n] == ':');
	}
	return NULL;
}

/* The issue names oscsend: the tablet's side as a user would try it. */
static void test_oscsend(void)
{
	struct ras_osc *osc = osc_open();
	const char *oscsend = in_path("oscsend");
	struct ras_action a;
	char port[16], out[1024];

	CU_ASSERT_PTR_NOT_NULL_FATAL(osc);
	if (!oscsend) {
		fprintf(stderr, "\ntest_osc: oscsend not found: install liblo-tools "
				"(scripts/install-deps)\n");
		CU_FAIL("oscsend missing");
		ras_osc_free(osc);
		return;
	}
	snprintf(port, sizeof(port), "%d", ras_osc_port(osc));
	{
		char *argv[] = { (char *)oscsend, "localhost", port, "/rasbeat/tempo", "f", "110",
				 NULL };

		CU_ASSERT_EQUAL(test_run(argv, out, sizeof(out)), 0);
	}
	CU_ASSERT_TRUE(next_action(osc, &a, 2));
	CU_ASSERT_EQUAL(a.kind, RAS_ACTION_TEMPO_SET);
	CU_ASSERT_DOUBLE_EQUAL(a.value, 110, 1e-9);
	CU_ASSERT_EQUAL(a.source, RAS_SOURCE_OSC);
	CU_ASSERT_NSTRING_EQUAL(a.from, "osc.udp://127.0.0.1:", 20);
	{
		char *argv[] = { (char *)oscsend, "localhost", port, "/rasbeat/mark", "s",
				 "freezing at the door", NULL };

		CU_ASSERT_EQUAL(test_run(argv, out, sizeof(out)), 0);
	}
	CU_ASSERT_TRUE(next_action(osc, &a, 2) && a.kind == RAS_ACTION_MARK &&
		       !strcmp(a.text, "freezing at the door"));
	ras_osc_free(osc);
}

/* A non-loopback IPv4 address of this machine, or false. */
static bool outside_address(char *buf, size_t len)
{
	struct ifaddrs *ifa, *i;
	bool found = false;

	if (getifaddrs(&ifa))
		return false;
	for (i = ifa; i && !found; i = i->ifa_next) {
		struct sockaddr_in *sin = (struct sockaddr_in *)i->ifa_addr;

		if (!sin || sin->sin_family != AF_INET ||
		    (ntohl(sin->sin_addr.s_addr) >> 24) == 127)
			continue;
		found = inet_ntop(AF_INET, &sin->sin_addr, buf, len) != NULL;
	}
	freeifaddrs(ifa);
	return found;
}

/* Send /rasbeat/next to host from a socket of its family: an action? */
static bool reaches(struct ras_osc *osc, const char *host)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV }, *ai;
	lo_message m = lo_message_new();
	struct ras_action a;
	char port[16];
	void *data;
	size_t size = 0;
	int fd;

	snprintf(port, sizeof(port), "%d", ras_osc_port(osc));
	data = lo_message_serialise(m, "/rasbeat/next", NULL, &size);
	lo_message_free(m);
	if (getaddrinfo(host, port, &hints, &ai)) {
		free(data);
		return false;
	}
	fd = socket(ai->ai_family, SOCK_DGRAM, 0);
	if (fd >= 0) {
		CU_ASSERT(sendto(fd, data, size, 0, ai->ai_addr, ai->ai_addrlen) == (ssize_t)size);
		close(fd);
	}
	freeaddrinfo(ai);
	free(data);
	return next_action(osc, &a, 0.5);
}

static void test_bind(void)
{
	struct ras_osc *osc = osc_open(), *all, *again;
	char want[64], outside[64], err[256], port[16];

	CU_ASSERT_PTR_NOT_NULL_FATAL(osc);
	/* Bound to the loopback address, not to every interface. */
	snprintf(want, sizeof(want), "osc.udp://127.0.0.1:%d/", ras_osc_port(osc));
	CU_ASSERT_STRING_EQUAL(ras_osc_url(osc), want);
	CU_ASSERT_TRUE(ras_osc_port(osc) > 0);
	CU_ASSERT_TRUE(reaches(osc, "127.0.0.1"));
	if (outside_address(outside, sizeof(outside))) {
		CU_ASSERT_FALSE(reaches(osc, outside));
	} else {
		fprintf(stderr, "\ntest_osc: no non-loopback address here: checked the bound "
				"address only\n");
	}

	/* The same port again: refused, and said so. */
	snprintf(port, sizeof(port), "%d", ras_osc_port(osc));
	again = ras_osc_new(port, NULL, err, sizeof(err));
	CU_ASSERT_PTR_NULL(again);
	CU_ASSERT_EQUAL(errno, EADDRINUSE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "OSC: cannot listen on 127.0.0.1 port"));
	ras_osc_free(osc);

	/* --osc-bind 0.0.0.0: every interface. */
	all = ras_osc_new("0", "0.0.0.0", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(all);
	snprintf(want, sizeof(want), "osc.udp://0.0.0.0:%d/", ras_osc_port(all));
	CU_ASSERT_STRING_EQUAL(ras_osc_url(all), want);
	CU_ASSERT_TRUE(reaches(all, "127.0.0.1"));
	if (outside_address(outside, sizeof(outside)))
		CU_ASSERT_TRUE(reaches(all, outside));
	ras_osc_free(all);

	/* IPv6 loopback, when the machine has it. */
	all = ras_osc_new(NULL, "::1", err, sizeof(err));
	if (all) {
		CU_ASSERT_NSTRING_EQUAL(ras_osc_url(all), "osc.udp://[::1]:", 16);
		CU_ASSERT_TRUE(reaches(all, "::1"));
		ras_osc_free(all);
	}

	/* Bad input. */
	CU_ASSERT_PTR_NULL(ras_osc_new("abc", NULL, err, sizeof(err)));
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "OSC: bad port 'abc' (a number, 0 to 65535)");
	CU_ASSERT_PTR_NULL(ras_osc_new("70000", NULL, err, sizeof(err)));
	CU_ASSERT_PTR_NULL(ras_osc_new(NULL, "999.1.2.3", err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "OSC: cannot listen on 999.1.2.3"));
	/* An address that is not this machine's. */
	CU_ASSERT_PTR_NULL(ras_osc_new(NULL, "192.0.2.254", err, sizeof(err)));
	CU_ASSERT_EQUAL(errno, EADDRNOTAVAIL);
	ras_osc_free(NULL);
}

/* A flood: the queue is bounded; what does not fit is refused aloud. */
static void test_flood(void)
{
	struct ras_osc *osc = osc_open();
	struct ras_action a;
	struct peer p;
	lo_address to;
	int got = 0, errors = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(osc);
	peer_open(&p);
	to = to_osc(osc);
	for (int i = 0; i < 100; i++)
		lo_send_from(to, p.srv, LO_TT_IMMEDIATE, "/rasbeat/next", "");
	test_nap(0.3);
	while (ras_osc_next(osc, &a))
		got++;
	while (peer_wait(&p, p.n + 1, 0.2))
		;
	for (int i = 0; i < p.n; i++)
		errors += strstr(p.got[i].str[0], "too many commands waiting") != NULL;
	CU_ASSERT_TRUE(got >= 64);
	CU_ASSERT_TRUE(got == 100 || errors > 0);
	lo_address_free(to);
	peer_close(&p);
	ras_osc_free(osc);
}

/* ---- parsing alone (ras_osc_parse, the fuzz target's entry) ------------ */

static int parse_msg(const char *path, lo_message m, struct ras_action *a, char *why,
		     size_t whylen)
{
	size_t len = 0;
	void *d = lo_message_serialise(m, path, NULL, &len);
	int ret;

	why[0] = '\0';
	ret = ras_osc_parse(d, len, a, why, whylen);
	free(d);
	lo_message_free(m);
	return ret;
}

struct walked {
	int n, errors;
	int ret[8];
	char why[8][128];
};

static void walked(void *user, int ret, const struct ras_action *a, const char *why)
{
	struct walked *w = user;

	if (w->n < 8) {
		w->ret[w->n] = ret;
		snprintf(w->why[w->n], sizeof(w->why[0]), "%s", why);
	}
	w->n++;
	w->errors += ret < 0;
	CU_ASSERT((ret < 0) == !a);
}

static void test_parse(void)
{
	struct ras_action a;
	char why[256];
	lo_message m;

	m = lo_message_new();
	lo_message_add_float(m, 104.5f);
	CU_ASSERT_EQUAL(parse_msg("/rasbeat/tempo", m, &a, why, sizeof(why)), RAS_OSC_ACTION);
	CU_ASSERT_EQUAL(a.kind, RAS_ACTION_TEMPO_SET);
	CU_ASSERT_EQUAL(a.source, RAS_SOURCE_OSC);
	CU_ASSERT_DOUBLE_EQUAL(a.value, 104.5, 1e-9);
	CU_ASSERT(isnan(a.time_s));
	CU_ASSERT_STRING_EQUAL(a.from, "");

	/* Limits are the caller's: 1000 bpm parses. Not a finite number does not. */
	m = lo_message_new();
	lo_message_add_int32(m, 1000);
	CU_ASSERT_EQUAL(parse_msg("/rasbeat/tempo", m, &a, why, sizeof(why)), RAS_OSC_ACTION);
	m = lo_message_new();
	lo_message_add_double(m, INFINITY);
	CU_ASSERT_EQUAL(parse_msg("/rasbeat/tempo", m, &a, why, sizeof(why)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "/rasbeat/tempo: the tempo must be a finite number of bpm");

	m = lo_message_new();
	lo_message_add_false(m);
	CU_ASSERT_EQUAL(parse_msg("/rasbeat/pause", m, &a, why, sizeof(why)), RAS_OSC_IGNORE);
	m = lo_message_new();
	lo_message_add_string(m, "a\tnote");
	CU_ASSERT_EQUAL(parse_msg("/rasbeat/mark", m, &a, why, sizeof(why)), RAS_OSC_ACTION);
	CU_ASSERT_EQUAL(a.kind, RAS_ACTION_MARK);
	CU_ASSERT_STRING_EQUAL(a.text, "a note");
	m = lo_message_new();
	lo_message_add_string(m, "osc.udp://127.0.0.1:9001/");
	CU_ASSERT_EQUAL(parse_msg("/rasbeat/register", m, &a, why, sizeof(why)), RAS_OSC_REGISTER);
	CU_ASSERT_STRING_EQUAL(a.text, "osc.udp://127.0.0.1:9001/");
	CU_ASSERT_EQUAL(parse_msg("/rasbeat/unregister", lo_message_new(), &a, why, sizeof(why)),
			RAS_OSC_UNREGISTER);
	CU_ASSERT_STRING_EQUAL(a.text, "");

	m = lo_message_new();
	lo_message_add_string(m, "fast");
	CU_ASSERT_EQUAL(parse_msg("/rasbeat/tempo", m, &a, why, sizeof(why)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "/rasbeat/tempo: expects one number (f, d, i or h): bpm, got 's'");
	CU_ASSERT_EQUAL(parse_msg("/nope", lo_message_new(), &a, why, sizeof(why)), -EINVAL);
	CU_ASSERT(!strncmp(why, "/nope: unknown path", 19));

	/* Not a message at all: never a crash, always a reason. */
	CU_ASSERT_EQUAL(ras_osc_parse("/ras", 4, &a, why, sizeof(why)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "malformed OSC message (4 bytes)");
	CU_ASSERT_EQUAL(ras_osc_parse("", 0, &a, why, sizeof(why)), -EINVAL);
	CU_ASSERT_EQUAL(ras_osc_parse("#bundle\0\0\0\0\0\0\0\0\1", 16, &a, why, sizeof(why)),
			-EINVAL);

	/* Bundles: each message in order; a bad size ends the walk. */
	{
		lo_bundle b = lo_bundle_new(LO_TT_IMMEDIATE);
		struct walked w = { 0 };
		size_t len = 0;
		void *d;

		m = lo_message_new();
		lo_message_add_float(m, 100);
		lo_bundle_add_message(b, "/rasbeat/tempo", m);
		lo_bundle_add_message(b, "/rasbeat/nope", lo_message_new());
		d = lo_bundle_serialise(b, NULL, &len);
		ras_osc_parse_packet(d, len, walked, &w);
		CU_ASSERT_EQUAL(w.n, 2);
		CU_ASSERT_EQUAL(w.ret[0], RAS_OSC_ACTION);
		CU_ASSERT_EQUAL(w.ret[1], -EINVAL);
		memset(&w, 0, sizeof(w));
		ras_osc_parse_packet(d, len - 4, walked, &w);	/* cut short */
		CU_ASSERT_EQUAL(w.n, 2);
		CU_ASSERT_STRING_EQUAL(w.why[1], "malformed OSC bundle");
		memset(&w, 0, sizeof(w));
		ras_osc_parse_packet("#bundle\0\0\0\0", 12, walked, &w);
		CU_ASSERT_EQUAL(w.n, 1);
		CU_ASSERT_STRING_EQUAL(w.why[0], "malformed OSC bundle");
		free(d);
		lo_bundle_free_recursive(b);
	}
}

void test_osc_register(void)
{
	TEST_SUITE("osc",
		   { "each message makes its action", test_actions },
		   { "bad messages get an error reply, no action", test_errors },
		   { "query is answered with the state", test_query_reply },
		   { "registered clients are notified", test_register_notify },
		   { "oscsend sets the tempo", test_oscsend },
		   { "bound to localhost unless asked", test_bind },
		   { "a flood is bounded", test_flood },
		   { "parsing apart from the socket", test_parse });
}
