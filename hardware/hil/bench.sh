# Benchmarks for the HIL VM; sourced by guest.sh when the kernel command line says amtomat.mode=bench
# (`bash hardware/hil/run bench`). Not part of the test run.
#
# The locker is hardware/mcp23017-48.toml as shipped (48 compartments on six 16-line expanders,
# pulse 300 ms, min off 1000 ms, gap 150 ms, 2 coils at once), with only its paths, the kiosk port,
# the group names and the door bias changed. Six gpio-sim banks labelled mcp23017-20 … mcp23017-25
# stand in for the expanders.
#
# Figures (one clock, the kernel's trace clock, for the latencies):
#   1. pickup: a trace_marker write right before the kiosk request's bytes go out (bash, on an already
#      connected socket: no fork in between) → the gpio_value tracepoint of that compartment's lock
#      line going active. Deposits are made over the control socket (the API the CLI uses).
#   2. `amtomat selftest --all` over the 48 compartments: wall time of the CLI, and the span from the
#      first lock pulse's start to the last one's end in the trace; both against
#      CoilScheduler.lowerBound for 48 pulses.
#
# The door mechanics are event-driven here (the test scenarios poll from bash): doorsim.c, see
# b_mechanics.

source "$PROJ/hardware/hil/scenarios.sh"    # waitfor, nap, s_start_daemon, s_stop_daemon, cli, TR

B_PICKUPS=${HIL_BENCH_PICKUPS:-200}
B_SELFTESTS=${HIL_BENCH_SELFTESTS:-3}
B_CLOSE_MS=200
bench() { echo "BENCH: [$API] $*"; }

b_setup() {
  R=/run/amtomat-hil/bench-$API
  rm -rf "$R"; mkdir -p "$R/state"
  mkfifo "$R/sleep.fifo"; exec {SLEEPFD}<> "$R/sleep.fifo"
  sed -e "s#^state_dir = .*#state_dir = \"$R/state\"#" -e "s#^socket = .*#socket = \"$R/control.sock\"#" \
      -e 's#^port = .*#port = 0#' -e '/^clerk_group\|^technician_group/d' -e 's#, bias = "pull-up"##' \
      "$PROJ/hardware/mcp23017-48.toml" > "$R/amtomat.toml"
  cp "$R/amtomat.toml" "$OUT/amtomat.toml"
  # id lockchip lockline doorchip doorline, from the configuration itself
  awk -F'"' '/^id = / { split($0, a, " = "); id = a[2] }
             /^lock = / { lc = $2; l = $3; gsub(/[^0-9]/, "", l) }
             /^door = / { dc = $2; d = $3; gsub(/[^0-9]/, "", d); print id, lc, l, dc, d }' "$R/amtomat.toml" > "$R/map"
  [ "$(wc -l < "$R/map")" = 48 ] || { fail "bench: 48 compartments expected in mcp23017-48.toml, found $(wc -l < "$R/map")"; return 1; }

  CFS=/sys/kernel/config/gpio-sim/amtomat-bench
  mkdir "$CFS"
  local b
  for b in 0 1 2 3 4 5; do
    mkdir "$CFS/bank$b"; echo 16 > "$CFS/bank$b/num_lines"; echo "mcp23017-2$b" > "$CFS/bank$b/label"
  done
  echo 1 > "$CFS/live"
  local dev; dev=$(cat "$CFS/dev_name")
  declare -gA SYS BASE
  for b in 0 1 2 3 4 5; do
    SYS[mcp23017-2$b]=/sys/devices/platform/$dev/$(cat "$CFS/bank$b/chip_name")
    BASE[mcp23017-2$b]=$(sed -n -E "s/^gpiochip[0-9]+: GPIOs ([0-9]+)-[0-9]+,.*mcp23017-2$b.*/\1/p" /sys/kernel/debug/gpio)
  done
  cp /sys/kernel/debug/gpio "$OUT/debugfs-gpio.txt"
  declare -ga DOORP DOORV LOCKG LOCKV
  declare -gA G2ID
  local id lc l dc d
  while read -r id lc l dc d; do
    DOORP[$id]=${SYS[$dc]}/sim_gpio$d/pull; DOORV[$id]=${SYS[$dc]}/sim_gpio$d/value
    LOCKG[$id]=$(( BASE[$lc] + l )); G2ID[${LOCKG[$id]}]=$id; LOCKV[$id]=${SYS[$lc]}/sim_gpio$l/value
    echo pull-down > "${DOORP[$id]}"       # shut (active-low contact made)
  done < "$R/map"
  for id in "${!LOCKG[@]}"; do echo "${LOCKG[$id]} LOCK$id"; done > "$OUT/gpiomap.txt"
  for id in "${!LOCKG[@]}"; do echo "${LOCKG[$id]} ${DOORP[$id]} $id"; done > "$R/mechmap"
}

# The mechanics: hardware/hil/doorsim.c (built by `run`) reads the gpio_value events of a trace
# instance of its own; a lock going active pulls its door contact "open" at once and leaves a
# "door N open" trace marker; a lock going inactive shuts the door B_CLOSE_MS later.
b_mechanics() {
  local I=$TR/instances/amtomat-mech
  mkdir -p "$I"
  echo 0 > "$I/buffer_percent"                  # poll() wakes on every event
  echo 'get == 0' > "$I/events/gpio/gpio_value/filter"
  echo 1 > "$I/events/gpio/gpio_value/enable"
  exec "$PROJ/hardware/hil/work/doorsim" "$I/trace_pipe" "$R/mechmap" "$B_CLOSE_MS" "$TR/trace_marker"
}

ctl() { curl -s --max-time 60 --unix-socket "$SOCK" "$@"; }

# Deposits up to 48 documents (over the control socket), then picks each up at the kiosk.
b_pickups() {
  local total=$1 done_=0 round=0 j ref comp resp code body s token
  : > "$R/pickups"
  while (( done_ < total )); do
    round=$((round + 1))
    local -a codes=() comps=()
    local k=$(( total - done_ < 48 ? total - done_ : 48 ))
    for (( j = 1; j <= k; j++ )); do
      ref=BENCH-$round-$j
      resp=$(ctl -X POST -H 'Content-Type: application/json' \
        -d "{\"kind\":\"driving-licence\",\"reference\":\"$ref\",\"size\":\"S\",\"accessible\":false}" http://amtomatd/documents)
      comp=$(jq -r .compartment <<< "$resp" 2>/dev/null)
      local tries=0
      while :; do    # as the CLI does: ask again while the daemon answers "door-open"
        resp=$(ctl -X POST "http://amtomatd/documents/$ref/code?wait=20")
        [ "$(jq -r .status <<< "$resp" 2>/dev/null)" = door-open ] && (( ++tries < 10 )) || break
      done
      code=$(jq -r .issued.code <<< "$resp" 2>/dev/null)
      if [ -z "$code" ] || [ "$code" = null ] || [ -z "${LOCKG[$comp]:-}" ]; then
        fail "bench deposit $ref: compartment '$comp', $resp"; return 1
      fi
      codes+=("$code"); comps+=("$comp")
    done
    nap 1.2    # the last deposit's coil has rested (min_off_ms) before its compartment is picked up
    for (( j = 0; j < k; j++ )); do
      comp=${comps[$j]}; body="{\"code\":\"${codes[$j]}\"}"
      exec {s}<>"/dev/tcp/127.0.0.1/$KPORT" || { fail "bench: kiosk connect"; return 1; }
      echo "amtomat-bench pickup $((done_ + 1)) compartment $comp gpio ${LOCKG[$comp]}" >&"$MARKFD"
      printf 'POST /api/pickup HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
        "${#body}" "$body" >&"$s"
      resp=$(timeout 30 cat <&"$s"); exec {s}>&-
      token=$(sed -n 's/.*"pickup" *: *"\([^"]*\)".*/\1/p' <<< "$resp")
      if [[ $resp != *'"open"'* ]] || [ -z "$token" ]; then fail "bench pickup of compartment $comp: $resp"; return 1; fi
      # The door springs open, is shut by the mechanics, the pickup is collected; then the next one.
      if ! waitfor 10 sh -c "curl -s '$KIOSK/api/pickup/$token' | grep -q collected"; then
        fail "bench pickup $((done_ + 1)) (compartment $comp) not collected"; return 1
      fi
      echo "$comp" >> "$R/pickups"
      done_=$((done_ + 1))
    done
    info "bench: $done_ of $total pickups done (at $(up))"
  done
}

# Latency per pickup in ms: marker → first rising edge of the marked gpio.
b_pickup_latencies() {
  awk '/tracing_mark_write: amtomat-bench pickup / {
         for (i = 1; i <= NF; i++) if ($i == "tracing_mark_write:") { t = $(i-1); sub(":", "", t) }
         pend[$NF] = t; next }
       / gpio_value: / {
         for (i = 1; i <= NF; i++) if ($i == "gpio_value:") { t = $(i-1); sub(":", "", t); g = $(i+1); v = $(i+3) }
         if (v == 1 && (g in pend)) { printf "%.3f\n", (t - pend[g]) * 1000; delete pend[g] } }' "$1"
}
# p50 p99 max mean n of a column of numbers (rank as in amtomat-bench: round(p/100·(n−1)))
b_stats() {
  sort -g | awk '{ a[n++] = $1; s += $1 }
    END { if (!n) { print "none"; exit }
          r50 = int(0.50 * (n - 1) + 0.5); r99 = int(0.99 * (n - 1) + 0.5)
          printf "p50 %.1f ms, p99 %.1f ms, max %.1f ms, mean %.1f ms, n %d\n", a[r50], a[r99], a[n-1], s / n, n }'
}

# CoilScheduler.lowerBound for N equal pulses (same formula): max((N−1)·gap + pulse, ⌈N·pulse / coils⌉)
b_bound_ms() { awk -v n="$1" -v p="$2" -v g="$3" -v c="$4" 'BEGIN { a = (n - 1) * g + p; b = n * p / c; if (b > int(b)) b = int(b) + 1; print (a > b ? a : b) }'; }

b_selftest() { # RUN#
  local run=$1 t0 t1 rc
  echo "amtomat-bench selftest $run start" >&"$MARKFD"
  t0=${EPOCHREALTIME/./}
  AMTOMAT_SOCKET=$SOCK timeout 300 "$BIN/amtomat" selftest --all --json > "$OUT/selftest-$run.json" 2> "$OUT/selftest-$run.err"
  rc=$?
  t1=${EPOCHREALTIME/./}
  echo "amtomat-bench selftest $run end" >&"$MARKFD"
  nap 0.6    # the CLI returns when the last door is seen open: let the last pulse end before reading the trace
  local oks; oks=$(jq '[.[] | select(.verdict == "ok")] | length' "$OUT/selftest-$run.json" 2>/dev/null)
  # From the trace: first pulse start → last pulse end of this run, pulse count, start-to-start gaps.
  awk -v run="$run" -v mapf="$OUT/gpiomap.txt" '
    BEGIN { while ((getline l < mapf) > 0) { split(l, f, " "); lock[f[1]] = 1 } }
    /tracing_mark_write: amtomat-bench selftest/ { if ($(NF-1) == run) on = ($NF == "start"); next }
    on && /tracing_mark_write: amtomat-bench door/ {
      for (i = 1; i <= NF; i++) if ($i == "tracing_mark_write:") { t = $(i-1); sub(":", "", t) }
      if ($NF in st) { print "door", (t - st[$NF]) * 1000; opened = t }
      next }
    / gpio_value: / {   # the last pulse ends after the CLI has returned: falling edges count after "end" too
      for (i = 1; i <= NF; i++) if ($i == "gpio_value:") { t = $(i-1); sub(":", "", t); g = $(i+1); v = $(i+3) }
      if (!(g in lock)) next
      if (v == 1 && on) { if (first == "") first = t; if (prev != "") print "gap", (t - prev) * 1000
                    if (opened != "") print "turn", (t - opened) * 1000; prev = t; n++; st[g] = t; opened = "" }
      else if (g in st) { last = t; print "pulse", (t - st[g]) * 1000; delete st[g] } }
    END { printf "span %.1f %d\n", (last - first) * 1000, n }' $TR/trace > "$R/selftest-$run.trace"
  local span pulses; read -r _ span pulses < <(grep '^span' "$R/selftest-$run.trace")
  local wall; wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", (b - a) / 1000}')
  echo "$run $wall $span $pulses $oks $rc" >> "$R/selftests"
  info "bench: selftest run $run: rc $rc, $oks ok, CLI wall ${wall} ms, pulse span ${span} ms over $pulses pulses;" \
       "start-to-start $(grep '^gap' "$R/selftest-$run.trace" | cut -d' ' -f2 | b_stats);" \
       "lock active -> simulated door open $(grep '^door' "$R/selftest-$run.trace" | cut -d' ' -f2 | b_stats);" \
       "door open -> next lock active (daemon sees the door, answers, CLI asks for the next, scheduler waits out the gap) $(grep '^turn' "$R/selftest-$run.trace" | cut -d' ' -f2 | b_stats);" \
       "verdict ms (pulse start → door seen open) $(jq -r '.[].milliseconds' "$OUT/selftest-$run.json" 2>/dev/null | b_stats)"
}

run_bench() {
  local T; T=$(date +%s.%N)
  b_setup || return
  [ -d $TR/events/gpio/gpio_value ] || { fail "bench needs the gpio_value tracepoint"; return; }
  echo 0 > $TR/tracing_on; echo > $TR/trace
  echo 4096 > $TR/buffer_size_kb
  echo 'get == 0' > $TR/events/gpio/gpio_value/filter
  echo 1 > $TR/events/gpio/gpio_value/enable
  echo 1 > $TR/tracing_on
  exec {MARKFD}> $TR/trace_marker
  b_mechanics & local MECH=$!
  if ! s_start_daemon bench-daemon; then fail "bench: amtomatd starts"; kill "$MECH"; return; fi
  KPORT=${KIOSK##*:}
  local backend; backend=$(status_json | jq -r .backend)
  info "bench: amtomatd $(basename "$(dirname "$BIN")") build, backend $backend, kernel $(uname -r), $(nproc) vCPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  bench "backend $backend"

  local T1=${EPOCHREALTIME/./}
  if b_pickups "$B_PICKUPS"; then
    pass "bench: $B_PICKUPS pickups in $(( (${EPOCHREALTIME/./} - T1) / 1000000 )) s"
  fi
  cp $TR/trace "$OUT/trace-pickups.txt"
  b_pickup_latencies "$OUT/trace-pickups.txt" > "$OUT/pickup-latency-ms.txt"
  local n; n=$(wc -l < "$OUT/pickup-latency-ms.txt")
  bench "pickup, code sent to kiosk -> lock line active (gpio_value tracepoint): $(b_stats < "$OUT/pickup-latency-ms.txt")"
  [ "$n" -ge "$B_PICKUPS" ] && pass "bench: a latency for every pickup ($n)" || fail "bench: $n latencies for $B_PICKUPS pickups"

  local pulse=300 gap=150 coils=2 minoff=1000
  pulse=$(sed -n 's/^pulse_ms = \([0-9]*\).*/\1/p' "$R/amtomat.toml"); gap=$(sed -n 's/^gap_ms = \([0-9]*\).*/\1/p' "$R/amtomat.toml")
  coils=$(sed -n 's/^max_energised = \([0-9]*\).*/\1/p' "$R/amtomat.toml"); minoff=$(sed -n 's/^min_off_ms = \([0-9]*\).*/\1/p' "$R/amtomat.toml")
  local bound; bound=$(b_bound_ms 48 "$pulse" "$gap" "$coils")
  nap 2     # every coil has rested min_off_ms since the pickups
  : > "$R/selftests"
  local run
  for (( run = 1; run <= B_SELFTESTS; run++ )); do
    waitfor 10 sh -c "! grep -q 1 ${DOORV[*]}"  # every door shut again (sim value 1 = pulled up = open)
    nap 1.2
    b_selftest "$run"
  done
  cp $TR/trace "$OUT/trace.txt"
  awk -v b="$bound" '{ printf "run %s: CLI %.0f ms (%.0f%% over), pulses %.0f ms (%.0f%% over), %s pulses, %s ok, rc %s\n",
                        $1, $2, ($2 / b - 1) * 100, $3, ($3 / b - 1) * 100, $4, $5, $6 }' "$R/selftests" | sed 's/^/INFO:   /'
  bench "selftest --all, 48 compartments (pulse ${pulse} ms, gap ${gap} ms, ${coils} coils at once, min off ${minoff} ms): bound ${bound} ms;" \
        "CLI wall median $(cut -d' ' -f2 "$R/selftests" | sort -g | awk '{a[n++]=$1} END{printf "%.0f", a[int((n-1)/2)]}') ms," \
        "first pulse start -> last pulse end median $(cut -d' ' -f3 "$R/selftests" | sort -g | awk '{a[n++]=$1} END{printf "%.0f", a[int((n-1)/2)]}') ms" \
        "over $B_SELFTESTS runs ($(awk '{printf "%s%s/%s", (NR>1?", ":""), $2, $3}' "$R/selftests") ms)"
  local okall; okall=$(awk '$5 != 48 || $6 != 0 { bad = 1 } END { print bad ? "no" : "yes" }' "$R/selftests")
  [ "$okall" = yes ] && pass "bench: every selftest run: 48 × ok" || fail "bench: selftest verdicts (see $OUT/selftest-*.json)"
  local tp; tp=$(s_trace_pulses_in "$OUT/trace.txt")
  info "bench: longest pulse in the whole run: $tp"

  s_stop_daemon
  kill "$MECH" 2>/dev/null; wait $MECH 2>/dev/null
  echo 0 > $TR/instances/amtomat-mech/events/gpio/gpio_value/enable
  info "bench took $(awk -v a="$T" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
}

# Longest lock pulse and count in a trace file.
s_trace_pulses_in() {
  awk -v mapf="$OUT/gpiomap.txt" 'BEGIN { while ((getline l < mapf) > 0) { split(l, f, " "); lock[f[1]] = 1 } }
       / gpio_value: / { for (i = 1; i <= NF; i++) if ($i == "gpio_value:") { t = $(i-1); sub(":", "", t); g = $(i+1); v = $(i+3) }
         if (!(g in lock)) next
         if (v == 1 && !(g in on)) on[g] = t
         else if (v == 0 && (g in on)) { d = (t - on[g]) * 1000; n++; if (d > mx) mx = d; delete on[g] } }
       END { printf "%.1f ms over %d pulses\n", mx, n }' "$1"
}
