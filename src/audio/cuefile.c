/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <math.h>
#include <samplerate.h>
#include <sndfile.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasbeat/cuefile.h"
#include "rasbeat/render.h"

/* A cue's onset: its first sample within 40 dB of its peak. Lower than
 * that is a lossy codec's pre-echo or room noise, and keeping it would put
 * the audible attack late. */
#define ONSET_REL 0.01f

/* Read in blocks, mixed to mono as they come: a header claiming many
 * channels costs no more memory than a mono file. libsndfile's own limit. */
#define BLOCK 1024
#define CHANNELS_MAX 1024

int ras_cuefile_load(const char *path, double rate, struct ras_sound **out,
		     char *err, size_t errlen)
{
	SF_INFO info = { 0 };
	SNDFILE *sf;
	float *frames = NULL, *mono = NULL, *res = NULL;
	sf_count_t n, got, lead = 0;
	int ret = 0;

	*out = NULL;
	sf = sf_open(path, SFM_READ, &info);
	if (!sf) {
		FILE *f = fopen(path, "rb");

		if (!f) {
			ret = -errno;
			snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
			return ret;
		}
		fclose(f);
		snprintf(err, errlen, "%s: not an audio file libsndfile can read (%s)", path,
			 sf_strerror(NULL));
		return -EINVAL;
	}
	n = info.frames;
	if (n <= 0 || info.channels < 1 || info.channels > CHANNELS_MAX ||
	    info.samplerate < 1000) {
		snprintf(err, errlen, "%s: empty or invalid audio (%lld frames, %d channels, %d Hz)",
			 path, (long long)n, info.channels, info.samplerate);
		ret = -EINVAL;
		goto out;
	}
	/* A header may claim any rate: past 384 kHz (the engine's most) none
	 * is real, a cue would resample to (next to) nothing, and 10 s of it
	 * would take seconds to resample. */
	if (info.samplerate > 384000) {
		snprintf(err, errlen, "%s: a sample rate of %d Hz; a cue may have at most 384000",
			 path, info.samplerate);
		ret = -EINVAL;
		goto out;
	}
	if ((double)n / info.samplerate > RAS_CUE_SECONDS_MAX) {
		snprintf(err, errlen, "%s: %.1f s long; a cue may last at most %.0f s", path,
			 (double)n / info.samplerate, RAS_CUE_SECONDS_MAX);
		ret = -EINVAL;
		goto out;
	}
	frames = malloc((size_t)BLOCK * info.channels * sizeof(float));
	mono = malloc((size_t)n * sizeof(float));
	if (!frames || !mono) {
		snprintf(err, errlen, "%s: out of memory", path);
		ret = -ENOMEM;
		goto out;
	}
	for (got = 0; got < n;) {
		sf_count_t r = sf_readf_float(sf, frames, n - got < BLOCK ? n - got : BLOCK);

		if (r <= 0)
			break;
		for (sf_count_t i = 0; i < r; i++) {
			float sum = 0;

			for (int c = 0; c < info.channels; c++)
				sum += frames[i * info.channels + c];
			mono[got + i] = isfinite(sum) ? sum / info.channels : 0;
		}
		got += r;
	}
	if (got <= 0) {
		snprintf(err, errlen, "%s: cannot read audio data (%s)", path, sf_strerror(sf));
		ret = -EIO;
		goto out;
	}
	float peak = 0;

	for (sf_count_t i = 0; i < got; i++)
		peak = fmaxf(peak, fabsf(mono[i]));
	while (lead < got && fabsf(mono[lead]) < peak * ONSET_REL)
		lead++;
	if (peak < 1e-4f) {
		snprintf(err, errlen, "%s: silent (nothing above -80 dBFS)", path);
		ret = -EINVAL;
		goto out;
	}
	got -= lead;
	if ((double)info.samplerate == rate) {
		*out = ras_sound_from(mono + lead, (uint32_t)got, rate);
	} else {
		SRC_DATA d = {
			.data_in = mono + lead,
			.input_frames = got,
			.src_ratio = rate / info.samplerate,
		};
		int e;

		d.output_frames = (long)ceil(got * d.src_ratio) + 16;
		res = calloc((size_t)d.output_frames, sizeof(float));
		if (!res) {
			snprintf(err, errlen, "%s: out of memory", path);
			ret = -ENOMEM;
			goto out;
		}
		d.data_out = res;
		e = src_simple(&d, SRC_SINC_BEST_QUALITY, 1);
		if (e) {
			snprintf(err, errlen, "%s: resampling failed: %s", path, src_strerror(e));
			ret = -EIO;
			goto out;
		}
		if (d.output_frames_gen < 1) {
			snprintf(err, errlen, "%s: too short: no sound left at %.0f Hz", path, rate);
			ret = -EINVAL;
			goto out;
		}
		*out = ras_sound_from(res, (uint32_t)d.output_frames_gen, rate);
	}
	if (!*out) {
		snprintf(err, errlen, "%s: out of memory", path);
		ret = -ENOMEM;
	}
out:
	free(frames);
	free(mono);
	free(res);
	sf_close(sf);
	return ret;
}

int ras_cuefile_resolve(const char *spec, bool accent, double rate, struct ras_sound **out,
			char *err, size_t errlen)
{
	enum ras_cue cue;

	if (ras_cue_from_name(spec, &cue) == 0) {
		*out = ras_sound_synth(cue, accent, rate);
		if (!*out) {
			snprintf(err, errlen, "%s: cannot synthesize", spec);
			return -ENOMEM;
		}
		return 0;
	}
	return ras_cuefile_load(spec, rate, out, err, errlen);
}

int ras_cuefile_save(const struct ras_sound *s, const char *path, char *err, size_t errlen)
{
	return ras_audiofile_write(path, s->data, s->frames, 1, s->rate, err, errlen);
}
