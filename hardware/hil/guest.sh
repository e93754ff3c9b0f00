#!/bin/bash
# Runs inside the HIL VM, chrooted into the host's / (read-only 9p). Writable: /run (guest tmpfs)
# and $HIL_OUT (a 9p share of hardware/hil/work/out/<api> on the host).
# Prints PASS:/FAIL:/SKIP: lines and one RESULT: line on the serial console.
set -uo pipefail
API=${HIL_API:-v1}
PROJ=${HIL_PROJ:?}
OUT=${HIL_OUT:?}
BIN=$PROJ/.build/debug
export LD_LIBRARY_PATH=${HIL_LIBPATH:-}
export AMTOMAT_EXPECT_GPIOD_API=${API#v}
mkdir -p /run/amtomat-hil
FAILS=0
up() { local u; read -r u _ < /proc/uptime; echo "${u%.*}s"; }
pass() { echo "PASS: [$API] $* (at $(up))"; }
fail() { echo "FAIL: [$API] $* (at $(up))"; FAILS=$((FAILS + 1)); }
skip() { echo "SKIP: [$API] $*"; }
info() { echo "INFO: [$API] $*"; }

info "kernel $(uname -r), libgpiod $API, LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-none}"

# `hardware/hil/run bench`: the benchmarks (release build) instead of the tests.
cmdarg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^amtomat\.$1=//p"; }
if [ "$(cmdarg mode)" = bench ]; then
  BIN=$PROJ/.build/$(cmdarg build)
  HIL_BENCH_PICKUPS=$(cmdarg pickups); HIL_BENCH_SELFTESTS=$(cmdarg selftests)
  source "$PROJ/hardware/hil/bench.sh"
  run_bench
  dmesg | grep -qE 'BUG:|Oops:|WARNING: CPU' && fail "kernel warnings in dmesg" || pass "no kernel warnings in dmesg"
  [ $FAILS = 0 ] && echo "RESULT: PASS" || echo "RESULT: FAIL ($FAILS)"
  exit 0
fi

# ---------------------------------------------------------------------------
# 1. The Swift tests of the hardware layer, on gpio-sim (GPIODBackend suites are enabled here).
# ---------------------------------------------------------------------------
T=$(date +%s.%N)
"$BIN/amtomatPackageTests.xctest" --testing-library swift-testing --filter AmtomatHardwareTests \
  > "$OUT/swift-tests.log" 2>&1
rc=$?
sed 's/\x1b\[[0-9;]*m//g' "$OUT/swift-tests.log" > "$OUT/swift-tests.txt"
while read -r name verdict; do
  if [ "$verdict" = passed ]; then pass "swift test $name"; else fail "swift test $name"; fi
done < <(sed -n -E 's/^.*Test ([A-Za-z0-9_]+\(\)) (passed|failed).*$/\1 \2/p' "$OUT/swift-tests.txt" | sort -u)
n_gpiod=$(grep -cE 'Suite "(GPIODBackend on gpio-sim|Backend behaviour: GPIODBackend on gpio-sim)" passed' "$OUT/swift-tests.txt")
[ "$n_gpiod" = 2 ] && pass "both gpio-sim suites ran and passed" || fail "gpio-sim suites did not both pass (see $OUT/swift-tests.txt)"
[ $rc = 0 ] && pass "swift tests exit 0 ($(awk -v a="$T" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s)" \
  || { fail "swift tests exit $rc"; grep -E "✘|failed|Expectation" "$OUT/swift-tests.txt" | head -30 | sed 's/^/INFO:   /'; }

# ---------------------------------------------------------------------------
# 2. The daemon scenarios with the real amtomatd and amtomat.
# ---------------------------------------------------------------------------
if [ -x "$BIN/amtomatd" ] && "$BIN/amtomatd" --help 2>&1 | grep -q -- '--config'; then
  source "$PROJ/hardware/hil/scenarios.sh"
  run_scenarios
else
  skip "daemon scenarios: this amtomatd has no --config yet (daemon not merged)"
fi

dmesg | grep -E 'BUG:|Oops:|WARNING: CPU|Call Trace:' | head -5 | sed 's/^/INFO: dmesg: /'
dmesg | grep -qE 'BUG:|Oops:|WARNING: CPU' && fail "kernel warnings in dmesg" || pass "no kernel warnings in dmesg"
[ $FAILS = 0 ] && echo "RESULT: PASS" || echo "RESULT: FAIL ($FAILS)"
