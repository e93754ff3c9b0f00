#!/usr/bin/env python3
"""A stand-in SMS gateway on loopback for the notification tests and the benchmark.

    sms_gateway.py STATE_DIR [PORT]

Writes its port to STATE_DIR/port, appends every request as one JSON line to
STATE_DIR/requests.jsonl, and answers as STATE_DIR/mode says at that moment:
"ok" (200), a status number such as "500" or "401", or "hang" (never answers).
Stopping the process is "the gateway is down".
"""
import http.server
import json
import os
import sys
import time

state = sys.argv[1]
port = int(sys.argv[2]) if len(sys.argv) > 2 else 0


def mode():
    try:
        with open(os.path.join(state, "mode")) as f:
            return f.read().strip() or "ok"
    except FileNotFoundError:
        return "ok"


class Gateway(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8")
        answer = mode()
        record = {"path": self.path, "method": self.command, "authorization": self.headers.get("Authorization"),
                  "contentType": self.headers.get("Content-Type"), "body": body, "answer": answer, "at": time.time()}
        with open(os.path.join(state, "requests.jsonl"), "a") as f:
            f.write(json.dumps(record) + "\n")
        if answer == "hang":
            time.sleep(3600)
            return
        status = 200 if answer == "ok" else int(answer)
        payload = b'{"ok": true}' if status == 200 else b'{"error": "test gateway"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_PUT = do_POST

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True


server = Server(("127.0.0.1", port), Gateway)
tmp = os.path.join(state, "port.tmp")
with open(tmp, "w") as f:
    f.write(str(server.server_address[1]))
os.rename(tmp, os.path.join(state, "port"))
server.serve_forever()
