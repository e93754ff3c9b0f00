/* Keypad screen: pickup code and date of birth, the pickup request, the slowed terminal. */
import { api } from "./api.js";
import { $, $$, emit } from "./dom.js";
import { showOffice } from "./screens/office.js";
import { openCompartment } from "./screens/open.js";
import { state } from "./state.js";
import { duration, officeLine, t } from "./text.js";
import { every, later, stop } from "./timers.js";
import { announce, show } from "./ui.js";

export function buildKeypad() {
  const pad = $("#keypad");
  // Clear-all and delete-one-digit sit either side of 0; each says what it does.
  const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "del", "ok"];
  keys.forEach(k => {
    const b = document.createElement("button");
    b.type = "button"; b.className = "btn";
    if (k === "del") { b.classList.add("fn"); b.id = "key-del"; b.dataset.t = "del"; }
    else if (k === "clear") { b.classList.add("fn"); b.id = "key-clear"; b.dataset.t = "clearAll"; }
    else if (k === "ok") { b.classList.add("fn", "primary", "wide"); b.id = "btn-confirm"; b.dataset.t = "confirm"; b.dataset.enter = ""; }
    else { b.textContent = k; b.dataset.digit = k; }
    b.addEventListener("click", () => {
      if (k === "del") delDigit();
      else if (k === "clear") clearAll();
      else if (k === "ok") confirmKeypad();
      else addDigit(k);
    });
    pad.appendChild(b);
  });
}
export function maxLen() { return state.visit.mode === "code" ? state.cfg.codeLength : 8; }
export function value() { return state.visit.mode === "code" ? state.visit.code : state.visit.dob; }
export function setValue(v) { if (state.visit.mode === "code") state.visit.code = v; else state.visit.dob = v; }
export function isSlowed() { return Date.now() < state.slowedUntil; }

export function openKeypad(mode) {
  state.visit.mode = mode;
  state.visit.code = mode === "code" ? "" : state.visit.code;
  state.visit.dob = "";
  state.visit.stale = false;
  hideMsg();
  $("#keypad-wait").hidden = true;
  show("keypad");
  if (isSlowed()) startWait();
}

export function renderKeypad() {
  const code = state.visit.mode === "code";
  $("#h-keypad").textContent = code ? t("codeTitle") : t("dobTitle");
  $("#keypad-hint").textContent = code ? t("codeHint", { n: state.cfg.codeLength }) : t("dobHint");
  $("#key-del").setAttribute("aria-label", t("delLabel"));
  const legend = $("#dob-legend");
  legend.hidden = code;
  legend.textContent = code ? "" : t("dobLegend");
  const disp = $("#keypad-display");
  disp.textContent = "";
  const v = value();
  if (code) {
    for (let i = 0; i < state.cfg.codeLength; i++) {
      if (i && i % 4 === 0) { const g = document.createElement("span"); g.className = "gap"; g.textContent = " "; disp.appendChild(g); }
      if (i < v.length) disp.appendChild(document.createTextNode(v[i]));
      else { const p = document.createElement("span"); p.className = "ph"; p.setAttribute("aria-hidden", "true"); p.textContent = "•"; disp.appendChild(p); }
    }
  } else {
    const pattern = t("dobPattern"), sep = t("dobSep");
    let k = 0;
    for (const ch of pattern) {
      if (ch === sep) { disp.appendChild(document.createTextNode(sep)); continue; }
      if (k < v.length) disp.appendChild(document.createTextNode(v[k]));
      else { const p = document.createElement("span"); p.className = "ph"; p.setAttribute("aria-hidden", "true"); p.textContent = ch; disp.appendChild(p); }
      k++;
    }
  }
  const slowed = isSlowed();
  $$("#keypad button").forEach(b => { b.disabled = slowed || state.visit.busy; });
  $("#wait-timer").textContent = slowed ? duration(Math.ceil((state.slowedUntil - Date.now()) / 1000)) : "";
  $("#wait-office").textContent = slowed ? t("slowedHelp", { office: officeLine(state.cfg.office) }) : "";
}

export function addDigit(d) {
  if (state.visit.busy || isSlowed()) return;
  let v = value();
  if (state.visit.stale) {
    // The entry was checked and found wrong: a new tap starts a new entry instead of being ignored.
    state.visit.stale = false;
    v = "";
  } else if (v.length >= maxLen()) {
    showMsg(t(state.visit.mode === "code" ? "codeFull" : "dobFull", { n: maxLen() }), "warn");
    emit("entry-full", { total: maxLen() });
    return;
  }
  setValue(v + d);
  hideMsg();
  renderKeypad();
  announce(t("digitsEntered", { k: v.length + 1, n: maxLen() }));
  emit("digit", { digit: d, count: v.length + 1, total: maxLen() });
}
export function delDigit() {
  if (state.visit.busy || isSlowed()) return;
  const v = value();
  state.visit.stale = false;
  if (!v.length) return;
  setValue(v.slice(0, -1));
  hideMsg();
  renderKeypad();
  announce(t("digitsEntered", { k: v.length - 1, n: maxLen() }));
  emit("digit-deleted", { count: v.length - 1, total: maxLen() });
}
export function clearAll() {
  if (state.visit.busy || isSlowed()) return;
  state.visit.stale = false;
  setValue("");
  hideMsg();
  renderKeypad();
  announce(t("cleared"));
}
export function showMsg(text, kind) {
  const m = $("#keypad-msg");
  m.className = "msg" + (kind ? " " + kind : "");
  m.setAttribute("role", kind === "info" ? "status" : "alert");
  m.hidden = false;
  m.textContent = "";
  stop(state.visit.msgTimer);
  state.visit.msgTimer = later(() => {   // a fresh node change, so it is announced again
    if (kind === "info") {
      // Waiting is not an error: a calm box with a spinner, since opening may take a while.
      const spin = document.createElement("span");
      spin.className = "spinner small"; spin.setAttribute("aria-hidden", "true");
      m.append(spin, document.createTextNode(text));
    } else m.textContent = text;
  }, 30);
  emit("message", { text, kind });
}
export function hideMsg() { stop(state.visit.msgTimer); const m = $("#keypad-msg"); m.hidden = true; m.textContent = ""; }

export function dobIso() {
  const d = state.visit.dob;
  if (d.length !== 8) return null;
  const day = +d.slice(0, 2), month = +d.slice(2, 4), year = +d.slice(4);
  const dt = new Date(Date.UTC(year, month - 1, day));
  if (dt.getUTCFullYear() !== year || dt.getUTCMonth() !== month - 1 || dt.getUTCDate() !== day) return null;
  if (year < 1900 || dt.getTime() > Date.now()) return null;
  return d.slice(4) + "-" + d.slice(2, 4) + "-" + d.slice(0, 2);
}

export async function confirmKeypad() {
  if (state.visit.busy || isSlowed()) return;
  const body = { code: state.visit.code };
  if (state.visit.mode === "code") {
    if (state.visit.code.length !== state.cfg.codeLength) { showMsg(t("codeIncomplete", { n: state.cfg.codeLength })); return; }
  } else {
    const iso = dobIso();
    if (!iso) { state.visit.stale = true; showMsg(t("dobInvalid")); return; }
    body.dateOfBirth = iso;
  }
  const session = state.visit.session;
  state.visit.busy = true;
  renderKeypad();
  showMsg(t("checking"), "info");
  let r;
  try { r = await api("POST", "/api/pickup", body, 45000); }   // opening may retry a sticky lock
  catch (e) { r = null; }
  if (session !== state.visit.session) return;
  state.visit.busy = false;
  hideMsg();
  if (!r) { renderKeypad(); showMsg(t("error")); return; }
  const d = r.data;
  if (r.status === 200 && d.result === "open") {
    state.visit.pickup = d.pickup; state.visit.compartment = d.compartment;
    state.visit.code = ""; state.visit.dob = "";
    openCompartment();
  } else if (r.status === 200 && d.result === "second-factor" && state.visit.mode === "code") {
    openKeypad("dob");
  } else if (r.status === 423 || d.result === "blocked") {
    state.visit.code = ""; state.visit.dob = "";
    showOffice("blocked", d.office);
  } else if (r.status === 429 || d.result === "slowed") {
    setValue("");
    state.slowedUntil = Date.now() + Math.max(1, +d.retryAfterSeconds || 30) * 1000;
    renderKeypad();
    startWait();
  } else if (r.status === 503 || d.result === "fault") {
    state.visit.code = ""; state.visit.dob = "";
    showOffice("fault", d.office);
  } else if (d.result === "at-office") {
    state.visit.code = ""; state.visit.dob = "";
    showOffice("atOffice", d.office);
  } else if (r.status === 410 || d.result === "gone") {
    state.visit.code = ""; state.visit.dob = "";
    showOffice("gone", d.office, d.gone);
  } else if (r.status === 403 || d.result === "rejected" || d.result === "second-factor") {
    // The entry stays on screen to be compared and corrected; the next digit starts a new one.
    // After the code was accepted, only the date of birth can have been wrong: say so.
    state.visit.stale = true;
    renderKeypad();
    let msg = t(state.visit.mode === "dob" ? "dobMismatch" : "rejectedCode");
    if (d.attemptsLeft === 1) msg += " " + t("lastAttempt");
    showMsg(msg);
    if (d.attemptsLeft === 0) checkTerminal();
  } else if (r.status === 400) {
    setValue("");
    renderKeypad();
    showMsg(t("rejected"));
  } else {
    renderKeypad();
    showMsg(t("error"));
  }
}

export function startWait() {
  const box = $("#keypad-wait");
  setValue("");                  // nothing can be sent until the wait is over; the wait box explains
  state.visit.stale = false;
  box.hidden = false;
  hideMsg();
  renderKeypad();
  state.visit.waitAnnounced = -1;
  box.focus({ preventScroll: true });
  const tick = () => {
    const left = Math.ceil((state.slowedUntil - Date.now()) / 1000);
    if (left <= 0) {
      stop(state.visit.waitTimer);
      box.hidden = true;
      renderKeypad();
      announce(t("slowedOver"));
      emit("slowed-over");
      $("#h-keypad").focus({ preventScroll: true });
      return;
    }
    $("#wait-timer").textContent = duration(left);
    // Polite announcements now and then, not every second.
    const marks = left > 60 ? left % 300 === 0 : (left === 60 || left === 30 || left === 10);
    if (state.visit.waitAnnounced === -1) { state.visit.waitAnnounced = left; emit("slowed"); }
    else if (marks && state.visit.waitAnnounced !== left) { state.visit.waitAnnounced = left; announce(t("slowedAnnounce", { t: duration(left) })); emit("slowed-tick"); }
  };
  stop(state.visit.waitTimer);
  state.visit.waitTimer = every(tick, 250);
  tick();
}

/** Asks the daemon whether the terminal is slowed now (after a reload, or after the last free attempt). */
export async function checkTerminal() {
  const session = state.visit.session;
  let r = null;
  try { r = await api("GET", "/api/terminal"); } catch (e) { r = null; }
  if (!r || r.status !== 200 || !(r.data.slowedSeconds > 0)) return;
  state.slowedUntil = Math.max(state.slowedUntil, Date.now() + r.data.slowedSeconds * 1000);
  if (session === state.visit.session && state.visit.screen === "keypad") startWait();
}
