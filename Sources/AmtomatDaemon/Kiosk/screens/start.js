/* Start screen: the language choice. */
import { $ } from "../dom.js";
import { state } from "../state.js";
import { TEXT } from "../text.js";
import { announce, applyLang } from "../ui.js";

export function buildLanguages() {
  const ul = $("#lang-list");
  ul.textContent = "";
  state.cfg.languages.filter(l => TEXT[l]).forEach((l, i) => {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button"; b.className = "btn lang"; b.dataset.lang = l; b.dataset.key = String(i + 1);
    b.lang = l; b.dir = TEXT[l].dir;
    b.innerHTML = '<span class="key" aria-hidden="true">' + (i + 1) + "</span>";
    b.appendChild(document.createTextNode(TEXT[l].langName));
    b.addEventListener("click", () => { state.visit.lang = l; applyLang(); announce(TEXT[l].startTitle); });
    li.appendChild(b); ul.appendChild(li);
  });
}
