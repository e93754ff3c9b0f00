/* Compartment open: the locker drawing and the door poll. */
import { api } from "../api.js";
import { $, emit, esc } from "../dom.js";
import { idleSeconds } from "../idle.js";
import { fillOfficeCard, showOffice } from "./office.js";
import { showThanks } from "./thanks.js";
import { DOOR_PULL_HINT_MS, DOOR_REMINDER_SECONDS, POLL_MS, state } from "../state.js";
import { duration, t } from "../text.js";
import { every, stop } from "../timers.js";
import { announce, show } from "../ui.js";

export function openCompartment() {
  state.visit.reminderAt = DOOR_REMINDER_SECONDS;
  state.visit.lastDoor = null;
  state.visit.openedAt = Date.now();
  state.visit.help = null;
  $("#door-reminder").hidden = true;
  show("open");
  stop(state.visit.pollTimer);
  state.visit.pollTimer = every(poll, POLL_MS);
}
export function compPos() {
  const c = state.visit.compartment || {};
  let col = c.column, row = c.row, label = c.label || String(c.id || "");
  if ((!col || !row) && state.cfg.locker) {
    const m = (state.cfg.locker.compartments || []).find(x => x.id === c.id);
    if (m) { col = m.column; row = m.row; label = label || m.label; }
  }
  return { col, row, label };
}
export function renderOpen() {
  const p = compPos();
  $("#h-open").textContent = t("openTitle", { label: p.label });
  $("#open-where").textContent = p.col && p.row ? t("openWhere", { label: p.label, c: p.col, r: p.row }) : "";
  $("#locker-figure").innerHTML = lockerSvg(p);
  $("#door-state").textContent = doorText(state.visit.lastDoor, p.label);
  const rem = $("#door-reminder");
  if (!rem.hidden) rem.textContent = t("doorReminder", { label: p.label });
  renderHelp(p);
  $("#open-leave").textContent = t("openLeave", { t: duration(idleSeconds("open")) });
}

/** "The door did not open" / "I cannot find it": what to try, and the office's contact. */
export function toggleHelp(which) {
  state.visit.help = state.visit.help === which ? null : which;
  if (!state.visit.help) $("#h-open").focus({ preventScroll: true });
  renderHelp(compPos());
  if (state.visit.help) announce($("#open-help-text").textContent);
}
function renderHelp(p) {
  const which = state.visit.help;
  $("#btn-help-door").setAttribute("aria-expanded", String(which === "door"));
  $("#btn-help-find").setAttribute("aria-expanded", String(which === "find"));
  const box = $("#open-help");
  box.hidden = !which;
  $("#open-help-text").textContent = which === "door" ? t("helpDoorText", { label: p.label })
    : which === "find" ? t("helpFindText", { label: p.label, c: p.col, r: p.row }) : "";
  fillOfficeCard($("#open-help-office"), which ? state.cfg.office : null);
}
export function doorText(door, label) {
  return door === "waiting" ? t("doorOpening") : door === "pull" ? t("doorPull", { label }) : t("doorOpen", { label });
}
export function lockerSvg(p) {
  const L = state.cfg.locker || {};
  const cols = Math.max(L.columns || 1, p.col || 1), rows = Math.max(L.rows || 1, p.row || 1);
  const comps = (L.compartments && L.compartments.length) ? L.compartments : [];
  const W = 100, H = 64, G = 6, PAD = 14, PLINTH = 22;
  const width = PAD * 2 + cols * W + (cols - 1) * G;
  const bodyH = PAD * 2 + rows * H + (rows - 1) * G;
  const height = bodyH + PLINTH + 10;
  const few = cols * rows <= 96;
  const title = t("drawing", { label: p.label, c: p.col, r: p.row });
  let out = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ' + width + " " + height + '" role="img" aria-labelledby="locker-title" direction="ltr" dir="ltr">';
  out += '<title id="locker-title">' + esc(title) + "</title>";
  out += '<rect x="1" y="1" width="' + (width - 2) + '" height="' + (bodyH - 2) + '" rx="6" fill="#cfd6dd" stroke="#2b333b" stroke-width="2"/>';
  out += '<rect x="10" y="' + bodyH + '" width="' + (width - 20) + '" height="' + PLINTH + '" fill="#5b6670"/>';
  out += '<line x1="0" y1="' + (bodyH + PLINTH + 2) + '" x2="' + width + '" y2="' + (bodyH + PLINTH + 2) + '" stroke="#111" stroke-width="4"/>';
  const cell = (col, row) => ({ x: PAD + (col - 1) * (W + G), y: PAD + (rows - row) * (H + G) });  // row 1 at the bottom
  const list = comps.length ? comps : [{ id: -1, label: p.label, column: p.col, row: p.row }];
  list.forEach(c => {
    if (!c.column || !c.row) return;
    const q = cell(c.column, c.row);
    const hit = c.column === p.col && c.row === p.row;
    if (hit) return;
    out += '<rect x="' + q.x + '" y="' + q.y + '" width="' + W + '" height="' + H + '" rx="3" fill="#f2f4f6" stroke="#6b737b" stroke-width="2"/>';
    if (few) out += '<text x="' + (q.x + W / 2) + '" y="' + (q.y + H / 2 + 8) + '" text-anchor="middle" font-size="22" fill="#3b4450" font-family="sans-serif">' + esc(c.label) + "</text>";
  });
  if (p.col && p.row) {
    const q = cell(p.col, p.row);
    out += '<rect x="' + (q.x - 3) + '" y="' + (q.y - 3) + '" width="' + (W + 6) + '" height="' + (H + 6) + '" rx="4" fill="#ffcc00" stroke="#000" stroke-width="6"/>';
    out += '<text x="' + (q.x + W / 2) + '" y="' + (q.y + H / 2 + 12) + '" text-anchor="middle" font-size="34" font-weight="700" fill="#000" font-family="sans-serif">' + esc(p.label) + "</text>";
  }
  return out + "</svg>";
}
export async function poll() {
  if (state.visit.screen !== "open" || !state.visit.pickup || state.visit.polling) return;
  state.visit.polling = true;
  const session = state.visit.session;
  let r = null;
  try { r = await api("GET", "/api/pickup/" + encodeURIComponent(state.visit.pickup)); } catch (e) { r = null; }
  state.visit.polling = false;
  if (session !== state.visit.session || state.visit.screen !== "open" || !r) return;
  const d = r.data;
  if (r.status !== 200) {
    if (r.status === 404) { stop(state.visit.pollTimer); state.visit.surveyToken = null; showThanks(); }
    return;
  }
  if (d.compartment) state.visit.compartment = Object.assign({}, state.visit.compartment, d.compartment);
  if (d.result === "collected") {
    stop(state.visit.pollTimer);
    state.visit.surveyToken = d.surveyToken || null;
    showThanks();
    return;
  }
  if (d.result === "fault") { stop(state.visit.pollTimer); showOffice("fault", state.cfg.office); return; }
  const p = compPos();
  // "waiting": unlocked, but the door has not opened yet. After a few seconds, ask the citizen to pull it.
  const door = d.result === "waiting" && Date.now() - state.visit.openedAt > DOOR_PULL_HINT_MS ? "pull" : d.result;
  if (door !== state.visit.lastDoor) {
    state.visit.lastDoor = door;
    $("#door-state").textContent = doorText(door, p.label);
    if (door !== "waiting") announce(doorText(door, p.label));
    emit("door", { door });
  }
  const open = typeof d.doorOpenSeconds === "number" ? d.doorOpenSeconds : (Date.now() - state.visit.openedAt) / 1000;
  if (d.result === "door-open" && open >= state.visit.reminderAt) {
    state.visit.reminderAt = open + DOOR_REMINDER_SECONDS;
    const rem = $("#door-reminder");
    rem.hidden = false;
    rem.textContent = t("doorReminder", { label: p.label });
    announce(t("doorReminder", { label: p.label }));
    emit("door-reminder");
  }
}
