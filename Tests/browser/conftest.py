"""Fixtures for the kiosk's real-browser tests.

Each test gets its own REAL daemon (`$AMTOMAT_BIN/amtomatd --config FILE`) with a simulated locker in a
temporary directory, and shares one headless Chromium. Documents are put in with the real clerk CLI.
"""
import json
import os
import re
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
KIOSK_DIR = PACKAGE_ROOT / "Sources" / "AmtomatDaemon" / "Kiosk"


def bin_dir() -> Path:
    p = Path(os.environ.get("AMTOMAT_BIN", ".build/debug"))
    return p if p.is_absolute() else PACKAGE_ROOT / p


# Six compartments, three columns by two rows. Row 1 is nearest the floor.
COMPARTMENTS = [
    # id, column, row, size, wheelchair
    (1, 1, 1, "M", True),
    (2, 1, 2, "S", False),
    (3, 2, 1, "S", True),
    (4, 2, 2, "S", False),
    (5, 3, 1, "L", True),
    (6, 3, 2, "M", False),
]

OFFICE = {"name": "Bürgerbüro Test", "phone": "0000 123", "hours": "Mo 8–12", "hours_en": "Mon 8 am–12 noon"}
# [kiosk] raffle_announcement, per language (German stands in for the others)
RAFFLE_ANNOUNCEMENT = {"de": "Aushang im Foyer, jeden Monatsersten", "en": "Notice in the foyer, on the 1st of each month"}


def config_text(tmp: Path, demo: bool = True, idle: int = 12, kiosk_extra=()) -> str:
    lines = [
        "[locker]",
        'name = "Testrathaus"',
        "[daemon]",
        'backend = "simulated"',
        f'state_dir = "{tmp}"',
        "allow_weak_codes_for_tests = true",
        "[control]",
        f'socket = "{tmp}/control.sock"',
        "[kiosk]",
        "port = 0",
        f"demo = {'true' if demo else 'false'}",
        f"idle_timeout_seconds = {idle}",
        "raffle_announcement = { " + ", ".join(f'{k} = "{v}"' for k, v in RAFFLE_ANNOUNCEMENT.items()) + " }",
        *kiosk_extra,
        "[throttle]",
        "free_attempts = 3",
        "first_wait_seconds = 40",   # long enough to reload the page and still see the wait
        "refill_seconds = 60",
        "[office]",
        f'name = "{OFFICE["name"]}"',
        f'phone = "{OFFICE["phone"]}"',
        f'hours = {{ de = "{OFFICE["hours"]}", en = "{OFFICE["hours_en"]}" }}',
    ]
    for cid, col, row, size, wheelchair in COMPARTMENTS:
        lines += [
            "",
            "[[compartment]]",
            f"id = {cid}",
            f"column = {col}",
            f"row = {row}",
            f'size = "{size}"',
            f"wheelchair = {'true' if wheelchair else 'false'}",
        ]
    return "\n".join(lines) + "\n"


class Daemon:
    """A running amtomatd plus helpers that drive it like a clerk (CLI) or a technician (demo API)."""

    def __init__(self, tmp: Path, demo: bool = True, idle: int = 12, kiosk_extra=()):
        self.tmp = tmp
        self.bin = bin_dir()
        self.config = tmp / "amtomat.toml"
        self.config.write_text(config_text(tmp, demo=demo, idle=idle, kiosk_extra=kiosk_extra), encoding="utf-8")
        self.log = open(tmp / "daemon.log", "w+", encoding="utf-8")
        self.proc = subprocess.Popen(
            [str(self.bin / "amtomatd"), "--config", str(self.config)],
            stdout=subprocess.PIPE, stderr=self.log, stdin=subprocess.DEVNULL, text=True,
        )
        self.url, self.socket = self._wait_ready(timeout=60)
        # Keep draining stdout so the daemon never blocks on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()
        self.db = tmp / "amtomat.sqlite"

    def _wait_ready(self, timeout):
        deadline = time.time() + timeout
        result = {}

        def reader():
            for line in self.proc.stdout:
                m = re.search(r"READY kiosk=(\S+) control=(\S+)", line)
                if m:
                    result["ready"] = (m.group(1).rstrip("/") + "/", m.group(2))
                    return

        th = threading.Thread(target=reader, daemon=True)
        th.start()
        while time.time() < deadline and "ready" not in result:
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if "ready" not in result:
            self.stop()
            self.log.seek(0)
            raise RuntimeError("amtomatd did not print READY; its log:\n" + self.log.read()[-4000:])
        return result["ready"]

    def _drain(self):
        try:
            for _ in self.proc.stdout:
                pass
        except (ValueError, OSError):
            pass

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()

    # --- clerk CLI -------------------------------------------------------------------------------
    def cli(self, subcommand, *args, json_output=False, check=True, timeout=30):
        """`amtomat SUBCOMMAND --socket S [--json] ARGS...` (the options belong to the subcommand)."""
        cmd = [str(self.bin / "amtomat"), *subcommand.split(), "--socket", self.socket,
               *(["--json"] if json_output else []), *args]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if check and r.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
        return r

    def deposit(self, reference, kind="passport", size="S", date_of_birth=None, timeout=30):
        """Put a document in like a clerk: the CLI opens a compartment, we close its door, it prints the code."""
        args = [str(self.bin / "amtomat"), "deposit", "--socket", self.socket, "--json",
                "--kind", kind, "--reference", reference, "--size", size]
        if date_of_birth:
            args += ["--date-of-birth", date_of_birth]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                stdin=subprocess.DEVNULL)
        found = {}

        def read_err():
            for line in proc.stderr:
                found.setdefault("stderr", []).append(line)
                m = re.search(r"[Cc]ompartment (\d+)\b[^.]*? is open", line)   # "Compartment 3 (3) is open"
                if m:
                    found["compartment"] = int(m.group(1))
                    found["announced"] = True

        threading.Thread(target=read_err, daemon=True).start()
        deadline = time.time() + timeout
        while "compartment" not in found and time.time() < deadline and proc.poll() is None:
            shown = self.cli("show", reference, json_output=True, check=False)
            if shown.returncode == 0:
                try:
                    comp = json.loads(shown.stdout).get("compartment")
                    if comp:
                        found["compartment"] = int(comp)
                        break
                except ValueError:
                    pass
            time.sleep(0.2)
        if "compartment" not in found:
            proc.kill()
            raise RuntimeError("deposit did not open a compartment: " + "".join(found.get("stderr", [])))
        # Close the door as the clerk would, but only once it is open: a door closed while its lock is
        # still being released stays shut (the simulated latch re-locks), and the deposit then fails.
        # Repeat until the CLI has seen it closed.
        def door_open(comp):
            if found.get("announced"):
                return True
            try:
                status, data = self.http("GET", "/api/demo/state")
                return status == 200 and any(c["id"] == comp and c["door"] == "open" for c in data["compartments"])
            except Exception:
                return False

        while proc.poll() is None and time.time() < deadline:
            if not door_open(found["compartment"]):
                time.sleep(0.05)
                continue
            self.cli("sim close", str(found["compartment"]), check=False)
            try:
                proc.wait(0.5)
            except subprocess.TimeoutExpired:
                pass
        if proc.poll() is None:
            proc.kill()
            raise RuntimeError("deposit did not finish after its door was closed: " + "".join(found.get("stderr", [])))
        out = proc.stdout.read()
        if proc.returncode != 0:
            raise RuntimeError(f"deposit failed ({proc.returncode}): {out} {''.join(found.get('stderr', []))}")
        out = out.strip()
        try:
            data = json.loads(out)
        except ValueError:
            data = json.loads(out.splitlines()[-1])
        data.setdefault("compartment", found["compartment"])
        return data

    def close_door(self, compartment):
        self.cli("sim close", str(compartment))

    # --- HTTP (kiosk and demo API) ---------------------------------------------------------------
    def http(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path.lstrip("/"), data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
        try:
            with urllib.request.urlopen(req, timeout=10) as res:
                raw = res.read()
                return res.status, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw) if raw else None
            except ValueError:
                return e.code, raw.decode(errors="replace")


@pytest.fixture
def daemon():
    if not (bin_dir() / "amtomatd").exists():
        pytest.fail(f"no amtomatd in {bin_dir()} (set AMTOMAT_BIN or build first)")
    with tempfile.TemporaryDirectory(prefix="amtomat-browser-") as tmp:
        d = Daemon(Path(tmp))
        try:
            yield d
        finally:
            d.stop()


@pytest.fixture
def daemon_no_demo():
    with tempfile.TemporaryDirectory(prefix="amtomat-browser-") as tmp:
        d = Daemon(Path(tmp), demo=False)
        try:
            yield d
        finally:
            d.stop()


@pytest.fixture(scope="session")
def driver():
    opts = webdriver.ChromeOptions()
    opts.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800",
              "--force-device-scale-factor=1", "--lang=de-DE", "--disable-extensions",
              "--no-first-run", "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--disable-default-apps", "--disable-gpu",
              # As on the locker: the start screen's spoken hint plays without a touch first.
              "--autoplay-policy=no-user-gesture-required"]:
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path keeps Selenium Manager from trying to download one.
    service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    drv = webdriver.Chrome(service=service, options=opts)
    # A touchscreen-like landscape kiosk viewport, exactly 1280 x 800 CSS pixels.
    drv.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                        {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    drv.set_script_timeout(60)
    yield drv
    drv.quit()


@pytest.fixture
def screenshot_dir():
    d = os.environ.get("AMTOMAT_SCREENSHOT_DIR")
    if d:
        Path(d).mkdir(parents=True, exist_ok=True)
        return Path(d)
    return None
