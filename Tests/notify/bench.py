#!/usr/bin/env python3
"""Benchmark: door closed -> SMS handed to the gateway (issue 11 point 11). Not a test.

    python3 Tests/notify/bench.py BIN_DIR [DEPOSITS]

Starts the real amtomatd (simulated locker with one compartment per deposit), the real
amtomat-notify and the loopback gateway (sms_gateway.py); for each deposit it opens the
compartment over the control socket, closes the door and takes the time; the gateway notes when
the SMS request arrived. Prints p50/p90/p99/max in milliseconds.
"""
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

bin_dir = os.path.abspath(sys.argv[1])
count = int(sys.argv[2]) if len(sys.argv) > 2 else 200
here = os.path.dirname(os.path.abspath(__file__))
work = tempfile.mkdtemp(prefix="amtomat-bench-notify-")
gw_dir = os.path.join(work, "gateway")
os.makedirs(gw_dir)


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("amtomatd")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def control(method, path, body=None):
    c = UnixConnection(os.path.join(work, "control.sock"))
    c.request(method, path, body=json.dumps(body) if body is not None else None,
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    if r.status >= 300:
        raise RuntimeError(f"{method} {path}: {r.status} {data!r}")
    return json.loads(data) if data else None


def wait_file(path, seconds=30):
    end = time.time() + seconds
    while time.time() < end:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return open(path).read()
        time.sleep(0.05)
    raise RuntimeError(f"{path} did not appear")


gateway = subprocess.Popen([sys.executable, os.path.join(here, "sms_gateway.py"), gw_dir])
port = int(wait_file(os.path.join(gw_dir, "port")))
with open(os.path.join(work, "auth"), "w") as f:
    f.write("Authorization: Bearer bench\n")
os.chmod(os.path.join(work, "auth"), 0o600)
config = f"""[locker]
name = "Bench"
[locker.coil]
pulse_ms = 20
min_off_ms = 0
gap_ms = 0
[daemon]
backend = "simulated"
state_dir = "{work}/state"
allow_weak_codes_for_tests = true
[control]
socket = "{work}/control.sock"
[office]
phone = "0000 1"
[notify]
place = "Markt 1"
[notify.sms]
gateway = "sipgate"
url = "http://127.0.0.1:{port}/v2/sessions/sms"
auth_header_file = "{work}/auth"
"""
for i in range(1, count + 1):
    config += f'[[compartment]]\nid = {i}\ncolumn = {(i - 1) % 20 + 1}\nrow = {(i - 1) // 20 + 1}\nsize = "S"\n'
with open(os.path.join(work, "amtomat.toml"), "w") as f:
    f.write(config)
daemon_out = open(os.path.join(work, "daemon.out"), "w")
daemon = subprocess.Popen([os.path.join(bin_dir, "amtomatd"), "--config", os.path.join(work, "amtomat.toml"), "--log-level", "warning"],
                          stdout=daemon_out, stderr=open(os.path.join(work, "daemon.log"), "w"))
end = time.time() + 60
while "READY" not in open(os.path.join(work, "daemon.out")).read():
    if time.time() > end:
        raise RuntimeError("amtomatd did not start")
    time.sleep(0.05)
notify = subprocess.Popen([os.path.join(bin_dir, "amtomat-notify"), "--config", os.path.join(work, "amtomat.toml"), "--log-level", "warning"],
                          stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "notify.log"), "w"))
closed_at = {}
try:
    for i in range(count):
        number = "+49171%07d" % i
        started = control("POST", "/documents", {"kind": "other", "reference": f"B-{i}", "size": "S", "accessible": False,
                                                 "phone": number})
        compartment = started["compartment"]
        closed_at[number] = time.time()
        control("POST", f"/sim/doors/{compartment}/close")
        # Wait for this SMS before the next deposit, so each one is measured alone.
        end = time.time() + 10
        while time.time() < end:
            text = open(os.path.join(gw_dir, "requests.jsonl")).read() if os.path.exists(os.path.join(gw_dir, "requests.jsonl")) else ""
            if number in text:
                break
            time.sleep(0.002)
    latencies = []
    for line in open(os.path.join(gw_dir, "requests.jsonl")):
        r = json.loads(line)
        n = json.loads(r["body"])["recipient"]
        latencies.append((r["at"] - closed_at[n]) * 1000)
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    print(json.dumps({"deposits": count, "delivered": len(latencies), "p50_ms": round(q[49], 1), "p90_ms": round(q[89], 1),
                      "p99_ms": round(q[98], 1), "max_ms": round(latencies[-1], 1), "min_ms": round(latencies[0], 1)}))
finally:
    for p in (notify, daemon, gateway):
        p.terminate()
    for p in (notify, daemon, gateway):
        p.wait()
