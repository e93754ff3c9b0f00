"""Speech output in the real browser against the real daemon, which renders the audio with espeak-ng.

The page writes every announcement it requests to #speech-log / window.KIOSK_SPEECH_LOG as
"lang:phrase-id name=value ..."; these tests assert that sequence, fetch what it asked for from the daemon,
and keep axe-core at zero violations in speech mode."""
import json
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from selenium.webdriver.common.keys import Keys

from conftest import COMPARTMENTS, Daemon, bin_dir
from kioskpage import Kiosk

ROW_OF = {cid: row for cid, col, row, size, wc in COMPARTMENTS}
COLUMN_OF = {cid: col for cid, col, row, size, wc in COMPARTMENTS}
LANGS = ["de", "en", "tr", "uk", "ar"]


def running_daemon(**kw):
    """A daemon with its own state directory, stopped and removed afterwards."""
    if not (bin_dir() / "amtomatd").exists():
        pytest.fail(f"no amtomatd in {bin_dir()} (set AMTOMAT_BIN or build first)")
    with tempfile.TemporaryDirectory(prefix="amtomat-speech-") as tmp:
        d = Daemon(Path(tmp), **kw)
        try:
            yield d
        finally:
            d.stop()


@pytest.fixture
def sdaemon():
    # A speech idle timeout longer than the normal 8 s, but short enough to test.
    yield from running_daemon(kiosk_extra=["speech_idle_timeout_seconds = 20"])


@pytest.fixture
def private_daemon():
    yield from running_daemon(kiosk_extra=["private_listening = true"])


@pytest.fixture
def hint_daemon():
    yield from running_daemon(kiosk_extra=["speech_hint_seconds = 3"])


class SpeechKiosk(Kiosk):
    def log(self):
        return self.d.execute_script("return window.KIOSK_SPEECH_LOG.map(e => [e.kind, e.clips])")

    def mark(self):
        return len(self.log())

    def since(self, mark):
        return self.log()[mark:]

    def wait_said(self, mark, kind, timeout=10.0):
        """Waits for an announcement of this kind after `mark`; returns its phrases."""
        def found():
            for k, clips in self.since(mark):
                if k == kind:
                    return (clips,)
            return None
        return self.wait(found, timeout, what=f"announcement {kind!r} (log since mark: {self.since(mark)})")[0]


def fetch(daemon, path):
    try:
        with urllib.request.urlopen(daemon.url + path.lstrip("/"), timeout=30) as res:
            return res.status, res.headers.get("Content-Type"), res.headers.get("Cache-Control"), res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), None, e.read()


def clip_url(clip):
    """'de:digit-entered position=4 total=12' -> /api/speech/de/digit-entered?position=4&total=12"""
    head, *numbers = clip.split(" ")
    lang, pid = head.split(":", 1)
    return f"/api/speech/{lang}/{urllib.request.quote(pid)}" + ("?" + "&".join(numbers) if numbers else "")


def test_passport_pickup_by_keyboard_alone_in_speech_mode(driver, sdaemon, screenshot_dir):
    doc = sdaemon.deposit("S-1", kind="passport", size="S", date_of_birth="1985-03-03")
    code, comp = doc["code"], int(doc["compartment"])
    k = SpeechKiosk(driver, sdaemon, screenshot_dir).open()
    # The start screen says how to switch speech on, and the button is there and labelled.
    assert k.visible("#btn-speech") and k.visible("#speech-hint")
    assert k.text("#btn-speech").strip().endswith("Sprachausgabe")
    assert "Sterntaste" in k.text("#speech-hint")
    assert k.d.execute_script("return document.querySelector('#btn-speech').getAttribute('aria-pressed')") == "false"

    m = k.mark()
    k.keys("*")
    said = k.wait_said(m, "speech-on")
    assert said == (["de:speech-on", "de:screen-start"] + [f"{l}:language-choice key={i + 1}" for i, l in enumerate(LANGS)]
                    + ["de:speech-keys"])
    assert k.d.execute_script("return document.querySelector('#btn-speech').getAttribute('aria-pressed')") == "true"
    # The browser fetches the audio from the same origin, decodes it and plays it to the end.
    k.wait(lambda: k.d.execute_script("return window.KIOSK_SPEECH_PLAYED") > 0, timeout=30, what="a phrase played to its end")
    k.check_screen("start, speech on", shot="speech-start")

    m = k.mark()
    k.keys(Keys.ENTER)
    k.wait_screen("keypad")
    assert k.wait_said(m, "screen-keypad") == ["de:screen-code digits=14"]

    m = k.mark()
    k.keys(code[:5], Keys.BACKSPACE, code[4:])
    k.wait(lambda: k.display_digits() == code, what="whole code entered")
    log = k.since(m)
    digits = [c for kind, c in log if kind == "digit"]
    # Only "digit n of 14", never the digit itself: no private listening here.
    assert digits == [[f"de:digit-entered position={i} total=14"] for i in [1, 2, 3, 4, 5, 5, *range(6, 15)]], log
    assert ["digit-deleted", ["de:digit-deleted count=4 total=14"]] in log
    assert log[-1] == ["entry-complete", ["de:entry-complete total=14"]]
    assert not any(f"spell-{d}" in c for _, cs in log for c in cs for d in "0123456789")
    k.check_screen("code entry, speech on")

    m = k.mark()
    k.keys(Keys.ENTER)
    k.wait(lambda: k.heading() == "Geburtsdatum eingeben", what="date of birth")
    assert k.wait_said(m, "screen-keypad") == ["de:screen-dob"]
    assert ["checking", ["de:checking"]] in k.since(m)

    m = k.mark()
    k.keys("03031985")
    k.wait_said(m, "entry-complete")
    assert [c for kind, c in k.since(m) if kind == "digit"][-1] == ["de:digit-entered position=8 total=8"]
    assert not any("date-readback" in c for _, cs in k.since(m) for c in cs), "date read back without private listening"

    m = k.mark()
    k.keys(Keys.ENTER)
    k.wait_screen("open", timeout=20)
    said = k.wait_said(m, "screen-open")
    assert said == [f"de:compartment-open compartment={comp} row={ROW_OF[comp]} rows=2 column={COLUMN_OF[comp]} columns=3",
                    "de:close-reminder"], said
    k.check_screen("compartment open, speech on")

    # + repeats the last announcement; - stops speech.
    m = k.mark()
    k.keys("+")
    assert k.wait_said(m, "repeat") == said
    k.keys("-")
    k.wait_said(m, "stop")

    m = k.mark()
    sdaemon.close_door(comp)
    k.wait_screen("thanks", timeout=15)
    assert k.wait_said(m, "screen-thanks") == ["de:screen-thanks", "de:survey-offer count=4"]

    m = k.mark()
    k.keys("1")
    k.wait_screen("question")
    said = k.wait_said(m, "screen-question")
    assert said[:3] == ["de:survey-question number=1 total=4", "de:survey-satisfaction", "de:survey-choose-one"]
    options = [f"de:survey-option number={i}" for i in range(1, 6)]
    assert said[3:-1:2] == options and said[4:-1:2] == [f"de:survey-satisfaction--{i}" for i in range(1, 6)]
    assert said[-1] == "de:survey-keys"
    k.check_screen("survey question, speech on")

    m = k.mark()
    k.keys("4")
    assert k.wait_said(m, "option-chosen") == ["de:option-chosen", "de:survey-satisfaction--4"]
    k.keys(Keys.ENTER)
    said = k.wait_said(m, "screen-question")
    assert said[:3] == ["de:survey-question number=2 total=4", "de:survey-improvements", "de:survey-choose-many"]
    m = k.mark()
    k.keys("1")
    assert k.wait_said(m, "option-ticked") == ["de:option-ticked", "de:survey-improvements--waiting"]
    k.keys("1")
    assert k.wait_said(m, "option-unticked") == ["de:option-unticked", "de:survey-improvements--waiting"]
    k.keys("2", Keys.ENTER)
    m = k.mark()
    k.wait(lambda: "de:survey-question number=3 total=4" in (k.log()[-1][1] if k.log() else []), what="question 3")
    k.keys(Keys.ENTER)                     # skipped: no answer
    k.wait(lambda: "de:survey-question number=4 total=4" in k.log()[-1][1], what="question 4")
    m = k.mark()
    k.keys(Keys.ENTER)                     # send
    k.wait_screen("raffle", timeout=15)
    assert k.wait_said(m, "screen-raffle") == ["de:screen-raffle", "de:survey-raffle-prize", "de:raffle-keys"]

    m = k.mark()
    k.keys("1")
    k.wait_screen("ticket", timeout=15)
    said = k.wait_said(m, "screen-ticket")
    ticket = k.text("#ticket")
    spelled = ["de:dash" if ch == "-" else f"de:spell-{ch}" for ch in ticket]
    assert said == ["de:screen-ticket"] + spelled + ["de:ticket-keys"], (ticket, said)
    k.check_screen("raffle ticket, speech on", shot="speech-ticket")
    m = k.mark()
    k.keys("+")
    assert k.wait_said(m, "repeat") == said, "the ticket is spelled again"

    # A key with no use here is answered, not ignored.
    m = k.mark()
    k.keys("7")
    assert k.wait_said(m, "key-unused") == ["de:key-unused"]

    asked = sorted({c for _, cs in k.log() for c in cs})
    m = k.mark()
    k.keys(Keys.ENTER)
    k.wait_screen("bye")
    assert k.wait_said(m, "screen-bye") == ["de:screen-bye"]

    # Everything the page asked for exists: the daemon renders each phrase as a WAV.
    for c in asked:
        status, ctype, cache, body = fetch(sdaemon, clip_url(c))
        assert status == 200 and ctype == "audio/wav" and body[:4] == b"RIFF" and len(body) > 2000, (c, status, ctype, body[:200])


def test_private_listening_reads_digits_and_the_date_back(driver, private_daemon, screenshot_dir):
    doc = private_daemon.deposit("S-2", kind="passport", size="S", date_of_birth="1985-03-03")
    code = doc["code"]
    k = SpeechKiosk(driver, private_daemon, screenshot_dir).open()
    k.keys("*", Keys.ENTER)
    k.wait_screen("keypad")
    m = k.mark()
    k.keys(code)
    k.wait_said(m, "entry-complete")
    assert [c for kind, c in k.since(m) if kind == "digit"] == [[f"de:spell-{d}"] for d in code]
    m = k.mark()
    k.keys("+")
    said = k.wait_said(m, "repeat")
    assert said[-len(code):] == [f"de:spell-{d}" for d in code], "the repeat key reads the code back"
    k.keys(Keys.ENTER)
    k.wait(lambda: k.heading() == "Geburtsdatum eingeben", what="date of birth")
    m = k.mark()
    k.keys("03031985")
    assert k.wait_said(m, "entry-complete") == ["de:date-readback day=3 month=3 year=1985", "de:entry-complete total=8"]
    # The date of birth is rendered for the citizen's ears only: never cached, neither on disk nor in the browser.
    status, ctype, cache, body = fetch(private_daemon, "/api/speech/de/date-readback?day=3&month=3&year=1985")
    assert status == 200 and cache == "no-store"
    cached = [p.name for p in (private_daemon.tmp / "speech-cache").iterdir()]
    assert cached and not any("date-readback" in n for n in cached), cached


def test_speech_turns_off_at_the_idle_timeout_and_says_so_to_the_next_person(driver, sdaemon, screenshot_dir):
    k = SpeechKiosk(driver, sdaemon, screenshot_dir).open()
    assert k.d.execute_script("return window.KIOSK_SPEECH_LOG.length") == 0
    k.keys("*", Keys.ENTER)
    k.wait_screen("keypad")
    k.keys("123")
    start = time.time()
    # Speech mode has its own, longer timeout (20 s here, 8 s without speech): the warning comes halfway
    # through, after 10 s instead of 4 s.
    m = k.mark()
    time.sleep(7)
    assert not k.visible("#idle"), "the normal timeout applied in speech mode"
    k.wait(lambda: k.visible("#idle"), timeout=10, what="idle warning")
    assert time.time() - start >= 9.5
    said = k.wait_said(m, "idle-warning")
    assert len(said) == 1 and said[0].startswith("de:idle-warning seconds=")
    k.check_screen("idle warning, speech on")
    k.wait_screen("start", timeout=15)
    assert time.time() - start >= 19.5
    # The reset switched speech off and forgot the announcements (they held this person's progress).
    assert k.d.execute_script("return [window.KIOSK_SPEECH_LOG.length, document.querySelector('#speech-log').children.length,"
                              " document.querySelector('#btn-speech').getAttribute('aria-pressed')]") == [0, 0, "false"]
    # The next person presses a key: they are told that speech was switched off and how to switch it on.
    m = k.mark()
    k.keys("2")
    assert k.wait_said(m, "speech-ended-idle") == ["de:speech-ended-idle"]
    k.wait(lambda: k.lang_dir()[0] == "en", what="the key still did its job (2 = English)")
    # ... once: the next key says nothing.
    m = k.mark()
    k.keys("1")
    time.sleep(0.5)
    assert [kind for kind, _ in k.since(m) if kind != "attract"] == []


def test_the_speech_endpoint_takes_only_catalogue_ids_and_numbers(sdaemon):
    ok = fetch(sdaemon, "/api/speech/de/compartment-open?compartment=608&row=2&rows=4&column=3&columns=6")
    assert ok[0] == 200 and ok[1] == "audio/wav" and ok[3][:4] == b"RIFF"
    for path, status in [
        ("/api/speech/de/Hallo%20Welt", 404),
        ("/api/speech/de/checking?text=Hallo", 400),
        ("/api/speech/de/digit-entered?position=4", 400),
        ("/api/speech/de/digit-entered?position=4&total=12%20Hallo", 400),
        ("/api/speech/de/digit-entered?position=400&total=12", 400),
        ("/api/speech/fr/checking", 404),
        ("/api/speech/de/spell-%C3%84", 404),
    ]:
        got = fetch(sdaemon, path)
        assert got[0] == status, (path, got)
        assert "application/json" in got[1] and json.loads(got[3])["error"].endswith("."), (path, got)


def test_speech_json_has_every_phrase_in_every_language(sdaemon):
    status, catalogue = sdaemon.http("GET", "/speech.json")
    assert status == 200
    assert sorted(catalogue["voices"]) == sorted(LANGS)
    for pid, phrase in catalogue["phrases"].items():
        assert sorted(phrase["text"]) == sorted(LANGS) and all(v.strip() for v in phrase["text"].values()), pid
    for lang in LANGS:
        assert len(catalogue["months"][lang]) == 12


def test_a_used_code_is_spoken_with_its_date_and_the_office(driver, sdaemon, screenshot_dir):
    doc = sdaemon.deposit("S-3", kind="driving-licence", size="S")
    status, body = sdaemon.http("POST", "/api/pickup", {"code": doc["code"]})
    assert status == 200 and body["result"] == "open", body
    sdaemon.close_door(int(doc["compartment"]))
    deadline = time.time() + 15
    while json.loads(sdaemon.cli("show", "S-3", json_output=True).stdout)["state"] != "collected":
        assert time.time() < deadline, "the document was not collected"
        time.sleep(0.2)
    k = SpeechKiosk(driver, sdaemon, screenshot_dir).open()
    k.keys("*", Keys.ENTER)
    k.wait_screen("keypad")
    m = k.mark()
    k.keys(doc["code"], Keys.DELETE)
    assert k.wait_said(m, "entry-cleared") == ["de:entry-cleared"]
    k.keys(doc["code"], Keys.ENTER)
    k.wait_screen("office", timeout=15)
    said = k.wait_said(m, "screen-office")
    today = k.d.execute_script("const d = new Date(); return [d.getDate(), d.getMonth() + 1, d.getFullYear()]")
    assert said == [f"de:gone-collected day={today[0]} month={today[1]} year={today[2]}", "de:office-name",
                    "de:office-phone-intro", "de:office-phone", "de:office-hours-intro", "de:office-hours",
                    "de:back-to-start"], said
    k.check_screen("code already used, speech on")
    # The office details are the configured ones, the phone number digit by digit.
    for c in said:
        assert fetch(sdaemon, clip_url(c))[0] == 200, c


def test_the_start_screen_says_in_every_language_how_to_switch_speech_on(driver, hint_daemon, screenshot_dir):
    k = SpeechKiosk(driver, hint_daemon, screenshot_dir).open()
    m = k.mark()
    said = k.wait_said(m, "attract", timeout=8)
    assert said == [f"{l}:speech-hint" for l in LANGS]
    # Only while speech is off and on the start screen.
    k.keys("*")
    k.wait_said(m, "speech-on")
    m = k.mark()
    time.sleep(4)
    assert "attract" not in [kind for kind, _ in k.since(m)]
    # Every language's hint exists as audio.
    for c in said:
        status, ctype, _, body = fetch(hint_daemon, clip_url(c))
        assert status == 200 and ctype == "audio/wav", c


def test_the_kiosk_api_describes_speech_output(sdaemon):
    status, info = sdaemon.http("GET", "/api/kiosk")
    assert status == 200
    assert info["speech"] == {"available": True, "privateListening": False, "idleTimeoutSeconds": 20, "hintSeconds": 40}
