/* Wiring and start-up. */
import { api } from "./api.js";
import { $, $$ } from "./dom.js";
import { closeIdle } from "./idle.js";
import { buildKeypad, checkTerminal, openKeypad } from "./keypad.js";
import { goBack, onKey } from "./keys.js";
import { bye } from "./screens/bye.js";
import { toggleHelp } from "./screens/open.js";
import { joinRaffle } from "./screens/raffle.js";
import { buildLanguages } from "./screens/start.js";
import { initSpeech } from "./speech.js";
import { reset } from "./session.js";
import { state } from "./state.js";
import { nextQuestion, saveAnswer, startSurvey } from "./survey.js";
import { TEXT } from "./text.js";
import { applyLang, show } from "./ui.js";

function wire() {
  buildKeypad();
  $("#btn-start").addEventListener("click", () => openKeypad("code"));
  $("#btn-large").addEventListener("click", () => {
    const on = document.documentElement.classList.toggle("large");
    $("#btn-large").setAttribute("aria-pressed", String(on));
  });
  $$("[data-back]").forEach(b => b.addEventListener("click", goBack));
  $$("[data-home]").forEach(b => b.addEventListener("click", reset));
  $$("[data-finish]").forEach(b => b.addEventListener("click", () => bye(state.visit.screen !== "thanks")));
  $("#btn-survey").addEventListener("click", startSurvey);
  $("#btn-raffle").addEventListener("click", joinRaffle);
  $("#btn-idle").addEventListener("click", closeIdle);
  $("#btn-help-door").addEventListener("click", () => toggleHelp("door"));
  $("#btn-help-find").addEventListener("click", () => toggleHelp("find"));
  $("#btn-help-close").addEventListener("click", () => toggleHelp(null));
  $("#idle").addEventListener("pointerdown", e => { if (e.target.id === "idle") closeIdle(); });
  $("#q-form").addEventListener("submit", e => {
    e.preventDefault();
    saveAnswer(state.survey.questions[state.visit.q]);
    nextQuestion();
  });
  document.addEventListener("keydown", onKey);
  // A tap must not move the focus onto a button: a later Enter on a physical keypad should confirm the
  // screen's main action rather than press the tapped button again. Keyboard focus is unaffected.
  document.addEventListener("mousedown", e => { if (e.target.closest && e.target.closest("button")) e.preventDefault(); });
  ["pointerdown", "input", "change", "wheel", "touchstart"].forEach(ev =>
    document.addEventListener(ev, () => { state.visit.lastActivity = Date.now(); }, { capture: true, passive: true }));
}

// The page watch: from inside an animation frame, which runs only while this page is loaded, its
// script runs and the browser draws it, tell the daemon that the page is on the screen. The kiosk's
// start script restarts a browser whose page stops reporting (a white or frozen window);
// docs/kiosk.md, "The page watch".
// load() succeeds once (it retries only after a failure), so this starts once.
const PAGE_REPORT_MS = 10000;
function reportPage() {
  requestAnimationFrame(() => { api("POST", "/api/kiosk/page-report", undefined, 5000).catch(() => {}); });
}
function startPageReports() {
  reportPage();
  setInterval(reportPage, PAGE_REPORT_MS);
}

async function load() {
  try {
    const r = await api("GET", "/api/kiosk");
    if (r.status !== 200) throw new Error("kiosk " + r.status);
    const d = r.data;
    state.cfg = Object.assign(state.cfg, d);
    if (!Array.isArray(state.cfg.languages) || !state.cfg.languages.length) state.cfg.languages = Object.keys(TEXT);
    if (!state.cfg.codeLength) state.cfg.codeLength = 12;
  } catch (e) {
    state.visit.officeKind = "error"; state.visit.office = null;
    show("office");
    setTimeout(load, 5000);
    return false;
  }
  try {
    const r = await api("GET", "/survey.json");
    if (r.status === 200 && Array.isArray(r.data.questions)) state.survey = r.data;
  } catch (e) { state.survey = null; }
  if (state.cfg.locker && state.cfg.locker.name) $("#locker-name").textContent = state.cfg.locker.name;
  $("#demo-badge").hidden = !state.cfg.demo;
  $("#demo-link-p").hidden = !(state.cfg.demo && window.top === window.self);
  buildLanguages();
  reset();
  await checkTerminal();   // a page reloaded while the terminal is slowed shows the wait before any typing
  document.body.dataset.ready = "1";
  startPageReports();
  return true;
}

wire();
initSpeech();
applyLang();
load();
