/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rasbeat - the full-screen console of `rasbeat play` (ncurses)
 *
 * What a physiotherapist walking beside the patient needs at a glance: the
 * tempo and the measured cadence in big digits (a block font drawn here,
 * 5x7 cells, readable from 2 m), the protocol phase with its timer and a
 * progress bar, a synchronization meter (R and mean asynchrony), a beat and
 * a step lamp per foot that light ~150 ms, the sensor, xruns and the log
 * folder, the last event, and the keys:
 *
 *   Up / Down     tempo +1 / -1 bpm (also + and -)     TEMPO_DELTA
 *   PgUp / PgDn   tempo +5 % / -5 % (x1.05, /1.05)     TEMPO_SCALE
 *   Space         pause / resume the cues              PAUSE_TOGGLE
 *   n             next phase                           NEXT_PHASE
 *   m             mark an event: a one-line note prompt opens; Enter
 *                 confirms (an empty note is fine), Esc drops the mark;
 *                 other keys only type while it is open. The mark is
 *                 timed when m was pressed (time_s of the last status).
 *   q             end the session: asks first; q or y again (within 5 s)
 *                 ends it (QUIT), any other key keeps going
 *   Ctrl-L        redraw
 *
 * The keys are listed on screen. 80x24 shows everything; from 40x17 a 3x5
 * font; smaller terminals get compact text lines. The layout follows the
 * terminal's size at every draw (ncurses turns SIGWINCH into a resize).
 *
 * Driving it from the play loop (one thread, the one that made it):
 *
 *   c = ras_console_new(err, len);	only when stdout is a terminal
 *   loop every 50-100 ms:
 *     while (ras_console_poll(c, &a) > 0) act on a (source KEY);
 *     ras_console_draw(c, &status);
 *   ras_console_free(c);		the terminal is as it was
 *
 * Anything written to stdout or stderr while the console is up lands in
 * the middle of the screen: the caller keeps quiet (or logs) until
 * ras_console_free. One console per process. ras_console_new sets LC_CTYPE
 * from the environment when it is still "C", so that UTF-8 shows (numbers
 * are not affected: LC_NUMERIC is left alone).
 *
 * Not RT-safe. ras_console_restore alone is async-signal-safe.
 */
#ifndef RASBEAT_CONSOLE_H
#define RASBEAT_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#include "rasbeat/action.h"

struct ras_console;

/*
 * Take over the terminal: stdout must be one (else NULL, errno ENOTTY);
 * keys come from stdin, or /dev/tty when stdin is not a terminal. NULL with
 * errno and err on failure (an unknown TERM: ENOENT).
 */
struct ras_console *ras_console_new(char *err, size_t errlen);
/* Give the terminal back as it was. NULL is fine. */
void ras_console_free(struct ras_console *c);

/* Draw the whole screen for st (which is copied). */
void ras_console_draw(struct ras_console *c, const struct ras_status *st);

/*
 * Read the keys waiting, never blocking: 1 with *out filled when one made
 * an action (call again for more), 0 when none is left.
 */
int ras_console_poll(struct ras_console *c, struct ras_action *out);

/* Whether the note prompt (m) or the quit question (q) is open. */
bool ras_console_asking(const struct ras_console *c);

/*
 * Put the terminal back without ncurses (leave the alternate screen, show
 * the cursor, reset attributes, restore the saved terminal modes): for a
 * fatal signal handler or any path that cannot reach ras_console_free.
 * Async-signal-safe; does nothing when no console is up. It also runs at
 * exit. ras_console_free is still fine afterwards.
 */
void ras_console_restore(void);

/*
 * Row `row` of `text` in the block font of the given height (7: 5x7
 * glyphs, 5: 3x5), '#' for a lit cell, ' ' otherwise, glyphs one column
 * apart. Knows 0-9 . - : and space; other characters are skipped. Returns
 * the width, or -EINVAL for another height or a row out of range.
 */
int ras_console_big_row(const char *text, int height, int row, char *buf, size_t len);

#endif
