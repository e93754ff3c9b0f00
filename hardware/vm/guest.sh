#!/bin/bash
# Runs inside the test VM (hardware/vm/run), as root, from the 9p share /mnt/vmshare:
#   guest.sh gpiosim      (vmtest-gpiosim.service, every boot, before amtomatd): the gpio-sim chip
#   guest.sh mechanics    (started by gpiosim): a lock pulse lets the door spring open; it closes 1.5 s later
#   guest.sh              (vmtest.service, every boot): the checks of this boot, then power off
# Results: PASS:/FAIL:/INFO:/BENCH: lines on the serial console and in /mnt/vmshare/results-BOOT.txt.
set -uo pipefail
D=/mnt/vmshare
CFS=/sys/kernel/config/gpio-sim/amtomat-sim
N=4                                   # compartments: LOCKi at offset 2(i-1), DOORi at 2(i-1)+1
sysdir() { echo "/sys/devices/platform/$(cat $CFS/dev_name)/$(cat $CFS/bank0/chip_name)"; }
door() { echo "pull-$([ "$2" = open ] && echo up || echo down)" > "$(sysdir)/sim_gpio$(( ($1 - 1) * 2 + 1 ))/pull"; }

case "${1:-}" in
gpiosim)
  modprobe gpio-sim || exit 1
  [ -d /sys/kernel/config/gpio-sim ] || mount -t configfs configfs /sys/kernel/config
  mkdir -p $CFS/bank0
  echo $((N * 2)) > $CFS/bank0/num_lines
  echo amtomat-sim > $CFS/bank0/label
  for i in $(seq $N); do
    mkdir -p $CFS/bank0/line$(( (i - 1) * 2 )) $CFS/bank0/line$(( (i - 1) * 2 + 1 ))
    echo "LOCK$i" > $CFS/bank0/line$(( (i - 1) * 2 ))/name
    echo "DOOR$i" > $CFS/bank0/line$(( (i - 1) * 2 + 1 ))/name
  done
  echo 1 > $CFS/live
  for i in $(seq $N); do door "$i" closed; done
  udevadm settle -t 10 || true
  systemd-run --unit=vmtest-mechanics --quiet /bin/bash $D/guest.sh mechanics
  exit 0;;
mechanics)
  # Builtins only in the loop (no forks): under TCG a fork costs tens of ms, and a 300 ms pulse must
  # not be missed. A lock line going active lets its door spring open; the door shuts 1.5 s later.
  sd=$(sysdir); declare -A opened
  exec {napfd}<> <(:)
  while :; do
    now=${EPOCHREALTIME/./}
    for ((i = 1; i <= N; i++)); do
      read -r v < "$sd/sim_gpio$(( (i - 1) * 2 ))/value"
      if [ "$v" = 1 ] && [ -z "${opened[$i]:-}" ]; then echo pull-up > "$sd/sim_gpio$(( (i - 1) * 2 + 1 ))/pull"; opened[$i]=$now
      elif [ -n "${opened[$i]:-}" ] && [ "$v" = 0 ] && [ $(( now - ${opened[$i]} )) -gt 1500000 ]; then
        [ -e /run/vmtest-hold-door-$i ] || { echo pull-down > "$sd/sim_gpio$(( (i - 1) * 2 + 1 ))/pull"; opened[$i]=; }
      fi
    done
    read -r -t 0.01 -u "$napfd" || true
  done;;
esac

BOOT=$(sed -n 's/.*vmtest\.boot=\([a-z]*\).*/\1/p' /proc/cmdline)
RES=$D/results-$BOOT.txt; : > "$RES"
say() { echo "$*"; echo "$*" >> "$RES"; }
pass() { say "PASS: [$BOOT] $*"; }
fail() { say "FAIL: [$BOOT] $*"; }
kiosk_diagnosis() { # where cage waits, for the record
  local p
  info "kiosk: sessions: $(loginctl list-sessions --no-legend 2>&1 | tr '\n' ';')"
  info "kiosk: /dev/dri: $(ls -l /dev/dri 2>&1 | tr '\n' ';')"
  # Every process of the kiosk user, with where it waits in the kernel.
  for p in $(pgrep -u amtomat-kiosk); do
    info "kiosk: pid $p ppid $(ps -o ppid= -p "$p" | tr -d ' ') $(tr '\0' ' ' < /proc/$p/cmdline | cut -c1-80) waits in $(cat /proc/$p/wchan 2>/dev/null); stack: $(tr '\n' ' ' < /proc/$p/stack 2>/dev/null | cut -c1-240)"
  done
  journalctl -u amtomat-kiosk -b --no-pager 2>&1 | tail -8 | sed 's/^/INFO:   /' | tee -a "$RES"
  kiosk_journal | grep -v 'systemd\[' | tail -15 | sed 's/^/INFO:   /' | tee -a "$RES"
}
info() { say "INFO: [$BOOT] $*"; }
# cage's, Chromium's and the start script's messages: in the logind session's scope, not the unit's.
kiosk_journal() { journalctl _UID="$(id -u amtomat-kiosk)" -b --no-pager 2>&1; }
watch_restarts() { info "page watch: $(kiosk_journal | grep -c 'did not report within') restart(s) for a page that never came this boot"; }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi; }
up() { awk '{print $1}' /proc/uptime; }
# shellcheck disable=SC1091
. $D/versions
say "PHASE: $BOOT at uptime $(up) s"
waitfor() { local s=$1; shift; local end=$(( $(date +%s) + s )); while [ "$(date +%s)" -lt $end ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done; "$@" >/dev/null 2>&1; }
active() { [ "$(systemctl is-active "$1")" = active ]; }
mainpid() { systemctl show -p MainPID --value amtomatd; }
new_active_pid() { local p; p=$(mainpid); [ "$p" != 0 ] && [ "$p" != "$1" ] && active amtomatd; }
state_of() { amtomat --json show "$1" 2>/dev/null | jq -r .state; }
deposit() { # deposit USER REFERENCE -> prints the pickup code
  runuser -u "$1" -- amtomat --json deposit --kind id-card --reference "$2" --size S --date-of-birth 1990-05-17 2>>$D/deposit-errors.txt | jq -r '.code // empty'
}
pickup() { curl -s -m 30 -H 'Content-Type: application/json' -d "{\"code\":\"$1\",\"dateOfBirth\":\"1990-05-17\"}" http://127.0.0.1:8080/api/pickup | jq -r .result; }
write_config() {
  cat > /etc/amtomat/amtomat.toml <<EOF
# The test VM's locker: four compartments on gpio-sim (hardware/vm/guest.sh).
[locker]
name = "VM-Testschrank"

[locker.coil]
pulse_ms = 300
min_off_ms = 500
gap_ms = 100
max_energised = 1

[daemon]
backend = "gpiod"
state_dir = "/var/lib/amtomat"

[control]
socket = "/run/amtomat/control.sock"
clerk_group = "amtomat-clerk"
technician_group = "amtomat-tech"

[kiosk]
host = "127.0.0.1"
port = 8080

[doors]
open_timeout_seconds = 5
debounce_ms = 20

[office]
name = "Bürgerbüro Teststadt"
phone = "01234 5678"
hours = "Mo–Fr 8–12 Uhr"

[survey]
questions = "/etc/amtomat/survey.json"
EOF
  for i in $(seq $N); do
    printf '\n[[compartment]]\nid = %d\ncolumn = 1\nrow = %d\nsize = "S"\nlock = { chip = "amtomat-sim", line = "LOCK%d" }\ndoor = { chip = "amtomat-sim", line = "DOOR%d", active_low = true }\n' "$i" "$i" "$i" "$i" >> /etc/amtomat/amtomat.toml
  done
}
install_debs() { # install_debs VERSION
  mkdir -p /root/debs && cp $D/*.deb /root/debs/
  (cd /root/debs && DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Options::=--force-confdef \
     -o Dpkg::Options::=--force-confold "./amtomat_$1_$ARCH.deb" "./amtomat-kiosk_$1_all.deb") > $D/apt-$BOOT-$1.log 2>&1
}
finish() { say "RESULT: ${1:-done}"; sync; systemctl poweroff; exit 0; }
waitscreen() { # the host writes screen-BOOT.ok when it has seen the kiosk start screen on the display
  if waitfor "$1" test -e "$D/screen-$BOOT.ok"; then pass "the host saw the kiosk page on the VM's display ($(cat $D/screen-$BOOT.ok))"
  else fail "the host did not see the kiosk page on the display within $1 s"; fi
}

case $BOOT in
###########################################################################
install)
  # The VM's display has no GPU (QEMU -vga std): wlroots' software renderer is much cheaper under
  # TCG than Mesa's llvmpipe. A VM-only drop-in; a locker's Pi uses its GPU.
  mkdir -p /etc/systemd/system/amtomat-kiosk.service.d
  printf '[Service]\nEnvironment=WLR_RENDERER=pixman WLR_NO_HARDWARE_CURSORS=1\n' > /etc/systemd/system/amtomat-kiosk.service.d/vm.conf
  # 1. install the previous version (the upgrade below goes to the current one)
  if install_debs "$PREV"; then pass "apt install ./amtomat_${PREV}_$ARCH.deb ./amtomat-kiosk_${PREV}_all.deb"
  else fail "apt install of the previous version"; tail -20 $D/apt-$BOOT-$PREV.log | sed 's/^/INFO:   /'; finish failed; fi
  # The town's edit of the kiosk settings (a conffile, kept by the upgrade below): this display has
  # no GPU, and Chromium's software GL is far too slow under TCG; --disable-gpu draws in software.
  sed -i 's/^AMTOMAT_KIOSK_CHROMIUM_FLAGS=.*/AMTOMAT_KIOSK_CHROMIUM_FLAGS=--disable-gpu/' /etc/amtomat/kiosk.env
  # The page watch's times, for a machine that is 10 to 20 times slower than a Pi under TCG
  # (Chromium needs a minute or more to draw its first page here).
  sed -i -e 's/^AMTOMAT_KIOSK_PAGE_START_SECONDS=.*/AMTOMAT_KIOSK_PAGE_START_SECONDS=200/' \
         -e 's/^AMTOMAT_KIOSK_PAGE_SILENCE_SECONDS=.*/AMTOMAT_KIOSK_PAGE_SILENCE_SECONDS=60/' /etc/amtomat/kiosk.env
  # The screen runs from here on, as on a locker: the daemon's checks below restart the daemon, and
  # the kiosk follows (its start script ends the browser while the daemon is away).
  systemctl try-restart amtomat-kiosk
  check "service user amtomat exists (sysusers.d)" getent passwd amtomat
  check "groups amtomat-clerk and amtomat-tech exist" getent group amtomat-clerk amtomat-tech
  check "kiosk user amtomat-kiosk exists" getent passwd amtomat-kiosk
  check "man pages installed" test -s /usr/share/man/man1/amtomatd.1.gz -a -s /usr/share/man/man1/amtomat.1.gz
  check "bash completion installed" test -s /usr/share/bash-completion/completions/amtomat
  check "conffiles: amtomat.toml and survey.json" sh -c "dpkg-query -W -f='\${Conffiles}' amtomat | grep -q /etc/amtomat/amtomat.toml && dpkg-query -W -f='\${Conffiles}' amtomat | grep -q /etc/amtomat/survey.json"
  check "udev rule: /dev/gpiochip* belongs to group amtomat" sh -c 'ls -l /dev/gpiochip* | grep -q " amtomat "'
  # The shipped file is the Raspberry Pi example: on this VM the check must say why it cannot work.
  out=$(runuser -u amtomat -- amtomatd --check-config /etc/amtomat/amtomat.toml 2>&1)
  echo "$out" | grep -q "Raspberry Pi 4" && pass "check of the shipped Pi config names the Pi's GPIO chip" || fail "shipped config check: $out"
  check "--no-probe accepts the shipped config" runuser -u amtomat -- amtomatd --check-config /etc/amtomat/amtomat.toml --no-probe

  # 2. the town edits the configuration, checks it, restarts
  write_config
  if out=$(runuser -u amtomat -- amtomatd --check-config /etc/amtomat/amtomat.toml 2>&1); then pass "check-config of the VM locker (probes gpio-sim): $out"
  else fail "check-config of the VM locker: $out"; fi
  systemctl reset-failed amtomatd 2>/dev/null; systemctl restart amtomatd
  if waitfor 120 active amtomatd; then pass "amtomatd active and READY (Type=notify) after the restart"
  else fail "amtomatd not active:"; journalctl -u amtomatd -b --no-pager 2>&1 | tail -40 | sed 's/^/INFO:   /' | tee -a "$RES"; fi

  # 3. roles
  useradd -m -G amtomat,amtomat-clerk anna; useradd -m -G amtomat,amtomat-tech tom; useradd -m eve; useradd -m -G amtomat max
  code1=$(deposit anna VM-1)
  [ -n "$code1" ] && pass "clerk anna (amtomat, amtomat-clerk) deposits with amtomat" || fail "clerk deposit: $(tail -3 $D/deposit-errors.txt)"
  echo "$code1" > /root/code1
  out=$(runuser -u eve -- amtomat list 2>&1); rc=$?
  [ $rc = 69 ] && echo "$out" | grep -q "your user is not in the group" && pass "eve (in neither group) refused, exit 69: $out" || fail "eve: exit $rc: $out"
  out=$(runuser -u max -- amtomat list 2>&1); rc=$?
  [ $rc = 77 ] && pass "max (amtomat, no role) refused, exit 77: $out" || fail "max: exit $rc: $out"
  out=$(runuser -u tom -- amtomat deposit --kind id-card --reference VM-X --size S 2>&1); rc=$?
  [ $rc = 77 ] && pass "technician tom may not deposit, exit 77" || fail "tom deposit: exit $rc: $out"
  check "document VM-1 ready" test "$(state_of VM-1)" = ready
  # The sender and the metrics export are shipped but wait for the town's settings.
  check "amtomat-notify.service shipped, not enabled" test "$(systemctl is-enabled amtomat-notify.service)" = disabled
  mkdir -p /var/lib/prometheus/node-exporter
  systemctl start amtomat-metrics.service \
    && grep -q '^amtomat_doors_left_open 0' /var/lib/prometheus/node-exporter/amtomat.prom \
    && pass "amtomat-metrics.service exports the daemon's metrics for node-exporter" \
    || fail "metrics export: $(systemctl status amtomat-metrics.service --no-pager 2>&1 | tail -3 | tr '\n' ' ')"

  # 4. upgrade to the current version: database, key and the edited conffile stay
  before=$(sha256sum /etc/amtomat/amtomat.toml /etc/amtomat/kiosk.env /var/lib/amtomat/pickup-code.key | awk '{print $1}' | tr '\n' ' ')
  if install_debs "$CUR"; then pass "upgrade $PREV → $CUR with apt install ./…deb"; else fail "upgrade"; tail -20 $D/apt-$BOOT-$CUR.log | sed 's/^/INFO:   /'; fi
  check "installed version is $CUR" test "$(dpkg-query -W -f='${Version}' amtomat)" = "$CUR"
  after=$(sha256sum /etc/amtomat/amtomat.toml /etc/amtomat/kiosk.env /var/lib/amtomat/pickup-code.key | awk '{print $1}' | tr '\n' ' ')
  [ "$before" = "$after" ] && pass "upgrade kept the edited amtomat.toml and kiosk.env and the key file" || fail "upgrade changed config or key"
  waitfor 120 active amtomatd && pass "amtomatd active after the upgrade" || fail "amtomatd not active after the upgrade"
  check "upgrade kept the database: VM-1 still ready" test "$(state_of VM-1)" = ready

  # 5. watchdog: a stopped daemon is killed and restarted within WatchdogSec + RestartSec
  systemctl reset-failed amtomatd
  wd=$(systemctl show -p WatchdogUSec --value amtomatd); rs=$(systemctl show -p RestartUSec --value amtomatd)
  pid=$(mainpid); t0=$(date +%s.%N); kill -STOP "$pid"
  if waitfor 90 new_active_pid "$pid"; then
    dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
    pass "kill -STOP: systemd killed and restarted amtomatd after $dt s (WatchdogSec $wd + RestartSec $rs, then start)"
    say "BENCH: watchdog restart after kill -STOP: $dt s (WatchdogSec=$wd RestartSec=$rs)"
  else fail "kill -STOP: no restart within 90 s"; fi

  # 6. kill -9: restarted, database intact
  systemctl reset-failed amtomatd
  pid=$(mainpid); t0=$(date +%s.%N); kill -9 "$pid"
  if waitfor 90 new_active_pid "$pid"; then
    pass "kill -9: restarted after $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
  else fail "kill -9: no restart"; fi
  check "database intact after kill -9 (PRAGMA integrity_check)" test "$(sqlite3 /var/lib/amtomat/amtomat.sqlite 'PRAGMA integrity_check')" = ok
  check "VM-1 still ready after kill -9" test "$(state_of VM-1)" = ready

  # 7. killed in the middle of a 300 ms coil pulse: no coil stays energised
  systemctl reset-failed amtomatd
  pid=$(mainpid)
  amtomat open 2 --reason "vm test: kill mid-pulse" >/dev/null 2>&1 &
  # Sampled with builtins only (a fork per sample is tens of ms under TCG): up to 60 s for the pulse.
  lf="$(sysdir)/sim_gpio2/value"; seen=0; end=$(( ${EPOCHREALTIME/./} + 60000000 ))
  while [ "${EPOCHREALTIME/./}" -lt $end ]; do read -r v < "$lf"; [ "$v" = 1 ] && { seen=1; break; }; done
  if [ $seen = 1 ]; then
    kill -9 "$pid"
    off=; t0=${EPOCHREALTIME/./}
    while [ $(( ${EPOCHREALTIME/./} - t0 )) -lt 1000000 ]; do read -r v < "$lf"; [ "$v" = 0 ] && { off=$(( (${EPOCHREALTIME/./} - t0) / 1000 )); break; }; done
    [ -n "$off" ] && pass "killed mid-pulse: lock line inactive $off ms after the kill" || fail "killed mid-pulse: lock line still active after 1 s"
    waitfor 60 sh -c "journalctl -u amtomatd -b --no-pager | grep -q 'coils off: $N lock lines driven inactive'" \
      && pass "ExecStopPost ran amtomatd --coils-off after the kill" || fail "no 'coils off' from ExecStopPost: $(journalctl -u amtomatd -b --no-pager | tail -3 | tr '\n' ' ')"
  else fail "never saw the lock line of compartment 2 go active"; fi
  waitfor 90 new_active_pid "$pid" && pass "amtomatd back after the mid-pulse kill" || fail "amtomatd not back after the mid-pulse kill"
  wait 2>/dev/null

  # 8. the sandbox's exposure
  systemd-analyze security amtomatd.service --no-pager > $D/security-amtomatd.txt 2>&1
  say "BENCH: $(grep -i 'overall exposure' $D/security-amtomatd.txt)"
  ex=$(sed -n 's/.*exposure level for amtomatd.service: \([0-9.]*\).*/\1/p' $D/security-amtomatd.txt)
  awk -v e="${ex:-99}" 'BEGIN{exit !(e <= 2.0)}' && pass "systemd-analyze security amtomatd: $ex (target 2.0 or lower)" || fail "systemd-analyze security amtomatd: ${ex:-?} (target 2.0 or lower)"

  # 9. the kiosk screen: cage and Chromium as amtomat-kiosk; a crashed browser comes back
  waitfor 300 active amtomat-kiosk && pass "amtomat-kiosk.service active" || fail "amtomat-kiosk.service: $(systemctl status amtomat-kiosk --no-pager 2>&1 | tail -5 | tr '\n' ' ')"
  waitfor 300 pgrep -u amtomat-kiosk -x cage && pass "cage runs as amtomat-kiosk" || fail "no cage process of amtomat-kiosk"
  if waitfor 120 pgrep -u amtomat-kiosk chromium; then
    pass "Chromium runs as amtomat-kiosk"
    waitscreen 900
  else
    fail "cage started as amtomat-kiosk, but Chromium did not start within 120 s"; kiosk_diagnosis
  fi
  cage=$(pgrep -u amtomat-kiosk -x cage); chrome=$(pgrep -u amtomat-kiosk -o chromium)
  if [ -n "$chrome" ]; then
    kill -9 "$chrome"
    waitfor 180 sh -c "p=\$(pgrep -u amtomat-kiosk -x cage) && [ \"\$p\" != '$cage' ] && pgrep -u amtomat-kiosk chromium" \
      && pass "browser killed: the kiosk service restarted cage and Chromium" || fail "no restart after the browser was killed"
    # The daemon restarts (watchdog, upgrade): the browser is ended and starts again once the page
    # answers, so no error page stays on the screen.
    chrome=$(pgrep -u amtomat-kiosk -o chromium)
    systemctl restart amtomatd
    waitfor 240 sh -c "p=\$(pgrep -u amtomat-kiosk -o chromium) && [ \"\$p\" != '$chrome' ]" \
      && kiosk_journal | grep -q "amtomatd stopped answering" \
      && pass "amtomatd restarted: the kiosk ended the browser and started it again" \
      || fail "after a restart of amtomatd the browser was not started again"
    # The page watch: a frozen page (its renderers stopped here) stops reporting, and the start
    # script ends the browser with every process it started; the service starts it again.
    if waitfor 400 sh -c "curl -sf http://127.0.0.1:8080/api/kiosk/page-report | jq -e '.reports >= 1'"; then
      pass "the kiosk page reports to the page watch"
      chrome=$(pgrep -u amtomat-kiosk -o chromium)
      pkill -STOP -u amtomat-kiosk -f -- '--type=renderer'
      waitfor 240 sh -c "p=\$(pgrep -u amtomat-kiosk -o chromium) && [ \"\$p\" != '$chrome' ]" \
        && kiosk_journal | grep -q 'the kiosk page has not reported' \
        && pass "frozen page: the page watch ended the browser and the service started it again" \
        || fail "frozen page: the browser was not started again"
      left=$(ps -u amtomat-kiosk -o pid=,stat=,comm= | awk '$2 ~ /T/')
      [ -z "$left" ] && pass "no stopped process of the frozen browser is left" || fail "stopped processes left behind: $left"
    else
      fail "the kiosk page never reported to the page watch"; kiosk_diagnosis
    fi
  fi
  watch_restarts
  journalctl -b --no-pager > $D/journal-install.txt 2>&1
  echo install > /root/phase
  finish;;
###########################################################################
poweron)
  # 10. power on: READY without anybody, the document still there, its code works
  if waitfor 300 active amtomatd; then pass "after power-on amtomatd is active and READY"; else fail "amtomatd not active after power-on"; fi
  ready_us=$(systemctl show -p ActiveEnterTimestampMonotonic --value amtomatd)
  say "BENCH: amtomatd READY at $(awk -v u="$ready_us" 'BEGIN{printf "%.1f", u/1e6}') s after the kernel started"
  kiosk_us=$(systemctl show -p ActiveEnterTimestampMonotonic --value amtomat-kiosk)
  say "BENCH: amtomat-kiosk.service started at $(awk -v u="$kiosk_us" 'BEGIN{printf "%.1f", u/1e6}') s after the kernel started"
  # systemd-analyze needs the boot finished (this script is Type=simple, so it does not hold it up).
  timeout 300 systemctl is-system-running --wait >/dev/null 2>&1
  { systemd-analyze time; echo; systemd-analyze critical-chain amtomatd.service; echo; systemd-analyze critical-chain amtomat-kiosk.service; echo; systemd-analyze blame | head -15; } > $D/boot-timing.txt 2>&1
  say "BENCH: $(systemd-analyze time 2>/dev/null | head -1)"
  say "BENCH: critical chain: $(systemd-analyze critical-chain amtomat-kiosk.service 2>/dev/null | grep -E 'amtomat|multi-user|basic' | sed 's/^[^a-z]*//' | tr '\n' ';')"
  code1=$(cat /root/code1)
  check "after the reboot VM-1 is still ready" test "$(state_of VM-1)" = ready
  r=$(pickup "$code1")
  [ "$r" = open ] && pass "the pickup code of VM-1 opens its compartment after the power cut" || fail "pickup after power cut: $r"
  waitfor 60 sh -c "[ \"\$(amtomat --json show VM-1 | jq -r .state)\" = collected ]" && pass "VM-1 collected (door seen open and closed)" || fail "VM-1 state $(state_of VM-1)"
  if pgrep -u amtomat-kiosk chromium >/dev/null || waitfor 60 pgrep -u amtomat-kiosk chromium; then waitscreen 900
  else fail "after power-on: no Chromium within 60 s"; kiosk_diagnosis; fi
  watch_restarts

  # 11. backup (as docs/installation.md says), remove, purge, fresh install, restore
  code2=$(deposit anna VM-2); [ -n "$code2" ] && pass "deposit VM-2 before the backup" || fail "deposit VM-2"
  mkdir -p /root/backup
  sqlite3 /var/lib/amtomat/amtomat.sqlite ".backup /root/backup/amtomat.sqlite" && cp -a /var/lib/amtomat/pickup-code.key /root/backup/ \
    && cp -a /etc/amtomat /root/backup/etc-amtomat && pass "backup: database (sqlite3 .backup), key file, /etc/amtomat" || fail "backup"
  apt-get remove -y -q amtomat-kiosk amtomat > $D/apt-remove.log 2>&1 && pass "apt remove amtomat-kiosk amtomat" || fail "apt remove"
  check "apt remove keeps the state (/var/lib/amtomat database and key)" test -s /var/lib/amtomat/amtomat.sqlite -a -s /var/lib/amtomat/pickup-code.key
  check "apt remove keeps the edited conffile" grep -q VM-Testschrank /etc/amtomat/amtomat.toml
  apt-get purge -y -q amtomat-kiosk amtomat > $D/apt-purge.log 2>&1 && pass "apt purge amtomat-kiosk amtomat" || fail "apt purge"
  check "apt purge removes the state" test ! -e /var/lib/amtomat
  check "apt purge removes the conffiles" test ! -e /etc/amtomat/amtomat.toml
  install_debs "$CUR" && pass "fresh install of $CUR" || fail "fresh install"
  systemctl stop amtomatd
  cp /root/backup/etc-amtomat/amtomat.toml /root/backup/etc-amtomat/survey.json /etc/amtomat/
  install -o amtomat -g amtomat -m 0640 /root/backup/amtomat.sqlite /var/lib/amtomat/amtomat.sqlite
  install -o amtomat -g amtomat -m 0600 /root/backup/pickup-code.key /var/lib/amtomat/pickup-code.key
  rm -f /var/lib/amtomat/amtomat.sqlite-wal /var/lib/amtomat/amtomat.sqlite-shm
  systemctl reset-failed amtomatd; systemctl start amtomatd
  waitfor 120 active amtomatd && pass "restored onto the fresh install: amtomatd active" || fail "amtomatd after the restore"
  r=$(pickup "$code2")
  [ "$r" = open ] && pass "restore: the code of VM-2, deposited before the backup, opens its compartment" || fail "pickup after restore: $r"
  journalctl -b --no-pager > $D/journal-poweron.txt 2>&1
  finish;;
*)
  info "unknown boot '$BOOT'"; finish failed;;
esac
