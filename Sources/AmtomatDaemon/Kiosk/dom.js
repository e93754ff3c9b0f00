/* Small DOM helpers. */

export const $ = (sel, root) => (root || document).querySelector(sel);
export const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
export function esc(s) { return String(s).replace(/[&<>"]/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c])); }
/** Tells other modules (speech output) what happened, without importing them. */
export function emit(what, detail) { document.dispatchEvent(new CustomEvent("kiosk:" + what, { detail: detail || {} })); }
