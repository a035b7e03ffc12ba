// SPDX-License-Identifier: GPL-3.0-or-later
/* The full-screen console (ncursesw). */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>
#include <wctype.h>

#include "rasbeat/console.h"

#define FLASH_S 0.15
#define FEEDBACK_S 4.0
#define CONFIRM_S 5.0
#define ESC 27

enum mode { NORMAL, NOTE, CONFIRM_QUIT };

enum pair { P_GOOD = 1, P_WARN, P_BAD, P_BIG, P_TITLE, P_DIM };

struct ras_console {
	SCREEN *screen;
	FILE *in;			/* /dev/tty when stdin is not a terminal */
	bool own_in;
	bool utf8;
	struct ras_status st;		/* the last drawn */
	bool have_st;
	enum mode mode;
	double mode_since;		/* monotonic s */
	char note[RAS_ACTION_TEXT_MAX];
	double mark_time;		/* session s when m was pressed */
	char feedback[RAS_STATUS_TEXT_MAX];
	double feedback_until;
	int64_t beat_seen;		/* the beat index last lit */
	double step_seen[RAS_STATUS_STEP_COUNT];
	double beat_until, step_until[RAS_STATUS_STEP_COUNT];	/* monotonic s */
};

/* What ras_console_restore needs, set while a console is up. */
static volatile sig_atomic_t active;
static int tty_fd = -1;
static struct termios saved_tio;
static bool saved_ok;
static char reset_seq[256];
static size_t reset_len;
static bool colors;

/* Glyphs: 5x7 and 3x5, '#' lit. */
struct glyph {
	char ch;
	const char *rows[7];
};

static const struct glyph font7[] = {
	{ '0', { " ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### " } },
	{ '1', { "  #  ", " ##  ", "# #  ", "  #  ", "  #  ", "  #  ", "#####" } },
	{ '2', { " ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####" } },
	{ '3', { " ### ", "#   #", "    #", "  ## ", "    #", "#   #", " ### " } },
	{ '4', { "   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # " } },
	{ '5', { "#####", "#    ", "#### ", "    #", "    #", "#   #", " ### " } },
	{ '6', { " ### ", "#    ", "#    ", "#### ", "#   #", "#   #", " ### " } },
	{ '7', { "#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   " } },
	{ '8', { " ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### " } },
	{ '9', { " ### ", "#   #", "#   #", " ####", "    #", "    #", " ### " } },
	{ '.', { "  ", "  ", "  ", "  ", "  ", "##", "##" } },
	{ ':', { "  ", "##", "##", "  ", "##", "##", "  " } },
	{ '-', { "     ", "     ", "     ", "#####", "     ", "     ", "     " } },
	{ ' ', { "   ", "   ", "   ", "   ", "   ", "   ", "   " } },
};

static const struct glyph font5[] = {
	{ '0', { "###", "# #", "# #", "# #", "###" } },
	{ '1', { " # ", "## ", " # ", " # ", "###" } },
	{ '2', { "###", "  #", "###", "#  ", "###" } },
	{ '3', { "###", "  #", "###", "  #", "###" } },
	{ '4', { "# #", "# #", "###", "  #", "  #" } },
	{ '5', { "###", "#  ", "###", "  #", "###" } },
	{ '6', { "###", "#  ", "###", "# #", "###" } },
	{ '7', { "###", "  #", "  #", "  #", "  #" } },
	{ '8', { "###", "# #", "###", "# #", "###" } },
	{ '9', { "###", "# #", "###", "  #", "###" } },
	{ '.', { " ", " ", " ", " ", "#" } },
	{ ':', { " ", "#", " ", "#", " " } },
	{ '-', { "   ", "   ", "###", "   ", "   " } },
	{ ' ', { "  ", "  ", "  ", "  ", "  " } },
};

int ras_console_big_row(const char *text, int height, int row, char *buf, size_t len)
{
	const struct glyph *font = height == 7 ? font7 : font5;
	size_t nfont = height == 7 ? sizeof(font7) / sizeof(font7[0])
				   : sizeof(font5) / sizeof(font5[0]);
	size_t pos = 0;

	if ((height != 7 && height != 5) || row < 0 || row >= height || !len)
		return -EINVAL;
	for (; *text; text++) {
		const struct glyph *g = NULL;

		for (size_t i = 0; i < nfont; i++)
			if (font[i].ch == *text)
				g = &font[i];
		if (!g)
			continue;
		if (pos && pos + 1 < len)
			buf[pos++] = ' ';
		for (const char *p = g->rows[row]; *p && pos + 1 < len; p++)
			buf[pos++] = *p;
	}
	buf[pos] = '\0';
	return (int)pos;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static attr_t col(int pair)
{
	return colors ? COLOR_PAIR(pair) : 0;
}

/* printf at (y, x), clipped at the right edge; returns the column after. */
__attribute__((format(printf, 4, 5)))
static int put(int y, int x, attr_t attr, const char *fmt, ...)
{
	char buf[512];
	wchar_t w[512];
	va_list ap;
	size_t n;
	int room = COLS - x;

	if (y < 0 || y >= LINES || x < 0 || room <= 0)
		return x;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	attron(attr);
	n = mbstowcs(w, buf, sizeof(w) / sizeof(w[0]) - 1);
	if (n == (size_t)-1) {
		mvaddnstr(y, x, buf, room);
		n = strlen(buf);
	} else {
		mvaddnwstr(y, x, w, room);
	}
	attroff(attr);
	return x + ((int)n < room ? (int)n : room);
}

/* A lit cell of the big font. */
static void block(const struct ras_console *c, int y, int x, attr_t attr)
{
	if (c->utf8) {
		attron(attr);
		mvaddwstr(y, x, L"\u2588");
		attroff(attr);
	} else {
		mvaddch(y, x, ' ' | A_REVERSE | attr);
	}
}

static int big(const struct ras_console *c, int y, int x, const char *text, int height,
	       attr_t attr)
{
	char row[256];
	int w = 0;

	for (int r = 0; r < height; r++) {
		w = ras_console_big_row(text, height, r, row, sizeof(row));
		for (int i = 0; i < w && x + i < COLS && y + r < LINES; i++)
			if (row[i] == '#')
				block(c, y + r, x + i, attr);
	}
	return w;
}

/* [#####.....] of width w for a fraction 0..1. */
static void bar(int y, int x, int w, double frac, attr_t attr)
{
	int fill;

	if (w < 3 || x + w > COLS)
		return;
	fill = isfinite(frac) ? (int)lround(fmin(fmax(frac, 0), 1) * (w - 2)) : 0;
	put(y, x, 0, "[");
	for (int i = 0; i < w - 2; i++)
		put(y, x + 1 + i, i < fill ? attr | A_REVERSE : col(P_DIM), i < fill ? " " : ".");
	put(y, x + w - 1, 0, "]");
}

/* An asynchrony scale -100..+100 ms, the mean marked; early left. */
static void async_scale(int y, int x, int w, double ms, attr_t attr)
{
	int mid = (w - 2) / 2, pos;

	if (w < 7 || x + w > COLS)
		return;
	put(y, x, 0, "[");
	for (int i = 0; i < w - 2; i++)
		put(y, x + 1 + i, col(P_DIM), i == mid ? "|" : ".");
	put(y, x + w - 1, 0, "]");
	if (!isfinite(ms))
		return;
	pos = mid + (int)lround(fmin(fmax(ms / 100.0, -1), 1) * mid);
	if (pos > w - 3)
		pos = w - 3;
	put(y, x + 1 + pos, attr | A_BOLD, "*");
}

static attr_t sync_attr(double r)
{
	if (!isfinite(r))
		return col(P_DIM);
	return col(r >= 0.8 ? P_GOOD : r >= 0.5 ? P_WARN : P_BAD);
}

static attr_t async_attr(double ms)
{
	if (!isfinite(ms))
		return col(P_DIM);
	return col(fabs(ms) <= 60 ? P_GOOD : fabs(ms) <= 120 ? P_WARN : P_BAD);
}

/* A lamp: lit for a while after a beat or a step. */
static int lamp(const struct ras_console *c, int y, int x, const char *label, bool lit,
		attr_t attr)
{
	x = put(y, x, 0, "%s", label);
	if (lit)
		x = put(y, x + 1, attr | A_REVERSE | A_BOLD, "%s", c->utf8 ? "\u25cf\u25cf" : "##");
	else
		x = put(y, x + 1, col(P_DIM), "%s", c->utf8 ? "\u25cb\u25cb" : "..");
	return x + 2;
}

/* Light the lamps of beats and steps new since the last draw. */
static void update_flashes(struct ras_console *c, const struct ras_status *st, double now)
{
	if (st->beat_index >= 0 && st->beat_index != c->beat_seen) {
		double ago = st->time_s - st->beat_time_s;

		c->beat_seen = st->beat_index;
		c->beat_until = now + fmax(FLASH_S - (isfinite(ago) && ago > 0 ? ago : 0), 0.06);
	}
	for (int i = 0; i < RAS_STATUS_STEP_COUNT; i++) {
		double t = st->step_time_s[i], ago = st->time_s - t;

		if (!isfinite(t) || t == c->step_seen[i])
			continue;
		c->step_seen[i] = t;
		c->step_until[i] = now + fmax(FLASH_S - (isfinite(ago) && ago > 0 ? ago : 0), 0.06);
	}
}

static const char *num(char *buf, size_t len, double v, int decimals)
{
	return ras_status_num(buf, len, v, decimals);
}

static void draw_title(const struct ras_status *st)
{
	char t[32];
	int x;

	attron(col(P_TITLE) | A_REVERSE);
	mvhline(0, 0, ' ', COLS);
	attroff(col(P_TITLE) | A_REVERSE);
	x = put(0, 1, col(P_TITLE) | A_REVERSE | A_BOLD, "rasbeat");
	if (st->patient[0])
		x = put(0, x + 2, col(P_TITLE) | A_REVERSE, "patient %s", st->patient);
	x = put(0, x + 2, col(P_TITLE) | A_REVERSE, "mode %s", st->mode);
	x = put(0, x + 2, col(P_TITLE) | A_REVERSE, "session %s",
		ras_status_clock(t, sizeof(t), st->time_s));
	if (st->paused)
		put(0, x + 2, col(P_BAD) | A_REVERSE | A_BOLD, " CUES PAUSED ");
}

/* The lines under the big numbers, from row y; returns the next row. */
static int draw_details(struct ras_console *c, const struct ras_status *st, int y, int wide,
			double now)
{
	char a[48], b[48], d[48];
	int x, w;
	bool left, right;

	/* Phase, timer, progress. */
	if (st->phase[0]) {
		x = put(y, 2, A_BOLD, "Phase %d/%d", st->phase_index + 1, st->phase_count);
		x = put(y, x + 2, A_BOLD, "%s", st->phase);
		if (strcmp(st->phase, st->phase_type))
			x = put(y, x + 1, 0, "(%s)", st->phase_type);
		if (isfinite(st->phase_length_s)) {
			x = put(y, x + 2, A_BOLD, "%s / %s",
				ras_status_clock(a, sizeof(a), st->phase_elapsed_s),
				ras_status_clock(b, sizeof(b), st->phase_length_s));
			w = COLS - x - 4;
			if (w > 40)
				w = 40;
			bar(y, x + 2, w, st->phase_elapsed_s / st->phase_length_s, col(P_GOOD));
		} else {
			put(y, x + 2, A_BOLD, "%s  (open)",
			    ras_status_clock(a, sizeof(a), st->phase_elapsed_s));
		}
	} else {
		put(y, 2, 0, "No protocol: mode %s", st->mode);
	}
	y++;

	/* Synchronization. */
	x = put(y, 2, A_BOLD, "Sync");
	x = put(y, 8, sync_attr(st->r) | A_BOLD, "R %s", num(a, sizeof(a), st->r, 2));
	w = wide ? 22 : 12;
	bar(y, x + 1, w, st->r, sync_attr(st->r));
	x = put(y, x + w + 3, async_attr(st->async_ms) | A_BOLD, "async %s ms",
		num(b, sizeof(b), st->async_ms, 0));
	if (wide)
		async_scale(y, x + 1, 23, st->async_ms, async_attr(st->async_ms));
	y++;

	/* Beat and step lamps. */
	left = now < c->beat_until &&
	       (st->beat_foot == RAS_FOOT_LEFT || st->beat_foot == RAS_FOOT_NONE);
	right = now < c->beat_until &&
		(st->beat_foot == RAS_FOOT_RIGHT || st->beat_foot == RAS_FOOT_NONE);
	x = put(y, 2, A_BOLD, "Beat");
	x = lamp(c, y, 8, "L", left, st->beat_audible ? col(P_BIG) : col(P_DIM));
	x = lamp(c, y, x, "R", right, st->beat_audible ? col(P_BIG) : col(P_DIM));
	x = put(y, x + 2, A_BOLD, "Step");
	x = lamp(c, y, x + 2, "L", now < c->step_until[RAS_STATUS_STEP_LEFT], col(P_GOOD));
	x = lamp(c, y, x, "R", now < c->step_until[RAS_STATUS_STEP_RIGHT], col(P_GOOD));
	if (isfinite(st->step_time_s[RAS_STATUS_STEP_ANY]))
		x = lamp(c, y, x, "?", now < c->step_until[RAS_STATUS_STEP_ANY], col(P_GOOD));
	if (wide) {
		double l = st->time_s - st->step_time_s[RAS_STATUS_STEP_LEFT];
		double r = st->time_s - st->step_time_s[RAS_STATUS_STEP_RIGHT];

		put(y, x + 1, col(P_DIM), "last L %s s  R %s s ago", num(a, sizeof(a), l, 1),
		    num(b, sizeof(b), r, 1));
	}
	y++;

	/* Sensor, xruns, log. */
	x = put(y, 2, A_BOLD, "Sensor");
	x = put(y, 10, st->sensor_alert ? col(P_BAD) | A_BOLD | A_REVERSE : 0, "%s", st->sensor);
	put(y, x + 3, st->xruns ? col(P_WARN) | A_BOLD : 0, "xruns %s",
	    num(d, sizeof(d), (double)st->xruns, 0));
	y++;
	x = put(y, 2, A_BOLD, "Log");
	put(y, 10, 0, "%s", st->log_dir);
	y++;
	if (st->message[0])
		put(y, 2, col(P_WARN) | A_BOLD, "%s", st->message);
	return y + 1;
}

static void draw_legend(int y, bool two_lines)
{
	if (two_lines) {
		put(y, 2, col(P_DIM),
		    "Keys: Up/Down tempo +/-1 bpm   PgUp/PgDn tempo +/-5 %%   Space pause/resume cues");
		put(y + 1, 2, col(P_DIM),
		    "      n next phase   m mark event (note, Enter)   q end session (asks)");
	} else {
		put(y, 0, col(P_DIM), "Up/Dn +-1bpm PgUp/Dn +-5%% Spc pause n next m mark q quit");
	}
}

/* The bottom line: the note prompt, the quit question or the last key. */
static void draw_prompt(struct ras_console *c, double now)
{
	int y = LINES - 1, x;

	move(y, 0);
	clrtoeol();
	curs_set(0);
	switch (c->mode) {
	case NOTE:
		x = put(y, 0, col(P_WARN) | A_BOLD | A_REVERSE, " Mark - note (Enter: save, Esc: drop): ");
		x = put(y, x + 1, A_BOLD, "%s", c->note);
		if (x < COLS) {
			move(y, x);
			curs_set(1);
		}
		break;
	case CONFIRM_QUIT:
		put(y, 0, col(P_BAD) | A_BOLD | A_REVERSE,
		    " End the session? q or y: end it, any other key: go on ");
		break;
	default:
		if (now < c->feedback_until)
			put(y, 0, A_BOLD, " %s", c->feedback);
		break;
	}
}

static void draw_full(struct ras_console *c, const struct ras_status *st, int height, double now)
{
	char t[48], cad[48], a[48], lim[48];
	int y = 2, x2, w1, glyph_w = height == 7 ? 6 : 4;
	int legend = LINES - 3;

	num(t, sizeof(t), st->tempo_bpm, 1);
	num(cad, sizeof(cad), st->cadence_spm, 1);
	/* The cadence column starts after the widest tempo (5 glyphs). */
	w1 = 4 * glyph_w + (height == 7 ? 3 : 2) + 4;
	x2 = 2 + w1;
	put(y, 2, A_BOLD, "TEMPO bpm");
	if (isfinite(st->target_bpm))
		put(y, 12, col(P_DIM), "-> %s", num(a, sizeof(a), st->target_bpm, 1));
	put(y, x2, A_BOLD, "CADENCE steps/min");
	big(c, y + 1, 2, t, height, st->paused ? col(P_DIM) : col(P_BIG) | A_BOLD);
	big(c, y + 1, x2, cad, height, col(P_GOOD) | A_BOLD);
	y += 1 + height;
	put(y, 2, col(P_DIM), "limits %s-%s bpm",
	    num(lim, sizeof(lim), st->bpm_min, 0), num(a, sizeof(a), st->bpm_max, 0));
	if (st->paused)
		put(y, x2, col(P_BAD) | A_BOLD | A_REVERSE, " CUES PAUSED - space resumes ");
	y += height == 7 ? 2 : 1;
	draw_details(c, st, y, COLS >= 80, now);
	draw_legend(legend, COLS >= 86 || height == 7);
}

static void draw_compact(struct ras_console *c, const struct ras_status *st, double now)
{
	char a[48], b[48];
	int y = 1;

	int x = 0;

	if (st->paused)
		x = put(y, 0, col(P_BAD) | A_BOLD | A_REVERSE, "PAUSED") + 1;
	put(y++, x, A_BOLD, "Tempo %s bpm  Cadence %s spm", num(a, sizeof(a), st->tempo_bpm, 1),
	    num(b, sizeof(b), st->cadence_spm, 1));
	if (y < LINES - 2)
		draw_details(c, st, y, false, now);
	if (LINES >= 4)
		draw_legend(LINES - 2, false);
}

void ras_console_draw(struct ras_console *c, const struct ras_status *st)
{
	double now = mono();

	c->st = *st;
	c->have_st = true;
	update_flashes(c, st, now);
	if (c->mode == CONFIRM_QUIT && now - c->mode_since > CONFIRM_S)
		c->mode = NORMAL;
	erase();
	/* Details below the digits, then the legend, 2 lines, and the prompt. */
	if (COLS >= 64 && LINES >= 23)
		draw_full(c, st, 7, now);
	else if (COLS >= 40 && LINES >= 18)
		draw_full(c, st, 5, now);
	else
		draw_compact(c, st, now);
	draw_title(st);
	draw_prompt(c, now);
	refresh();
}

static void feedback(struct ras_console *c, const char *text)
{
	snprintf(c->feedback, sizeof(c->feedback), "%s", text);
	c->feedback_until = mono() + FEEDBACK_S;
}

static void action(struct ras_console *c, struct ras_action *out, enum ras_action_kind kind,
		   double value)
{
	char d[RAS_STATUS_TEXT_MAX];

	memset(out, 0, sizeof(*out));
	out->kind = kind;
	out->source = RAS_SOURCE_KEY;
	out->value = value;
	out->time_s = NAN;
	ras_action_describe(out, d, sizeof(d));
	feedback(c, d);
}

/* Remove the last character (UTF-8) of the note. */
static void note_backspace(struct ras_console *c)
{
	size_t n = strlen(c->note);

	while (n > 0 && ((unsigned char)c->note[n - 1] & 0xc0) == 0x80)
		n--;
	if (n > 0)
		n--;
	c->note[n] = '\0';
}

static void note_add(struct ras_console *c, wint_t ch)
{
	char mb[MB_LEN_MAX];
	mbstate_t ps = { 0 };
	size_t n = strlen(c->note), k;

	if (ch < 0x80) {
		mb[0] = (char)ch;
		k = 1;
	} else {
		k = wcrtomb(mb, (wchar_t)ch, &ps);
		if (k == (size_t)-1)
			return;
	}
	if (n + k >= sizeof(c->note))
		return;
	memcpy(c->note + n, mb, k);
	c->note[n + k] = '\0';
}

/* One key; true when it made an action. */
static bool key(struct ras_console *c, bool fkey, wint_t ch, struct ras_action *out)
{
	if (c->mode == NOTE) {
		if ((!fkey && (ch == '\n' || ch == '\r')) || (fkey && ch == KEY_ENTER)) {
			action(c, out, RAS_ACTION_MARK, 0);
			memcpy(out->text, c->note, sizeof(out->text));
			out->time_s = c->mark_time;
			ras_action_describe(out, c->feedback, sizeof(c->feedback));
			c->mode = NORMAL;
			return true;
		}
		if (!fkey && ch == ESC) {
			c->mode = NORMAL;
			feedback(c, "mark dropped");
		} else if ((fkey && ch == KEY_BACKSPACE) || (!fkey && (ch == 127 || ch == 8))) {
			note_backspace(c);
		} else if (!fkey && ch == 21) {		/* Ctrl-U */
			c->note[0] = '\0';
		} else if (!fkey && iswprint(ch)) {
			note_add(c, ch);
		}
		return false;
	}
	if (c->mode == CONFIRM_QUIT) {
		c->mode = NORMAL;
		if (!fkey && (ch == 'q' || ch == 'Q' || ch == 'y' || ch == 'Y')) {
			action(c, out, RAS_ACTION_QUIT, 0);
			return true;
		}
		feedback(c, "the session goes on");
		return false;
	}
	if (fkey) {
		switch (ch) {
		case KEY_UP:
			action(c, out, RAS_ACTION_TEMPO_DELTA, 1);
			return true;
		case KEY_DOWN:
			action(c, out, RAS_ACTION_TEMPO_DELTA, -1);
			return true;
		case KEY_PPAGE:
			action(c, out, RAS_ACTION_TEMPO_SCALE, 1.05);
			return true;
		case KEY_NPAGE:
			action(c, out, RAS_ACTION_TEMPO_SCALE, 1 / 1.05);
			return true;
		default:
			feedback(c, "that key does nothing; the keys are listed above");
			return false;
		}
	}
	switch (ch) {
	case '+':
	case '=':
		action(c, out, RAS_ACTION_TEMPO_DELTA, 1);
		return true;
	case '-':
		action(c, out, RAS_ACTION_TEMPO_DELTA, -1);
		return true;
	case ' ':
		action(c, out, RAS_ACTION_PAUSE_TOGGLE, 0);
		return true;
	case 'n':
	case 'N':
		action(c, out, RAS_ACTION_NEXT_PHASE, 0);
		return true;
	case 'm':
	case 'M':
		c->mode = NOTE;
		c->mode_since = mono();
		c->note[0] = '\0';
		c->mark_time = c->have_st ? c->st.time_s : NAN;
		return false;
	case 'q':
	case 'Q':
		c->mode = CONFIRM_QUIT;
		c->mode_since = mono();
		return false;
	case 12:	/* Ctrl-L */
		clearok(curscr, TRUE);
		return false;
	default:
		feedback(c, "that key does nothing; the keys are listed above");
		return false;
	}
}

int ras_console_poll(struct ras_console *c, struct ras_action *out)
{
	bool acted = false, dirty = false;
	wint_t ch;
	int r;

	if (c->mode == CONFIRM_QUIT && mono() - c->mode_since > CONFIRM_S) {
		c->mode = NORMAL;
		dirty = true;
	}
	while (!acted && (r = get_wch(&ch)) != ERR) {
		if (r == KEY_CODE_YES && ch == KEY_RESIZE) {
			clearok(curscr, TRUE);
			dirty = true;
			continue;
		}
		acted = key(c, r == KEY_CODE_YES, ch, out);
		dirty = true;
	}
	/* Typing shows at once, not at the next draw. */
	if (dirty && c->have_st)
		ras_console_draw(c, &c->st);
	return acted;
}

bool ras_console_asking(const struct ras_console *c)
{
	return c->mode != NORMAL;
}

static void write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= w;
	}
}

void ras_console_restore(void)
{
	if (!active)
		return;
	active = 0;
	if (tty_fd >= 0) {
		write_all(tty_fd, reset_seq, reset_len);
		if (saved_ok)
			tcsetattr(tty_fd, TCSAFLUSH, &saved_tio);
	}
}

static void add_cap(const char *name)
{
	char *s = tigetstr(name);
	size_t n;

	if (!s || s == (char *)-1)
		return;
	n = strlen(s);
	if (reset_len + n < sizeof(reset_seq)) {
		memcpy(reset_seq + reset_len, s, n);
		reset_len += n;
	}
}

struct ras_console *ras_console_new(char *err, size_t errlen)
{
	static bool atexit_done;
	struct ras_console *c;
	const char *cs;

	if (!isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "console: standard output is not a terminal");
		errno = ENOTTY;
		return NULL;
	}
	if (active) {
		snprintf(err, errlen, "console: one is up already");
		errno = EBUSY;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "console: out of memory");
		errno = ENOMEM;
		return NULL;
	}
	cs = setlocale(LC_CTYPE, NULL);
	if (!cs || !strcmp(cs, "C") || !strcmp(cs, "POSIX"))
		setlocale(LC_CTYPE, "");
	c->utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	c->in = stdin;
	if (!isatty(STDIN_FILENO)) {
		c->in = fopen("/dev/tty", "re");
		if (!c->in) {
			snprintf(err, errlen, "console: no terminal to read keys from: %s",
				 strerror(errno));
			free(c);
			errno = ENOTTY;
			return NULL;
		}
		c->own_in = true;
	}
	tty_fd = STDOUT_FILENO;
	saved_ok = !tcgetattr(tty_fd, &saved_tio);
	c->screen = newterm(NULL, stdout, c->in);
	if (!c->screen) {
		snprintf(err, errlen, "console: cannot drive terminal type '%s'",
			 getenv("TERM") ? getenv("TERM") : "(TERM unset)");
		if (c->own_in)
			fclose(c->in);
		free(c);
		errno = ENOENT;
		return NULL;
	}
	set_term(c->screen);
	reset_len = 0;
	add_cap("sgr0");
	add_cap("cnorm");
	add_cap("rmkx");
	add_cap("rmcup");
	active = 1;
	if (!atexit_done) {
		atexit(ras_console_restore);
		atexit_done = true;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	colors = has_colors() && start_color() == OK;
	if (colors) {
		use_default_colors();
		init_pair(P_GOOD, COLOR_GREEN, -1);
		init_pair(P_WARN, COLOR_YELLOW, -1);
		init_pair(P_BAD, COLOR_RED, -1);
		init_pair(P_BIG, COLOR_CYAN, -1);
		init_pair(P_TITLE, COLOR_BLUE, -1);
		init_pair(P_DIM, -1, -1);
	}
	c->beat_seen = -1;
	for (int i = 0; i < RAS_STATUS_STEP_COUNT; i++)
		c->step_seen[i] = NAN;
	return c;
}

void ras_console_free(struct ras_console *c)
{
	if (!c)
		return;
	set_term(c->screen);
	curs_set(1);
	endwin();
	delscreen(c->screen);
	active = 0;
	if (c->own_in)
		fclose(c->in);
	free(c);
}
