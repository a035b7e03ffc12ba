#!/bin/sh
# fuzz/run.sh [NAME...]: run the fuzz targets (make fuzz calls this).
#
# Each target fuzz_NAME in $FUZZ_BUILD runs for $FUZZ_SECONDS (60) from its
# corpus $FUZZ_BUILD/corpus/NAME, which keeps what earlier runs found and
# is seeded each time from the project's own files (presets, grooves,
# evemu recordings), fuzz/corpus/NAME/ and what mkseeds writes. A crash,
# leak, UB report, timeout (-timeout=10: a hang) or going over 2 GB stops
# the run: the target, its log and the reproducer are named, and the
# script exits 1 after the remaining targets have run.
set -u
cd "$(dirname "$0")/.."
B=${FUZZ_BUILD:-build-fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-60}
names=${*:-$(for f in fuzz/fuzz_*.c; do n=${f#fuzz/fuzz_}; echo "${n%.c}"; done)}

seeds() {	# NAME DIR: copy the project's files for NAME into DIR
	case $1 in
	tempomap) cp presets/*.map "$2"/ ;;
	session) cp presets/*.ini "$2"/ ;;
	groove) cp cues/grooves/*.groove "$2"/ ;;
	evemu) cp tests/sensor/data/*.evemu "$2"/ ;;
	esac
	[ -d "fuzz/corpus/$1" ] && cp fuzz/corpus/"$1"/* "$2"/ 2>/dev/null
	[ -d "$B/seeds/$1" ] && cp "$B"/seeds/"$1"/* "$2"/
	return 0
}

rm -rf "$B/seeds" && "$B/mkseeds" "$B/seeds" || exit 1
failed=""
for n in $names; do
	bin=$B/fuzz_$n
	if [ ! -x "$bin" ]; then
		echo "fuzz: $bin is missing (make fuzz-build)" >&2
		failed="$failed $n"
		continue
	fi
	corpus=$B/corpus/$n
	art=$B/artifacts/$n/
	log=$B/logs/$n.log
	mkdir -p "$corpus" "$art" "$B/logs"
	seeds "$n" "$corpus"
	dict=""
	[ -f "fuzz/$n.dict" ] && dict="-dict=fuzz/$n.dict"
	echo "fuzz: $n for ${SECONDS_EACH}s (corpus $corpus, log $log)"
	start=$(date +%s)
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1} \
	LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/fuzz/lsan.supp:print_suppressions=0} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
		-detect_leaks=1 -print_final_stats=1 -artifact_prefix="$art" \
		$dict "$corpus" >"$log" 2>&1
	rc=$?
	end=$(date +%s)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	if [ $rc -ne 0 ] || grep -q "^==[0-9]*==ERROR\|^SUMMARY: \|runtime error:" "$log"; then
		repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n1)
		echo "fuzz: FAILED: $n (exit $rc after $((end - start)) s)" >&2
		grep -m3 "ERROR\|runtime error\|SUMMARY\|fuzz: " "$log" >&2
		echo "fuzz:   reproducer: ${repro:-none written, see $log}" >&2
		echo "fuzz:   replay: $bin ${repro:-$art}" >&2
		failed="$failed $n"
	else
		echo "fuzz: ok: $n, ${execs:-?} runs in $((end - start)) s, corpus $(ls "$corpus" | wc -l) inputs"
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz: FAILED:$failed" >&2
	exit 1
fi
echo "fuzz: all targets passed"
