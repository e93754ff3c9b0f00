/* Demo page: shows the simulated locker next to the kiosk and lets a newcomer play the citizen's hands.
   Uses only the demo API (404 when demo mode is off). There is deliberately no way to open a door here. */
"use strict";
(function () {
  const $ = s => document.querySelector(s);
  let layout = { columns: 1, rows: 1 };
  let selected = null;
  let last = "";

  async function call(method, path, body) {
    const res = await fetch(path, {
      method, cache: "no-store",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined
    });
    let data = null;
    if (res.status !== 204) { try { data = await res.json(); } catch (e) { data = null; } }
    return { status: res.status, data };
  }

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) {
      if (k === "class") e.className = attrs[k];
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), attrs[k]);
      else e.setAttribute(k, attrs[k]);
    }
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function describe(c) {
    const parts = [c.door === "open" ? "door open" : "door closed"];
    if (c.coilEnergised) parts.push("coil energised");
    if (c.jammed) parts.push("jammed");
    parts.push(c.holdsDocument ? "holds a document" : "empty");
    return parts.join(", ");
  }

  async function act(path, body, what) {
    $("#demo-error").hidden = true;
    try {
      const r = await call("POST", path, body);
      if (r.status >= 300) throw new Error(what + ": HTTP " + r.status + (r.data && r.data.error ? " – " + r.data.error : ""));
    } catch (e) {
      $("#demo-error").textContent = String(e.message || e);
      $("#demo-error").hidden = false;
    }
    refresh();
  }
  const closeDoor = id => act("/api/demo/doors/" + id + "/close", null, "Close door " + id);
  const jam = (id, on) => act("/api/demo/locks/" + id + "/jam", { jammed: on }, (on ? "Jam" : "Unjam") + " lock " + id);

  function render(state) {
    const comps = state.compartments || [];
    const focusId = document.activeElement && document.activeElement.id;
    const cols = Math.max(layout.columns || 1, ...comps.map(c => c.column || 1));
    const rows = Math.max(layout.rows || 1, ...comps.map(c => c.row || 1));

    // Open doors first: the one action a newcomer needs most.
    const open = $("#open-doors");
    open.textContent = "";
    comps.filter(c => c.door === "open").forEach(c => {
      const item = el("div", { class: "item" });
      item.append(el("p", {}, "Compartment " + c.label + " is open" + (c.holdsDocument ? " and holds a document." : ".")));
      item.append(el("button", { type: "button", class: "btn primary", id: "open-close-" + c.id, onclick: () => closeDoor(c.id) },
        c.holdsDocument ? "Take the document and close the door of " + c.label : "Close the door of " + c.label));
      open.append(item);
    });

    const grid = $("#grid");
    grid.textContent = "";
    grid.style.gridTemplateColumns = "repeat(" + cols + ", minmax(2.75rem, 1fr))";
    comps.forEach(c => {
      const cls = ["cell"];
      if (c.door === "open") cls.push("door-open");
      if (c.coilEnergised) cls.push("coil");
      if (c.jammed) cls.push("jammed");
      const b = el("button", {
        type: "button", class: cls.join(" "), id: "cell-" + c.id, "aria-pressed": String(selected === c.id),
        "aria-label": "Compartment " + c.label + ": " + describe(c),
        onclick: () => { selected = c.id; last = ""; refresh(); }
      });
      b.style.gridColumn = String(c.column);
      b.style.gridRow = String(rows - c.row + 1);   // row 1 is nearest the floor: draw it at the bottom
      b.append(el("span", { class: "lbl", "aria-hidden": "true" }, c.label));
      b.append(el("span", { class: "st", "aria-hidden": "true" },
        (c.door === "open" ? "open" : "") + (c.jammed ? " jam" : "") + (c.holdsDocument ? " ▣" : "")));
      grid.append(b);
    });

    const detail = $("#detail");
    detail.textContent = "";
    const c = comps.find(x => x.id === selected);
    if (!c) {
      detail.append(el("p", {}, "Choose a compartment to see its state and to jam or unjam its lock."));
    } else {
      detail.append(el("h3", {}, "Compartment " + c.label));
      const dl = el("dl");
      [["Position", "column " + c.column + ", row " + c.row + (c.size ? ", size " + c.size : "")],
        ["Door", c.door], ["Coil", c.coilEnergised ? "energised" : "off"], ["Lock", c.jammed ? "jammed" : "working"],
        ["Document", c.holdsDocument ? "yes" : "no"]].forEach(([k, v]) => { dl.append(el("dt", {}, k), el("dd", {}, v)); });
      detail.append(dl);
      if (c.door === "open") detail.append(el("button", { type: "button", class: "btn primary", id: "d-close", onclick: () => closeDoor(c.id) },
        c.holdsDocument ? "Take the document and close the door" : "Close the door"));
      detail.append(el("button", { type: "button", class: "btn", id: "d-jam", onclick: () => jam(c.id, !c.jammed) },
        c.jammed ? "Unjam the lock" : "Jam the lock"));
    }

    const docs = state.documents || state.demoDocuments;
    if (Array.isArray(docs) && docs.length) {
      $("#demo-docs").hidden = false;
      const ul = $("#demo-doc-list");
      ul.textContent = "";
      docs.forEach(d => ul.append(el("li", {}, "Code " + d.code + (d.dateOfBirth ? ", date of birth " + d.dateOfBirth : "") +
        (d.compartment ? ", compartment " + d.compartment : ""))));
    }
    if (focusId && document.getElementById(focusId)) document.getElementById(focusId).focus();
  }

  async function refresh() {
    let r;
    try { r = await call("GET", "/api/demo/state"); } catch (e) { return; }
    if (r.status === 404) { $("#demo-off").hidden = false; $("#demo-on").hidden = true; return; }
    if (r.status !== 200 || !r.data) return;
    $("#demo-off").hidden = true; $("#demo-on").hidden = false;
    const key = JSON.stringify(r.data) + "|" + selected;
    if (key === last) return;
    last = key;
    render(r.data);
  }

  function fit() {
    const wrap = $("#frame-wrap");
    $("#kiosk-frame").style.transform = "scale(" + (wrap.clientWidth / 1280) + ")";
  }

  async function start() {
    fit();
    if (window.ResizeObserver) new ResizeObserver(fit).observe($("#frame-wrap"));
    else window.addEventListener("resize", fit);
    try {
      const k = await call("GET", "/api/kiosk");
      if (k.status === 200 && k.data && k.data.locker) layout = k.data.locker;
    } catch (e) { /* the grid falls back to the compartments' own positions */ }
    await refresh();
    document.body.dataset.ready = "1";
    setInterval(refresh, 1000);
  }
  start();
})();
