/* Goodbye: back to the start after a short while. */
import { $ } from "../dom.js";
import { reset } from "../session.js";
import { BYE_SECONDS, state } from "../state.js";
import { t } from "../text.js";
import { later } from "../timers.js";
import { show } from "../ui.js";

export function bye(answered) {
  state.visit.answered = answered;
  state.visit.ticket = null; state.visit.raffleToken = null; state.visit.surveyToken = null; state.visit.answers = {};
  show("bye");
  later(reset, BYE_SECONDS * 1000);
}
export function renderBye() { $("#bye-text").textContent = state.visit.answered ? t("byeText") : t("byeTextPlain"); }
