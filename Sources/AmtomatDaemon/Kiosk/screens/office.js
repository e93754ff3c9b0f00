/* Office screen: blocked, fault, unreachable. */
import { $ } from "../dom.js";
import { state } from "../state.js";
import { t } from "../text.js";
import { show } from "../ui.js";

export function showOffice(kind, office) {
  state.visit.officeKind = kind;
  state.visit.office = office || state.cfg.office;
  show("office");
}
export function renderOffice() {
  const k = state.visit.officeKind;
  $("#h-office").textContent = k === "blocked" ? t("blockedTitle") : k === "fault" ? t("faultTitle") : t("error");
  $("#office-text").textContent = k === "blocked" ? t("blockedText") : k === "fault" ? t("faultText") : "";
  const dl = $("#office-card");
  dl.textContent = "";
  const o = state.visit.office;
  if (!o || k === "error") { dl.hidden = true; return; }
  dl.hidden = false;
  const row = (label, val, isLtr) => {
    if (!val) return;
    const dt = document.createElement("dt"); dt.textContent = label;
    const dd = document.createElement("dd"); dd.textContent = val;
    if (isLtr) dd.setAttribute("dir", "ltr");
    dl.append(dt, dd);
  };
  if (o.name) { const dt = document.createElement("dt"); dt.className = "sr-only"; dt.textContent = "–"; const dd = document.createElement("dd"); dd.style.gridColumn = "1 / -1"; dd.style.fontWeight = "700"; dd.textContent = o.name; dl.append(dt, dd); }
  row(t("phone"), o.phone, true);
  row(t("hours"), o.hours);
}
