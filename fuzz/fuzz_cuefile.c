/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Cue audio files (--sound FILE): the bytes go into a memory-backed file
 * (memfd) that ras_cuefile_load opens by its /proc/self/fd path, so the
 * real loader runs: libsndfile's readers for WAV, FLAC, Ogg, AIFF..., the
 * mix to mono, the onset trim and the resampling to 48 kHz. */
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "rasbeat/cuefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ras_sound *s = NULL;
	char path[64];
	FUZZ_ERR(err);
	int fd, ret;

	fd = memfd_create("fuzz-cue", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ret = ras_cuefile_load(path, 48000, &s, err, sizeof(err));
	if (ret) {
		fuzz_check_err(err, sizeof(err), path);
		if (s)
			abort();
	} else {
		if (!s || !s->frames || s->rate != 48000) {
			fprintf(stderr, "fuzz: loaded a cue of %u frames at %g Hz\n",
				s ? s->frames : 0, s ? s->rate : 0.0);
			abort();
		}
		(void)ras_sound_peak(s);
		ras_sound_free(s);
	}
	close(fd);
	return 0;
}
