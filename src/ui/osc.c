// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * OSC remote control. A socket of our own bound where asked (liblo would
 * listen on every interface), a thread reading it, liblo to parse and build
 * the messages.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <lo/lo.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rasbeat/osc.h"
#include "rasbeat/spsc.h"

#define QUEUE_LEN 64
#define PACKET_MAX 65536
#define BUNDLE_DEPTH_MAX 4

struct client {
	char url[RAS_ACTION_FROM_MAX];
	struct sockaddr_storage addr;
	socklen_t len;
};

struct sender {
	struct sockaddr_storage addr;
	socklen_t len;
	char url[RAS_ACTION_FROM_MAX];
};

struct ras_osc {
	int sock, wake, family, port;
	char url[RAS_ACTION_FROM_MAX];
	pthread_t thread;
	bool running;
	struct ras_spsc *queue;		/* receiving thread -> play loop */

	pthread_mutex_t lock;		/* what follows */
	struct client clients[RAS_OSC_CLIENTS_MAX];	/* oldest first */
	int nclients;
	struct ras_status last;
	bool have_last;
	double bpm_min, bpm_max;

	unsigned char buf[PACKET_MAX];	/* the receiving thread's */
};

struct method {
	const char *path;
	const char *usage;		/* the types it takes, for error replies */
	int kind;			/* enum ras_action_kind, REGISTER or UNREGISTER */
};

enum { REGISTER = RAS_ACTION_COUNT, UNREGISTER };

static const struct method methods[] = {
	{ "/rasbeat/tempo", "one number (f, d, i or h): bpm", RAS_ACTION_TEMPO_SET },
	{ "/rasbeat/pause", "no argument", RAS_ACTION_PAUSE },
	{ "/rasbeat/resume", "no argument", RAS_ACTION_RESUME },
	{ "/rasbeat/next", "no argument", RAS_ACTION_NEXT_PHASE },
	{ "/rasbeat/mark", "no argument or one string (s): the note", RAS_ACTION_MARK },
	{ "/rasbeat/quit", "no argument", RAS_ACTION_QUIT },
	{ "/rasbeat/query", "no argument", RAS_ACTION_QUERY },
	{ "/rasbeat/register", "no argument or one string (s): a URL", REGISTER },
	{ "/rasbeat/unregister", "no argument or one string (s): a URL", UNREGISTER },
};

/* Text for the sender's URL; a v4-mapped address reads as plain IPv4. */
static int addr_url(const struct sockaddr *sa, socklen_t len, char *buf, size_t n)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	const char *h = host;

	if (getnameinfo(sa, len, host, sizeof(host), serv, sizeof(serv),
			NI_NUMERICHOST | NI_NUMERICSERV))
		return -EINVAL;
	if (sa->sa_family == AF_INET6 && !strncmp(host, "::ffff:", 7) && strchr(host, '.'))
		h = host + 7;
	snprintf(buf, n, strchr(h, ':') ? "osc.udp://[%s]:%s/" : "osc.udp://%s:%s/", h, serv);
	return 0;
}

/* "osc.udp://HOST:PORT[/...]" to an address our socket can send to. */
static int url_resolve(const struct ras_osc *osc, const char *url, struct sockaddr_storage *addr,
		       socklen_t *len)
{
	struct addrinfo hints = { .ai_family = osc->family, .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_NUMERICSERV }, *ai;
	char host[256], port[8];
	const char *p, *end;
	size_t n;

	if (strncmp(url, "osc.udp://", 10))
		return -EINVAL;
	p = url + 10;
	if (*p == '[') {
		end = strchr(++p, ']');
		if (!end)
			return -EINVAL;
		n = end - p;
		end++;
	} else {
		end = strchr(p, ':');
		if (!end)
			return -EINVAL;
		n = end - p;
	}
	if (!n || n >= sizeof(host) || *end != ':')
		return -EINVAL;
	memcpy(host, p, n);
	host[n] = '\0';
	p = end + 1;
	n = strspn(p, "0123456789");
	if (!n || n > 5 || (p[n] && p[n] != '/') || atoi(p) < 1 || atoi(p) > 65535)
		return -EINVAL;
	memcpy(port, p, n);
	port[n] = '\0';
	if (osc->family == AF_INET6)
		hints.ai_flags |= AI_V4MAPPED;
	if (getaddrinfo(host, port, &hints, &ai))
		return -ENOENT;
	memset(addr, 0, sizeof(*addr));
	memcpy(addr, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static int send_to(struct ras_osc *osc, const struct sockaddr_storage *addr, socklen_t len,
		   const char *path, lo_message m)
{
	size_t size = 0;
	void *data = lo_message_serialise(m, path, NULL, &size);
	ssize_t r;

	if (!data)
		return -ENOMEM;
	r = sendto(osc->sock, data, size, MSG_NOSIGNAL, (const struct sockaddr *)addr, len);
	free(data);
	return r < 0 ? -errno : 0;
}

static int send_string(struct ras_osc *osc, const struct sockaddr_storage *addr, socklen_t len,
		       const char *path, const char *text)
{
	lo_message m = lo_message_new();
	int ret = -ENOMEM;

	if (m && !lo_message_add_string(m, text))
		ret = send_to(osc, addr, len, path, m);
	if (m)
		lo_message_free(m);
	return ret;
}

__attribute__((format(printf, 3, 4)))
static void reply_error(struct ras_osc *osc, const struct sender *s, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	send_string(osc, &s->addr, s->len, "/rasbeat/error", text);
}

static void terminate(char *s, size_t n)
{
	s[n - 1] = '\0';
}

#define TERMINATE(field) terminate(field, sizeof(field))

static lo_message state_message(const struct ras_status *st)
{
	struct ras_status c = *st;	/* strings the caller forgot to end end here */
	lo_message m = lo_message_new();
	int bad = 0;

	if (!m)
		return NULL;
	TERMINATE(c.mode);
	TERMINATE(c.phase);
	TERMINATE(c.sensor);
	TERMINATE(c.log_dir);
	TERMINATE(c.message);
	bad |= lo_message_add_float(m, (float)c.time_s);
	bad |= lo_message_add_float(m, (float)c.tempo_bpm);
	bad |= lo_message_add_float(m, (float)c.target_bpm);
	bad |= lo_message_add_float(m, (float)c.cadence_spm);
	bad |= lo_message_add_string(m, c.mode);
	bad |= lo_message_add_string(m, c.phase);
	bad |= lo_message_add_int32(m, c.phase_index);
	bad |= lo_message_add_int32(m, c.phase_count);
	bad |= lo_message_add_float(m, (float)c.phase_elapsed_s);
	bad |= lo_message_add_float(m, (float)c.phase_length_s);
	bad |= lo_message_add_float(m, (float)c.r);
	bad |= lo_message_add_float(m, (float)c.async_ms);
	bad |= lo_message_add_int32(m, c.paused);
	bad |= lo_message_add_int32(m, c.xruns > INT32_MAX ? INT32_MAX : (int32_t)c.xruns);
	bad |= lo_message_add_string(m, c.sensor);
	bad |= lo_message_add_string(m, c.log_dir);
	bad |= lo_message_add_string(m, c.message);
	if (bad) {
		lo_message_free(m);
		return NULL;
	}
	return m;
}

static bool number(char type, const lo_arg *arg, double *v)
{
	switch (type) {
	case LO_FLOAT:
		*v = arg->f;
		return true;
	case LO_DOUBLE:
		*v = arg->d;
		return true;
	case LO_INT32:
		*v = arg->i;
		return true;
	case LO_INT64:
		*v = (double)arg->h;
		return true;
	default:
		return false;
	}
}

/* No argument, or one as a tablet's button sends it: 1 act, 0 ignore (a
 * release), -1 wrong types. */
static int button(const char *types, lo_arg **argv)
{
	double v;

	if (!types[0])
		return 1;
	if (types[1])
		return -1;
	if (types[0] == LO_TRUE || types[0] == LO_FALSE)
		return types[0] == LO_TRUE;
	if (!number(types[0], argv[0], &v) || isnan(v))
		return -1;
	return v != 0;
}

/* A note for a CSV row and a screen line: no control characters. */
static void copy_text(char *dst, size_t n, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < n; i++)
		dst[i] = (unsigned char)src[i] < 0x20 || src[i] == 0x7f ? ' ' : src[i];
	/* Never end inside a UTF-8 sequence. */
	if (src[i])
		while (i > 0 && ((unsigned char)dst[i - 1] & 0xc0) == 0x80)
			i--;
	if (src[i] && i > 0 && ((unsigned char)dst[i - 1] & 0xc0) == 0xc0)
		i--;
	dst[i] = '\0';
}

static void fmt_bpm(char *buf, size_t n, double v)
{
	ras_status_num(buf, n, v, fabs(v - round(v)) < 1e-9 ? 0 : 2);
}

static void do_register(struct ras_osc *osc, const struct sender *s, const struct method *me,
			const char *url)
{
	struct client c = { .len = 0 };
	struct ras_status last;
	bool have_last;
	int i, ret;

	ret = url_resolve(osc, url, &c.addr, &c.len);
	if (ret) {
		reply_error(osc, s, "%s: cannot send to '%s': %s", me->path, url,
			    ret == -ENOENT ? "unknown host" : "not an osc.udp://HOST:PORT/ URL");
		return;
	}
	copy_text(c.url, sizeof(c.url), url);
	pthread_mutex_lock(&osc->lock);
	for (i = 0; i < osc->nclients; i++)
		if (osc->clients[i].len == c.len && !memcmp(&osc->clients[i].addr, &c.addr, c.len))
			break;
	if (i < osc->nclients) {
		/* Known already: it leaves the list, and comes back last if
		 * registering. */
		memmove(&osc->clients[i], &osc->clients[i + 1],
			(osc->nclients - i - 1) * sizeof(c));
		osc->nclients--;
	} else if (me->kind == REGISTER && osc->nclients == RAS_OSC_CLIENTS_MAX) {
		memmove(&osc->clients[0], &osc->clients[1], (osc->nclients - 1) * sizeof(c));
		osc->nclients--;
	}
	if (me->kind == REGISTER)
		osc->clients[osc->nclients++] = c;
	have_last = osc->have_last;
	if (have_last)
		last = osc->last;
	pthread_mutex_unlock(&osc->lock);

	if (me->kind == UNREGISTER) {
		send_string(osc, &s->addr, s->len, "/rasbeat/unregistered", c.url);
		return;
	}
	send_string(osc, &c.addr, c.len, "/rasbeat/registered", c.url);
	if (have_last) {
		lo_message m = state_message(&last);

		if (m) {
			send_to(osc, &c.addr, c.len, "/rasbeat/state", m);
			lo_message_free(m);
		}
	}
}

/* Parsing: a pure function of the bytes (the fuzz target's entry). */

__attribute__((format(printf, 3, 4)))
static int why_fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int ras_osc_parse(const void *buf, size_t len, struct ras_action *out, char *why, size_t whylen)
{
	const char *data = buf;
	const struct method *me = NULL;
	const char *types;
	lo_arg **argv;
	lo_message m;
	int res = 0, ret = RAS_OSC_ACTION, act;

	memset(out, 0, sizeof(*out));
	out->source = RAS_SOURCE_OSC;
	out->time_s = NAN;
	if (len >= 8 && !memcmp(data, "#bundle", 8))
		return why_fail(why, whylen, "an OSC bundle, not a message");
	/* liblo reads the path up to its NUL: one must be there. It copies the
	 * data and does not write to buf. */
	m = len >= 4 && memchr(data, '\0', len) ? lo_message_deserialise((void *)buf, len, &res)
						: NULL;
	if (!m)
		return why_fail(why, whylen, "malformed OSC message (%zu bytes)", len);
	types = lo_message_get_types(m);
	argv = lo_message_get_argv(m);
	if (!types)
		types = "";
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (!strcmp(data, methods[i].path))
			me = &methods[i];
	if (!me) {
		ret = why_fail(why, whylen,
			       "%.200s: unknown path; rasbeat knows /rasbeat/tempo f, /rasbeat/pause, "
			       "/rasbeat/resume, /rasbeat/next, /rasbeat/mark s, /rasbeat/quit, "
			       "/rasbeat/query, /rasbeat/register [s], /rasbeat/unregister [s]",
			       data);
		goto out;
	}
	out->kind = me->kind < RAS_ACTION_COUNT ? (enum ras_action_kind)me->kind
						: RAS_ACTION_QUERY;
	switch (me->kind) {
	case RAS_ACTION_TEMPO_SET:
		if (strlen(types) != 1 || !number(types[0], argv[0], &out->value))
			goto wrong_types;
		if (!isfinite(out->value))
			ret = why_fail(why, whylen, "%s: the tempo must be a finite number of bpm",
				       me->path);
		break;
	case RAS_ACTION_MARK:
		if (!types[0])
			break;
		if (types[1] || (types[0] != LO_STRING && types[0] != LO_SYMBOL))
			goto wrong_types;
		copy_text(out->text, sizeof(out->text), &argv[0]->s);
		break;
	case REGISTER:
	case UNREGISTER:
		ret = me->kind == REGISTER ? RAS_OSC_REGISTER : RAS_OSC_UNREGISTER;
		if (!types[0])
			break;
		if (types[1] || (types[0] != LO_STRING && types[0] != LO_SYMBOL))
			goto wrong_types;
		if (strlen(&argv[0]->s) >= sizeof(out->text))
			ret = why_fail(why, whylen, "%s: the URL is longer than %zu bytes",
				       me->path, sizeof(out->text) - 1);
		else
			strcpy(out->text, &argv[0]->s);
		break;
	default:
		act = button(types, argv);
		if (act < 0)
			goto wrong_types;
		if (!act)
			ret = RAS_OSC_IGNORE;
		break;
	}
	goto out;

wrong_types:
	ret = why_fail(why, whylen, "%s: expects %s, got '%.32s'", me->path, me->usage, types);
out:
	lo_message_free(m);
	return ret;
}

static void walk(const unsigned char *data, size_t size, int depth,
		 void (*fn)(void *user, int ret, const struct ras_action *a, const char *why),
		 void *user)
{
	struct ras_action a;
	char why[512];
	int ret;

	if (size >= 8 && !memcmp(data, "#bundle", 8)) {
		size_t pos = 16;

		if (size < 16) {
			fn(user, -EINVAL, NULL, "malformed OSC bundle");
			return;
		}
		if (depth >= BUNDLE_DEPTH_MAX) {
			fn(user, -EINVAL, NULL, "bundles nested too deep");
			return;
		}
		while (pos + 4 <= size) {
			uint32_t n;

			memcpy(&n, data + pos, 4);
			n = ntohl(n);
			pos += 4;
			if (n > size - pos || n % 4) {
				fn(user, -EINVAL, NULL, "malformed OSC bundle");
				return;
			}
			walk(data + pos, n, depth + 1, fn, user);
			pos += n;
		}
		return;
	}
	why[0] = '\0';
	ret = ras_osc_parse(data, size, &a, why, sizeof(why));
	fn(user, ret, ret < 0 ? NULL : &a, why);
}

void ras_osc_parse_packet(const void *buf, size_t len,
			  void (*fn)(void *user, int ret, const struct ras_action *a,
				     const char *why),
			  void *user)
{
	walk(buf, len, 0, fn, user);
}

/* Acting on what a datagram asks, in the receiving thread. */

static const struct method *method_of(int kind)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i].kind == kind)
			return &methods[i];
	return &methods[0];
}

struct received {
	struct ras_osc *osc;
	const struct sender *s;
};

static void act(void *user, int ret, const struct ras_action *parsed, const char *why)
{
	const struct received *r = user;
	struct ras_osc *osc = r->osc;
	const struct sender *s = r->s;
	struct ras_action a;
	const struct method *me = method_of(parsed ? (int)parsed->kind : 0);
	char v1[32], v2[32], v3[32];
	double lo, hi;

	if (ret < 0) {
		reply_error(osc, s, "%s", why);
		return;
	}
	if (ret == RAS_OSC_IGNORE)
		return;
	a = *parsed;
	if (ret == RAS_OSC_REGISTER || ret == RAS_OSC_UNREGISTER) {
		me = method_of(ret == RAS_OSC_REGISTER ? REGISTER : UNREGISTER);
		if (a.text[0]) {
			do_register(osc, s, me, a.text);
		} else if (!s->url[0]) {
			reply_error(osc, s, "%s: the sender's address is unknown; give a URL",
				    me->path);
		} else {
			do_register(osc, s, me, s->url);
		}
		return;
	}
	snprintf(a.from, sizeof(a.from), "%s", s->url);
	if (a.kind == RAS_ACTION_TEMPO_SET) {
		pthread_mutex_lock(&osc->lock);
		lo = osc->bpm_min;
		hi = osc->bpm_max;
		pthread_mutex_unlock(&osc->lock);
		if (a.value < lo || a.value > hi) {
			fmt_bpm(v1, sizeof(v1), a.value);
			fmt_bpm(v2, sizeof(v2), lo);
			fmt_bpm(v3, sizeof(v3), hi);
			reply_error(osc, s, "%s: %s bpm is outside %s..%s", me->path, v1, v2, v3);
			return;
		}
	}
	if (!ras_spsc_push(osc->queue, &a))
		reply_error(osc, s, "%s: too many commands waiting; try again", me->path);
}

static void *run(void *arg)
{
	struct ras_osc *osc = arg;
	struct pollfd pfd[2] = { { .fd = osc->sock, .events = POLLIN },
				 { .fd = osc->wake, .events = POLLIN } };

	for (;;) {
		struct sender s;
		ssize_t n;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		s.len = sizeof(s.addr);
		n = recvfrom(osc->sock, osc->buf, sizeof(osc->buf), MSG_DONTWAIT,
			     (struct sockaddr *)&s.addr, &s.len);
		if (n < 0)
			continue;
		if (addr_url((struct sockaddr *)&s.addr, s.len, s.url, sizeof(s.url)))
			s.url[0] = '\0';
		ras_osc_parse_packet(osc->buf, (size_t)n, act,
				     &(struct received){ .osc = osc, .s = &s });
	}
	return NULL;
}

struct ras_osc *ras_osc_new(const char *port, const char *bind_addr, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *ai = NULL;
	const char *host = bind_addr ? bind_addr : RAS_OSC_DEFAULT_BIND;
	struct sockaddr_storage addr;
	socklen_t len = sizeof(addr);
	sigset_t all, old;
	struct ras_osc *osc;
	int e = 0, off = 0, rc;

	if (!port || !*port)
		port = "0";
	if (strspn(port, "0123456789") != strlen(port) || strlen(port) > 5 || atoi(port) > 65535) {
		snprintf(err, errlen, "OSC: bad port '%s' (a number, 0 to 65535)", port);
		errno = EINVAL;
		return NULL;
	}
	osc = calloc(1, sizeof(*osc));
	if (!osc) {
		snprintf(err, errlen, "OSC: out of memory");
		errno = ENOMEM;
		return NULL;
	}
	osc->sock = osc->wake = -1;
	osc->bpm_min = 40;
	osc->bpm_max = 180;
	pthread_mutex_init(&osc->lock, NULL);

	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc) {
		e = rc == EAI_SYSTEM ? errno : EADDRNOTAVAIL;
		snprintf(err, errlen, "OSC: cannot listen on %s port %s: %s", host, port,
			 gai_strerror(rc));
		goto fail;
	}
	osc->family = ai->ai_family;
	osc->sock = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	/* "::" then means every interface, IPv4 ones too. */
	if (osc->sock >= 0 && ai->ai_family == AF_INET6)
		setsockopt(osc->sock, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	if (osc->sock < 0 || bind(osc->sock, ai->ai_addr, ai->ai_addrlen) ||
	    getsockname(osc->sock, (struct sockaddr *)&addr, &len)) {
		e = errno;
		snprintf(err, errlen, "OSC: cannot listen on %s port %s: %s", host, port,
			 strerror(e));
		goto fail;
	}
	addr_url((struct sockaddr *)&addr, len, osc->url, sizeof(osc->url));
	osc->port = ntohs(addr.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&addr)->sin6_port
						     : ((struct sockaddr_in *)&addr)->sin_port);
	osc->wake = eventfd(0, EFD_CLOEXEC);
	osc->queue = ras_spsc_new(sizeof(struct ras_action), QUEUE_LEN);
	if (osc->wake < 0 || !osc->queue) {
		e = osc->queue ? errno : ENOMEM;
		snprintf(err, errlen, "OSC: %s", strerror(e));
		goto fail;
	}
	/* Signals are the play loop's to take, not this thread's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&osc->thread, NULL, run, osc);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		e = rc;
		snprintf(err, errlen, "OSC: cannot start a thread: %s", strerror(e));
		goto fail;
	}
	osc->running = true;
	freeaddrinfo(ai);
	return osc;

fail:
	if (ai)
		freeaddrinfo(ai);
	ras_osc_free(osc);
	errno = e ? e : EINVAL;
	return NULL;
}

void ras_osc_free(struct ras_osc *osc)
{
	uint64_t one = 1;

	if (!osc)
		return;
	if (osc->running) {
		if (write(osc->wake, &one, sizeof(one)) != sizeof(one))
			pthread_cancel(osc->thread);
		pthread_join(osc->thread, NULL);
	}
	if (osc->sock >= 0)
		close(osc->sock);
	if (osc->wake >= 0)
		close(osc->wake);
	ras_spsc_free(osc->queue);
	pthread_mutex_destroy(&osc->lock);
	free(osc);
}

const char *ras_osc_url(const struct ras_osc *osc)
{
	return osc->url;
}

int ras_osc_port(const struct ras_osc *osc)
{
	return osc->port;
}

int ras_osc_set_limits(struct ras_osc *osc, double bpm_min, double bpm_max)
{
	if (!isfinite(bpm_min) || !isfinite(bpm_max) || bpm_min <= 0 || bpm_min > bpm_max)
		return -EINVAL;
	pthread_mutex_lock(&osc->lock);
	osc->bpm_min = bpm_min;
	osc->bpm_max = bpm_max;
	pthread_mutex_unlock(&osc->lock);
	return 0;
}

bool ras_osc_next(struct ras_osc *osc, struct ras_action *out)
{
	return ras_spsc_pop(osc->queue, out);
}

static void remember(struct ras_osc *osc, const struct ras_status *st)
{
	pthread_mutex_lock(&osc->lock);
	osc->last = *st;
	osc->have_last = true;
	pthread_mutex_unlock(&osc->lock);
}

int ras_osc_reply(struct ras_osc *osc, const char *url, const struct ras_status *st)
{
	struct sockaddr_storage addr;
	socklen_t len;
	lo_message m;
	int ret;

	remember(osc, st);
	ret = url_resolve(osc, url, &addr, &len);
	if (ret)
		return ret;
	m = state_message(st);
	if (!m)
		return -ENOMEM;
	ret = send_to(osc, &addr, len, "/rasbeat/state", m);
	lo_message_free(m);
	return ret;
}

int ras_osc_notify(struct ras_osc *osc, const struct ras_status *st)
{
	struct client clients[RAS_OSC_CLIENTS_MAX];
	int n, ret = 0, r;
	lo_message m;

	pthread_mutex_lock(&osc->lock);
	osc->last = *st;
	osc->have_last = true;
	n = osc->nclients;
	memcpy(clients, osc->clients, n * sizeof(clients[0]));
	pthread_mutex_unlock(&osc->lock);
	if (!n)
		return 0;
	m = state_message(st);
	if (!m)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		r = send_to(osc, &clients[i].addr, clients[i].len, "/rasbeat/state", m);
		if (r)
			ret = r;
	}
	lo_message_free(m);
	return ret;
}

int ras_osc_error(struct ras_osc *osc, const char *url, const char *text)
{
	struct sockaddr_storage addr;
	socklen_t len;
	int ret = url_resolve(osc, url, &addr, &len);

	return ret ? ret : send_string(osc, &addr, len, "/rasbeat/error", text);
}

int ras_osc_clients(struct ras_osc *osc)
{
	int n;

	pthread_mutex_lock(&osc->lock);
	n = osc->nclients;
	pthread_mutex_unlock(&osc->lock);
	return n;
}
