"""Real-browser tests of the kiosk against the real daemon (simulated locker)."""
import random
import re
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import COMPARTMENTS, OFFICE, RAFFLE_ANNOUNCEMENT
from kioskpage import Kiosk, survey_rows_are_anonymous

DE_REJECTED = "Diesen Abholcode kennt der Automat nicht."          # start of the message for a wrong code
DE_DOB_MISMATCH = "Das Geburtsdatum stimmt nicht."
DE_LAST_ATTEMPT = "Achtung: Nach einer weiteren falschen Eingabe"
ROW_OF = {cid: row for cid, col, row, size, wc in COMPARTMENTS}
COLUMN_OF = {cid: col for cid, col, row, size, wc in COMPARTMENTS}


@pytest.fixture
def kiosk(driver, daemon, screenshot_dir):
    return Kiosk(driver, daemon, screenshot_dir)


def wrong_code(length=14):
    return "".join(random.choice("0123456789") for _ in range(length))


def assert_drawing_shows(k, compartment):
    """The SVG marks the compartment at its column, with row 1 drawn at the bottom (nearest the floor)."""
    geo = k.d.execute_script("""
        const svg = document.querySelector('#locker-figure svg');
        const hit = svg.querySelector('rect[fill="#ffcc00"]');
        const cells = [...svg.querySelectorAll('rect[width="100"]')];
        return {hitX: +hit.getAttribute('x') + 3, hitY: +hit.getAttribute('y') + 3,
                xs: cells.map(r => +r.getAttribute('x')), ys: cells.map(r => +r.getAttribute('y')),
                role: svg.getAttribute('role'), title: svg.querySelector('title').textContent};""")
    assert geo["role"] == "img" and geo["title"]
    ys = sorted(set(geo["ys"] + [geo["hitY"]]))
    xs = sorted(set(geo["xs"] + [geo["hitX"]]))
    rows = len(ys)
    # ys ascend from the top, so row r (1 = floor) is ys[rows - r]
    assert geo["hitY"] == ys[rows - ROW_OF[compartment]], geo
    assert geo["hitX"] == xs[COLUMN_OF[compartment] - 1], geo


def test_pickup_in_german_with_date_of_birth_by_touch(kiosk, daemon):
    doc = daemon.deposit("T-1", kind="passport", size="S", date_of_birth="1990-05-17")
    code, comp = doc["code"], int(doc["compartment"])
    k = kiosk.open()
    assert k.lang_dir() == ["de", "ltr"]
    assert k.heading() == "Dokument abholen"
    k.check_screen("start", shot="start")

    k.start()
    assert k.heading() == "Abholcode eingeben"
    assert "14 Ziffern" in k.text("#keypad-hint")
    k.tap_digits(code[:8])
    # grouped in fours
    shown = k.text("#keypad-display")
    assert shown.startswith(code[:4] + " " + code[4:8] + " "), shown
    k.check_screen("code entry", shot="code-entry")
    k.tap("#key-del")
    assert k.display_digits() == code[:7]
    k.tap_digits(code[7:])
    assert k.display_digits() == code
    assert k.text("#keypad-display") == " ".join(code[i:i + 4] for i in range(0, len(code), 4))  # groups of four
    k.tap("#btn-confirm")

    k.wait(lambda: k.heading() == "Geburtsdatum eingeben", what="date of birth screen")
    assert k.display_digits() == ""
    assert k.text("#keypad-display") == "TT.MM.JJJJ"
    k.tap_digits("1705")
    assert k.text("#keypad-display") == "17.05.JJJJ"
    k.check_screen("date of birth", shot="date-of-birth")
    k.tap_digits("1990")
    assert k.text("#keypad-display") == "17.05.1990"
    k.tap("#btn-confirm")

    k.wait_screen("open", timeout=20)
    assert k.heading() == f"Fach {comp} ist offen"
    assert_drawing_shows(k, comp)
    assert f"Spalte {COLUMN_OF[comp]} von links, Reihe {ROW_OF[comp]} von unten" in k.text("#open-where")
    k.check_screen("compartment open", shot="compartment-open")

    daemon.close_door(comp)
    k.wait_screen("thanks", timeout=15)
    assert k.heading() == "Vielen Dank!"
    k.check_screen("thanks")
    k.tap("#s-thanks button[data-finish]")
    k.wait_screen("bye")
    k.check_screen("bye")
    k.tap("#s-bye button[data-home]")
    k.wait_screen("start")


def test_pickup_in_arabic_by_keyboard_alone(kiosk, daemon):
    doc = daemon.deposit("T-2", kind="driving-licence", size="S")
    code, comp = doc["code"], int(doc["compartment"])
    k = kiosk.open()
    k.keys("5")                                   # fifth language: Arabic
    k.wait(lambda: k.lang_dir() == ["ar", "rtl"], what="lang=ar dir=rtl")
    assert k.heading() == "استلام الوثيقة"
    assert k.d.title.startswith("استلام الوثيقة")
    k.check_screen("start (Arabic)", shot="start-arabic")

    k.keys(Keys.ENTER)
    k.wait_screen("keypad")
    assert k.heading() == "أدخل رمز الاستلام"
    k.keys(code[:6], Keys.BACKSPACE, code[5:])
    assert k.display_digits() == code
    # the code reads left to right even in an RTL page
    assert k.d.execute_script("return getComputedStyle(document.querySelector('#keypad-display')).direction") == "ltr"
    k.check_screen("code entry (Arabic)")
    k.keys(Keys.ENTER)

    k.wait_screen("open", timeout=20)
    assert k.heading() == f"الخانة {comp} مفتوحة"
    assert_drawing_shows(k, comp)
    k.check_screen("compartment open (Arabic)", shot="compartment-open-arabic")
    # the citizen closes the door (through the demo API this time)
    assert k.js_post(f"/api/demo/doors/{comp}/close") == 204
    k.wait_screen("thanks", timeout=15)
    assert k.heading() == "شكرًا لك!"
    assert k.lang_dir() == ["ar", "rtl"]
    k.keys("2")                                   # 2 = finish, no survey
    k.wait_screen("bye")
    k.keys(Keys.ENTER)
    k.wait_screen("start")
    assert k.lang_dir() == ["de", "ltr"], "the next person starts in German"


def test_wrong_code_is_kept_to_correct_and_a_wrong_date_of_birth_is_named(kiosk, daemon):
    doc = daemon.deposit("T-3", kind="passport", size="S", date_of_birth="1984-03-27")
    k = kiosk.open()
    k.start()
    wrong = wrong_code()
    k.keys(wrong, Keys.ENTER)
    k.wait(lambda: k.visible("#keypad-msg") and k.text("#keypad-msg").startswith(DE_REJECTED), what="wrong-code message")
    assert k.d.find_element(By.CSS_SELECTOR, "#keypad-msg").get_attribute("role") == "alert"
    assert k.display_digits() == wrong, "the wrong code stays on screen to be compared and corrected"
    assert "Ihre Eingabe steht noch oben" in k.text("#keypad-msg"), "the message says what happened to the entry"
    k.check_screen("wrong code", shot="wrong-code")
    # Correcting one digit works ...
    k.tap("#key-del")
    assert k.display_digits() == wrong[:-1]
    # ... and a new digit after the rejection starts a new entry instead of being ignored.
    k.keys(Keys.ENTER)
    k.wait(lambda: k.text("#keypad-msg").startswith("Bitte geben Sie alle 14"), what="incomplete message")
    k.tap("#key-clear")
    assert k.display_digits() == ""

    k.keys(doc["code"], Keys.ENTER)
    k.wait(lambda: k.heading() == "Geburtsdatum eingeben", what="date of birth screen")
    k.keys("01011980", Keys.ENTER)
    k.wait(lambda: k.visible("#keypad-msg") and k.text("#keypad-msg") not in ("", "Einen Moment bitte …"),
           what="message after wrong date of birth")
    # The code was accepted (that is why the date was asked for): say what did not match.
    assert k.text("#keypad-msg").startswith(DE_DOB_MISMATCH), k.text("#keypad-msg")
    k.check_screen("wrong date of birth", shot="wrong-date-of-birth")
    k.keys("2")
    assert k.text("#keypad-display") == "2T.MM.JJJJ", "the next tap starts a new date"
    k.keys(Keys.ESCAPE)                           # Escape = back to the code
    k.wait(lambda: k.heading() == "Abholcode eingeben", what="back to code entry")
    k.keys(Keys.ESCAPE)
    k.wait_screen("start")


def test_terminal_slows_down_after_wrong_codes_and_shows_a_countdown(kiosk, daemon):
    k = kiosk.open()
    k.start()
    for attempt in (1, 2):                        # free_attempts = 3
        k.keys(wrong_code(), Keys.ENTER)
        k.wait(lambda: k.visible("#keypad-msg") and k.text("#keypad-msg").startswith(DE_REJECTED), what="answer")
        warned = DE_LAST_ATTEMPT in k.text("#keypad-msg")
        assert warned == (attempt == 2), f"attempt {attempt}: a warning before the last free attempt, and only then"
        assert not k.visible("#keypad-wait"), f"slowed down after attempt {attempt}"
    # The wait shows right after the last free attempt, not only when the next code is typed.
    k.keys(wrong_code(), Keys.ENTER)
    k.wait(lambda: k.visible("#keypad-wait"), timeout=5, what="the wait, without typing another code")
    timer = k.text("#wait-timer")
    assert re.fullmatch(r"\d+ (Sekunden|Minute|Minuten)", timer), timer      # refill_seconds = 60: "1 Minute"
    # Reloading the page does not hide the wait until twelve digits are typed: it shows at once.
    k.open()
    k.start()
    assert k.visible("#keypad-wait"), "a reloaded page knows the terminal is slowed"
    assert "Bürgerbüro Test" in k.text("#keypad-wait") and "0000 123" in k.text("#keypad-wait"), "the office's contact"
    assert "kurz" not in k.text("#keypad-wait")
    assert k.d.execute_script("return [...document.querySelectorAll('#keypad button')].every(b => b.disabled)")
    k.keys("123")
    assert k.display_digits() == "", "the keypad is disabled while slowed down"
    k.check_screen("slowed down", shot="slowed-down")
    secs = lambda s: int(s.split()[0]) * (60 if "Minute" in s else 1)
    first = secs(timer)
    k.wait(lambda: secs(k.text("#wait-timer") or "0") < first, timeout=3, what="countdown ticking")
    # Leaving and coming back does not lift the slowdown.
    k.keys(Keys.ESCAPE)
    k.wait_screen("start")
    k.keys(Keys.ENTER)
    k.wait_screen("keypad")
    assert k.visible("#keypad-wait")


def test_idle_timeout_returns_to_start_and_clears_everything(kiosk, daemon):
    k = kiosk.open()
    k.choose_language("en")
    k.tap("#btn-large")
    assert k.d.execute_script("return document.documentElement.classList.contains('large')")
    k.start()
    assert k.heading() == "Enter your pickup code"
    k.keys("31415")
    assert k.display_digits() == "31415"
    # A warning first (idle_timeout_seconds = 12 in the test config) ...
    k.wait(lambda: k.visible("#idle"), timeout=10, what="idle warning")
    assert k.d.execute_script("return document.activeElement.id") == "btn-idle"
    k.check_screen("idle warning", shot="idle-warning")
    # ... which any key dismisses without acting on that key.
    k.keys("9")
    k.wait(lambda: not k.visible("#idle"), what="warning dismissed")
    assert k.display_digits() == "31415"
    # Then, without touching anything, the reset.
    k.wait_screen("start", timeout=16)
    assert k.lang_dir() == ["de", "ltr"]
    assert k.heading() == "Dokument abholen"
    state = k.d.execute_script("""return {
        large: document.documentElement.classList.contains('large'),
        pressed: document.querySelector('#btn-large').getAttribute('aria-pressed'),
        display: document.querySelector('#keypad-display').textContent,
        status: document.querySelector('#sr-status').textContent,
        form: document.querySelector('#q-form').textContent,
        ticket: document.querySelector('#ticket').textContent,
        idle: document.querySelector('#idle').hidden};""")
    assert state == {"large": False, "pressed": "false", "display": "", "status": "", "form": "", "ticket": "",
                     "idle": True}, state
    k.start()
    assert k.display_digits() == ""


def test_idle_timeout_during_the_survey_forgets_the_answers(kiosk, daemon):
    doc = daemon.deposit("T-4", kind="driving-licence", size="S")
    k = kiosk.open()
    k.choose_language("uk")
    k.start()
    k.keys(doc["code"], Keys.ENTER)
    k.wait_screen("open", timeout=20)
    daemon.close_door(doc["compartment"])
    k.wait_screen("thanks", timeout=15)
    k.tap("#btn-survey")
    k.wait_screen("question")
    k.tap('#q-form label.opt:nth-child(5)')
    assert k.d.execute_script("return document.querySelector('#q-form input:checked').value") == "5"
    k.wait_screen("start", timeout=18)
    assert k.lang_dir() == ["de", "ltr"]
    assert k.text("#q-form") == ""


def test_survey_and_raffle_store_nothing_that_links_to_the_pickup(kiosk, daemon):
    doc = daemon.deposit("T-5", kind="driving-licence", size="S")
    code, comp = doc["code"], int(doc["compartment"])
    k = kiosk.open()
    k.start()
    k.keys(code, Keys.ENTER)
    k.wait_screen("open", timeout=20)
    daemon.close_door(comp)
    k.wait_screen("thanks", timeout=15)
    assert "4 kurzen Fragen" in k.text("#offer-text")
    assert "Willich-Gutschein, 15 €" in k.text("#offer-raffle")
    k.check_screen("thanks with survey offer", shot="thanks")
    k.tap("#btn-survey")

    # 1: satisfaction, faces and words
    k.wait_screen("question")
    assert k.text("#q-progress") == "Frage 1 von 4"
    labels = k.d.execute_script("return [...document.querySelectorAll('#q-form label.opt')].map(l => l.textContent)")
    assert labels[0].startswith("sehr unzufrieden") and labels[4].startswith("sehr zufrieden"), labels
    assert k.d.execute_script("return document.querySelectorAll('#q-form svg.face').length") == 5
    k.tap('#q-form input[value="4"]')
    k.check_screen("survey: satisfaction", shot="survey-satisfaction")
    k.tap("#q-next")
    # 2: improvements (several)
    k.wait(lambda: k.text("#q-progress") == "Frage 2 von 4", what="question 2")
    k.tap('#q-form input[value="waiting"]')
    k.keys("2")                                       # number pad toggles the 2nd option
    checked = k.d.execute_script("return [...document.querySelectorAll('#q-form input:checked')].map(i => i.value)")
    assert checked == ["waiting", "signage"], checked
    k.check_screen("survey: improvements", shot="survey-improvements")
    k.keys(Keys.ENTER)
    # 3: use again (single) - skipped, then back and answered
    k.wait(lambda: k.text("#q-progress") == "Frage 3 von 4", what="question 3")
    k.check_screen("survey: use again")
    k.tap("#q-skip")
    k.wait(lambda: k.text("#q-progress") == "Frage 4 von 4", what="question 4")
    k.keys(Keys.ESCAPE)
    k.wait(lambda: k.text("#q-progress") == "Frage 3 von 4", what="back to question 3")
    k.keys("1", Keys.ENTER)
    # 4: services (several)
    k.wait(lambda: k.text("#q-progress") == "Frage 4 von 4", what="question 4")
    k.tap('#q-form input[value="vehicle-registration"]')
    k.check_screen("survey: services")
    assert k.text("#q-next") == "Absenden"
    k.tap("#q-next")

    k.wait_screen("raffle")
    assert "Willich-Gutschein" in k.text("#raffle-text")
    assert "Name" in k.text("#raffle-text")           # says no name/phone/e-mail is asked
    assert not k.d.find_elements(By.CSS_SELECTOR, "#s-raffle input")
    k.check_screen("raffle offer", shot="raffle-offer")
    k.tap("#btn-raffle")
    k.wait_screen("ticket")
    ticket = k.text("#ticket")
    assert re.fullmatch(r"[A-Z0-9]{2,}(-[A-Z0-9]{2,})*", ticket), ticket
    assert k.text("#ticket-announcement") == "Bekanntgabe der Gewinner: " + RAFFLE_ANNOUNCEMENT["de"]
    k.check_screen("raffle ticket", shot="raffle-ticket")
    # Time to note the ticket down: longer than the normal idle timeout (12 s here).
    time.sleep(14)
    assert k.screen() == "ticket" and not k.visible("#idle"), "the ticket stays longer than other screens"
    k.keys(Keys.ENTER)
    k.wait_screen("bye")
    k.keys(Keys.ENTER)
    k.wait_screen("start")
    assert ticket not in k.d.page_source

    rows = survey_rows_are_anonymous(daemon.db, "T-5", code)
    assert rows["survey_answer"], "the answers were stored"
    assert any(ticket in str(v) for r in rows["raffle_ticket"] for v in r.values()), rows["raffle_ticket"]


def test_skipping_every_question_sends_nothing(kiosk, daemon):
    doc = daemon.deposit("T-6", kind="driving-licence", size="S")
    k = kiosk.open()
    k.start()
    k.keys(doc["code"], Keys.ENTER)
    k.wait_screen("open", timeout=20)
    daemon.close_door(doc["compartment"])
    k.wait_screen("thanks", timeout=15)
    k.keys("1")
    for i in range(1, 5):
        k.wait(lambda: k.text("#q-progress") == f"Frage {i} von 4", what=f"question {i}")
        k.tap("#q-skip")
    k.wait_screen("bye")
    posted = k.d.execute_script(
        "return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/survey')).length")
    assert posted == 0
    rows = survey_rows_are_anonymous(daemon.db, "T-6", doc["code"])
    assert rows["survey_answer"] == []


def test_faulty_compartment_shows_the_office(kiosk, daemon):
    doc = daemon.deposit("T-7", kind="driving-licence", size="S")
    comp = int(doc["compartment"])
    assert daemon.http("POST", f"/api/demo/locks/{comp}/jam", {"jammed": True})[0] == 204
    k = kiosk.open()
    k.start()
    k.keys(doc["code"], Keys.ENTER)
    # While the jammed lock is retried, the wait looks calm: its own style and a spinner, not the error style.
    k.wait(lambda: k.visible("#keypad-msg .spinner"), what="waiting message")
    look = k.d.execute_script("""const m = document.querySelector('#keypad-msg'), s = getComputedStyle(m);
        return [m.className, m.getAttribute('role'), s.backgroundColor, m.textContent];""")
    assert look[0] == "msg info" and look[1] == "status", look
    assert look[2] != "rgb(253, 232, 232)", "not the pink error box"
    assert look[3] == "Einen Moment bitte …", look
    k.check_screen("checking", shot="checking")
    k.wait_screen("office", timeout=40)
    assert k.heading() == "Das Fach ließ sich nicht öffnen"
    card = k.text("#office-card")
    assert OFFICE["name"] in card and OFFICE["phone"] in card and OFFICE["hours"] in card, card
    k.check_screen("fault", shot="fault")
    k.keys(Keys.ENTER)
    k.wait_screen("start")


def test_door_left_open_gets_a_reminder_then_the_screen_returns_while_the_door_is_watched(kiosk, daemon):
    doc = daemon.deposit("T-8", kind="driving-licence", size="S")
    k = kiosk.open()
    k.start()
    k.keys(doc["code"], Keys.ENTER)
    k.wait_screen("open", timeout=20)
    assert not k.visible("#door-reminder")
    k.wait(lambda: k.visible("#door-reminder"), timeout=45, what="door reminder")
    assert f"Fach {doc['compartment']}" in k.text("#door-reminder")
    assert k.screen() == "open", "no idle reset before the reminder"
    k.check_screen("door reminder", shot="door-reminder")
    # Nobody there: the screen goes back to the start for the next person (after 60 s here), ...
    k.wait_screen("start", timeout=45)
    assert k.text("#door-reminder") == "" and k.text("#h-open") is not None
    # ... while the daemon still tracks the door: closing it finishes the pickup.
    shown = lambda: __import__("json").loads(daemon.cli("show", "T-8", json_output=True).stdout)["state"]
    assert shown() == "collecting"
    daemon.close_door(doc["compartment"])
    k.wait(lambda: shown() == "collected", what="pickup finished after the screen returned")


def test_larger_text_visible_focus_and_keyboard(kiosk, daemon):
    k = kiosk.open()
    size = lambda: k.d.execute_script("return parseFloat(getComputedStyle(document.documentElement).fontSize)")
    normal = size()
    k.tap("#btn-large")
    assert size() >= normal * 1.25
    assert k.d.find_element(By.ID, "btn-large").get_attribute("aria-pressed") == "true"
    k.check_screen("start, larger text")
    k.start()
    k.check_screen("code entry, larger text", shot="code-entry-larger-text")
    # Tab reaches the keypad and the focus is visible.
    k.keys(Keys.TAB)
    ring = k.d.execute_script("""const s = getComputedStyle(document.activeElement);
        return [document.activeElement.tagName, s.outlineStyle, parseFloat(s.outlineWidth)];""")
    assert ring[0] == "BUTTON" and ring[1] != "none" and ring[2] >= 2, ring
    k.tap("#btn-large")
    assert size() == normal


def test_demo_page_shows_the_simulated_locker_and_runs_the_whole_flow(kiosk, daemon):
    doc = daemon.deposit("T-9", kind="driving-licence", size="S")
    comp = int(doc["compartment"])
    k = kiosk.open()
    assert k.visible("#demo-link")
    k.open("demo.html")
    k.wait(lambda: len(k.d.find_elements(By.CSS_SELECTOR, "#grid .cell")) == len(COMPARTMENTS), what="grid")
    k.check_screen("demo page", shot="demo")
    # Row 1 is drawn at the bottom of the grid.
    r1 = k.d.find_element(By.ID, f"cell-{[c for c, col, row, *_ in COMPARTMENTS if row == 1][0]}").rect["y"]
    r2 = k.d.find_element(By.ID, f"cell-{[c for c, col, row, *_ in COMPARTMENTS if row == 2][0]}").rect["y"]
    assert r1 > r2

    # Jam and unjam a lock.
    k.tap("#cell-1")
    k.wait(lambda: k.visible("#d-jam"), what="detail panel")
    k.tap("#d-jam")
    jammed = lambda cid: next(c for c in daemon.http("GET", "/api/demo/state")[1]["compartments"]
                              if c["id"] == cid)["jammed"]
    k.wait(lambda: jammed(1), what="lock 1 jammed")
    k.wait(lambda: "Unjam" in k.text("#d-jam"), what="unjam button")
    k.tap("#d-jam")
    k.wait(lambda: not jammed(1), what="lock 1 working")

    # The whole flow in one browser: kiosk in the iframe, door closed on the demo side.
    frame = k.d.find_element(By.ID, "kiosk-frame")
    k.d.switch_to.frame(frame)
    k.wait(lambda: k.d.execute_script("return document.body.dataset.ready === '1'"), what="kiosk in frame")
    assert not k.visible("#demo-link"), "no demo link inside the demo's own frame"
    # (Selenium's pointer maths does not follow the demo's CSS scaling of the frame, so click by script.)
    k.d.execute_script("document.getElementById('btn-start').click()")
    k.wait(lambda: k.screen() == "keypad", what="code entry in frame")
    k.d.execute_script("window.focus(); document.getElementById('h-keypad').focus()")
    k.keys(doc["code"], Keys.ENTER)
    k.wait(lambda: k.screen() == "open", timeout=20, what="compartment open in frame")
    k.d.switch_to.default_content()
    k.wait(lambda: k.visible(f"#open-close-{comp}"), what="open door listed")
    k.tap(f"#open-close-{comp}")
    k.d.switch_to.frame(frame)
    k.wait(lambda: k.screen() == "thanks", timeout=15, what="thanks in frame")
    k.d.switch_to.default_content()


def test_without_demo_mode_there_is_no_demo(driver, daemon_no_demo, screenshot_dir):
    k = Kiosk(driver, daemon_no_demo, screenshot_dir).open()
    assert not k.visible("#demo-link")
    assert not k.visible("#demo-badge")
    assert daemon_no_demo.http("GET", "/api/demo/state")[0] == 404
    k.open("demo.html")
    k.wait(lambda: k.visible("#demo-off"), what="demo-off note")
    k.check_screen("demo page, demo off")


def test_survey_json_has_every_text_in_every_language(daemon):
    status, survey = daemon.http("GET", "/survey.json")
    assert status == 200
    langs = ["de", "en", "tr", "uk", "ar"]
    qs = survey["questions"]
    assert [q["id"] for q in qs] == ["satisfaction", "improvements", "use-again", "services"]
    assert [q["type"] for q in qs] == ["scale5", "multi", "single", "multi"]
    assert [o["id"] for o in qs[0]["options"]] == ["1", "2", "3", "4", "5"]
    assert [o["id"] for o in qs[2]["options"]] == ["yes", "no", "unsure"]
    for q in qs:
        assert set(q["title"]) == set(langs) and all(q["title"].values())
        for o in q["options"]:
            assert set(o["label"]) == set(langs) and all(o["label"].values())
    assert survey["raffle"]["enabled"] is True
    assert set(survey["raffle"]["prize"]) == set(langs)


def test_every_interface_text_exists_in_every_language(kiosk, daemon):
    k = kiosk.open()
    missing = k.d.execute_script("""
        const T = window.KIOSK_TEXT, all = new Set(Object.values(T).flatMap(Object.keys)), out = [];
        for (const [lang, texts] of Object.entries(T))
          for (const key of all) if (!texts[key]) out.push(lang + ':' + key);
        return [Object.keys(T), out];""")
    assert missing[0] == ["de", "en", "tr", "uk", "ar"]
    assert missing[1] == [], missing[1]


def test_the_page_reports_to_the_page_watch_while_it_is_on_the_screen(kiosk, daemon):
    """The page watch (docs/kiosk.md): the loaded page reports at once and then every 10 s, from an
    animation frame; the kiosk's start script restarts a browser whose page stops reporting."""
    status, before = daemon.http("GET", "/api/kiosk/page-report")
    assert status == 200 and before["reports"] == 0, before
    kiosk.open()
    kiosk.wait(lambda: daemon.http("GET", "/api/kiosk/page-report")[1]["reports"] >= 1, timeout=10, what="first page report")
    kiosk.wait(lambda: daemon.http("GET", "/api/kiosk/page-report")[1]["reports"] >= 2, timeout=25, what="second page report")
    _, after = daemon.http("GET", "/api/kiosk/page-report")
    assert after["secondsSinceLastReport"] < 12, after
