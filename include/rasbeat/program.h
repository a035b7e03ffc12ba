/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - non-gait movement programs (--session FILE with program=)
 *
 * A program is a cycle of two timed segments with distinct cues, repeated:
 *
 *   breathing    inhale (on) then exhale (off), e.g. 4 s + 6 s = 6 breaths/min
 *   stretching   hold (on) with an optional count, then release (off)
 *   relaxation   tense a muscle group (on), then release it (off), per group
 *
 * Each segment is one beat of the schedule (a constant section of one beat
 * at 60 / seconds bpm), so the engine plays it with no new machinery: the
 * on cue is the ACCENT part, the off cue the NORMAL part and a stretching
 * count the SUB part (hold of H s with sub = H: a tick each second). Beat 0
 * is the first cue; the schedule ends with the last off segment, so the
 * engine reports done there. Beat 2 i is cycle i's on cue, 2 i + 1 its off.
 *
 * The file is INI like a gait session (session.h) but has no phases; all
 * keys are in [session]:
 *
 *   [session]
 *   name = ...  description = ...  (as session.h; indented lines go on)
 *   gain = -10          ; dB, master (default -10: soft)
 *   bed = drone         ; a relaxation bed under the cues (bed.h), any program
 *   program = breathing
 *   inhale = 4          ; s
 *   exhale = 6          ; s
 *   minutes = 10 | cycles = 60
 *   [start_rate = 10]   ; breaths/min of the first breath: the segments
 *                       ; lengthen breath by breath (ratio kept) to
 *                       ; inhale + exhale at the last
 *
 *   program = stretching   hold = 20  release = 10  reps = 8  [count = yes]
 *   program = relaxation   tense = 5  release = 30
 *                          groups = hands, arms, shoulders, ...
 *
 * Errors read "FILE:LINE: KEY: what is wrong" (FILE: what, without a line).
 * Not RT-safe; nothing here runs in the audio thread.
 */
#ifndef RASBEAT_PROGRAM_H
#define RASBEAT_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rasbeat/schedule.h"

#define RAS_PROGRAM_CYCLES_MAX 1000
#define RAS_PROGRAM_GROUPS_MAX 32
#define RAS_PROGRAM_GROUP_MAX 32	/* group name length, with the NUL */
#define RAS_PROGRAM_NAME_MAX 64
#define RAS_PROGRAM_TEXT_MAX 1024
/* Segment lengths, s; a counted hold is whole seconds up to RAS_SCHEDULE_SUB_MAX. */
#define RAS_PROGRAM_SEG_MIN 1.0
#define RAS_PROGRAM_SEG_MAX 60.0

/* Cue sounds (--sound specs) and the default master gain: on and off
 * differ in timbre and pitch; the count is a soft tick (sub part). */
#define RAS_PROGRAM_SOUND_ON "beep"
#define RAS_PROGRAM_SOUND_OFF "woodblock"
#define RAS_PROGRAM_SOUND_COUNT "tick"
#define RAS_PROGRAM_GAIN_DB -10.0

enum ras_program_type {
	RAS_PROGRAM_BREATHING,
	RAS_PROGRAM_STRETCHING,
	RAS_PROGRAM_RELAXATION,
};

struct ras_program {
	enum ras_program_type type;
	double on_s;			/* inhale, hold, tense */
	double off_s;			/* exhale, release */
	int cycles;			/* breaths, reps; relaxation: groups */
	bool count;			/* stretching: a tick each second of the hold */
	double start_rate;		/* breathing: breaths/min at first; 0: no ramp */
	int groups;			/* relaxation: names of groups 0..groups-1 */
	char group[RAS_PROGRAM_GROUPS_MAX][RAS_PROGRAM_GROUP_MAX];
	/* From a file only: */
	char name[RAS_PROGRAM_NAME_MAX];
	char description[RAS_PROGRAM_TEXT_MAX];
	double gain_db;
	char bed[128];			/* a relaxation bed (bed.h spec); "" none */
};

const char *ras_program_type_name(enum ras_program_type type);

/*
 * The schedule of program p into *out (the caller frees it). Returns 0, or
 * -EINVAL (a value out of range, in err) or -ENOMEM.
 */
int ras_program_build(const struct ras_program *p, struct ras_schedule **out, char *err,
		      size_t errlen);

/* Time and length of segment `beat` (2 i on, 2 i + 1 off of cycle i), s. */
double ras_program_segment_time(const struct ras_program *p, int64_t beat, double *len);

/* What segment `beat` is, for the patient: "inhale 4.0 s (breath 3/60)",
 * "tense hands 5 s (1/9)". */
void ras_program_describe(const struct ras_program *p, int64_t beat, char *buf, size_t len);

/*
 * Read a program file into p. Returns 0, -ENODATA (no program= in
 * [session]: a gait session, err untouched), -EINVAL (err: FILE:LINE: KEY:
 * what), -ENOMEM, or an open error (-ENOENT ...).
 */
int ras_program_load(const char *path, struct ras_program *p, char *err, size_t errlen);
/* The same from text; `name` stands for the file in messages. */
int ras_program_parse(const char *text, const char *name, struct ras_program *p, char *err,
		      size_t errlen);
/* True when the file opens and its [session] has program=. */
bool ras_program_probe(const char *path);

#endif
