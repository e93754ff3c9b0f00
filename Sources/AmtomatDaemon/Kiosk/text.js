/* Interface texts: the citizen's language, numbers and durations. */
import { state } from "./state.js";

/** The texts from i18n.js (a classic script that sets window.KIOSK_TEXT before the modules run). */
export const TEXT = window.KIOSK_TEXT;

export function t(key, vars) {
  let s = (TEXT[state.visit.lang] && TEXT[state.visit.lang][key]) || TEXT.de[key] || key;
  // A text may have plural forms ({ few: …, many: …, other: … }), chosen by the number {n}.
  if (typeof s === "object") s = s[new Intl.PluralRules(state.visit.lang).select(vars && vars.n)] || s.other;
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

/** The office's opening hours in the citizen's language (`[office] hours` may be one text or one per language). */
export function officeHours(o) {
  return o ? ((o.hoursByLanguage && o.hoursByLanguage[state.visit.lang]) || o.hours || "") : "";
}
/** The office in one line: name, phone, hours. */
export function officeLine(o) {
  if (!o) return "";
  return [o.name, o.phone ? t("phone") + " " + o.phone : "", officeHours(o)].filter(Boolean).join(" · ");
}
/** A day (and time of day) in the citizen's language, with Latin digits. */
export function dayText(iso) {
  return new Intl.DateTimeFormat(numLocale(), { day: "numeric", month: "long", year: "numeric" }).format(new Date(iso));
}
export function timeText(iso) {
  return new Intl.DateTimeFormat(numLocale(), { hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
}
