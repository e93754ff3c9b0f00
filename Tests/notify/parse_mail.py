#!/usr/bin/env python3
"""Parses one stored e-mail with Python's own MIME parser and prints what the tests check, as JSON."""
import json
import sys
from email import policy
from email.parser import BytesParser

with open(sys.argv[1], "rb") as f:
    m = BytesParser(policy=policy.default).parse(f)
print(json.dumps({
    "from": str(m["from"]), "to": str(m["to"]), "subject": str(m["subject"]), "date": str(m["date"]),
    "messageId": str(m["message-id"]), "contentType": m.get_content_type(), "charset": m.get_content_charset(),
    "language": str(m["content-language"]), "autoSubmitted": str(m["auto-submitted"]), "body": m.get_content(),
}, ensure_ascii=False))
