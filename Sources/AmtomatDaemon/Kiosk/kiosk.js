/* Amt-o-Mat kiosk front-end. No framework, no external resources.
   Flow: start -> code -> (date of birth) -> compartment open -> thanks -> survey -> raffle -> bye.
   Everything personal lives in S and in the DOM of the screens; reset() wipes both. */
"use strict";
(function () {
  const TEXT = window.KIOSK_TEXT;
  const DOOR_REMINDER_SECONDS = 30;   // remind the citizen when the door stays open this long
  const POLL_MS = 1000;               // door state poll
  const DOOR_PULL_HINT_MS = 4000;     // still "waiting" after this: ask the citizen to pull the door
  const BYE_SECONDS = 10;             // goodbye screen returns to start after this
  const IDLE_WARN_MAX_SECONDS = 20;   // warn this long before the idle reset (at most half the timeout)

  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  let CFG = { codeLength: 12, idleTimeoutSeconds: 60, demo: false, languages: Object.keys(TEXT), office: null, locker: null };
  let SURVEY = null;
  let slowedUntil = 0;        // terminal property, not personal: survives the idle reset
  let S = null;
  S = fresh();

  function fresh() {
    return {
      session: (S ? S.session : 0) + 1,
      lang: "de", screen: "start", mode: "code", code: "", dob: "",
      pickup: null, compartment: null, surveyToken: null, answers: {}, q: 0, raffleToken: null,
      busy: false, timers: [], lastActivity: Date.now(), idleOpen: false, reminderAt: DOOR_REMINDER_SECONDS,
      lastDoor: null, waitAnnounced: -1, answered: false
    };
  }

  /* ---------- text ---------- */
  function t(key, vars) {
    let s = (TEXT[S.lang] && TEXT[S.lang][key]) || TEXT.de[key] || key;
    if (vars) for (const k in vars) s = s.split("{" + k + "}").join(String(vars[k]));
    return s;
  }
  function loc(obj) { return obj ? (obj[S.lang] || obj.de || obj.en || "") : ""; }
  function numLocale() { return S.lang + "-u-nu-latn"; }
  function duration(seconds) {
    const unit = seconds >= 60 ? "minute" : "second";
    const n = seconds >= 60 ? Math.ceil(seconds / 60) : seconds;
    try { return new Intl.NumberFormat(numLocale(), { style: "unit", unit, unitDisplay: "long" }).format(n); }
    catch (e) { return n + (unit === "minute" ? " min" : " s"); }
  }
  function clock(seconds) {
    const h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
    const mm = (h ? String(m).padStart(2, "0") : String(m)), ss = String(s).padStart(2, "0");
    return (h ? h + ":" : "") + mm + ":" + ss;
  }
  function announce(msg) {
    const el = $("#sr-status");
    el.textContent = "";
    // A short delay makes screen readers notice a repeated message.
    later(() => { el.textContent = msg; }, 60);
  }

  /* ---------- timers bound to the session ---------- */
  function later(fn, ms) {
    const session = S.session;
    const id = setTimeout(() => { if (session === S.session) fn(); }, ms);
    S.timers.push(id);
    return id;
  }
  function every(fn, ms) {
    const session = S.session;
    const id = setInterval(() => { if (session === S.session) fn(); }, ms);
    S.timers.push(id);
    return id;
  }
  function stop(id) { clearTimeout(id); clearInterval(id); }

  /* ---------- HTTP ---------- */
  async function api(method, path, body, timeoutMs) {
    const ctl = new AbortController();
    const to = setTimeout(() => ctl.abort(), timeoutMs || 10000);
    try {
      const res = await fetch(path, {
        method, signal: ctl.signal, cache: "no-store",
        headers: body ? { "Content-Type": "application/json" } : {},
        body: body ? JSON.stringify(body) : undefined
      });
      let data = null;
      try { data = await res.json(); } catch (e) { data = null; }
      return { status: res.status, data: data || {} };
    } finally { clearTimeout(to); }
  }

  /* ---------- screens ---------- */
  function show(name, focusSel) {
    S.screen = name;
    $$(".screen").forEach(s => { s.hidden = s.id !== "s-" + name; });
    renderScreen();
    const scr = $("#s-" + name);
    const h = focusSel ? $(focusSel) : $("h1", scr);
    $("#main").scrollTop = 0;
    if (h) h.focus({ preventScroll: true });
    S.lastActivity = Date.now();
  }

  function applyLang() {
    const root = document.documentElement;
    root.lang = S.lang;
    root.dir = t("dir");
    $$("[data-t]").forEach(el => { el.textContent = t(el.dataset.t); });
    $$("#lang-list .lang").forEach(b => b.setAttribute("aria-pressed", String(b.dataset.lang === S.lang)));
    $("#demo-link").textContent = t("demoLink");
    renderScreen();
  }

  function renderScreen() {
    switch (S.screen) {
      case "keypad": renderKeypad(); break;
      case "open": renderOpen(); break;
      case "office": renderOffice(); break;
      case "thanks": renderThanks(); break;
      case "question": renderQuestion(false); break;
      case "raffle": renderRaffle(); break;
      case "ticket": renderTicket(); break;
      case "bye": renderBye(); break;
    }
    const h = $("h1", $("#s-" + S.screen));
    document.title = (h ? h.textContent + " – " : "") + t("titleSuffix");
  }

  /* ---------- start ---------- */
  function buildLanguages() {
    const ul = $("#lang-list");
    ul.textContent = "";
    CFG.languages.filter(l => TEXT[l]).forEach((l, i) => {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button"; b.className = "btn lang"; b.dataset.lang = l; b.dataset.key = String(i + 1);
      b.lang = l; b.dir = TEXT[l].dir;
      b.innerHTML = '<span class="key" aria-hidden="true">' + (i + 1) + "</span>";
      b.appendChild(document.createTextNode(TEXT[l].langName));
      b.addEventListener("click", () => { S.lang = l; applyLang(); announce(TEXT[l].startTitle); });
      li.appendChild(b); ul.appendChild(li);
    });
  }

  /* ---------- keypad (pickup code and date of birth) ---------- */
  function buildKeypad() {
    const pad = $("#keypad");
    const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "del", "0", "ok"];
    keys.forEach(k => {
      const b = document.createElement("button");
      b.type = "button"; b.className = "btn";
      if (k === "del") { b.classList.add("fn"); b.id = "key-del"; b.dataset.t = "del"; }
      else if (k === "ok") { b.classList.add("fn", "primary"); b.id = "btn-confirm"; b.dataset.t = "confirm"; b.dataset.enter = ""; }
      else { b.textContent = k; b.dataset.digit = k; }
      b.addEventListener("click", () => {
        if (k === "del") delDigit();
        else if (k === "ok") confirmKeypad();
        else addDigit(k);
      });
      pad.appendChild(b);
    });
  }
  function maxLen() { return S.mode === "code" ? CFG.codeLength : 8; }
  function value() { return S.mode === "code" ? S.code : S.dob; }
  function setValue(v) { if (S.mode === "code") S.code = v; else S.dob = v; }
  function isSlowed() { return Date.now() < slowedUntil; }

  function openKeypad(mode) {
    S.mode = mode;
    S.code = mode === "code" ? "" : S.code;
    S.dob = "";
    hideMsg();
    $("#keypad-wait").hidden = true;
    show("keypad");
    if (isSlowed()) startWait();
  }

  function renderKeypad() {
    const code = S.mode === "code";
    $("#h-keypad").textContent = code ? t("codeTitle") : t("dobTitle");
    $("#keypad-hint").textContent = code ? t("codeHint", { n: CFG.codeLength }) : t("dobHint");
    $("#key-del").setAttribute("aria-label", t("delLabel"));
    const disp = $("#keypad-display");
    disp.textContent = "";
    const v = value();
    if (code) {
      for (let i = 0; i < CFG.codeLength; i++) {
        if (i && i % 4 === 0) { const g = document.createElement("span"); g.className = "gap"; g.textContent = " "; disp.appendChild(g); }
        if (i < v.length) disp.appendChild(document.createTextNode(v[i]));
        else { const p = document.createElement("span"); p.className = "ph"; p.setAttribute("aria-hidden", "true"); p.textContent = "•"; disp.appendChild(p); }
      }
    } else {
      const pattern = t("dobPattern"), sep = t("dobSep");
      let k = 0;
      for (const ch of pattern) {
        if (ch === sep) { disp.appendChild(document.createTextNode(sep)); continue; }
        if (k < v.length) disp.appendChild(document.createTextNode(v[k]));
        else { const p = document.createElement("span"); p.className = "ph"; p.setAttribute("aria-hidden", "true"); p.textContent = ch; disp.appendChild(p); }
        k++;
      }
    }
    const slowed = isSlowed();
    $$("#keypad button").forEach(b => { b.disabled = slowed || S.busy; });
    $("#wait-timer").textContent = slowed ? clock(Math.ceil((slowedUntil - Date.now()) / 1000)) : "";
  }

  function addDigit(d) {
    if (S.busy || isSlowed()) return;
    const v = value();
    if (v.length >= maxLen()) return;
    setValue(v + d);
    hideMsg();
    renderKeypad();
    announce(t("digitsEntered", { k: v.length + 1, n: maxLen() }));
  }
  function delDigit() {
    if (S.busy || isSlowed()) return;
    const v = value();
    if (!v.length) return;
    setValue(v.slice(0, -1));
    hideMsg();
    renderKeypad();
    announce(t("digitsEntered", { k: v.length - 1, n: maxLen() }));
  }
  function showMsg(text, kind) {
    const m = $("#keypad-msg");
    m.className = "msg" + (kind ? " " + kind : "");
    m.setAttribute("role", kind === "info" ? "status" : "alert");
    m.hidden = false;
    m.textContent = "";
    stop(S.msgTimer);
    S.msgTimer = later(() => { m.textContent = text; }, 30);   // a fresh node change, so it is announced again
  }
  function hideMsg() { stop(S.msgTimer); const m = $("#keypad-msg"); m.hidden = true; m.textContent = ""; }

  function dobIso() {
    const d = S.dob;
    if (d.length !== 8) return null;
    const day = +d.slice(0, 2), month = +d.slice(2, 4), year = +d.slice(4);
    const dt = new Date(Date.UTC(year, month - 1, day));
    if (dt.getUTCFullYear() !== year || dt.getUTCMonth() !== month - 1 || dt.getUTCDate() !== day) return null;
    if (year < 1900 || dt.getTime() > Date.now()) return null;
    return d.slice(4) + "-" + d.slice(2, 4) + "-" + d.slice(0, 2);
  }

  async function confirmKeypad() {
    if (S.busy || isSlowed()) return;
    const body = { code: S.code };
    if (S.mode === "code") {
      if (S.code.length !== CFG.codeLength) { showMsg(t("codeIncomplete", { n: CFG.codeLength })); return; }
    } else {
      const iso = dobIso();
      if (!iso) { showMsg(t("dobInvalid")); return; }
      body.dateOfBirth = iso;
    }
    const session = S.session;
    S.busy = true;
    renderKeypad();
    showMsg(t("checking"), "info");
    let r;
    try { r = await api("POST", "/api/pickup", body, 45000); }   // opening may retry a sticky lock
    catch (e) { r = null; }
    if (session !== S.session) return;
    S.busy = false;
    hideMsg();
    if (!r) { renderKeypad(); showMsg(t("error")); return; }
    const d = r.data;
    if (r.status === 200 && d.result === "open") {
      S.pickup = d.pickup; S.compartment = d.compartment;
      S.code = ""; S.dob = "";
      openCompartment();
    } else if (r.status === 200 && d.result === "second-factor" && S.mode === "code") {
      openKeypad("dob");
    } else if (r.status === 423 || d.result === "blocked") {
      S.code = ""; S.dob = "";
      showOffice("blocked", d.office);
    } else if (r.status === 429 || d.result === "slowed") {
      setValue("");
      slowedUntil = Date.now() + Math.max(1, +d.retryAfterSeconds || 30) * 1000;
      renderKeypad();
      startWait();
    } else if (r.status === 503 || d.result === "fault") {
      S.code = ""; S.dob = "";
      showOffice("fault", d.office);
    } else if (r.status === 403 || r.status === 400 || d.result === "rejected" || d.result === "second-factor") {
      // Neutral: the same words whether the code, the date of birth or the format was wrong.
      setValue("");
      renderKeypad();
      showMsg(t("rejected"));
    } else {
      renderKeypad();
      showMsg(t("error"));
    }
  }

  function startWait() {
    const box = $("#keypad-wait");
    box.hidden = false;
    hideMsg();
    renderKeypad();
    S.waitAnnounced = -1;
    box.focus({ preventScroll: true });
    const tick = () => {
      const left = Math.ceil((slowedUntil - Date.now()) / 1000);
      if (left <= 0) {
        stop(S.waitTimer);
        box.hidden = true;
        renderKeypad();
        announce(t("slowedOver"));
        $("#h-keypad").focus({ preventScroll: true });
        return;
      }
      $("#wait-timer").textContent = clock(left);
      // Polite announcements now and then, not every second.
      const marks = left > 60 ? left % 300 === 0 : (left === 60 || left === 30 || left === 10);
      if (S.waitAnnounced === -1) S.waitAnnounced = left;
      else if (marks && S.waitAnnounced !== left) { S.waitAnnounced = left; announce(t("slowedAnnounce", { t: duration(left) })); }
    };
    stop(S.waitTimer);
    S.waitTimer = every(tick, 250);
    tick();
  }

  /* ---------- office (blocked / fault) ---------- */
  function showOffice(kind, office) {
    S.officeKind = kind;
    S.office = office || CFG.office;
    show("office");
  }
  function renderOffice() {
    const k = S.officeKind;
    $("#h-office").textContent = k === "blocked" ? t("blockedTitle") : k === "fault" ? t("faultTitle") : t("error");
    $("#office-text").textContent = k === "blocked" ? t("blockedText") : k === "fault" ? t("faultText") : "";
    const dl = $("#office-card");
    dl.textContent = "";
    const o = S.office;
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

  /* ---------- compartment open ---------- */
  function openCompartment() {
    S.reminderAt = DOOR_REMINDER_SECONDS;
    S.lastDoor = null;
    S.openedAt = Date.now();
    $("#door-reminder").hidden = true;
    show("open");
    stop(S.pollTimer);
    S.pollTimer = every(poll, POLL_MS);
  }
  function compPos() {
    const c = S.compartment || {};
    let col = c.column, row = c.row, label = c.label || String(c.id || "");
    if ((!col || !row) && CFG.locker) {
      const m = (CFG.locker.compartments || []).find(x => x.id === c.id);
      if (m) { col = m.column; row = m.row; label = label || m.label; }
    }
    return { col, row, label };
  }
  function renderOpen() {
    const p = compPos();
    $("#h-open").textContent = t("openTitle", { label: p.label });
    $("#open-where").textContent = p.col && p.row ? t("openWhere", { label: p.label, c: p.col, r: p.row }) : "";
    $("#locker-figure").innerHTML = lockerSvg(p);
    $("#door-state").textContent = doorText(S.lastDoor, p.label);
    const rem = $("#door-reminder");
    if (!rem.hidden) rem.textContent = t("doorReminder", { label: p.label });
  }
  function doorText(state, label) {
    return state === "waiting" ? t("doorOpening") : state === "pull" ? t("doorPull", { label }) : t("doorOpen", { label });
  }
  function esc(s) { return String(s).replace(/[&<>"]/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c])); }
  function lockerSvg(p) {
    const L = CFG.locker || {};
    const cols = Math.max(L.columns || 1, p.col || 1), rows = Math.max(L.rows || 1, p.row || 1);
    const comps = (L.compartments && L.compartments.length) ? L.compartments : [];
    const W = 100, H = 64, G = 6, PAD = 14, PLINTH = 22;
    const width = PAD * 2 + cols * W + (cols - 1) * G;
    const bodyH = PAD * 2 + rows * H + (rows - 1) * G;
    const height = bodyH + PLINTH + 10;
    const few = cols * rows <= 96;
    const title = t("drawing", { label: p.label, c: p.col, r: p.row });
    let out = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ' + width + " " + height + '" role="img" aria-labelledby="locker-title" direction="ltr" dir="ltr">';
    out += '<title id="locker-title">' + esc(title) + "</title>";
    out += '<rect x="1" y="1" width="' + (width - 2) + '" height="' + (bodyH - 2) + '" rx="6" fill="#cfd6dd" stroke="#2b333b" stroke-width="2"/>';
    out += '<rect x="10" y="' + bodyH + '" width="' + (width - 20) + '" height="' + PLINTH + '" fill="#5b6670"/>';
    out += '<line x1="0" y1="' + (bodyH + PLINTH + 2) + '" x2="' + width + '" y2="' + (bodyH + PLINTH + 2) + '" stroke="#111" stroke-width="4"/>';
    const cell = (col, row) => ({ x: PAD + (col - 1) * (W + G), y: PAD + (rows - row) * (H + G) });  // row 1 at the bottom
    const list = comps.length ? comps : [{ id: -1, label: p.label, column: p.col, row: p.row }];
    list.forEach(c => {
      if (!c.column || !c.row) return;
      const q = cell(c.column, c.row);
      const hit = c.column === p.col && c.row === p.row;
      if (hit) return;
      out += '<rect x="' + q.x + '" y="' + q.y + '" width="' + W + '" height="' + H + '" rx="3" fill="#f2f4f6" stroke="#6b737b" stroke-width="2"/>';
      if (few) out += '<text x="' + (q.x + W / 2) + '" y="' + (q.y + H / 2 + 8) + '" text-anchor="middle" font-size="22" fill="#3b4450" font-family="sans-serif">' + esc(c.label) + "</text>";
    });
    if (p.col && p.row) {
      const q = cell(p.col, p.row);
      out += '<rect x="' + (q.x - 3) + '" y="' + (q.y - 3) + '" width="' + (W + 6) + '" height="' + (H + 6) + '" rx="4" fill="#ffcc00" stroke="#000" stroke-width="6"/>';
      out += '<text x="' + (q.x + W / 2) + '" y="' + (q.y + H / 2 + 12) + '" text-anchor="middle" font-size="34" font-weight="700" fill="#000" font-family="sans-serif">' + esc(p.label) + "</text>";
    }
    return out + "</svg>";
  }
  async function poll() {
    if (S.screen !== "open" || !S.pickup || S.polling) return;
    S.polling = true;
    const session = S.session;
    let r = null;
    try { r = await api("GET", "/api/pickup/" + encodeURIComponent(S.pickup)); } catch (e) { r = null; }
    S.polling = false;
    if (session !== S.session || S.screen !== "open" || !r) return;
    const d = r.data;
    if (r.status !== 200) {
      if (r.status === 404) { stop(S.pollTimer); S.surveyToken = null; showThanks(); }
      return;
    }
    if (d.compartment) S.compartment = Object.assign({}, S.compartment, d.compartment);
    if (d.result === "collected") {
      stop(S.pollTimer);
      S.surveyToken = d.surveyToken || null;
      showThanks();
      return;
    }
    if (d.result === "fault") { stop(S.pollTimer); showOffice("fault", CFG.office); return; }
    const p = compPos();
    // "waiting": unlocked, but the door has not opened yet. After a few seconds, ask the citizen to pull it.
    const state = d.result === "waiting" && Date.now() - S.openedAt > DOOR_PULL_HINT_MS ? "pull" : d.result;
    if (state !== S.lastDoor) {
      S.lastDoor = state;
      $("#door-state").textContent = doorText(state, p.label);
      if (state !== "waiting") announce(doorText(state, p.label));
    }
    const open = typeof d.doorOpenSeconds === "number" ? d.doorOpenSeconds : (Date.now() - S.openedAt) / 1000;
    if (d.result === "door-open" && open >= S.reminderAt) {
      S.reminderAt = open + DOOR_REMINDER_SECONDS;
      const rem = $("#door-reminder");
      rem.hidden = false;
      rem.textContent = t("doorReminder", { label: p.label });
      announce(t("doorReminder", { label: p.label }));
    }
  }

  /* ---------- thanks + survey offer ---------- */
  function surveyOn() { return !!(SURVEY && SURVEY.questions && SURVEY.questions.length && S.surveyToken); }
  function showThanks() {
    show("thanks");
    announce(t("thanksTitle") + " " + t("thanksText"));
  }
  function renderThanks() {
    const on = surveyOn();
    $("#offer").hidden = !on;
    $("#thanks-finish").hidden = on;
    if (on) {
      $("#offer-text").textContent = t("surveyOffer", { n: SURVEY.questions.length });
      const raffle = SURVEY.raffle && SURVEY.raffle.enabled;
      $("#offer-raffle").hidden = !raffle;
      $("#offer-raffle").textContent = raffle ? t("surveyRaffle", { prize: loc(SURVEY.raffle.prize) }) : "";
    }
  }

  /* ---------- survey ---------- */
  function faceSvg(level) {
    const fills = ["#f3b5b5", "#f8d3a8", "#f3ecb0", "#cfe8b8", "#a9dcb5"];
    const ctrl = [30, 36, 44, 52, 58][level - 1];
    return '<svg class="face" viewBox="0 0 64 64" aria-hidden="true" focusable="false">' +
      '<circle cx="32" cy="32" r="29" fill="' + fills[level - 1] + '" stroke="#111" stroke-width="3"/>' +
      '<circle cx="22" cy="25" r="4" fill="#111"/><circle cx="42" cy="25" r="4" fill="#111"/>' +
      '<path d="M18 44 Q32 ' + ctrl + ' 46 44" fill="none" stroke="#111" stroke-width="4" stroke-linecap="round"/></svg>';
  }
  function startSurvey() {
    S.q = 0;
    S.answers = {};
    showQuestion();
  }
  function showQuestion() {
    $("#q-form").textContent = "";
    show("question", "#q-title");
  }
  function renderQuestion(fresh) {
    const q = SURVEY.questions[S.q];
    const n = SURVEY.questions.length;
    const form = $("#q-form");
    const type = q.type === "multi" ? "checkbox" : "radio";
    const cur = S.answers[q.id];
    let h = '<p class="progress" id="q-progress">' + esc(t("questionOf", { i: S.q + 1, n })) + "</p>";
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
      '<button type="submit" class="btn primary" id="q-next" data-enter>' + esc(S.q === n - 1 ? t("send") : t("next")) + "</button></div>";
    const focusedValue = !fresh && document.activeElement && document.activeElement.form === form ? document.activeElement.value : null;
    const focusedId = !fresh && document.activeElement ? document.activeElement.id : null;
    form.innerHTML = h;
    if (focusedValue !== null && focusedId !== "q-next" && focusedId !== "q-skip" && focusedId !== "q-back") {
      const el = $('input[value="' + CSS.escape(focusedValue) + '"]', form); if (el) el.focus();
    } else if (focusedId && $("#" + focusedId)) $("#" + focusedId).focus();
    $$("input", form).forEach(inp => inp.addEventListener("change", () => saveAnswer(q)));
    $("#q-back").addEventListener("click", questionBack);
    $("#q-skip").addEventListener("click", () => { delete S.answers[q.id]; nextQuestion(); });
  }
  function saveAnswer(q) {
    const picked = $$("#q-form input:checked").map(i => i.value);
    if (q.type === "multi") { if (picked.length) S.answers[q.id] = picked; else delete S.answers[q.id]; }
    else if (picked.length) S.answers[q.id] = picked[0];
    else delete S.answers[q.id];
  }
  function questionBack() {
    if (S.q === 0) { show("thanks"); return; }
    S.q--; showQuestion();
  }
  function nextQuestion() {
    if (S.q < SURVEY.questions.length - 1) { S.q++; showQuestion(); return; }
    submitSurvey();
  }
  async function submitSurvey() {
    const answers = S.answers;
    const token = S.surveyToken;
    S.surveyToken = null;               // one-time
    if (!token || !Object.keys(answers).length) { bye(false); return; }
    const session = S.session;
    let r = null;
    try { r = await api("POST", "/api/survey", { surveyToken: token, language: S.lang, answers }); } catch (e) { r = null; }
    if (session !== S.session) return;
    S.answers = {};
    if (r && r.status === 200 && r.data.raffleToken && SURVEY.raffle && SURVEY.raffle.enabled) {
      S.raffleToken = r.data.raffleToken;
      show("raffle");
    } else bye(!!(r && r.status === 200));
  }

  /* ---------- raffle ---------- */
  function renderRaffle() { $("#raffle-text").textContent = t("raffleText", { prize: loc(SURVEY.raffle.prize) }); }
  async function joinRaffle() {
    const token = S.raffleToken;
    S.raffleToken = null;
    if (!token) { bye(true); return; }
    const session = S.session;
    let r = null;
    try { r = await api("POST", "/api/raffle", { raffleToken: token }); } catch (e) { r = null; }
    if (session !== S.session) return;
    if (!r || r.status !== 200 || !r.data.ticket) { bye(true); return; }
    S.ticket = r.data.ticket;
    S.prize = r.data.prize;
    show("ticket");
  }
  function renderTicket() {
    $("#ticket").textContent = S.ticket || "";
    const prize = (SURVEY && SURVEY.raffle && loc(SURVEY.raffle.prize)) || S.prize || "";
    $("#ticket-prize").textContent = prize ? t("ticketPrize", { prize }) : "";
  }

  /* ---------- bye ---------- */
  function bye(answered) {
    S.answered = answered;
    S.ticket = null; S.raffleToken = null; S.surveyToken = null; S.answers = {};
    show("bye");
    later(reset, BYE_SECONDS * 1000);
  }
  function renderBye() { $("#bye-text").textContent = S.answered ? t("byeText") : t("byeTextPlain"); }

  /* ---------- idle timeout ---------- */
  function idleApplies() {
    if (S.screen === "open") return false;             // the door is open: the person is at the locker
    if (S.screen === "bye") return false;              // has its own short timer
    if (S.screen === "start") return S.lang !== "de" || document.documentElement.classList.contains("large");
    return true;
  }
  function idleTick() {
    const total = (CFG.idleTimeoutSeconds || 60) * 1000;
    const warn = Math.min(IDLE_WARN_MAX_SECONDS * 1000, total / 2);
    if (!idleApplies()) { if (S.idleOpen) closeIdle(); S.lastActivity = Date.now(); return; }
    const idle = Date.now() - S.lastActivity;
    if (idle >= total) { reset(); return; }
    if (idle >= total - warn) {
      const left = Math.ceil((total - idle) / 1000);
      if (!S.idleOpen) openIdle();
      $("#idle-text").textContent = t("idleText", { t: duration(left) });
    }
  }
  function openIdle() {
    S.idleOpen = true;
    S.idleReturn = document.activeElement;
    $("#idle").hidden = false;
    $("#main").setAttribute("inert", "");
    $(".bar").setAttribute("inert", "");
    $("#btn-idle").focus();
  }
  function closeIdle() {
    S.idleOpen = false;
    $("#idle").hidden = true;
    $("#main").removeAttribute("inert");
    $(".bar").removeAttribute("inert");
    S.lastActivity = Date.now();
    const back = S.idleReturn;
    S.idleReturn = null;
    if (back && document.contains(back) && back !== document.body) back.focus({ preventScroll: true });
    else { const h = $("h1", $("#s-" + S.screen)); if (h) h.focus({ preventScroll: true }); }
  }

  /* ---------- reset: the next person sees nothing ---------- */
  function reset() {
    S.timers.forEach(stop);
    const idleWasOpen = S.idleOpen;
    S = fresh();
    if (idleWasOpen) { $("#idle").hidden = true; $("#main").removeAttribute("inert"); $(".bar").removeAttribute("inert"); }
    document.documentElement.classList.remove("large");
    $("#btn-large").setAttribute("aria-pressed", "false");
    ["#keypad-display", "#open-where", "#door-state", "#door-reminder", "#locker-figure", "#office-text", "#office-card",
      "#offer-text", "#offer-raffle", "#q-form", "#raffle-text", "#ticket", "#ticket-prize", "#bye-text", "#sr-status", "#idle-text", "#wait-timer"]
      .forEach(sel => { $(sel).textContent = ""; });
    $("#door-reminder").hidden = true;
    $("#keypad-wait").hidden = true;
    hideMsg();
    if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
    applyLang();
    show("start");
    every(idleTick, 250);
  }

  /* ---------- keyboard and number pad ---------- */
  function visible(el) { return el && !el.hidden && !el.disabled && el.offsetParent !== null; }
  function primary(screen) { return $$("[data-enter]", screen).find(visible); }
  function onKey(e) {
    S.lastActivity = Date.now();
    if (S.idleOpen) { e.preventDefault(); closeIdle(); return; }
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    let digit = null;
    if (/^[0-9]$/.test(e.key)) digit = e.key;
    else if (/^Numpad[0-9]$/.test(e.code)) digit = e.code.slice(-1);
    const key = e.key === "Enter" || e.code === "NumpadEnter" ? "Enter" : e.key;
    const screen = $("#s-" + S.screen);
    const active = document.activeElement;
    const onControl = active && (active.tagName === "BUTTON" || active.tagName === "A");

    if (S.screen === "keypad") {
      if (digit !== null) { e.preventDefault(); addDigit(digit); return; }
      if (key === "Backspace" || key === "Delete") { e.preventDefault(); delDigit(); return; }
      if (key === "Enter" && !onControl) { e.preventDefault(); confirmKeypad(); return; }
      if (key === "Escape") { e.preventDefault(); goBack(); return; }
      return;
    }
    if (S.screen === "question") {
      if (digit !== null && digit !== "0") {
        const inp = $$("#q-form input")[+digit - 1];
        if (inp) { e.preventDefault(); inp.focus(); inp.click(); }
        return;
      }
      if (key === "Enter" && !onControl) { e.preventDefault(); $("#q-next").click(); return; }
      if (key === "Escape") { e.preventDefault(); questionBack(); return; }
      return;
    }
    if (digit !== null) {
      const b = $$('[data-key="' + digit + '"]', screen).find(visible);
      if (b) { e.preventDefault(); b.click(); }
      return;
    }
    if (key === "Enter" && !onControl) {
      const b = primary(screen);
      if (b) { e.preventDefault(); b.click(); }
      return;
    }
    if (key === "Escape") { e.preventDefault(); goBack(); }
  }
  function goBack() {
    switch (S.screen) {
      case "keypad":
        if (S.mode === "dob") { S.code = ""; S.dob = ""; openKeypad("code"); }
        else { S.code = ""; show("start"); }
        break;
      case "office": case "bye": reset(); break;
      case "raffle": bye(true); break;
      case "thanks": break;
      default: break;
    }
  }

  /* ---------- wiring ---------- */
  function wire() {
    buildKeypad();
    $("#btn-start").addEventListener("click", () => openKeypad("code"));
    $("#btn-large").addEventListener("click", () => {
      const on = document.documentElement.classList.toggle("large");
      $("#btn-large").setAttribute("aria-pressed", String(on));
    });
    $$("[data-back]").forEach(b => b.addEventListener("click", goBack));
    $$("[data-home]").forEach(b => b.addEventListener("click", reset));
    $$("[data-finish]").forEach(b => b.addEventListener("click", () => bye(S.screen !== "thanks")));
    $("#btn-survey").addEventListener("click", startSurvey);
    $("#btn-raffle").addEventListener("click", joinRaffle);
    $("#btn-idle").addEventListener("click", closeIdle);
    $("#idle").addEventListener("pointerdown", e => { if (e.target.id === "idle") closeIdle(); });
    $("#q-form").addEventListener("submit", e => {
      e.preventDefault();
      saveAnswer(SURVEY.questions[S.q]);
      nextQuestion();
    });
    document.addEventListener("keydown", onKey);
    // A tap must not move the focus onto a button: a later Enter on a physical keypad should confirm the
    // screen's main action rather than press the tapped button again. Keyboard focus is unaffected.
    document.addEventListener("mousedown", e => { if (e.target.closest && e.target.closest("button")) e.preventDefault(); });
    ["pointerdown", "input", "change", "wheel", "touchstart"].forEach(ev =>
      document.addEventListener(ev, () => { S.lastActivity = Date.now(); }, { capture: true, passive: true }));
  }

  async function load() {
    try {
      const r = await api("GET", "/api/kiosk");
      if (r.status !== 200) throw new Error("kiosk " + r.status);
      const d = r.data;
      CFG = Object.assign(CFG, d);
      if (!Array.isArray(CFG.languages) || !CFG.languages.length) CFG.languages = Object.keys(TEXT);
      if (!CFG.codeLength) CFG.codeLength = 12;
    } catch (e) {
      S.officeKind = "error"; S.office = null;
      show("office");
      setTimeout(load, 5000);
      return false;
    }
    try {
      const r = await api("GET", "/survey.json");
      if (r.status === 200 && Array.isArray(r.data.questions)) SURVEY = r.data;
    } catch (e) { SURVEY = null; }
    if (CFG.locker && CFG.locker.name) $("#locker-name").textContent = CFG.locker.name;
    $("#demo-badge").hidden = !CFG.demo;
    $("#demo-link-p").hidden = !(CFG.demo && window.top === window.self);
    buildLanguages();
    reset();
    document.body.dataset.ready = "1";
    return true;
  }

  wire();
  applyLang();
  load();
})();
