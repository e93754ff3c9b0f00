"""Drives the kiosk page like a citizen (taps and keys) and checks every screen it reaches."""
import json
import re
import sqlite3
import time
from urllib.parse import urlparse

from axe_selenium_python import Axe
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

MIN_TARGET_PX = 44          # WCAG 2.5.5 / BITV: touch targets at least 44 x 44 CSS px
PAGE_BUDGET_BYTES = 150 * 1024


class Kiosk:
    def __init__(self, driver, daemon, screenshot_dir=None):
        self.d = driver
        self.daemon = daemon
        self.shots = screenshot_dir
        self.checked = []

    # --- navigation ------------------------------------------------------------------------------
    def open(self, path=""):
        self.d.get(self.daemon.url + path)
        self.wait(lambda: self.d.execute_script("return document.body.dataset.ready === '1'"), what="page ready")
        if not path:
            self.wait_screen("start")
        return self

    def wait(self, cond, timeout=10.0, what="condition"):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                last = cond()
                if last:
                    return last
            except StaleElementReferenceException:
                pass
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout}s waiting for {what} (screen={self.screen()!r}, "
                             f"heading={self.heading()!r})")

    def screen(self):
        return self.d.execute_script(
            "const s=[...document.querySelectorAll('.screen')].find(s=>!s.hidden);return s?s.id.slice(2):null")

    def wait_screen(self, name, timeout=10.0):
        self.wait(lambda: self.screen() == name, timeout, what=f"screen {name!r}")
        return self

    def heading(self):
        return self.d.execute_script(
            "const s=[...document.querySelectorAll('.screen')].find(s=>!s.hidden);"
            "const h=s&&s.querySelector('h1');return h?h.textContent:null")

    def text(self, css):
        return self.d.execute_script("const e=document.querySelector(arguments[0]);return e?e.textContent:null", css)

    def visible(self, css):
        return self.d.execute_script(
            "const e=document.querySelector(arguments[0]);return !!(e&&!e.hidden&&e.checkVisibility())", css)

    def lang_dir(self):
        return self.d.execute_script("return [document.documentElement.lang, document.documentElement.dir]")

    # --- input -----------------------------------------------------------------------------------
    def keys(self, *keys, pause=0.05):
        """Physical keyboard / number pad."""
        for k in keys:
            ActionChains(self.d).send_keys(k).perform()
            time.sleep(pause)
        return self

    def tap(self, css):
        """A touch on the screen (a real pointer click on the element)."""
        el = self.d.find_element(By.CSS_SELECTOR, css)
        el.click()
        return self

    def tap_digits(self, digits):
        for ch in digits:
            self.tap(f'#keypad button[data-digit="{ch}"]')
        return self

    def display_digits(self):
        """The digits shown on the keypad display (placeholders excluded)."""
        return self.d.execute_script(
            "const e=document.querySelector('#keypad-display');"
            "return [...e.childNodes].filter(n=>n.nodeType===3).map(n=>n.textContent).join('').replace(/\\D/g,'')")

    # --- checks run on every screen ----------------------------------------------------------------
    def check_screen(self, name, shot=None):
        """axe-core (zero violations), touch target sizes, lang/dir on <html>, no external resources."""
        time.sleep(0.15)   # let focus moves and live regions settle
        axe = Axe(self.d)
        axe.inject()
        res = axe.run()
        violations = res["violations"]
        assert not violations, f"axe violations on {name}:\n" + axe.report(violations)

        small = self.d.execute_script("""
            const out = [];
            for (const el of document.querySelectorAll('button, a[href], label.opt, summary, input:not(.opt input)')) {
              if (el.closest('[hidden]') || !el.checkVisibility()) continue;
              const r = el.getBoundingClientRect();
              if (r.width < arguments[0] - 0.5 || r.height < arguments[0] - 0.5)
                out.push((el.id || el.className || el.tagName) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
            }
            return out;""", MIN_TARGET_PX)
        assert not small, f"touch targets under {MIN_TARGET_PX}px on {name}: {small}"

        lang, direction = self.lang_dir()
        assert lang in ("de", "en", "tr", "uk", "ar", ""), lang
        if lang:
            assert direction == ("rtl" if lang == "ar" else "ltr"), (lang, direction)

        self.assert_offline_and_light(name)
        self.checked.append(name)
        if shot:
            self.screenshot(shot)

    def assert_offline_and_light(self, name):
        entries = self.d.execute_script("""
            const nav = performance.getEntriesByType('navigation').map(e => [e.name, e.transferSize, e.encodedBodySize]);
            const res = performance.getEntriesByType('resource').map(e => [e.name, e.transferSize, e.encodedBodySize]);
            return nav.concat(res);""")
        host = urlparse(self.daemon.url).netloc
        external = [u for u, _, _ in entries if urlparse(u).scheme in ("http", "https") and urlparse(u).netloc != host]
        assert not external, f"external resources on {name}: {external}"
        # Static files of the page (API calls are tiny JSON and vary; they are counted too). Speech audio
        # (/api/speech/) is fetched phrase by phrase while it plays, so it is not page weight.
        total = sum(max(t or 0, b or 0) for u, t, b in entries if not urlparse(u).path.startswith("/api/speech/"))
        assert total < PAGE_BUDGET_BYTES, f"{name}: {total} bytes transferred (budget {PAGE_BUDGET_BYTES})"

    def screenshot(self, name):
        if self.shots:
            self.d.save_screenshot(str(self.shots / f"{name}.png"))

    def measure_screen(self, lang, large, setup):
        """Puts the page on one screen through its own ES modules (`setup` is JavaScript that gets them as
        s, ui, keypad, text, open_, office, thanks, survey, bye) and measures it against the 1280 x 800 viewport:
        `out` lists actions off screen and anything sticking out sideways, `spill` the pixels of content
        below the scrolling area."""
        return self.d.execute_async_script("""
            const [lang, large, done] = arguments;
            Promise.all(['state', 'ui', 'keypad', 'text', 'screens/open', 'screens/office', 'screens/thanks',
                         'survey', 'screens/bye', 'session'].map(m => import('/' + m + '.js')))
            .then(([st, ui, keypad, text, open_, office, thanks, survey, bye, session]) => {
              const s = st.state;
              session.reset();
              s.slowedUntil = 0;
              s.visit.lang = lang;
              document.documentElement.classList.toggle('large', large);
              ui.applyLang();
              (function (s, ui, keypad, text, open_, office, thanks, survey, bye) { SETUP })(
                s, ui, keypad, text, open_, office, thanks, survey, bye);
              setTimeout(() => {
                const main = document.querySelector('#main');
                const screen = [...document.querySelectorAll('.screen')].find(x => !x.hidden);
                const out = [];
                for (const el of screen.querySelectorAll('button, label.opt, .msg, .wait, #open-help')) {
                  if (!el.checkVisibility()) continue;
                  const r = el.getBoundingClientRect();
                  const name = el.id || el.className || el.tagName;
                  if (r.right > innerWidth + 0.5 || r.left < -0.5) out.push(name + ' sticks out sideways');
                  else if (el.tagName === 'BUTTON' && (r.bottom > innerHeight + 0.5 || r.top < 0))
                    out.push(name + ' off screen at y=' + Math.round(r.top));
                }
                if (document.documentElement.scrollWidth > innerWidth) out.push('page scrolls sideways');
                done({screen: screen.id, out, spill: main.scrollHeight - main.clientHeight});
              }, 80);
            }).catch(e => done({error: String(e)}));""".replace("SETUP", setup), lang, large)

    # --- higher-level steps ----------------------------------------------------------------------
    def choose_language(self, lang):
        self.d.find_element(By.CSS_SELECTOR, f'#lang-list button[data-lang="{lang}"]').click()
        self.wait(lambda: self.lang_dir()[0] == lang, what=f"lang={lang}")

    def start(self):
        self.tap("#btn-start")
        self.wait_screen("keypad")

    def open_compartment(self, code):
        """From the start screen: type the code and wait for the compartment-open screen."""
        self.start()
        self.keys(code, Keys.ENTER)
        self.wait_screen("open", timeout=20)

    def door_open_label(self):
        return self.d.execute_script("return document.querySelector('#h-open').textContent")

    def js_post(self, path, body=None):
        """Fetch from the page itself (same origin), e.g. the demo API."""
        return self.d.execute_async_script("""
            const [path, body, done] = arguments;
            fetch(path, {method: 'POST', headers: {'Content-Type': 'application/json'},
                         body: body === null ? undefined : JSON.stringify(body)})
              .then(r => done(r.status)).catch(e => done(String(e)));""", path, body)


def survey_rows_are_anonymous(db_path, document_reference, pickup_code):
    """The anonymous survey must not be linkable to a pickup.

    Checks `survey_answer` and `raffle_ticket` in the daemon's SQLite database: no column for or value of a
    document reference, pickup code, compartment or token, and no time of day (a date alone is fine).
    Exact columns are agreed in the integration step; this stays generic on purpose. Returns the rows.
    """
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        con.row_factory = sqlite3.Row
        forbidden_names = re.compile(r"reference|compartment|code|document|pickup|token|time|created|updated|(^|_)ip(_|$)", re.I)
        time_of_day = re.compile(r"\d{1,2}:\d{2}")
        results = {}
        # The schema agreed with the daemon (AmtomatStore/SurveyStore.swift): nothing more than this.
        expected = {"survey_answer": {"id", "day", "answers"}, "raffle_ticket": {"ticket", "day"}}
        for table in ("survey_answer", "raffle_ticket"):
            cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
            assert cols, f"table {table} is missing"
            assert set(cols) == expected[table], f"{table} has columns {cols}, expected {sorted(expected[table])}"
            bad = [c for c in cols if forbidden_names.search(c) and not (table == "raffle_ticket" and c == "ticket")]
            assert not bad, f"{table} has columns that could link it to a pickup: {bad}"
            rows = [dict(r) for r in con.execute(f"SELECT * FROM {table}")]
            for row in rows:
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["day"]), f"{table}.day is not a bare date: {row['day']!r}"
            for row in rows:
                for col, val in row.items():
                    s = "" if val is None else str(val)
                    assert document_reference not in s, f"{table}.{col} holds the document reference"
                    assert pickup_code not in s, f"{table}.{col} holds the pickup code"
                    assert not time_of_day.search(s), f"{table}.{col} holds a time of day: {s!r}"
                    if isinstance(val, (int, float)) and col.lower() not in ("id", "rowid"):
                        # epoch seconds would be a timestamp
                        assert not (val > 10**8), f"{table}.{col} looks like a timestamp: {val}"
            results[table] = rows
        # The raffle stays apart from the answers: no column of raffle_ticket points at survey_answer.
        rcols = [r[1] for r in con.execute("PRAGMA table_info(raffle_ticket)")]
        assert not [c for c in rcols if re.search(r"survey|answer", c, re.I)], rcols
        return results
    finally:
        con.close()


def answers_json(rows):
    return json.dumps(rows, ensure_ascii=False, default=str)
