/* The survey: one question per screen, answers sent at the end. */
import { api } from "./api.js";
import { $, $$, esc } from "./dom.js";
import { bye } from "./screens/bye.js";
import { state } from "./state.js";
import { loc, t } from "./text.js";
import { show } from "./ui.js";

export function faceSvg(level) {
  const fills = ["#f3b5b5", "#f8d3a8", "#f3ecb0", "#cfe8b8", "#a9dcb5"];
  const ctrl = [30, 36, 44, 52, 58][level - 1];
  return '<svg class="face" viewBox="0 0 64 64" aria-hidden="true" focusable="false">' +
    '<circle cx="32" cy="32" r="29" fill="' + fills[level - 1] + '" stroke="#111" stroke-width="3"/>' +
    '<circle cx="22" cy="25" r="4" fill="#111"/><circle cx="42" cy="25" r="4" fill="#111"/>' +
    '<path d="M18 44 Q32 ' + ctrl + ' 46 44" fill="none" stroke="#111" stroke-width="4" stroke-linecap="round"/></svg>';
}
export function startSurvey() {
  state.visit.q = 0;
  state.visit.answers = {};
  showQuestion();
}
export function showQuestion() {
  $("#q-form").textContent = "";
  show("question", "#q-title");
}
export function renderQuestion(fresh) {
  const q = state.survey.questions[state.visit.q];
  const n = state.survey.questions.length;
  const form = $("#q-form");
  const type = q.type === "multi" ? "checkbox" : "radio";
  const cur = state.visit.answers[q.id];
  let h = '<p class="progress" id="q-progress">' + esc(t("questionOf", { i: state.visit.q + 1, n })) + "</p>";
  h += '<fieldset' + (q.type === "multi" ? ' aria-describedby="q-hint"' : "") + '><legend><h1 id="q-title" tabindex="-1">' + esc(loc(q.title)) + "</h1></legend>";
  if (q.type === "multi") h += '<p id="q-hint" class="help">' + esc(t("multiHint")) + "</p>";
  h += '<div class="options' + (q.type === "scale5" ? " scale" : "") + '">';
  q.options.forEach((o, i) => {
    const checked = q.type === "multi" ? (Array.isArray(cur) && cur.includes(o.id)) : cur === o.id;
    h += '<label class="opt"><input type="' + type + '" name="q-' + esc(q.id) + '" value="' + esc(o.id) + '"' + (checked ? " checked" : "") + ">";
    if (q.type === "scale5") h += faceSvg(i + 1);
    h += "<span>" + esc(loc(o.label)) + "</span>";
    if (i < 9) h += '<span class="key" aria-hidden="true">' + (i + 1) + "</span>";
    h += "</label>";
  });
  h += "</div></fieldset>";
  h += '<div class="q-actions"><button type="button" class="btn" id="q-back" data-back>' + esc(t("back")) + '</button><span class="spacer"></span>' +
    '<button type="button" class="btn" id="q-skip">' + esc(t("skip")) + '</button>' +
    '<button type="submit" class="btn primary" id="q-next" data-enter>' + esc(state.visit.q === n - 1 ? t("send") : t("next")) + "</button></div>";
  const focusedValue = !fresh && document.activeElement && document.activeElement.form === form ? document.activeElement.value : null;
  const focusedId = !fresh && document.activeElement ? document.activeElement.id : null;
  form.innerHTML = h;
  if (focusedValue !== null && focusedId !== "q-next" && focusedId !== "q-skip" && focusedId !== "q-back") {
    const el = $('input[value="' + CSS.escape(focusedValue) + '"]', form); if (el) el.focus();
  } else if (focusedId && $("#" + focusedId)) $("#" + focusedId).focus();
  $$("input", form).forEach(inp => inp.addEventListener("change", () => saveAnswer(q, inp)));
  $("#q-back").addEventListener("click", questionBack);
  $("#q-skip").addEventListener("click", () => { delete state.visit.answers[q.id]; nextQuestion(); });
}
export function saveAnswer(q, changed) {
  // An option marked "exclusive" in survey.json ("nothing, all good") cannot be ticked with others.
  if (q.type === "multi" && changed && changed.checked) {
    const exclusive = new Set(q.options.filter(o => o.exclusive).map(o => o.id));
    $$("#q-form input:checked").forEach(i => {
      if (i !== changed && (exclusive.has(changed.value) || exclusive.has(i.value))) i.checked = false;
    });
  }
  const picked = $$("#q-form input:checked").map(i => i.value);
  if (q.type === "multi") { if (picked.length) state.visit.answers[q.id] = picked; else delete state.visit.answers[q.id]; }
  else if (picked.length) state.visit.answers[q.id] = picked[0];
  else delete state.visit.answers[q.id];
}
export function questionBack() {
  if (state.visit.q === 0) { show("thanks"); return; }
  state.visit.q--; showQuestion();
}
export function nextQuestion() {
  if (state.visit.q < state.survey.questions.length - 1) { state.visit.q++; showQuestion(); return; }
  submitSurvey();
}
export async function submitSurvey() {
  const answers = state.visit.answers;
  const token = state.visit.surveyToken;
  state.visit.surveyToken = null;               // one-time
  if (!token || !Object.keys(answers).length) { bye(false); return; }
  const session = state.visit.session;
  let r = null;
  try { r = await api("POST", "/api/survey", { surveyToken: token, language: state.visit.lang, answers }); } catch (e) { r = null; }
  if (session !== state.visit.session) return;
  state.visit.answers = {};
  if (r && r.status === 200 && r.data.raffleToken && state.survey.raffle && state.survey.raffle.enabled) {
    state.visit.raffleToken = r.data.raffleToken;
    show("raffle");
  } else bye(!!(r && r.status === 200));
}
