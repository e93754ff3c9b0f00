/* Timers bound to one citizen's visit: a late timer never fires on the next person's screen. */
import { state } from "./state.js";

export function later(fn, ms) {
  const session = state.visit.session;
  const id = setTimeout(() => { if (session === state.visit.session) fn(); }, ms);
  state.visit.timers.push(id);
  return id;
}
export function every(fn, ms) {
  const session = state.visit.session;
  const id = setInterval(() => { if (session === state.visit.session) fn(); }, ms);
  state.visit.timers.push(id);
  return id;
}
export function stop(id) { clearTimeout(id); clearInterval(id); }
