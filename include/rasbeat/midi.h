/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - MIDI music: Standard MIDI Files, groove patterns, FluidSynth
 *
 * A score (struct ras_midi) is one array of channel events sorted by music
 * beat, merged across tracks, that loops every ras_midi_length() beats. It
 * comes from a Standard MIDI File or from a groove pattern file; a synth
 * (struct ras_synth) plays it as a music source (music.h) through
 * FluidSynth and a General MIDI SoundFont.
 *
 * Standard MIDI Files (format 0 and 1; format 2 and SMPTE time division are
 * refused): music beat = tick / ticks-per-quarter, so a quarter note is one
 * beat of the session. The file's tempo events are ignored by design: the
 * session's tempo drives the song. Kept: note on/off (note on with velocity
 * 0 is a note off), control change, program change, pitch bend; the first
 * time signature sets the bar (4/4 without one). Everything else (sysex,
 * other meta events, aftertouch) is read and skipped. The loop is the song
 * (its longest track, end of track included) rounded up to whole bars.
 * Errors read "FILE: byte N: what is wrong", N the offset of the bad byte.
 *
 * Groove files (.groove) are INI files (inifile.h; docs/music.md has the
 * full reference and cues/grooves/ the examples):
 *
 *   [groove]
 *   meter = 4/4         ; beats per bar / note value; one beat = one session beat
 *   steps = 4           ; grid steps per beat (1..12)
 *   bars = 2            ; the pattern loops every 2 bars (1..16)
 *   swing = 50          ; percent, 50 straight .. 75 hard shuffle: delays odd steps
 *   kit = 0             ; GM drum kit (0 standard, 8 room, 16 power, 32 jazz, 40 brush)
 *
 *   [kick]              ; any name: one instrument per section
 *   drum = 36           ; a GM percussion key (channel 10) ...
 *   velocity = 100      ; 'x' (1..127); 'X' plays `accent`, 'o' half velocity
 *   accent = 124
 *   pattern = X...x...X...x...    ; every bar; bar1=, bar2=... override one bar
 *
 *   [bass]
 *   program = 33        ; ... or a GM program 1..128 (33 = acoustic bass)
 *   velocity = 90
 *   volume = 100        ; channel volume (CC 7), 0..127
 *   gate = 0.9          ; fraction of its steps a note sounds (0.05..1)
 *   bar1 = C2 . . . G1 . . . C2 . . . G1 . . .
 *
 *   [piano]
 *   program = 1
 *   chords = yes        ; the tokens are chord symbols, roots in `octave`
 *   octave = 4
 *   pattern = C - - - - - - - Am - - - - - - -
 *
 * A drum bar is one character per step: '.' rest, 'x' hit, 'X' accent, 'o'
 * ghost; spaces and '|' are ignored. A melodic bar is one token per step:
 * '.' rest, '-' hold the previous note one more step, a note (C2, F#3, Bb1:
 * C4 is MIDI 60) or, with chords = yes, a chord (root A..G with # or b, then
 * "", m, 7, maj7, m7, dim, aug, sus2, sus4, 6, m6 or add9); a trailing '!'
 * accents it. A bar may go on over indented lines. Errors read
 * "FILE:LINE: KEY: what is wrong".
 *
 * Nothing in this header is RT-safe except the synth's music source
 * callbacks (ras_synth_source()).
 */
#ifndef RASBEAT_MIDI_H
#define RASBEAT_MIDI_H

#include <stddef.h>
#include <stdint.h>

#include "rasbeat/music.h"

/* Channel messages a score keeps: the status byte's high nibble. */
#define RAS_MIDI_NOTE_OFF 0x80
#define RAS_MIDI_NOTE_ON 0x90
#define RAS_MIDI_CONTROL 0xB0
#define RAS_MIDI_PROGRAM 0xC0
#define RAS_MIDI_BEND 0xE0

/* The percussion channel (10 in GM's 1-based count). */
#define RAS_MIDI_DRUMS 9

struct ras_midi_event {
	double beat;		/* music beats (quarter notes for SMF) from 0 */
	uint8_t status;		/* RAS_MIDI_* | channel; note on always has velocity > 0 */
	uint8_t data1;		/* key, controller or program */
	uint8_t data2;		/* velocity or value; bend: the high 7 bits (low in data1) */
};

struct ras_midi;

/*
 * Parse a Standard MIDI File held in buf. A pure function of the bytes;
 * `name` is only for messages. Returns 0, -EINVAL (err: "NAME: byte N:
 * what") or -ENOMEM.
 */
int ras_midi_parse_smf(const uint8_t *buf, size_t len, const char *name, struct ras_midi **out,
		       char *err, size_t errlen);

/* Parse groove text (see above); "NAME:LINE: KEY: what" on -EINVAL. */
int ras_midi_parse_groove(const char *text, const char *name, struct ras_midi **out, char *err,
			  size_t errlen);

/* Load a file: a groove when the name ends in .groove, else a Standard MIDI
 * File. 0, -EINVAL, -ENOMEM or -errno of the I/O, with err set. */
int ras_midi_load(const char *path, struct ras_midi **out, char *err, size_t errlen);

void ras_midi_free(struct ras_midi *m);

size_t ras_midi_count(const struct ras_midi *m);
/* Event i (0 <= i < count), sorted by beat; at one beat note offs come first,
 * then program and control changes, bends, and note ons. NULL out of range. */
const struct ras_midi_event *ras_midi_event(const struct ras_midi *m, size_t i);
/* Loop length in music beats (> 0): whole bars. */
double ras_midi_length(const struct ras_midi *m);
/* Music beats per bar (a 6/8 bar is 3 quarter notes). */
double ras_midi_bar(const struct ras_midi *m);

/*
 * The synth: FluidSynth playing a score as a music source.
 *
 * FluidSynth starts a note only at the start of one of its 64-frame blocks,
 * whatever the split of the render calls. So that every note starts at its
 * exact frame, a synth holds a pool of RAS_SYNTH_POOL FluidSynth instances
 * (the SoundFont's samples are loaded once and shared by FluidSynth's sample
 * cache): an instance renders only while it has voices, and one that is
 * idle takes its block grid from the frame of the note it is given. A note
 * goes to a sounding instance whose grid it falls on, else to an idle one;
 * only when all are busy does it go to the instance whose next block comes
 * soonest, late by less than 64 frames (counted by ras_synth_late()). Note
 * offs, controls and bends start at the holding (every) instance's next
 * block: within 64 frames. Program and control changes are sent only when
 * they change a value.
 *
 * FluidSynth runs with its thread-safe API off (no locks), one core, no
 * dynamic sample loading, no reverb or chorus (they would ring in idle
 * instances), and its log off below errors (no console I/O in the audio
 * thread).
 */
#define RAS_SYNTH_POOL 12
#define RAS_SYNTH_SOUNDFONT "/usr/share/sounds/sf2/default-GM.sf2"

struct ras_synth;

/*
 * A synth for score m (copied: m may be freed after) at `rate` Hz with the
 * SoundFont at `soundfont` (NULL: RAS_SYNTH_SOUNDFONT), loaded here, outside
 * the audio thread (0.15 s for TimGM6mb, up to 1 s for FluidR3_GM's 148 MB).
 * The state at beat 0 (programs, volumes) is set here too. 0, -EINVAL (bad
 * rate, SoundFont not loadable), -ENOMEM.
 */
int ras_synth_new(const struct ras_midi *m, double rate, const char *soundfont,
		  struct ras_synth **out, char *err, size_t errlen);
void ras_synth_free(struct ras_synth *s);

/* The music source (valid until ras_synth_free). render() and reset() are
 * RT-safe; one thread renders at a time. */
const struct ras_music_source *ras_synth_source(struct ras_synth *s);

/* Notes started late because every instance of the pool was busy. */
uint64_t ras_synth_late(const struct ras_synth *s);

/*
 * For make bench: render `seconds` of the score at a constant `bpm` in
 * blocks of `block` frames (a fresh place: reset first) and measure the
 * thread CPU time of each render call: *mean and *worst in seconds per
 * block. 0 or -EINVAL / -ENOMEM. Not RT-safe (it builds a schedule).
 */
int ras_synth_bench(struct ras_synth *s, double bpm, uint32_t block, double seconds,
		    double *mean, double *worst);

#endif
