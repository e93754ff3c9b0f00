/* Speech output (EN 301 549 closed functionality): every screen spoken when it appears, every key confirmed.
   The audio comes from the daemon (GET /api/speech/<lang>/<phrase id>?<number>=<digits>), rendered with
   espeak-ng from speech.json; the page only ever asks for phrase ids and whole numbers (docs/adr/0070).
   Keys (number pad): * speech on (when on: the screen's announcement again), + repeat the last
   announcement, - stop speaking, / speech off. Every announcement the page requests is also written to
   #speech-log (hidden; the browser tests read it) and window.KIOSK_SPEECH_LOG. */
import { $, $$ } from "./dom.js";
import { compPos } from "./screens/open.js";
import { surveyOn } from "./screens/thanks.js";
import { state } from "./state.js";
import { TEXT, t } from "./text.js";
import { every } from "./timers.js";

const ATTRACT_SECONDS = 40;     // the start screen says how to switch speech on this often, when speech is off
const LOG_MAX = 300;

const audio = new Audio();
let queue = [];
let last = null;                // the last repeatable announcement
let endedByIdle = false;        // terminal property: the idle reset switched speech off; say so to the next person
let playing = null;
window.KIOSK_SPEECH_LOG = [];
/** Phrases the browser played to the end (for the tests: the audio really decodes and plays). */
window.KIOSK_SPEECH_PLAYED = 0;

/** One phrase: id, numbers, and the language (the citizen's unless given). */
function clip(id, numbers, lang) { return { id, n: numbers || {}, lang: lang || state.visit.lang }; }
function url(c) {
  const q = Object.keys(c.n).map(k => encodeURIComponent(k) + "=" + encodeURIComponent(String(c.n[k]))).join("&");
  return "/api/speech/" + encodeURIComponent(c.lang) + "/" + encodeURIComponent(c.id) + (q ? "?" + q : "");
}
function describe(c) { return c.lang + ":" + c.id + Object.keys(c.n).map(k => " " + k + "=" + c.n[k]).join(""); }

function log(kind, clips) {
  const entry = { kind, clips: clips.map(describe) };
  window.KIOSK_SPEECH_LOG.push(entry);
  if (window.KIOSK_SPEECH_LOG.length > LOG_MAX) window.KIOSK_SPEECH_LOG.shift();
  const li = document.createElement("li");
  li.dataset.kind = kind;
  li.textContent = entry.clips.join(" | ");
  const ol = $("#speech-log");
  ol.appendChild(li);
  while (ol.children.length > LOG_MAX) ol.firstChild.remove();
}
function playNext() {
  const c = queue.shift();
  playing = c || null;
  if (!c) return;
  audio.src = url(c);
  const p = audio.play();
  if (p && p.catch) p.catch(() => { if (audio.src.endsWith(url(c))) playNext(); });
}
audio.addEventListener("ended", () => { if (playing) window.KIOSK_SPEECH_PLAYED++; playNext(); });
audio.addEventListener("error", playNext);

/** Speaks a list of phrases. kind names it in the log; options: queue (after what is playing) and
    repeatable (the + key says it again). */
export function say(kind, clips, opts) {
  opts = opts || {};
  log(kind, clips);
  if (opts.repeatable !== false) last = { kind, clips };
  if (!opts.queue) { audio.pause(); queue = []; }
  const idle = audio.paused || audio.ended || !audio.src;
  queue.push(...clips);
  if (idle || !opts.queue) playNext();
}
export function silence() { audio.pause(); queue = []; }

export function speechOn() { return !!state.visit.speech; }
function setButton() {
  const b = $("#btn-speech");
  b.setAttribute("aria-pressed", String(speechOn()));
}
export function switchOn() {
  endedByIdle = false;
  state.visit.speech = true;
  setButton();
  say("speech-on", [clip("speech-on")].concat(screenClips(), [clip("speech-keys")]));
}
export function switchOff() {
  state.visit.speech = false;
  setButton();
  say("speech-off", [clip("speech-off")], { repeatable: false });
}

function entered() { return state.visit.mode === "code" ? state.visit.code : state.visit.dob; }
function total() { return state.visit.mode === "code" ? state.cfg.codeLength : 8; }
function privateListening() { return !!(state.cfg.speech && state.cfg.speech.privateListening); }
function spell(text) { return Array.from(text).map(ch => ch === "-" ? clip("dash") : clip("spell-" + ch.toUpperCase())); }

/** What the current screen says when it appears: what it is, what to press. */
export function screenClips() {
  const v = state.visit;
  switch (v.screen) {
    case "start": {
      const langs = state.cfg.languages.filter(l => TEXT[l]);
      return [clip("screen-start")].concat(langs.map((l, i) => clip("language-choice", { key: i + 1 }, l)));
    }
    case "keypad": {
      const out = [clip(v.mode === "code" ? "screen-code" : "screen-dob", v.mode === "code" ? { digits: total() } : {})];
      if (Date.now() < state.slowedUntil) out.push(waitClip());
      else if (entered().length) out.push(progressClip());
      return out;
    }
    case "open": {
      const p = compPos(), L = state.cfg.locker || {}, id = (v.compartment && v.compartment.id) || +p.label || 1;
      if (!p.col || !p.row) return [clip("close-reminder")];
      return [clip("compartment-open", { compartment: id, row: p.row, rows: Math.max(L.rows || p.row, p.row), column: p.col, columns: Math.max(L.columns || p.col, p.col) }),
        clip("close-reminder")];
    }
    case "office": {
      const o = v.office || {}, out = [clip("screen-office")];
      if (v.officeKind !== "error" && o.name) out.push(clip("office-name"));
      if (v.officeKind !== "error" && o.phone) out.push(clip("office-phone-intro"), clip("office-phone"));
      if (v.officeKind !== "error" && o.hours) out.push(clip("office-hours-intro"), clip("office-hours"));
      return out.concat([clip("back-to-start")]);
    }
    case "thanks":
      return surveyOn() ? [clip("screen-thanks"), clip("survey-offer", { count: state.survey.questions.length })]
        : [clip("screen-thanks"), clip("finish-hint")];
    case "question": {
      const q = state.survey.questions[v.q];
      const out = [clip("survey-question", { number: v.q + 1, total: state.survey.questions.length }), clip("survey-" + q.id),
        clip(q.type === "multi" ? "survey-choose-many" : "survey-choose-one")];
      q.options.slice(0, 9).forEach((o, i) => out.push(clip("survey-option", { number: i + 1 }), clip("survey-" + q.id + "--" + o.id)));
      return out.concat([clip("survey-keys")]);
    }
    case "raffle": return [clip("screen-raffle"), clip("survey-raffle-prize"), clip("raffle-keys")];
    case "ticket": return [clip("screen-ticket")].concat(spell(v.ticket || ""), [clip("ticket-keys")]);
    case "bye": return [clip("screen-bye")];
    default: return [];
  }
}
function progressClip() { return clip("digit-deleted", { count: entered().length, total: total() }); }
function waitClip() {
  const left = Math.max(1, Math.ceil((state.slowedUntil - Date.now()) / 1000));
  return left >= 60 ? clip("slowed-minutes", { minutes: Math.ceil(left / 60) }) : clip("slowed-seconds", { seconds: left });
}

/* Events from the other modules (dom.js emit). */
function on(what, fn) { document.addEventListener("kiosk:" + what, e => { if (speechOn()) fn(e.detail || {}); }); }

on("screen", () => { say("screen-" + state.visit.screen, screenClips()); });
on("digit", d => {
  // The digits themselves only for private listening (headphones); otherwise only how many.
  if (privateListening()) say("digit", [clip("spell-" + d.digit)], { repeatable: false });
  else say("digit", [clip("digit-entered", { position: d.count, total: d.total })], { repeatable: false });
  if (d.count === d.total) {
    const out = [clip("entry-complete", { total: d.total })];
    const iso = state.visit.mode === "dob" ? dobParts() : null;
    if (iso && privateListening()) out.unshift(clip("date-readback", iso));
    say("entry-complete", out, { queue: true, repeatable: false });
  }
});
on("digit-deleted", d => { say("digit-deleted", [clip("digit-deleted", { count: d.count, total: d.total })], { repeatable: false }); });
on("entry-full", d => { say("entry-complete", [clip("entry-complete", { total: d.total })], { repeatable: false }); });
on("message", d => {
  const m = d.text;
  if (m === t("checking")) say("checking", [clip("checking")], { repeatable: false });
  // A wrong code or date of birth (issue 7 wording): spoken with the catalogue's "rejected" phrase for now.
  else if (m === t("rejected") || m.startsWith(t("rejectedCode")) || m.startsWith(t("dobMismatch"))) say("rejected", [clip("rejected"), clip(state.visit.mode === "code" ? "screen-code" : "screen-dob", state.visit.mode === "code" ? { digits: total() } : {})]);
  else if (m === t("dobInvalid")) say("date-invalid", [clip("date-invalid")]);
  else if (m === t("codeIncomplete", { n: state.cfg.codeLength })) say("entry-incomplete", [clip("entry-incomplete", { count: entered().length, total: total() })]);
});
on("slowed", () => { say("slowed", [waitClip()], { queue: true }); });
on("slowed-tick", () => { say("slowed", [waitClip()], { queue: true }); });
on("slowed-over", () => { say("input-again", [clip("input-again")]); });
on("door", d => {
  const id = (state.visit.compartment && state.visit.compartment.id) || 1;
  if (d.door === "pull") say("door-pull", [clip("door-pull", { compartment: id })], { queue: true });
});
on("door-reminder", () => {
  const id = (state.visit.compartment && state.visit.compartment.id) || 1;
  say("door-still-open", [clip("door-still-open", { compartment: id }), clip("close-reminder")]);
});
on("idle-warning", d => { say("idle-warning", [clip("idle-warning", { seconds: Math.max(1, d.seconds || 1) })], { repeatable: false }); });

function dobParts() {
  const d = state.visit.dob;
  if (d.length !== 8) return null;
  const day = +d.slice(0, 2), month = +d.slice(2, 4), year = +d.slice(4);
  if (day < 1 || day > 31 || month < 1 || month > 12 || year < 1900 || year > 2100) return null;
  return { day, month, year };
}

/* Survey answers: confirmed with the option's words. */
document.addEventListener("change", e => {
  if (!speechOn() || state.visit.screen !== "question" || !e.target.matches || !e.target.matches("#q-form input")) return;
  const q = state.survey.questions[state.visit.q];
  const label = clip("survey-" + q.id + "--" + e.target.value);
  const kind = e.target.type === "checkbox" ? (e.target.checked ? "option-ticked" : "option-unticked") : "option-chosen";
  say(kind, [clip(kind), label], { repeatable: false });
});
/* The language buttons: the new language confirms itself, then the start screen again in it. */
document.addEventListener("click", e => {
  const b = e.target.closest && e.target.closest("#lang-list .lang");
  if (!b || !speechOn()) return;
  say("language", [clip("language-chosen")].concat(screenClips()));
}, false);

/* The speech keys, before the kiosk's own key handling. */
function speechKey(e) {
  // EN 301 549 5.7: a key held down acts once, for everyone; auto-repeat would enter a digit twice.
  if (e.repeat) { e.preventDefault(); e.stopImmediatePropagation(); return; }
  if (e.altKey || e.ctrlKey || e.metaKey || state.visit.idleOpen) return;
  const k = e.key === "Multiply" ? "*" : e.key === "Add" ? "+" : e.key === "Subtract" ? "-" : e.key === "Divide" ? "/" : e.key;
  if (!["*", "+", "-", "/"].includes(k)) {
    if (endedByIdle && !speechOn()) {
      // The previous person used speech and left; this one may need it too.
      endedByIdle = false;
      say("speech-ended-idle", [clip("speech-ended-idle")], { repeatable: false });
    }
    return;
  }
  e.preventDefault();
  e.stopImmediatePropagation();
  state.visit.lastActivity = Date.now();
  if (k === "*") { if (speechOn()) say("screen-" + state.visit.screen, screenClips()); else switchOn(); return; }
  if (!speechOn()) return;
  if (k === "/") { switchOff(); return; }
  if (k === "-") { log("stop", []); silence(); return; }
  // +: the last announcement again; on the keypad with what has been entered so far.
  if (state.visit.screen === "keypad") {
    const extra = privateListening() && entered().length ? spell(entered()) : [progressClip()];
    say("repeat", (last ? last.clips : screenClips()).concat(extra), { repeatable: false });
  } else if (last) say("repeat", last.clips, { repeatable: false });
  else say("repeat", screenClips(), { repeatable: false });
}
/* Keys the kiosk did nothing with are confirmed as such, so no key press goes unanswered. */
function unusedKey(e) {
  if (!speechOn() || e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
  const a = document.activeElement;
  if (a && (a.tagName === "BUTTON" || a.tagName === "A" || a.tagName === "INPUT")) return;   // the browser acts on it
  if (/^[0-9]$/.test(e.key) || ["Enter", "Escape", "Backspace", "Delete"].includes(e.key))
    say("key-unused", [clip("key-unused")], { repeatable: false });
}

/* The start screen's attract loop: says, in every language, how to switch speech on. */
function attract() {
  if (state.visit.screen !== "start" || speechOn() || state.visit.idleOpen) return;
  const langs = state.cfg.languages.filter(l => TEXT[l]);
  say("attract", langs.map(l => clip("speech-hint", {}, l)), { repeatable: false });
}
let attractTimer = null;

export function initSpeech() {
  document.addEventListener("keydown", speechKey, true);
  document.addEventListener("keydown", unusedKey, false);
  $("#btn-speech").addEventListener("click", () => { if (speechOn()) switchOff(); else switchOn(); });
  document.addEventListener("pointerdown", () => {
    if (endedByIdle && !speechOn()) { endedByIdle = false; say("speech-ended-idle", [clip("speech-ended-idle")], { repeatable: false }); }
  }, true);
  document.addEventListener("kiosk:idle-reset", () => { if (speechOn()) endedByIdle = true; });
  document.addEventListener("kiosk:reset", () => {
    // Nothing of the last person is kept: no queue, no repeatable announcement, no log.
    silence(); last = null;
    window.KIOSK_SPEECH_LOG.length = 0;
    window.KIOSK_SPEECH_PLAYED = 0;
    $("#speech-log").textContent = "";
    setButton();
    $("#btn-speech").hidden = !(state.cfg.speech && state.cfg.speech.available);
    $("#speech-hint").hidden = $("#btn-speech").hidden;
  });
  if (attractTimer) clearInterval(attractTimer);
  attractTimer = setInterval(attract, ATTRACT_SECONDS * 1000);
}
