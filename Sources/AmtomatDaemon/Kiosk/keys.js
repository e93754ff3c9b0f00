/* Keyboard and number pad. */
import { $, $$ } from "./dom.js";
import { closeIdle } from "./idle.js";
import { addDigit, clearAll, confirmKeypad, delDigit, openKeypad } from "./keypad.js";
import { bye } from "./screens/bye.js";
import { reset } from "./session.js";
import { state } from "./state.js";
import { questionBack } from "./survey.js";
import { show } from "./ui.js";

export function visible(el) { return el && !el.hidden && !el.disabled && el.offsetParent !== null; }
export function primary(screen) { return $$("[data-enter]", screen).find(visible); }
export function onKey(e) {
  state.visit.lastActivity = Date.now();
  if (state.visit.idleOpen) { e.preventDefault(); closeIdle(); return; }
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  let digit = null;
  if (/^[0-9]$/.test(e.key)) digit = e.key;
  else if (/^Numpad[0-9]$/.test(e.code)) digit = e.code.slice(-1);
  const key = e.key === "Enter" || e.code === "NumpadEnter" ? "Enter" : e.key;
  const screen = $("#s-" + state.visit.screen);
  const active = document.activeElement;
  const onControl = active && (active.tagName === "BUTTON" || active.tagName === "A");

  if (state.visit.screen === "keypad") {
    if (digit !== null) { e.preventDefault(); addDigit(digit); return; }
    if (key === "Backspace") { e.preventDefault(); delDigit(); return; }
    if (key === "Delete") { e.preventDefault(); clearAll(); return; }
    if (key === "Enter" && !onControl) { e.preventDefault(); confirmKeypad(); return; }
    if (key === "Escape") { e.preventDefault(); goBack(); return; }
    return;
  }
  if (state.visit.screen === "question") {
    if (digit !== null && digit !== "0") {
      const inp = $$("#q-form input")[+digit - 1];
      if (inp) { e.preventDefault(); inp.focus(); inp.click(); }
      return;
    }
    if (key === "Enter" && !onControl) { e.preventDefault(); $("#q-next").click(); return; }
    if (key === "Escape") { e.preventDefault(); questionBack(); return; }
    return;
  }
  if (digit !== null) {
    const b = $$('[data-key="' + digit + '"]', screen).find(visible);
    if (b) { e.preventDefault(); b.click(); }
    return;
  }
  if (key === "Enter" && !onControl) {
    const b = primary(screen);
    if (b) { e.preventDefault(); b.click(); }
    return;
  }
  if (key === "Escape") { e.preventDefault(); goBack(); }
}
export function goBack() {
  switch (state.visit.screen) {
    case "keypad":
      if (state.visit.mode === "dob") { state.visit.code = ""; state.visit.dob = ""; openKeypad("code"); }
      else { state.visit.code = ""; show("start"); }
      break;
    case "office": case "bye": reset(); break;
    case "raffle": bye(true); break;
    case "thanks": break;
    default: break;
  }
}
