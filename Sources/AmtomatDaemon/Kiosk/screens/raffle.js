/* Raffle offer and ticket. */
import { api } from "../api.js";
import { $ } from "../dom.js";
import { bye } from "./bye.js";
import { state } from "../state.js";
import { loc, t } from "../text.js";
import { show } from "../ui.js";

export function renderRaffle() { $("#raffle-text").textContent = t("raffleText", { prize: loc(state.survey.raffle.prize) }); }
export async function joinRaffle() {
  const token = state.visit.raffleToken;
  state.visit.raffleToken = null;
  if (!token) { bye(true); return; }
  const session = state.visit.session;
  let r = null;
  try { r = await api("POST", "/api/raffle", { raffleToken: token }); } catch (e) { r = null; }
  if (session !== state.visit.session) return;
  if (!r || r.status !== 200 || !r.data.ticket) { bye(true); return; }
  state.visit.ticket = r.data.ticket;
  state.visit.prize = r.data.prize;
  show("ticket");
}
export function renderTicket() {
  $("#ticket").textContent = state.visit.ticket || "";
  const prize = (state.survey && state.survey.raffle && loc(state.survey.raffle.prize)) || state.visit.prize || "";
  $("#ticket-prize").textContent = prize ? t("ticketPrize", { prize }) : "";
  // Where and when the winners are announced: the town's own text ([kiosk] raffle_announcement).
  const note = state.cfg.raffleAnnouncement && state.cfg.raffleAnnouncement[state.visit.lang];
  $("#ticket-announcement").hidden = !note;
  $("#ticket-announcement").textContent = note ? t("ticketAnnouncement", { text: note }) : "";
}
