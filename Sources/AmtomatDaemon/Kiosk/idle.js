/* Idle timeout with a warning (WCAG 2.2.1). */
import { $, emit } from "./dom.js";
import { reset } from "./session.js";
import { DOOR_REMINDER_SECONDS, IDLE_WARN_MAX_SECONDS, LONG_IDLE_FACTOR, state } from "./state.js";
import { duration, t } from "./text.js";

export function idleApplies() {
  if (state.visit.screen === "bye") return false;              // has its own short timer
  if (state.visit.screen === "start") return state.visit.lang !== "de" || !!state.visit.speech || document.documentElement.classList.contains("large");
  return true;
}
/** Seconds without a touch before the reset. Longer where the citizen is busy away from the screen
    (taking the document, noting the ticket); the daemon keeps watching an open door after the reset. */
export function idleSeconds(screen) {
  const base = state.cfg.idleTimeoutSeconds || 60;
  if (screen === "open") return Math.max(base * LONG_IDLE_FACTOR, 2 * DOOR_REMINDER_SECONDS);   // after a reminder at least
  return screen === "ticket" ? base * LONG_IDLE_FACTOR : base;
}
export function idleTick() {
  // Listening takes longer than reading: speech mode has its own, longer timeout.
  const speechTimeout = state.visit.speech && state.cfg.speech && state.cfg.speech.idleTimeoutSeconds;
  const total = Math.max(speechTimeout || 0, idleSeconds(state.visit.screen)) * 1000;
  const warn = Math.min(IDLE_WARN_MAX_SECONDS * 1000, total / 2);
  if (!idleApplies()) { if (state.visit.idleOpen) closeIdle(); state.visit.lastActivity = Date.now(); return; }
  const idle = Date.now() - state.visit.lastActivity;
  if (idle >= total) { emit("idle-reset"); reset(); return; }
  if (idle >= total - warn) {
    const left = Math.ceil((total - idle) / 1000);
    if (!state.visit.idleOpen) { openIdle(); emit("idle-warning", { seconds: left }); }
    $("#idle-text").textContent = t("idleText", { t: duration(left) });
  }
}
export function openIdle() {
  state.visit.idleOpen = true;
  state.visit.idleReturn = document.activeElement;
  $("#idle").hidden = false;
  $("#main").setAttribute("inert", "");
  $(".bar").setAttribute("inert", "");
  $("#btn-idle").focus();
}
export function closeIdle() {
  state.visit.idleOpen = false;
  $("#idle").hidden = true;
  $("#main").removeAttribute("inert");
  $(".bar").removeAttribute("inert");
  state.visit.lastActivity = Date.now();
  const back = state.visit.idleReturn;
  state.visit.idleReturn = null;
  if (back && document.contains(back) && back !== document.body) back.focus({ preventScroll: true });
  else { const h = $("h1", $("#s-" + state.visit.screen)); if (h) h.focus({ preventScroll: true }); }
}
