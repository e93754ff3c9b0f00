/* Office screen: blocked, fault, at the office, gone (the document is no longer waiting), unreachable. */
import { $ } from "../dom.js";
import { state } from "../state.js";
import { dayText, officeHours, t, timeText } from "../text.js";
import { show } from "../ui.js";

/** kind: "blocked", "fault", "atOffice", "gone" (with `gone` = { state, at } from the daemon) or "error". */
export function showOffice(kind, office, gone) {
  state.visit.officeKind = kind;
  state.visit.office = office || state.cfg.office;
  state.visit.gone = gone || null;
  show("office");
}

const GONE = {   // what happened → [title, text]
  collected: ["goneCollectedTitle", "goneCollectedText"],
  withdrawn: ["goneTitle", "goneWithdrawnText"],
  returned: ["goneTitle", "goneReturnedText"],
  expired: ["goneTitle", "goneExpiredText"],
};

function texts(kind) {
  switch (kind) {
    case "blocked": return [t("blockedTitle"), t("blockedText")];
    case "fault": return [t("faultTitle"), t("faultText")];
    case "atOffice": return [t("atOfficeTitle"), t("atOfficeText")];
    case "gone": {
      const g = state.visit.gone || {};
      const [title, text] = GONE[g.state] || GONE.withdrawn;
      return [t(title), g.at ? t(text, { date: dayText(g.at), time: timeText(g.at) }) : ""];
    }
    default: return [t("error"), ""];
  }
}

export function renderOffice() {
  const k = state.visit.officeKind;
  const [title, text] = texts(k);
  $("#h-office").textContent = title;
  $("#office-text").textContent = text;
  const dl = $("#office-card");
  dl.hidden = !fillOfficeCard(dl, k === "error" ? null : state.visit.office);
}

/** Name, phone and opening hours (in the citizen's language) as a definition list; false when there is no office. */
export function fillOfficeCard(dl, o) {
  dl.textContent = "";
  if (!o) return false;
  const row = (label, val, isLtr) => {
    if (!val) return;
    const dt = document.createElement("dt"); dt.textContent = label;
    const dd = document.createElement("dd"); dd.textContent = val;
    if (isLtr) dd.setAttribute("dir", "ltr");
    dl.append(dt, dd);
  };
  if (o.name) {
    const dt = document.createElement("dt"); dt.className = "sr-only"; dt.textContent = "–";
    const dd = document.createElement("dd"); dd.className = "office-name"; dd.textContent = o.name;
    dl.append(dt, dd);
  }
  row(t("phone"), o.phone, true);
  row(t("hours"), officeHours(o));
  return true;
}
