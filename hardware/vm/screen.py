#!/usr/bin/env python3
"""Watches the test VM's display through QEMU's QMP socket (hardware/vm/run).

    screen.py QMP_SOCKET OUT_PREFIX POWER_ON_EPOCH OK_FILE

Every 2 s: `screendump` to a PPM, then decide by colours whether it shows the kiosk's start
screen: mostly the page colour (--paper #f6f7f9), the title bar (--brand-dark #07345f) and the
filled "start pickup" and selected-language buttons (--brand #0a4a86), as
Sources/AmtomatDaemon/Kiosk/kiosk.css defines them. The buttons are drawn only once the page's
script has run, so the empty page frame alone does not count. The first match is saved as
OUT_PREFIX.png, its time since power-on goes to stdout ("KIOSK-ON-SCREEN 41.2 s ...") and to
OK_FILE, which the guest waits for. The last frame is kept as OUT_PREFIX-last.png either way, to see what was on screen.
"""
import json, signal, socket, struct, sys, time, zlib

PAPER, BAR, BRAND = (0xF6, 0xF7, 0xF9), (0x07, 0x34, 0x5F), (0x0A, 0x4A, 0x86)


def read_ppm(path):
    data = open(path, "rb").read()
    parts, pos = [], 0
    while len(parts) < 4:                      # magic, width, height, maxval
        while data[pos:pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        parts.append(data[pos:end]); pos = end
    assert parts[0] == b"P6", parts[0]
    w, h = int(parts[1]), int(parts[2])
    return w, h, data[pos + 1:pos + 1 + w * h * 3]


def write_png(path, w, h, rgb):
    raw = b"".join(b"\x00" + rgb[y * w * 3:(y + 1) * w * 3] for y in range(h))
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def shares(w, h, rgb):
    """Fractions of sampled pixels close to the page, bar and button colours."""
    near = lambda p, c: all(abs(p[i] - c[i]) <= 8 for i in range(3))
    n = paper = bar = brand = 0
    for y in range(0, h, 4):
        row = y * w * 3
        for x in range(0, w, 4):
            p = rgb[row + x * 3:row + x * 3 + 3]
            n += 1; paper += near(p, PAPER); bar += near(p, BAR); brand += near(p, BRAND)
    return paper / max(n, 1), bar / max(n, 1), brand / max(n, 1)


class QMP:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX); self.s.connect(path); self.f = self.s.makefile("rw")
        self.f.readline(); self.cmd("qmp_capabilities")

    def cmd(self, name, **args):
        self.f.write(json.dumps({"execute": name, "arguments": args}) + "\n"); self.f.flush()
        while True:
            msg = json.loads(self.f.readline())
            if "return" in msg or "error" in msg:
                return msg


def main():
    sock, prefix, start, ok_file = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    qmp = None
    while qmp is None:
        try:
            qmp = QMP(sock)
        except OSError:
            time.sleep(0.5)
    ppm, seen, last = prefix + ".ppm", False, ""

    def stop(*_):                                   # hardware/vm/run ends the watch with SIGTERM
        print("last frame: " + last, flush=True)
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    while True:
        t = time.time()
        try:
            r = qmp.cmd("screendump", filename=ppm)
        except (OSError, ValueError):
            break                                   # QEMU has exited
        if "error" in r:
            time.sleep(2); continue
        try:
            w, h, rgb = read_ppm(ppm)
        except (OSError, AssertionError, ValueError, IndexError):
            time.sleep(2); continue
        paper, bar, brand = shares(w, h, rgb)
        colours = f"page colour {paper:.0%}, bar colour {bar:.1%}, button colour {brand:.1%}"
        last = f"{t - start:.1f} s: {w}x{h}, {colours}"
        if not seen and paper >= 0.35 and bar >= 0.03 and brand >= 0.01:
            seen = True
            write_png(prefix + ".png", w, h, rgb)
            msg = f"{t - start:.1f} s after power-on ({w}x{h}, {colours})"
            print("KIOSK-ON-SCREEN " + msg, flush=True)
            open(ok_file, "w").write(msg + "\n")
        write_png(prefix + "-last.png", w, h, rgb)
        time.sleep(max(0.0, 2 - (time.time() - t)))
    stop()


if __name__ == "__main__":
    main()
