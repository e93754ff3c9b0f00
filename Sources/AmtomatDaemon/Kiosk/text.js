/* Interface texts: the citizen's language, numbers and durations. */
import { state } from "./state.js";

/** The texts from i18n.js (a classic script that sets window.KIOSK_TEXT before the modules run). */
export const TEXT = window.KIOSK_TEXT;

export function t(key, vars) {
  let s = (TEXT[state.visit.lang] && TEXT[state.visit.lang][key]) || TEXT.de[key] || key;
  if (vars) for (const k in vars) s = s.split("{" + k + "}").join(String(vars[k]));
  return s;
}
export function loc(obj) { return obj ? (obj[state.visit.lang] || obj.de || obj.en || "") : ""; }
export function numLocale() { return state.visit.lang + "-u-nu-latn"; }
export function duration(seconds) {
  const unit = seconds >= 60 ? "minute" : "second";
  const n = seconds >= 60 ? Math.ceil(seconds / 60) : seconds;
  try { return new Intl.NumberFormat(numLocale(), { style: "unit", unit, unitDisplay: "long" }).format(n); }
  catch (e) { return n + (unit === "minute" ? " min" : " s"); }
}
export function clock(seconds) {
  const h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
  const mm = (h ? String(m).padStart(2, "0") : String(m)), ss = String(s).padStart(2, "0");
  return (h ? h + ":" : "") + mm + ":" + ss;
}
