/* Reset: the next person sees nothing. */
import { $, emit } from "./dom.js";
import { idleTick } from "./idle.js";
import { hideMsg } from "./keypad.js";
import { fresh, state } from "./state.js";
import { every, stop } from "./timers.js";
import { applyLang, show } from "./ui.js";

export function reset() {
  state.visit.timers.forEach(stop);
  const idleWasOpen = state.visit.idleOpen;
  state.visit = fresh();
  if (idleWasOpen) { $("#idle").hidden = true; $("#main").removeAttribute("inert"); $(".bar").removeAttribute("inert"); }
  document.documentElement.classList.remove("large");
  $("#btn-large").setAttribute("aria-pressed", "false");
  ["#keypad-display", "#open-where", "#door-state", "#door-reminder", "#locker-figure", "#office-text", "#office-card",
    "#offer-text", "#offer-raffle", "#q-form", "#raffle-text", "#ticket", "#ticket-prize", "#ticket-announcement",
    "#open-help-text", "#open-help-office", "#open-leave", "#wait-office", "#dob-legend", "#bye-text", "#sr-status", "#idle-text", "#wait-timer"]
    .forEach(sel => { $(sel).textContent = ""; });
  $("#door-reminder").hidden = true;
  $("#keypad-wait").hidden = true;
  $("#open-help").hidden = true;
  hideMsg();
  if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
  applyLang();
  emit("reset");
  show("start");
  every(idleTick, 250);
}
