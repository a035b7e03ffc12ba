/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/evdev.h"
#include "rasbeat/evemu.h"
#include "rasbeat/stepsource.h"

#define PENDING 128

struct ras_stepsource {
	struct ras_detector *det;
	/* replay */
	struct ras_evemu *rec;
	size_t next;
	bool started, flushed;
	int64_t offset_ns;	/* session - recording */
	/* live */
	struct ras_evdev_reader *reader;
	ras_mono_to_session_fn to_session;
	void *ctx;
	uint64_t unplaced;
	/* steps found but not yet handed out (out was full) */
	struct ras_step pending[PENDING];
	int npending;
	char name[RAS_DEVICE_NAME_MAX];
};

static bool is_recording(const char *input)
{
	size_t n = strlen(input);

	return n > 6 && strcmp(input + n - 6, ".evemu") == 0;
}

struct ras_stepsource *ras_stepsource_open(const struct ras_stepsource_config *cfg,
					   char *err, size_t errlen)
{
	struct ras_stepsource *s = calloc(1, sizeof(*s));
	const struct ras_device_info *dev;
	char path[RAS_EVDEV_PATH_MAX];

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (is_recording(cfg->input)) {
		if (ras_evemu_load(cfg->input, &s->rec, err, errlen))
			goto fail;
		dev = ras_evemu_device(s->rec);
	} else {
		struct ras_evdev_reader_config rc = { .grab = cfg->grab };

		if (ras_evdev_resolve(cfg->input, (int)cfg->detect.kind, NULL, path, sizeof(path),
				      err, errlen))
			goto fail;
		rc.path = path;
		s->reader = ras_evdev_reader_new(&rc, err, errlen);
		if (!s->reader)
			goto fail;
		dev = ras_evdev_reader_info(s->reader);
	}
	snprintf(s->name, sizeof(s->name), "%s", dev->name);
	if (!ras_detect_device_fits(dev, cfg->detect.kind)) {
		snprintf(err, errlen, "%s: device '%s' cannot serve as a %s sensor", cfg->input, dev->name,
			 ras_sensor_kind_name(cfg->detect.kind));
		goto fail;
	}
	s->det = ras_detector_new(&cfg->detect, dev);
	if (!s->det) {
		snprintf(err, errlen, "%s: cannot set up the %s detector: %s", cfg->input,
			 ras_sensor_kind_name(cfg->detect.kind), strerror(errno));
		goto fail;
	}
	return s;
fail:
	ras_stepsource_free(s);
	return NULL;
}

void ras_stepsource_free(struct ras_stepsource *s)
{
	if (!s)
		return;
	ras_detector_free(s->det);
	ras_evemu_free(s->rec);
	ras_evdev_reader_free(s->reader);
	free(s);
}

bool ras_stepsource_is_replay(const struct ras_stepsource *s)
{
	return s->rec != NULL;
}

const char *ras_stepsource_name(const struct ras_stepsource *s)
{
	return s->name;
}

void ras_stepsource_set_clock(struct ras_stepsource *s, ras_mono_to_session_fn fn, void *ctx)
{
	s->to_session = fn;
	s->ctx = ctx;
}

uint64_t ras_stepsource_unplaced(const struct ras_stepsource *s)
{
	return s->unplaced;
}

/* Found steps, on the source's clock, into the pending list on the session clock. */
static void place(struct ras_stepsource *s, struct ras_step *found, int n)
{
	for (int i = 0; i < n; i++) {
		struct ras_step st = found[i];

		if (s->rec) {
			st.time_ns += s->offset_ns;
		} else if (!s->to_session || !s->to_session(s->ctx, found[i].time_ns, &st.time_ns)) {
			s->unplaced++;
			continue;
		}
		if (s->npending < PENDING)
			s->pending[s->npending++] = st;
		else
			s->unplaced++;
	}
}

static void poll_replay(struct ras_stepsource *s, int64_t now_ns)
{
	const struct ras_input_event *ev = ras_evemu_events(s->rec);
	size_t count = ras_evemu_count(s->rec);
	struct ras_step found[RAS_DETECT_MAX_STEPS];

	if (!s->started && count) {
		s->offset_ns = now_ns - ev[0].time_ns;
		s->started = true;
	}
	/* Stop early when the pending list could overflow; the rest waits. */
	while (s->next < count && ev[s->next].time_ns + s->offset_ns <= now_ns &&
	       s->npending <= PENDING - RAS_DETECT_MAX_STEPS) {
		place(s, found,
		      ras_detector_feed(s->det, &ev[s->next], found, RAS_DETECT_MAX_STEPS));
		s->next++;
	}
	if (s->next == count && s->started && !s->flushed &&
	    s->npending <= PENDING - RAS_DETECT_MAX_STEPS) {
		place(s, found, ras_detector_flush(s->det, found, RAS_DETECT_MAX_STEPS));
		s->flushed = true;
	}
}

static void poll_live(struct ras_stepsource *s, ras_stepsource_news_fn news, void *ctx)
{
	struct ras_evdev_event e;
	struct ras_evdev_status st;
	struct ras_step found[RAS_DETECT_MAX_STEPS];

	while (s->npending <= PENDING - RAS_DETECT_MAX_STEPS && ras_evdev_reader_pop(s->reader, &e)) {
		if (e.flags & RAS_EVDEV_SYNCED)
			ras_detector_sync(s->det, &e.ev);
		else
			place(s, found,
			      ras_detector_feed(s->det, &e.ev, found, RAS_DETECT_MAX_STEPS));
	}
	while (ras_evdev_reader_status(s->reader, &st))
		if (news)
			news(ctx, st.time_ns, st.message);
}

int ras_stepsource_poll(struct ras_stepsource *s, int64_t now_ns, struct ras_step *out, int max,
			ras_stepsource_news_fn news, void *ctx)
{
	int n;

	if (s->rec)
		poll_replay(s, now_ns);
	else
		poll_live(s, news, ctx);
	n = s->npending < max ? s->npending : max;
	memcpy(out, s->pending, (size_t)n * sizeof(*out));
	memmove(s->pending, s->pending + n, (size_t)(s->npending - n) * sizeof(*out));
	s->npending -= n;
	return n;
}
