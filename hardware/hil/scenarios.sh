# Daemon scenarios for the HIL VM; sourced by guest.sh (bash, root, chroot of the host's /).
# The real amtomatd (backend "gpiod") and amtomat run against two gpio-sim banks. A bash loop plays
# the mechanics: when a lock line goes active, the door springs open (unless the lock is "jammed").
#
# Wiring as in hardware/WIRING.md: lock outputs active-high; door contacts active-low to ground,
# so a CLOSED door is physically 0 (sim pull-down) and an OPEN door physically 1 (sim pull-up).

S_PULSE_MS=300          # [locker.coil] pulse_ms
S_PULSE_SLACK_MS=40     # wake-up latency of the backend's pulse timer thread under TCG, 1 vCPU

s_setup() {
  R=/run/amtomat-hil/$API
  rm -rf "$R"; mkdir -p "$R/state" "$R/jam" "$R/stuck"
  CFS=/sys/kernel/config/gpio-sim/amtomat-hil
  mkdir "$CFS"
  local b i off
  for b in 0 1; do
    mkdir "$CFS/bank$b"
    echo 8 > "$CFS/bank$b/num_lines"
    echo "amtomat-sim-$([ $b = 0 ] && echo a || echo b)" > "$CFS/bank$b/label"
    for i in 1 2 3 4; do
      off=$(( (i - 1) * 2 )); local id=$(( b * 4 + i ))
      mkdir "$CFS/bank$b/line$off" "$CFS/bank$b/line$((off + 1))"
      echo "LOCK$id" > "$CFS/bank$b/line$off/name"
      echo "DOOR$id" > "$CFS/bank$b/line$((off + 1))/name"
    done
  done
  echo 1 > "$CFS/live"
  local dev; dev=$(cat "$CFS/dev_name")
  SYSB[0]=/sys/devices/platform/$dev/$(cat "$CFS/bank0/chip_name")
  SYSB[1]=/sys/devices/platform/$dev/$(cat "$CFS/bank1/chip_name")
  for id in 1 2 3 4 5 6 7 8; do door_close "$id"; done
  mkfifo "$R/sleep.fifo"; exec {SLEEPFD}<> "$R/sleep.fifo"   # read -t on it = sleep without a fork
  cat > "$R/amtomat.toml" <<EOF
[locker]
name = "HIL gpio-sim locker"

[locker.coil]
pulse_ms = $S_PULSE_MS
min_off_ms = 500
gap_ms = 100
max_energised = 1

[daemon]
backend = "gpiod"
state_dir = "$R/state"

[control]
socket = "$R/control.sock"

[kiosk]
host = "127.0.0.1"
port = 0

[doors]
open_timeout_seconds = 2
unlock_retries = 1
left_open_alarm_seconds = 3
debounce_ms = 20

EOF
  for id in 1 2 3 4 5 6 7 8; do
    local chip=amtomat-sim-$([ "$id" -le 4 ] && echo a || echo b)
    cat >> "$R/amtomat.toml" <<EOF
[[compartment]]
id = $id
column = $(( (id - 1) / 4 + 1 ))
row = $(( (id - 1) % 4 + 1 ))
size = "$([ $((id % 2)) = 1 ] && echo S || echo M)"
wheelchair = $([ $(( (id - 1) % 4 )) -lt 2 ] && echo true || echo false)
lock = { chip = "$chip", line = "LOCK$id" }
door = { chip = "$chip", line = "DOOR$id", active_low = true }

EOF
  done
}

# Where compartment $1's lines are: bank, lock offset, door offset.
s_bank() { echo $(( ($1 - 1) / 4 )); }
s_lockv() { local b; b=$(s_bank "$1"); echo "${SYSB[$b]}/sim_gpio$(( ($1 - 1) % 4 * 2 ))/value"; }
s_doorp() { local b; b=$(s_bank "$1"); echo "${SYSB[$b]}/sim_gpio$(( ($1 - 1) % 4 * 2 + 1 ))/pull"; }
s_doorv() { local b; b=$(s_bank "$1"); echo "${SYSB[$b]}/sim_gpio$(( ($1 - 1) % 4 * 2 + 1 ))/value"; }
door_open() { [ -e "$R/stuck/$1" ] || echo pull-up > "$(s_doorp "$1")"; }
door_close() { [ -e "$R/stuck/$1" ] || echo pull-down > "$(s_doorp "$1")"; }
door_is_open() { [ "$(cat "$(s_doorv "$1")")" = 1 ]; }
nap() { read -r -t "$1" -u "$SLEEPFD" _ 2>/dev/null || true; }
waitfor() { # waitfor SECONDS cmd…
  local end=$(( ${EPOCHREALTIME/./} + $1 * 1000000 )); shift
  while [ "${EPOCHREALTIME/./}" -lt $end ]; do "$@" >/dev/null 2>&1 && return 0; nap 0.02; done
  "$@" >/dev/null 2>&1
}

# The mechanics: a lock pulse lets an unjammed door spring open. Every lock edge is logged with its
# time (µs) so the pulse length can be measured from outside the daemon.
s_mechanics() {
  local -a lockf last
  local id v now
  for id in 1 2 3 4 5 6 7 8; do lockf[$id]=$(s_lockv "$id"); last[$id]=0; done
  : > "$R/edges"
  while [ ! -e "$R/stop-mechanics" ]; do
    for id in 1 2 3 4 5 6 7 8; do
      read -r v < "${lockf[$id]}"
      if [ "$v" != "${last[$id]}" ]; then
        now=${EPOCHREALTIME/./}
        echo "$id $v $now" >> "$R/edges"
        last[$id]=$v
        if [ "$v" = 1 ] && [ ! -e "$R/jam/$id" ]; then door_open "$id"; fi
      fi
    done
    nap 0.005
  done
}

# Longest high time of every lock line seen so far, in ms ("id:ms" words), and the pulse count,
# from the bash sampler (coarse: it also sees the mechanics' own lag).
s_pulses() {
  awk '{ if ($2 == 1) start[$1] = $3; else if ($1 in start) { d = ($3 - start[$1]) / 1000; n++;
         if (d > m[$1]) m[$1] = d; delete start[$1] } }
       END { for (i in m) printf "%s:%d ", i, m[i]; printf "count:%d\n", n }' "$R/edges"
}

# Exact pulse lengths from the kernel: the gpio_value tracepoint fires on every set of a line, with
# a kernel timestamp. Only sets are recorded (filter get == 0).
TR=/sys/kernel/tracing
s_trace_start() {
  [ -d $TR/events/gpio/gpio_value ] || return 1
  echo 0 > $TR/tracing_on; echo > $TR/trace
  echo 'get == 0' > $TR/events/gpio/gpio_value/filter
  echo 1 > $TR/events/gpio/gpio_value/enable
  echo 1 > $TR/tracing_on
}
# Global gpio numbers of the lock lines: "512 LOCK1" …, from the chips' bases in debugfs.
s_trace_map() {
  cp /sys/kernel/debug/gpio "$OUT/debugfs-gpio.txt" 2>/dev/null
  local a b id
  a=$(sed -n -E 's/^gpiochip[0-9]+: GPIOs ([0-9]+)-[0-9]+,.*amtomat-sim-a.*/\1/p' /sys/kernel/debug/gpio)
  b=$(sed -n -E 's/^gpiochip[0-9]+: GPIOs ([0-9]+)-[0-9]+,.*amtomat-sim-b.*/\1/p' /sys/kernel/debug/gpio)
  : > "$R/gpiomap"
  for id in 1 2 3 4 5 6 7 8; do
    echo "$(( (id <= 4 ? a : b) + (id - 1) % 4 * 2 )) LOCK$id" >> "$R/gpiomap"
  done
}
# "LOCKn:ms …" longest pulse per lock, then "count:N max:MS"
s_trace_pulses() {
  awk 'NR == FNR { name[$1] = $2; next }
       / gpio_value: / { for (i = 1; i <= NF; i++) if ($i == "gpio_value:") { t = $(i-1); sub(":", "", t); g = $(i+1); v = $(i+3) }
         if (!(g in name)) next
         if (v == 1 && !(g in on)) on[g] = t
         else if (v == 0 && (g in on)) { d = (t - on[g]) * 1000; n++; if (d > m[g]) m[g] = d; if (d > mx) mx = d; delete on[g] } }
       END { for (g in m) printf "%s:%.1f ", name[g], m[g]; printf "count:%d max:%.1f\n", n, mx }' "$R/gpiomap" $TR/trace
}

DAEMON_PID=
s_start_daemon() { # s_start_daemon LOGNAME
  local log=$OUT/$1.log
  : > "$R/ready"
  "$BIN/amtomatd" --config "$R/amtomat.toml" > "$R/ready" 2> "$log" &
  DAEMON_PID=$!
  if waitfor 60 grep -q '^READY' "$R/ready"; then
    KIOSK=$(sed -n 's/^READY kiosk=\([^ ]*\).*/\1/p' "$R/ready"); KIOSK=${KIOSK%/}
    SOCK=$(sed -n 's/^READY.* control=\([^ ]*\).*/\1/p' "$R/ready")
    return 0
  fi
  info "amtomatd did not get ready; its log:"; tail -20 "$log" | sed 's/^/INFO:   /'
  return 1
}
s_stop_daemon() {
  [ -n "$DAEMON_PID" ] || return 0
  kill -TERM "$DAEMON_PID" 2>/dev/null
  local i; for i in $(seq 100); do kill -0 "$DAEMON_PID" 2>/dev/null || break; nap 0.1; done
  kill -KILL "$DAEMON_PID" 2>/dev/null
  wait "$DAEMON_PID" 2>/dev/null; local rc=$?
  DAEMON_PID=
  return $rc
}
cli() { AMTOMAT_SOCKET=$SOCK timeout 90 "$BIN/amtomat" "$@"; }
status_json() { cli status --json 2>/dev/null; }
door_reported() { [ "$(compartment_field "$1" door)" = "$2" ]; }
compartment_field() { status_json | jq -r --argjson id "$1" ".compartments[] | select(.id == \$id) | .$2"; }

# ---------------------------------------------------------------------------------------------
run_scenarios() {
  s_setup
  s_mechanics & local MECH=$!
  local T; T=$(date +%s.%N)

  # --check-config: probes every line without moving anything.
  if out=$("$BIN/amtomatd" --check-config "$R/amtomat.toml" 2>&1); then pass "check-config: all 16 lines present and free"
  else fail "check-config on a free locker: $out"; fi

  s_trace_start || info "no gpio tracepoint: pulse lengths from the bash sampler only"
  if ! s_start_daemon daemon1; then fail "amtomatd starts with backend gpiod"; touch "$R/stop-mechanics"; wait $MECH; return; fi
  pass "amtomatd starts with backend gpiod (kiosk $KIOSK)"
  s_trace_map
  local backend; backend=$(status_json | jq -r .backend)
  [[ $backend == "libgpiod "*"(API $API)" ]] && pass "status names the backend: $backend" || fail "status backend '$backend' (want libgpiod … (API $API))"
  if out=$("$BIN/amtomatd" --check-config "$R/amtomat.toml" 2>&1); then fail "check-config while amtomatd holds the lines should fail"
  else echo "$out" | grep -q "in use by 'amtomatd'" && pass "check-config reports lines in use by amtomatd" || fail "check-config busy message: $out"; fi
  local lines; lines=$(cli hw lines --json 2>&1)
  [ "$(echo "$lines" | jq length 2>/dev/null)" = 16 ] && pass "hw lines lists 16 lines" || fail "hw lines: $lines"
  [ "$(s_pulses)" = "count:0" ] && pass "no coil moved while starting" || fail "coils moved at start: $(s_pulses)"

  # 1. deposit -> pickup -> collected
  cli deposit --json --kind driving-licence --reference HIL-1 --size S > "$R/deposit.json" 2> "$R/deposit.err" & local DEP=$!
  local c=
  for _ in $(seq 300); do
    for id in 1 2 3 4 5 6 7 8; do door_is_open "$id" && c=$id; done
    [ -n "$c" ] && break; nap 0.05
  done
  if [ -n "$c" ]; then nap 0.3; door_close "$c"; fi
  wait $DEP; local rc=$?
  local comp code
  comp=$(jq -r .compartment "$R/deposit.json" 2>/dev/null); code=$(jq -r .code "$R/deposit.json" 2>/dev/null)
  if [ $rc = 0 ] && [ "$comp" = "$c" ] && [ -n "$code" ] && [ "$code" != null ]; then
    pass "deposit: compartment $comp opened and closed, code issued"
  else fail "deposit rc=$rc compartment=$comp door=$c: $(cat "$R/deposit.err" "$R/deposit.json" | tail -5)"; fi
  [ "$(cli show HIL-1 --json 2>/dev/null | jq -r .state)" = ready ] && pass "document HIL-1 is ready" || fail "show HIL-1: $(cli show HIL-1 --json 2>&1)"
  local resp token
  resp=$(curl -s -X POST -H 'Content-Type: application/json' -d "{\"code\":\"$code\"}" "$KIOSK/api/pickup")
  token=$(echo "$resp" | jq -r .pickup 2>/dev/null)
  if [ "$(echo "$resp" | jq -r .result 2>/dev/null)" = open ] && waitfor 5 door_is_open "$comp"; then
    pass "pickup: code accepted, door $comp sprang open"
  else fail "pickup: $resp"; fi
  waitfor 5 sh -c "curl -s '$KIOSK/api/pickup/$token' | grep -q door-open" && pass "pickup status door-open" \
    || fail "pickup status: $(curl -s "$KIOSK/api/pickup/$token")"
  door_close "$comp"
  waitfor 10 sh -c "curl -s '$KIOSK/api/pickup/$token' | grep -q collected" && pass "door closed: pickup collected" \
    || fail "pickup after close: $(curl -s "$KIOSK/api/pickup/$token")"

  # 2. pulse length, measured on the lock lines from outside the daemon (kernel trace; sampler as a cross-check)
  s_check_pulses() {
    local tp; tp=$(s_trace_pulses 2>/dev/null); local sp; sp=$(s_pulses)
    cp "$R/gpiomap" "$OUT/gpiomap.txt"; cp $TR/trace "$OUT/gpio-trace.txt" 2>/dev/null
    local n=${tp##*count:}; n=${n%% *}; local mx=${tp##*max:}; mx=${mx%%.*}
    if [ -n "$n" ] && [ "$n" -ge "$1" ] && [ "$mx" -le $((S_PULSE_MS + S_PULSE_SLACK_MS)) ] && [ "$mx" -ge $((S_PULSE_MS - 5)) ]; then
      pass "coil pulses never longer than configured ($2): kernel trace: longest ${mx} ms of ${S_PULSE_MS} ms over $n pulses [$tp] (bash sampler: $sp)"
    else fail "coil pulse lengths ($2): kernel trace [$tp], bash sampler [$sp], configured $S_PULSE_MS ms"; fi
  }
  s_check_pulses 2 "deposit + pickup"

  # 3. a jammed lock: every compartment jams, a deposit fails and blocks its compartment
  for id in 1 2 3 4 5 6 7 8; do touch "$R/jam/$id"; done
  if cli deposit --json --kind driving-licence --reference HIL-2 --size S > "$R/deposit2.json" 2> "$R/deposit2.err"; then
    fail "deposit into a jammed lock succeeded: $(cat "$R/deposit2.json")"
  else
    pass "deposit into a jammed lock fails: $(tail -1 "$R/deposit2.err")"
  fi
  local blocked; blocked=$(status_json | jq -r '[.compartments[] | select(.state == "blocked") | .id] | join(",")')
  [ -n "$blocked" ] && pass "jammed compartment $blocked is blocked ($(compartment_field "${blocked%%,*}" blockReason))" \
    || fail "no compartment blocked after a jammed lock"
  rm -f "$R"/jam/*
  for id in ${blocked//,/ }; do cli unblock "$id" >/dev/null 2>&1; done

  # 4. tamper: door 2 opened without an unlock
  door_open 2
  waitfor 5 grep -qi tamper "$OUT/daemon1.log" && pass "tamper alarm logged for a forced door" || fail "no tamper alarm in the log"
  door_close 2

  # 5. stuck sensor found by the self-test (door 8's contact reads open while the door is shut)
  echo pull-up > "$(s_doorp 8)"; touch "$R/stuck/8"
  waitfor 5 door_reported 8 open
  local st; st=$(cli selftest --compartment 8 --json 2>&1)
  echo "$st" | grep -q 'sensor-stuck-open' && pass "selftest finds the stuck sensor of 8: sensor-stuck-open" || fail "selftest 8: $st"
  st=$(cli selftest --compartment 6 --json 2>&1)
  echo "$st" | grep -q '"ok"' && pass "selftest of a working compartment 6: ok" || fail "selftest 6: $st"
  door_close 6
  rm -f "$R/stuck/8"; door_close 8

  # 6. restart with a door open: no coil moves on start, the open door is known, its alarm follows
  door_open 5
  waitfor 5 door_reported 5 open
  s_stop_daemon && pass "amtomatd stops cleanly on SIGTERM" || fail "amtomatd exit status on SIGTERM"
  local on=0; for id in 1 2 3 4 5 6 7 8; do [ "$(cat "$(s_lockv "$id")")" = 0 ] || on=1; done
  [ $on = 0 ] && pass "all lock lines inactive after amtomatd exited" || fail "a lock line stayed active after exit"
  local before; before=$(wc -l < "$R/edges")
  if s_start_daemon daemon2; then
    [ "$(compartment_field 5 door)" = open ] && pass "restart with door 5 open: status shows it open" || fail "door 5 after restart: $(compartment_field 5 door)"
    [ "$(wc -l < "$R/edges")" = "$before" ] && pass "no coil moved during the restart" || fail "a coil moved during the restart"
    waitfor 10 grep -q "Door left open" "$OUT/daemon2.log" && pass "left-open alarm for door 5 after the restart" || fail "no left-open alarm after the restart"
    door_close 5
    waitfor 5 door_reported 5 closed \
      && pass "door 5 closed is seen" || fail "door 5 close not seen"

    s_check_pulses 6 "whole run: deposit, pickup, jam + retry, self-tests"
    # 7. a chip that vanishes: faults for its compartments, the daemon stays up
    echo 0 > "$CFS/live"
    waitfor 10 grep -q "Hardware fault" "$OUT/daemon2.log" && pass "vanished gpiochips reported as a hardware fault" || fail "no hardware fault logged"
    status_json | jq -e .backend >/dev/null && kill -0 "$DAEMON_PID" && pass "amtomatd stays up after losing its chips" || fail "amtomatd died after losing its chips"
    s_stop_daemon
  else
    fail "amtomatd restarts with a door open"
  fi
  touch "$R/stop-mechanics"; wait $MECH 2>/dev/null
  grep -E "tamper|Door left open|Hardware fault|did not open" "$OUT"/daemon*.log | head -8 | sed 's/^/INFO: log: /'
  info "scenarios took $(awk -v a="$T" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
}
