/* Showing screens, the language, the live region. */
import { $, $$, emit } from "./dom.js";
import { renderKeypad } from "./keypad.js";
import { renderBye } from "./screens/bye.js";
import { renderOffice } from "./screens/office.js";
import { renderOpen } from "./screens/open.js";
import { renderRaffle, renderTicket } from "./screens/raffle.js";
import { renderThanks } from "./screens/thanks.js";
import { state } from "./state.js";
import { renderQuestion } from "./survey.js";
import { t } from "./text.js";
import { later } from "./timers.js";

export function announce(msg) {
  const el = $("#sr-status");
  el.textContent = "";
  // A short delay makes screen readers notice a repeated message.
  later(() => { el.textContent = msg; }, 60);
}
export function show(name, focusSel) {
  state.visit.screen = name;
  $$(".screen").forEach(s => { s.hidden = s.id !== "s-" + name; });
  renderScreen();
  const scr = $("#s-" + name);
  const h = focusSel ? $(focusSel) : $("h1", scr);
  $("#main").scrollTop = 0;
  if (h) h.focus({ preventScroll: true });
  state.visit.lastActivity = Date.now();
  emit("screen", { name });
}

export function applyLang() {
  const root = document.documentElement;
  root.lang = state.visit.lang;
  root.dir = t("dir");
  $$("[data-t]").forEach(el => { el.textContent = t(el.dataset.t); });
  $$("#lang-list .lang").forEach(b => b.setAttribute("aria-pressed", String(b.dataset.lang === state.visit.lang)));
  $("#demo-link").textContent = t("demoLink");
  renderScreen();
}

export function renderScreen() {
  switch (state.visit.screen) {
    case "keypad": renderKeypad(); break;
    case "open": renderOpen(); break;
    case "office": renderOffice(); break;
    case "thanks": renderThanks(); break;
    case "question": renderQuestion(false); break;
    case "raffle": renderRaffle(); break;
    case "ticket": renderTicket(); break;
    case "bye": renderBye(); break;
  }
  const h = $("h1", $("#s-" + state.visit.screen));
  document.title = (h ? h.textContent + " – " : "") + t("titleSuffix");
}
