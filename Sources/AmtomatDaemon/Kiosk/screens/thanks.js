/* Thank you, with the survey offer. */
import { $ } from "../dom.js";
import { state } from "../state.js";
import { loc, t } from "../text.js";
import { announce, show } from "../ui.js";

export function surveyOn() { return !!(state.survey && state.survey.questions && state.survey.questions.length && state.visit.surveyToken); }
export function showThanks() {
  show("thanks");
  announce(t("thanksTitle") + " " + t("thanksText"));
}
export function renderThanks() {
  const on = surveyOn();
  $("#offer").hidden = !on;
  $("#thanks-finish").hidden = on;
  if (on) {
    $("#offer-text").textContent = t("surveyOffer", { n: state.survey.questions.length });
    const raffle = state.survey.raffle && state.survey.raffle.enabled;
    $("#offer-raffle").hidden = !raffle;
    $("#offer-raffle").textContent = raffle ? t("surveyRaffle", { prize: loc(state.survey.raffle.prize) }) : "";
  }
}
