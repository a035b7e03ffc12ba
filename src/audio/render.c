/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "rasbeat/render.h"
#include "rasbeat/tmpfile.h"

volatile int ras_render_interrupted;

struct ras_audiofile {
	SNDFILE *sf;
	int channels;
	struct ras_tmpfile file;
};

int ras_audiofile_format(const char *path)
{
	static const struct {
		const char *ext;
		int format;
	} formats[] = {
		{ ".wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24 },
		{ ".flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_24 },
		{ ".ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS },
		{ ".oga", SF_FORMAT_OGG | SF_FORMAT_VORBIS },
		{ ".aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_24 },
		{ ".aif", SF_FORMAT_AIFF | SF_FORMAT_PCM_24 },
	};
	const char *dot = strrchr(path, '.');

	if (!dot || strchr(dot, '/'))
		return 0;
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcasecmp(dot, formats[i].ext) == 0)
			return formats[i].format;
	return 0;
}

struct ras_audiofile *ras_audiofile_create(const char *path, double rate, int channels,
					   char *err, size_t errlen)
{
	SF_INFO info = { .samplerate = (int)rate, .channels = channels };
	struct ras_audiofile *f;

	info.format = ras_audiofile_format(path);
	if (!info.format) {
		snprintf(err, errlen, "%s: unknown audio format (use .wav, .flac, .ogg or .aiff)", path);
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	if (ras_tmpfile_open(&f->file, path, 0666, err, errlen)) {
		free(f);
		return NULL;
	}
	f->sf = sf_open_fd(f->file.fd, SFM_WRITE, &info, SF_TRUE);
	if (!f->sf) {
		snprintf(err, errlen, "%s: cannot write this format: %s", path, sf_strerror(NULL));
		close(f->file.fd);
		ras_tmpfile_discard(&f->file);
		free(f);
		return NULL;
	}
	/* Clip rather than wrap should a float ever pass full scale. */
	if ((info.format & SF_FORMAT_SUBMASK) != SF_FORMAT_VORBIS)
		sf_command(f->sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
	f->channels = channels;
	return f;
}

int ras_audiofile_append(struct ras_audiofile *f, const float *frames, uint32_t n,
			 char *err, size_t errlen)
{
	if (sf_writef_float(f->sf, frames, n) != (sf_count_t)n) {
		snprintf(err, errlen, "%s: write failed: %s", f->file.path, sf_strerror(f->sf));
		return -EIO;
	}
	return 0;
}

int ras_audiofile_commit(struct ras_audiofile *f, char *err, size_t errlen)
{
	int ret = 0;

	sf_write_sync(f->sf);
	if (sf_close(f->sf) != 0) {
		snprintf(err, errlen, "%s: closing failed", f->file.path);
		ras_tmpfile_discard(&f->file);
		ret = -EIO;
	} else {
		ret = ras_tmpfile_commit(&f->file, err, errlen);
	}
	free(f);
	return ret;
}

void ras_audiofile_abort(struct ras_audiofile *f)
{
	if (!f)
		return;
	sf_close(f->sf);
	ras_tmpfile_discard(&f->file);
	free(f);
}

int ras_audiofile_write(const char *path, const float *frames, uint32_t n, int channels,
			double rate, char *err, size_t errlen)
{
	struct ras_audiofile *f = ras_audiofile_create(path, rate, channels, err, errlen);
	int ret;

	if (!f)
		return -EIO;
	ret = ras_audiofile_append(f, frames, n, err, errlen);
	if (ret) {
		ras_audiofile_abort(f);
		return ret;
	}
	return ras_audiofile_commit(f, err, errlen);
}

/* Frames gathered before each write: the process block is often small, and
 * one write per block made the renderer spend most of its time in the kernel. */
#define WRITE_CHUNK 16384

int ras_render_run(struct ras_engine *e, struct ras_audiofile *out, int64_t frames,
		   uint32_t block, ras_beat_fn fn, ras_block_fn block_fn, void *ctx,
		   char *err, size_t errlen)
{
	const uint32_t chunk = block > WRITE_CHUNK ? block : WRITE_CHUNK;
	float *l = malloc(block * sizeof(float)), *r = malloc(block * sizeof(float));
	float *lr = malloc(2 * (size_t)chunk * sizeof(float));
	struct ras_cmd start = { .kind = RAS_CMD_START, .frame = -1 };
	struct ras_beat beat;
	int64_t done = 0;
	uint32_t fill = 0;
	int ret = 0, stop;

	if (!l || !r || !lr) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	ras_engine_send(e, &start);
	while (frames < 0 ? !ras_engine_done(e) : done < frames) {
		uint32_t n = block;

		if (ras_render_interrupted) {
			snprintf(err, errlen, "interrupted");
			ret = -EINTR;
			goto out;
		}
		if (frames >= 0 && frames - done < n)
			n = (uint32_t)(frames - done);
		if (out && fill + n > chunk) {
			if ((ret = ras_audiofile_append(out, lr, fill, err, errlen)))
				goto out;
			fill = 0;
		}
		ras_engine_process(e, l, r, n);
		while (ras_engine_next_beat(e, &beat)) {
			if (fn && (ret = fn(&beat, ctx)) != 0) {
				snprintf(err, errlen, "beat output failed");
				goto out;
			}
		}
		stop = block_fn ? block_fn(ras_engine_frame(e), ctx) : 0;
		if (stop < 0) {
			ret = stop;
			snprintf(err, errlen, "stopped after frame %lld", (long long)ras_engine_frame(e));
			goto out;
		}
		if (out) {
			for (uint32_t i = 0; i < n; i++) {
				lr[2 * (fill + i)] = l[i];
				lr[2 * (fill + i) + 1] = r[i];
			}
			fill += n;
		}
		done += n;
		if (stop > 0)
			break;
	}
	if (out && fill)
		ret = ras_audiofile_append(out, lr, fill, err, errlen);
out:
	free(l);
	free(r);
	free(lr);
	return ret;
}
