#!/bin/sh
# rasbeat benchmark against klick: beat accuracy over 24 h, render speed,
# callback cost and memory. Prints a table and rewrites BENCHMARKS.md.
#
#   make bench                      (builds ./rasbeat and $(BUILD)/bench first)
#   BENCH=build/bench bench/run.sh  (by hand)
#
# Environment: BENCH (the helper binary, default build/bench), BENCH_RATES
# (sample rates for the 24 h runs, default "48000 44100 96000"), BENCH_HOURS
# (default 24), BENCH_JOBS (parallel 24 h runs, default nproc, at most 4),
# BENCH_MD (file to write, default BENCHMARKS.md; "-" to skip).
# Big temporary files go to a mktemp directory that is always removed.
set -eu
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=${BENCH:-$ROOT/build/bench}
case $BENCH in /*) ;; *) BENCH=$ROOT/$BENCH ;; esac
RASBEAT=$ROOT/rasbeat
RATES=${BENCH_RATES:-48000 44100 96000}
HOURS=${BENCH_HOURS:-24}
MD=${BENCH_MD:-$ROOT/BENCHMARKS.md}
TEMPO=100.3
SECONDS2H=7200
RATE=48000

die() { echo "bench: $*" >&2; exit 1; }
[ -x "$BENCH" ] || die "$BENCH missing: run 'make bench'"
[ -x "$RASBEAT" ] || die "$RASBEAT missing: run 'make bench'"
command -v klick >/dev/null || die "klick missing: run scripts/install-deps"
[ -x /usr/bin/time ] || die "/usr/bin/time missing: run scripts/install-deps (package time)"

JOBS=${BENCH_JOBS:-$(nproc)}
[ "$JOBS" -gt 4 ] && JOBS=4
[ "$JOBS" -lt 1 ] && JOBS=1

T=$(mktemp -d "${TMPDIR:-/tmp}/rasbeat-bench.XXXXXX")
# Session records (rasbeat keeps one per render) stay with the scratch files.
export XDG_DATA_HOME="$T/data"
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP

# field KEY FILE: the word after KEY on the file's first line that has it
field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' "$2"; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

started=$(date +%s)
date_utc=$(date -u '+%Y-%m-%d %H:%M UTC')
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
ncpu=$(nproc)
kernel=$(uname -sr)
klick_ver=$(dpkg-query -W -f '${Version}' klick 2>/dev/null || echo "?")
cc_ver=$(${CC:-cc} --version 2>/dev/null | head -n1)
rb_ver=$("$RASBEAT" --version 2>/dev/null | head -n1)
echo "bench: $ncpu CPU(s), $cpu; $date_utc"

# ---- 1. beat error over 24 h: the real engine against exact arithmetic ----
echo "bench: 1. engine beat frames over $HOURS h at $RATES Hz, const and ramps ($JOBS at a time)"
: > "$T/jobs"
for r in $RATES; do
	for s in const ramps; do
		echo "$r $s" >> "$T/jobs"
	done
done
# exit 3 = a beat off by more than half a frame: reported, not fatal
export BENCH HOURS T
xargs -P "$JOBS" -L 1 sh -c \
	'"$BENCH" beats "$0" "$1" "$HOURS" > "$T/beats.$0.$1"; rc=$?; [ $rc -eq 0 ] || [ $rc -eq 3 ]' \
	< "$T/jobs" 2>"$T/beats.err" || true
for r in $RATES; do
	for s in const ramps; do
		[ -s "$T/beats.$r.$s" ] || { cat "$T/beats.err" >&2; die "beats $r $s failed"; }
		echo "  $(cat "$T/beats.$r.$s")"
	done
done

# the engine's own speed, measured alone (the runs above share the cores)
"$BENCH" beats 48000 const 2 > "$T/engine.solo"
echo "  engine alone, 2 h at 48 kHz: $(field engine_x_realtime "$T/engine.solo")x real time"

# ---- 2, 3, 5. render 2 h with each program, timed, then find the onsets ----
bars=$(calc '%d' "$SECONDS2H * $TEMPO / 240")	# 4/4: 3009 bars = 12036 beats = 7200 s
frames2h=$((SECONDS2H * RATE))
echo "bench: 2, 3. rendering ${SECONDS2H} s at $TEMPO bpm with rasbeat (default block, then"
echo "  --block 4096), then klick ($bars bars), each timed; onsets vs k * 60 / $TEMPO s"
sync
/usr/bin/time -f '%e %U %S %M' -o "$T/time.rasbeat" \
	"$RASBEAT" render --tempo "$TEMPO" --duration "$SECONDS2H" --rate "$RATE" \
	--out "$T/rasbeat.wav" --quiet
rb_bytes=$(stat -c %s "$T/rasbeat.wav")
"$BENCH" onsets "$T/rasbeat.wav" "$TEMPO" 4 > "$T/onsets.rasbeat"
rm -f "$T/rasbeat.wav"
sync
/usr/bin/time -f '%e %U %S %M' -o "$T/time.rasbeat4096" \
	"$RASBEAT" render --tempo "$TEMPO" --duration "$SECONDS2H" --rate "$RATE" \
	--block 4096 --out "$T/rasbeat.wav" --quiet
"$BENCH" onsets "$T/rasbeat.wav" "$TEMPO" 4 > "$T/onsets.rasbeat4096"
rm -f "$T/rasbeat.wav"
echo "  rasbeat: $(cat "$T/time.rasbeat") (wall user sys maxrss_kB), $rb_bytes bytes"
echo "    $(cat "$T/onsets.rasbeat")"
echo "  rasbeat --block 4096: $(cat "$T/time.rasbeat4096") (wall user sys maxrss_kB)"
echo "    $(cat "$T/onsets.rasbeat4096")"
sync
/usr/bin/time -f '%e %U %S %M' -o "$T/time.klick" \
	klick -W "$T/klick.wav" -r "$RATE" "$bars" 4/4 "$TEMPO" >/dev/null
kl_bytes=$(stat -c %s "$T/klick.wav")
"$BENCH" onsets "$T/klick.wav" "$TEMPO" 4 > "$T/onsets.klick"
rm -f "$T/klick.wav"
echo "  klick:   $(cat "$T/time.klick") (wall user sys maxrss_kB), $kl_bytes bytes"
echo "    $(cat "$T/onsets.klick")"
kl_frames=$(field frames "$T/onsets.klick")

# ---- 4. process callback cost per 64-frame cycle ----
echo "bench: 4. engine process cost per 64-frame cycle, 4 voices"
"$BENCH" callback 300000 > "$T/callback"
echo "  $(cat "$T/callback")"
ir="n/a"
if command -v valgrind >/dev/null 2>&1; then
	cg() {
		valgrind --tool=callgrind --callgrind-out-file="$T/cg.out" \
			--toggle-collect=ras_engine_process "$BENCH" cg "$1" 2>&1 |
			awk '/Collected/ { print $NF }'
	}
	ir0=$(cg 0)
	ir1=$(cg 20000)
	[ -n "$ir0" ] && [ -n "$ir1" ] && ir=$(calc '%.0f' "($ir1 - $ir0) / 20000")
	echo "  callgrind: $ir instructions per cycle"
fi

# ---- 5. the same with music under the cues ----
echo "bench: 5. process cost with music: a FluidSynth groove, a Rubber Band song (paced, 27 s each)"
"$RASBEAT" render --tempo 100 --music "$ROOT/cues/grooves/walk-4-4.groove" --no-click \
	--duration 60 --out "$T/song.wav" --no-log --quiet
"$BENCH" callback 20000 groove "$ROOT/cues/grooves/walk-4-4.groove" > "$T/cb.groove"
"$BENCH" callback 20000 song "$T/song.wav" 100 > "$T/cb.song"
echo "  groove: $(cat "$T/cb.groove")"
echo "  song:   $(cat "$T/cb.song")"
rm -f "$T/song.wav"

# ---- figures ----
b() { field "$1" "$T/beats.$2.$3"; }
set -- $(cat "$T/time.rasbeat"); rb_wall=$1 rb_user=$2 rb_sys=$3 rb_rss=$4
set -- $(cat "$T/time.klick"); kl_wall=$1 kl_user=$2 kl_sys=$3 kl_rss=$4
set -- $(cat "$T/time.rasbeat4096"); rb4_wall=$1 rb4_user=$2 rb4_sys=$3
rb4_x=$(calc '%.0f' "$SECONDS2H / $rb4_wall")
rb4_on_worst=$(field worst "$T/onsets.rasbeat4096")
rb_x=$(calc '%.0f' "$SECONDS2H / $rb_wall")
kl_x=$(calc '%.0f' "$SECONDS2H / $kl_wall")
rb_xcpu=$(calc '%.0f' "$SECONDS2H / ($rb_user + $rb_sys)")
kl_xcpu=$(calc '%.0f' "$SECONDS2H / ($kl_user + $kl_sys)")
rb_per64=$(calc '%.0f' "$rb_wall * 1e9 / ($frames2h / 64)")
kl_per64=$(calc '%.0f' "$kl_wall * 1e9 / ($frames2h / 64)")
rb_on_worst=$(field worst "$T/onsets.rasbeat")
kl_on_worst=$(field worst "$T/onsets.klick")
rb_on_last=$(field last "$T/onsets.rasbeat")
kl_on_last=$(field last "$T/onsets.klick")
rb_on_n=$(field onsets "$T/onsets.rasbeat")
kl_on_n=$(field onsets "$T/onsets.klick")
cb_med=$(field median_ns "$T/callback")
cb_bulk=$(field bulk_mean_ns "$T/callback")
cb_p99=$(field p99_ns "$T/callback")
cb_max=$(field max_ns "$T/callback")
cb_medp=$(field median_pct "$T/callback")
cb_bulkp=$(field bulk_pct "$T/callback")
cb_p99p=$(field p99_pct "$T/callback")
cb_timer=$(field timer_ns "$T/callback")
cb_p999=$(field p999_ns "$T/callback")
cb_over=$(field over_period "$T/callback")
cb_fifo=$(field sched_fifo "$T/callback")
cb_n=$(field cycles "$T/callback")
cb_maxp=$(calc '%.2f' "$cb_max / 13333.33")
for k in groove song; do
	eval "mu_${k}_mean=\$(field bulk_pct \"\$T/cb.$k\")"
	eval "mu_${k}_p99=\$(field p99_pct \"\$T/cb.$k\")"
	eval "mu_${k}_max=\$(calc '%.1f' \"\$(field max_ns \"\$T/cb.$k\") / 13333.33\")"
	eval "mu_${k}_over=\$(field over_period \"\$T/cb.$k\")"
done
eng_x=$(field engine_x_realtime "$T/engine.solo")

ok() { if awk "BEGIN { exit !($1) }"; then echo met; else echo "**MISSED**"; fi; }
ratio() { calc '%.2f' "$1 / $2"; }

{
	echo "| Measure | rasbeat | klick $klick_ver | ratio rasbeat/klick | target |"
	echo "|---|---|---|---|---|"
	for r in $RATES; do
		for s in const ramps; do
			case $s in
			const) what="constant $TEMPO bpm, exact rational reference" ;;
			ramps) what="ramps (time and beat ramps, 2 live commands), __float128 reference" ;;
			esac
			w=$(b worst "$r" "$s")
			echo "| Worst beat error over $HOURS h at $r Hz, $what ($(b beats "$r" "$s") beats), frames | $w | n/a (no offline engine API) | | <= 0.5 (0 drift): $(ok "$w <= 0.5") |"
		done
	done
	echo "| 2 h render: worst onset error vs k*60/$TEMPO s, frames ($rb_on_n / $kl_on_n onsets) | $rb_on_worst (\`--block 4096\`: $rb4_on_worst) | $kl_on_worst | $(ratio "$rb_on_worst" "$kl_on_worst") | <= 0.5: $(ok "$rb_on_worst <= 0.5 && $rb4_on_worst <= 0.5") |"
	echo "| 2 h render: error of the last beat, frames | $rb_on_last | $kl_on_last | | |"
	echo "| 2 h render speed, x real time (wall) | ${rb_x}x | ${kl_x}x | $(ratio "$rb_x" "$kl_x") | >= 500x: $(ok "$rb_x >= 500") |"
	echo "| 2 h render, wall / user / sys s | $rb_wall / $rb_user / $rb_sys | $kl_wall / $kl_user / $kl_sys | $(ratio "$rb_wall" "$kl_wall") (wall) | |"
	echo "| 2 h render with \`--block 4096\`: x real time (wall); wall / user / sys s | ${rb4_x}x; $rb4_wall / $rb4_user / $rb4_sys | | $(ratio "$rb4_x" "$kl_x") | >= 500x: $(ok "$rb4_x >= 500") |"
	echo "| 2 h render speed, x real time (user+sys CPU) | ${rb_xcpu}x | ${kl_xcpu}x | $(ratio "$rb_xcpu" "$kl_xcpu") | |"
	echo "| 2 h file written | $(calc '%.2f' "$rb_bytes / 1e9") GB, 24-bit stereo | $(calc '%.2f' "$kl_bytes / 1e9") GB, 16-bit mono | $(ratio "$rb_bytes" "$kl_bytes") | |"
	echo "| Engine alone, no file: 2 h at 48 kHz in 4096-frame blocks, audio discarded, x real time | ${eng_x}x | n/a | | |"
	echo "| Process callback, 64 frames at 48 kHz, 4 overlapping voices: median ns (% of 1333 us) | $cb_med ns ($cb_medp %) | n/a (no callback API) | | < 1 %: $(ok "$cb_medp < 1") |"
	echo "| Process callback: mean / p99 / p99.9 ns | $cb_bulk ($cb_bulkp %) / $cb_p99 ($cb_p99p %) / $cb_p999 | n/a | | < 1 %: $(ok "$cb_bulkp < 1 && $cb_p99p < 1") (mean, p99) |"
	echo "| Process callback: max ns of $cb_n (SCHED_FIFO: $cb_fifo); calls over the period | $cb_max ($cb_maxp %); $cb_over | n/a | | |"
	echo "| Process callback: instructions per cycle (callgrind) | $ir | n/a | | |"
	echo "| Process callback with a FluidSynth groove (walk-4-4, 110 bpm): mean / p99 / max % of the period; calls over it | $mu_groove_mean / $mu_groove_p99 / $mu_groove_max %; $mu_groove_over | n/a (no music) | | mean < 5 %: $(ok "$mu_groove_mean < 5") |"
	echo "| Process callback with a Rubber Band song (80-130 bpm ramp): mean / p99 / max % of the period; calls over it | $mu_song_mean / $mu_song_p99 / $mu_song_max %; $mu_song_over | n/a (no music) | | mean < 20 %: $(ok "$mu_song_mean < 20") |"
	echo "| Render wall time per 64 frames (2 h render / frames/64; not a callback) | $rb_per64 ns | $kl_per64 ns | $(ratio "$rb_per64" "$kl_per64") | |"
	echo "| Peak RSS rendering 2 h | $(calc '%.1f' "$rb_rss / 1024") MiB | $(calc '%.1f' "$kl_rss / 1024") MiB | $(ratio "$rb_rss" "$kl_rss") | |"
} > "$T/table.md"

elapsed=$(( $(date +%s) - started ))
echo
cat "$T/table.md"
echo
echo "Machine: $ncpu CPU(s), $cpu, $kernel; $date_utc; bench took ${elapsed} s."

[ "$MD" = "-" ] && exit 0
{
	cat <<EOF
# rasbeat benchmarks

rasbeat is meant to keep a cue track on its beats for hours: every beat at
the frame nearest its exact time, with no drift however long it runs. This
file records how close it comes, how fast it renders and how little its
audio callback costs, next to klick, the JACK metronome it is measured
against.

## How to run

    make bench

builds \`./rasbeat\` and the helper \`\$(BUILD)/bench\` (bench/bench.c,
linked against \`\$(BUILD)/librasbeat.a\`), runs \`bench/run.sh\`, prints the
table and rewrites this file. It needs klick and GNU time
(\`scripts/install-deps\`); valgrind is optional (instruction counts). The
2 h renders go to a temporary directory that is removed afterwards (about
2.1 GB at peak). \`BENCH_RATES\`, \`BENCH_HOURS\` and \`BENCH_JOBS\` shorten or
widen the 24 h runs.

## Results

Measured $date_utc on $ncpu CPU(s), $cpu ($kernel;
$cc_ver; $rb_ver; klick $klick_ver). The whole run took ${elapsed} s.

EOF
	cat "$T/table.md"
	cat <<EOF

## What is measured

1. **Beat error over $HOURS h.** The real engine runs for $HOURS h of frames
   (\`ras_engine_process\` in 4096-frame blocks, audio discarded) and every
   beat that \`ras_engine_next_beat\` reports is compared with an independent
   reference. For constant $TEMPO bpm the exact frame is k * 600 * rate / 1003,
   computed with \`__int128\`, so the error is exact. The ramp program repeats
   constant sections (by time and by beats), linear-in-time ramps and
   klick-style linear-in-beat ramps (100.3 to 120.7 to 80.9 to 113.33 bpm)
   until 23 h, then at 23:10 a run-time ramp command to 140.2 bpm over
   900 s and at 23:40 a tempo command to 99.9 bpm; the reference rebuilds it
   from the same decimal numbers in \`__float128\` with its own closed forms
   (textbook quadratic root and logarithm, not the engine's formulas). A
   rounding-only engine is within 0.5 frame of every beat; for 100.3 bpm
   the largest possible rounding residual is 501/1003 = 0.4995 frame, so
   that figure means zero drift. klick has no offline engine API, hence
   n/a.
2. **Render speed.** \`rasbeat render --tempo $TEMPO --duration $SECONDS2H
   --out FILE.wav\` against \`klick -W FILE.wav -r $RATE $bars 4/4 $TEMPO\`
   ($bars bars of 4/4 = 12036 beats = 2 h), each timed once with GNU time
   after a \`sync\`. The files differ: rasbeat writes 24-bit stereo, klick
   16-bit mono, a third of the bytes, and most of rasbeat's time is the
   kernel taking the file in (sys), not the engine. rasbeat renders in 256-frame blocks
   by default; the \`--block 4096\` row shows how much of its time goes to
   handing the file small pieces.
3. **Drift in the renders.** bench/bench.c reads each 2 h WAV with libsndfile,
   takes an onset as the first sample above 10 % of the file's peak after at
   least 20 ms below it, and compares onset k with k * 60 / $TEMPO s, relative
   to the first onset (whole frames). Both programs' default clicks start at
   full level, so this finds the sample each click starts on. klick's file
   is also ${kl_frames:-?} frames long where 2 h is $frames2h.
4. **Callback cost.** The engine at 48 kHz plays a 1 s decaying tone at 240
   bpm, so four voices always overlap (in phase, so the limiter has work
   to do at each onset); 300000 calls of
   64 frames are timed one by one with \`clock_gettime(CLOCK_MONOTONIC)\`
   (median, p99, p99.9, max; the timer itself costs about $cb_timer ns), then
   the same number untimed for the mean. The timed loop runs under
   SCHED_FIFO with locked memory when the system allows it, as JACK's
   thread would; the maximum is then mostly the machine's own interrupts
   and, on a VM, the hypervisor. Instructions per call come from
   \`valgrind --tool=callgrind --toggle-collect=ras_engine_process\`. klick
   cannot run its process callback offline; its row is its render wall time
   per 64 frames, which includes file writing and is not comparable to a
   callback.
5. **Peak RSS** of each 2 h render, from GNU time.
6. **Callback cost with music.** The same engine with music under the cues:
   the walk-4-4 groove through FluidSynth (TimGM6mb or the default GM
   SoundFont) at 110 bpm, and a 60 s song (that groove rendered to WAV at
   100 bpm) stretched by Rubber Band over an 80 to 130 bpm ramp. 20000
   cycles each, paced like JACK (each call, then asleep until the next
   1333 us period: a busy loop at SCHED_FIFO would meet the kernel's
   real-time throttling, 50 ms in every second, and time that instead).
   The means are against the issue's targets; Rubber Band does its work in
   bursts, so its p99 and max are much higher than its mean.

The 24 h runs use up to $JOBS cores at once; the renders and the callback
timing run alone. Other work on the machine shows up in the wall times.
EOF
	# Sections other tools own (make eval's "Detector accuracy") stay as they are.
	if [ -f "$MD" ]; then
		echo
		awk '/^## / { keep = ($0 != "## How to run" && $0 != "## Results" &&
			$0 != "## What is measured") } keep' "$MD"
	fi
} > "$MD.tmp.$$"
mv "$MD.tmp.$$" "$MD"
echo "bench: wrote $MD"
