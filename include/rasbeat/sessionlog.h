/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - the session log folder (--log DIR), written as it happens
 *
 * The files and their columns are described in record.h. The thread that
 * runs the session (the one draining the engine's beat queue and the
 * sensors' step queues) hands every beat, step and event to this module
 * through a lock-free queue; a writer thread of its own matches steps with
 * beats, formats whole rows and writes them, one write() per file a batch,
 * within about 20 ms. So a SIGKILL loses at most the rows of the last
 * moments (a step's row waits for the beat after it, to know its nearest
 * beat), and rows on disk are whole: a write that fails half-way is cut
 * back to the last whole row. The files are fsync'd at each phase change
 * and at the end; session.json is rewritten whole (temporary file, fsync,
 * rename) at the start, at each phase and at the end, with the summary of
 * every phase computed from the very values the CSV rows hold, so a record
 * read back gives the same summary (ras_record_load, ras_record_summarize).
 *
 * A folder that cannot be made, a full disk or any other write error never
 * stops the session: the rows that cannot be written are counted and
 * ras_sessionlog_error says what went wrong, for the console and the exit
 * status. Files are never overwritten: a folder that holds a session
 * already is refused.
 *
 * Threads: ras_sessionlog_new, _info*, _start, _close and _free from the
 * session's thread, before and after it runs. The producer calls
 * (_beat, _step, _event, _phase) from that one thread while it runs: they
 * never block, lock or allocate (they copy into the queue; a full queue
 * drops the row and counts it) and may be called from a real-time thread,
 * except _event, which formats with vsnprintf. RT-safe: ras_sessionlog_beat,
 * ras_sessionlog_step, ras_sessionlog_phase, ras_sessionlog_error,
 * ras_sessionlog_lost.
 */
#ifndef RASBEAT_SESSIONLOG_H
#define RASBEAT_SESSIONLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rasbeat/detect.h"
#include "rasbeat/engine.h"
#include "rasbeat/record.h"

struct ras_sessionlog_config {
	const char *dir;		/* the folder: created 0700, parents too */
	double rate;			/* engine frames per second */
	double latency_s;		/* a beat is heard this long after its frame */
	const char *patient;		/* pseudonymous id, or NULL */
	size_t queue_len;		/* rows in flight (0: 16384) */
};

struct ras_sessionlog;

/*
 * Make the folder and create its files (never replacing any). NULL with
 * errno and err "DIR: cannot create: why" (or "DIR: holds a session already").
 */
struct ras_sessionlog *ras_sessionlog_new(const struct ras_sessionlog_config *cfg, char *err,
					  size_t errlen);

/*
 * What session.json tells besides the summary, set before ras_sessionlog_start:
 * a top-level key ("device", "command"), or with section a key of that
 * object ("settings", "versions"). A NULL value writes null. 0 or -ENOMEM.
 */
int ras_sessionlog_info(struct ras_sessionlog *log, const char *section, const char *key,
			const char *value);
int ras_sessionlog_info_num(struct ras_sessionlog *log, const char *section, const char *key,
			    double value);
/* The playback latency once known. Before ras_sessionlog_start, also what
 * session.json says; after it (a reconnection, from the producer's thread),
 * for the heard times of the beats given from then on. */
void ras_sessionlog_set_latency(struct ras_sessionlog *log, double latency_s);
/* The command line, as given. */
int ras_sessionlog_info_argv(struct ras_sessionlog *log, int argc, char *const argv[]);

/* Write session.json and start the writer thread. 0 or a negative errno
 * (err set); the log is still usable then (rows are counted as lost). */
int ras_sessionlog_start(struct ras_sessionlog *log, char *err, size_t errlen);

/* Producer side, in session order. false when the queue was full (the row
 * is lost and counted). */
bool ras_sessionlog_beat(struct ras_sessionlog *log, const struct ras_beat *b);
/* A step on the session clock (time_ns from engine frame 0). */
bool ras_sessionlog_step(struct ras_sessionlog *log, const struct ras_step *st);
/* An events.csv row; kind is a RAS_EVENT_* name. Not for the audio thread. */
bool ras_sessionlog_event(struct ras_sessionlog *log, double time_s, const char *kind,
			  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A phase begins at time_s: an event row, then fsync and session.json. */
bool ras_sessionlog_phase(struct ras_sessionlog *log, double time_s, const char *name,
			  const char *type);

/* The first write error, as -errno (0: none); with its text when asked. */
int ras_sessionlog_error(const struct ras_sessionlog *log);
void ras_sessionlog_error_text(const struct ras_sessionlog *log, char *buf, size_t len);
/* Rows not written (queue full or write errors), in total. */
uint64_t ras_sessionlog_lost(const struct ras_sessionlog *log);

/*
 * End the session at end_s for `why` ("finished", "stopped by signal", ...):
 * an end event, the rows still pending, fsync, the final session.json, and
 * the writer thread joined. 0, or the first error as -errno with err set.
 */
int ras_sessionlog_close(struct ras_sessionlog *log, double end_s, const char *why, char *err,
			 size_t errlen);

/* The rows written, and the phases; valid after ras_sessionlog_close. */
const struct ras_record *ras_sessionlog_record(const struct ras_sessionlog *log);
const char *ras_sessionlog_dir(const struct ras_sessionlog *log);

/* Closes first if needed. */
void ras_sessionlog_free(struct ras_sessionlog *log);

/*
 * The default folder: $XDG_DATA_HOME (else ~/.local/share)/rasbeat/sessions/
 * PATIENT/YYYY-MM-DDTHH-MM-SS in local time, PATIENT "anonymous" when NULL;
 * a -2, -3 ... suffix when that exists. 0 or -ENAMETOOLONG / -ENOENT (no HOME).
 */
int ras_sessionlog_default_dir(const char *patient, char *buf, size_t len);
/* The folder of a patient's sessions (as above, without the date). */
int ras_sessionlog_patient_dir(const char *patient, char *buf, size_t len);
/* A patient id is a pseudonym fit for a folder name: 1 to 63 of A-Z a-z 0-9
 * . _ -, not starting with '.' or '-'. */
bool ras_sessionlog_patient_ok(const char *id);

#endif
