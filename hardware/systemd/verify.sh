#!/bin/bash
# Checks hardware/systemd/amtomatd.service with `systemd-analyze verify` and parses the tmpfiles.d
# entry. verify wants the ExecStart binaries to exist, so it checks a copy of the unit whose
# /usr/bin/amtomatd points at a stub (or at the real binary when it is installed).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
if ! command -v systemd-analyze >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null
fi
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
BIN=/usr/bin/amtomatd
if [ ! -x "$BIN" ]; then BIN=$T/amtomatd; printf '#!/bin/sh\nexit 0\n' > "$BIN"; chmod +x "$BIN"; fi
sed "s#/usr/bin/amtomatd#$BIN#g" "$HERE/amtomatd.service" > "$T/amtomatd.service"
if out=$(systemd-analyze verify --man=no "$T/amtomatd.service" 2>&1) && [ -z "$(echo "$out" | grep -i amtomatd.service || true)" ]; then
  echo "PASS: systemd-analyze verify amtomatd.service"
else
  echo "$out"; echo "FAIL: systemd-analyze verify amtomatd.service"; exit 1
fi
# The notification sender's unit, the same way.
NBIN=/usr/bin/amtomat-notify
if [ ! -x "$NBIN" ]; then NBIN=$T/amtomat-notify; printf '#!/bin/sh\nexit 0\n' > "$NBIN"; chmod +x "$NBIN"; fi
sed "s#/usr/bin/amtomat-notify#$NBIN#g" "$HERE/amtomat-notify.service" > "$T/amtomat-notify.service"
if out=$(systemd-analyze verify --man=no "$T/amtomat-notify.service" 2>&1) && [ -z "$(echo "$out" | grep -i amtomat-notify.service || true)" ]; then
  echo "PASS: systemd-analyze verify amtomat-notify.service"
else
  echo "$out"; echo "FAIL: systemd-analyze verify amtomat-notify.service"; exit 1
fi
# tmpfiles: create into a scratch root; an unknown user/group "amtomat" is fine on a build machine.
mkdir -p "$T/root"
out=$(systemd-tmpfiles --root="$T/root" --create "$HERE/amtomat.conf" 2>&1 || true)
if echo "$out" | grep -vE "Failed to resolve (user|group) 'amtomat'|^$" | grep -q .; then
  echo "$out"; echo "FAIL: tmpfiles.d amtomat.conf"; exit 1
fi
echo "PASS: tmpfiles.d amtomat.conf parses"
