/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mkseeds DIR: write the binary seeds of the fuzz corpora into DIR/NAME/
 * (NAME a target without its fuzz_ prefix): OSC datagrams built with liblo,
 * small Standard MIDI Files, tiny cue audio files in every format
 * libsndfile writes here, NUL-separated command lines and record folders.
 * Text seeds come from the project's own files (fuzz/run.sh) and
 * fuzz/corpus/NAME/.
 */
#include <errno.h>
#include <lo/lo.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *root;

static void put(const char *target, const char *name, const void *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, target);
	if (mkdir(path, 0777) && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", root, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* OSC */

static void osc_msg(const char *name, const char *path, lo_message m)
{
	size_t len = 0;
	void *d = lo_message_serialise(m, path, NULL, &len);

	put("osc", name, d, len);
	free(d);
	lo_message_free(m);
}

static void osc(void)
{
	lo_message m;
	lo_bundle b;
	size_t len = 0;
	void *d;

	m = lo_message_new();
	lo_message_add_float(m, 104.5f);
	osc_msg("tempo-f", "/rasbeat/tempo", m);
	m = lo_message_new();
	lo_message_add_double(m, 90);
	osc_msg("tempo-d", "/rasbeat/tempo", m);
	m = lo_message_new();
	lo_message_add_int32(m, 120);
	osc_msg("tempo-i", "/rasbeat/tempo", m);
	m = lo_message_new();
	lo_message_add_int64(m, 100);
	osc_msg("tempo-h", "/rasbeat/tempo", m);
	m = lo_message_new();
	lo_message_add_string(m, "fast");
	osc_msg("tempo-s", "/rasbeat/tempo", m);
	osc_msg("pause", "/rasbeat/pause", lo_message_new());
	m = lo_message_new();
	lo_message_add_float(m, 1);
	osc_msg("resume-1", "/rasbeat/resume", m);
	m = lo_message_new();
	lo_message_add_false(m);
	osc_msg("next-F", "/rasbeat/next", m);
	m = lo_message_new();
	lo_message_add_true(m);
	osc_msg("quit-T", "/rasbeat/quit", m);
	m = lo_message_new();
	lo_message_add_string(m, "patient stumbled \xc3\xa0 turn");
	osc_msg("mark-s", "/rasbeat/mark", m);
	m = lo_message_new();
	lo_message_add_symbol(m, "note");
	osc_msg("mark-S", "/rasbeat/mark", m);
	osc_msg("query", "/rasbeat/query", lo_message_new());
	m = lo_message_new();
	lo_message_add_string(m, "osc.udp://127.0.0.1:9001/");
	osc_msg("register-url", "/rasbeat/register", m);
	osc_msg("unregister", "/rasbeat/unregister", lo_message_new());
	m = lo_message_new();
	lo_message_add_blob(m, lo_blob_new(4, "abcd"));
	lo_message_add_midi(m, (uint8_t[4]){ 0x90, 60, 100, 0 });
	lo_message_add_timetag(m, (lo_timetag){ 1, 2 });
	lo_message_add_char(m, 'x');
	lo_message_add_nil(m);
	lo_message_add_infinitum(m);
	osc_msg("types", "/rasbeat/foo", m);

	b = lo_bundle_new(LO_TT_IMMEDIATE);
	m = lo_message_new();
	lo_message_add_float(m, 100);
	lo_bundle_add_message(b, "/rasbeat/tempo", m);
	lo_bundle_add_message(b, "/rasbeat/resume", lo_message_new());
	d = lo_bundle_serialise(b, NULL, &len);
	put("osc", "bundle", d, len);
	free(d);
	{
		lo_bundle outer = lo_bundle_new(LO_TT_IMMEDIATE);

		lo_bundle_add_bundle(outer, b);
		d = lo_bundle_serialise(outer, NULL, &len);
		put("osc", "bundle-nested", d, len);
		free(d);
		lo_bundle_free_recursive(outer);
	}
}

/* Standard MIDI Files */

static void smf(void)
{
	static const uint8_t fmt0[] = {
		'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 0, 0, 1, 0, 96,
		'M', 'T', 'r', 'k', 0, 0, 0, 45,
		0x00, 0xFF, 0x58, 0x04, 0x03, 0x02, 0x18, 0x08,	/* 3/4 */
		0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20,	/* tempo (ignored) */
		0x00, 0xC0, 0x00,				/* program */
		0x00, 0xB0, 0x07, 0x64,				/* volume */
		0x00, 0x90, 0x3C, 0x64,				/* note on */
		0x30, 0x40, 0x64,				/* running status */
		0x30, 0x80, 0x3C, 0x40,				/* note off */
		0x00, 0x40, 0x00,				/* running: off */
		0x00, 0xE0, 0x00, 0x40,				/* bend */
		0x81, 0x40, 0xFF, 0x2F, 0x00,			/* end, after 192 */
	};
	static const uint8_t fmt1[] = {
		'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 1, 0, 2, 1, 0xE0,
		'M', 'T', 'r', 'k', 0, 0, 0, 18,
		0x00, 0xFF, 0x03, 0x04, 'S', 'o', 'n', 'g',	/* name */
		0x00, 0xF0, 0x03, 0x7E, 0x7F, 0xF7,		/* sysex */
		0x00, 0xFF, 0x2F, 0x00,
		'M', 'T', 'r', 'k', 0, 0, 0, 24,
		0x00, 0x99, 0x24, 0x7F,				/* kick, ch 10 */
		0x83, 0x60, 0x89, 0x24, 0x00,
		0x00, 0xA0, 0x3C, 0x10,				/* aftertouch */
		0x00, 0xD0, 0x10,				/* channel pressure */
		0x00, 0xF7, 0x01, 0x00,				/* escape */
		0x00, 0xFF, 0x2F, 0x00,
	};

	put("smf", "format0.mid", fmt0, sizeof(fmt0));
	put("smf", "format1.mid", fmt1, sizeof(fmt1));
}

/* Cue audio */

static void audio(const char *name, int format, int channels, int rate, int frames)
{
	char path[4096];
	SF_INFO info = { .samplerate = rate, .channels = channels, .format = format };
	SNDFILE *sf;
	float *buf = calloc((size_t)frames * channels, sizeof(float));

	snprintf(path, sizeof(path), "%s/cuefile", root);
	mkdir(path, 0777);
	snprintf(path, sizeof(path), "%s/cuefile/%s", root, name);
	for (int i = 0; i < frames; i++)
		for (int c = 0; c < channels; c++)
			buf[i * channels + c] = (i < 8 ? 0.001f : 0.8f) * expf(-i / 40.0f) *
						sinf(i * 0.7f * (c + 1));
	sf = sf_open(path, SFM_WRITE, &info);
	if (!sf) {
		fprintf(stderr, "mkseeds: %s: %s\n", path, sf_strerror(NULL));
		exit(1);
	}
	sf_writef_float(sf, buf, frames);
	sf_close(sf);
	free(buf);
}

static void cues(void)
{
	audio("click.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 1, 8000, 200);
	audio("stereo-float.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 2, 48000, 120);
	audio("click-u8.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_U8, 1, 11025, 100);
	audio("click.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 1, 8000, 200);
	audio("click.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 1, 8000, 400);
	audio("click.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_24, 1, 22050, 100);
	audio("click.au", SF_FORMAT_AU | SF_FORMAT_ULAW, 1, 8000, 100);
	audio("click.caf", SF_FORMAT_CAF | SF_FORMAT_ALAC_16, 1, 8000, 100);
}

/* Command lines: arguments separated by NUL. */

static void cli_seed(const char *name, const char *const *args)
{
	char buf[1024];
	size_t n = 0;

	for (; *args; args++) {
		size_t l = strlen(*args) + 1;

		memcpy(buf + n, *args, l);
		n += l;
	}
	put("cli", name, buf, n ? n - 1 : 0);
}

static void cli(void)
{
	cli_seed("play", (const char *[]){ "play", "--tempo", "100", "--meter", "3/4",
					   "--pattern", "Xx.", "--sub", "2", NULL });
	cli_seed("render", (const char *[]){ "render", "--ramp", "80:120:60", "--out", "x.wav",
					     "--duration", "30", "--rate", "44100", NULL });
	cli_seed("walker", (const char *[]){ "demo", "--walker", "cadence=92,cv=3",
					     "--session", "presets/parkinsons-ras.ini",
					     "--adapt=entrain", "--bpm-min", "60", NULL });
	cli_seed("sound", (const char *[]){ "play", "--sound", "woodblock", "--accent-sound",
					    "beep", "--gain", "accent=-3,music=-6", "--pan",
					    "0.5", "--alternate", "--first-foot", "R", NULL });
	cli_seed("music", (const char *[]){ "play", "--music", "song.mid", "--bed",
					    "drone,pulse=40", "--duck", "6", "--osc", "9000",
					    "--osc-bind", "::", NULL });
	cli_seed("input", (const char *[]){ "record", "--input", "1234:abcd", "--sensor",
					    "footswitch", "--left-code", "KEY_A", "--lockout",
					    "0.25", "--steps-out", "s.csv", NULL });
	cli_seed("report", (const char *[]){ "report", "--svg", "a.svg", "--html", "a.html",
					     "log1", "log2", NULL });
	cli_seed("step", (const char *[]){ "play", "--step", "5:60:140", "--count-in", "2",
					   "--gap", "3:1", "--fade", "10:20", NULL });
}

/* Record folders: events.csv, beats.csv, steps.csv, session.json, NUL apart. */

static void record(void)
{
	static const char full[] =
		"time_s,kind,detail\n"
		"0,start,rasbeat play\n"
		"0,phase,walk (baseline)\n"
		"10.5,phase,\"cue, at 100 %\" (cue)\n"
		"20,mark,\"a \"\"quoted\"\" note\"\n"
		"30,end,done\n"
		"\0"
		"index,frame,time_s,heard_time_s,tempo_bpm,accent,audible,phase\n"
		"0,0,0,0.01,100,1,0,walk\n"
		"1,28800,0.6,0.61,100,0,1,walk\n"
		"2,57600,11.2,11.21,100,0,1,\"cue, at 100 %\"\n"
		"\0"
		"time_s,foot,interval_s,beat_index,asynchrony_ms,relative_phase,tempo_bpm,cadence_spm\n"
		"0.5,L,,,,,,\n"
		"1.1,R,0.6,1,-10.5,-6.3,100,100\n"
		"11.3,L,0.6,2,20,12,100,\n"
		"\0"
		"{\"patient\": \"P01\", \"started\": \"2026-11-21T10:15:00+01:00\", "
		"\"rate\": 48000, \"latency_s\": 0.01, \"phases\": []}\n";

	put("record", "full", full, sizeof(full) - 1);
	put("record", "events-only", full, strlen(full));
	put("record", "crlf", "time_s,kind,detail\r\n0,phase,a (cue)\r\n", 37);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds DIR\n");
		return 2;
	}
	root = argv[1];
	if (mkdir(root, 0777) && errno != EEXIST) {
		perror(root);
		return 1;
	}
	osc();
	smf();
	cues();
	cli();
	record();
	return 0;
}
