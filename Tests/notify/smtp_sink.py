#!/usr/bin/env python3
"""A real SMTP server on loopback (aiosmtpd) that stores every accepted message.

    smtp_sink.py MAILDIR

Writes its port to MAILDIR/port and each message to MAILDIR/NNN.eml. Refuses recipients
whose address starts with "nobody@" with 550 (a permanent refusal, as a relay gives for an
unknown mailbox).
"""
import os
import socket
import sys
import time

from aiosmtpd.controller import Controller

maildir = sys.argv[1]
os.makedirs(maildir, exist_ok=True)


class Sink:
    count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("nobody@"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        Sink.count += 1
        name = os.path.join(maildir, "%03d.eml" % Sink.count)
        with open(name + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(name + ".tmp", name)
        return "250 Message accepted"


probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()
controller = Controller(Sink(), hostname="127.0.0.1", port=port)
controller.start()
with open(os.path.join(maildir, "port.tmp"), "w") as f:
    f.write(str(port))
os.rename(os.path.join(maildir, "port.tmp"), os.path.join(maildir, "port"))
while True:
    time.sleep(3600)
