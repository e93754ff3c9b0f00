// The demo page's "citizen's phone": shows the SMS that amtomat-notify delivered into the demo
// inbox (GET /api/demo/phone, demo mode only). Newest message last, as on a phone.
"use strict";
(function () {
  const list = document.getElementById("phone-messages");
  const empty = document.getElementById("phone-empty");
  if (!list) return;
  let shown = 0;
  async function poll() {
    try {
      const response = await fetch("api/demo/phone", { cache: "no-store" });
      if (response.ok) {
        const messages = await response.json();
        if (messages.length < shown) { list.textContent = ""; shown = 0; }
        for (const m of messages.slice(shown)) {
          const item = document.createElement("li");
          item.className = "sms";
          const meta = document.createElement("p");
          meta.className = "sms-meta";
          meta.textContent = `${m.at} · to ${m.to}`;
          const text = document.createElement("p");
          text.className = "sms-text";
          text.textContent = m.text;
          text.dir = "auto";
          item.append(meta, text);
          list.append(item);
        }
        shown = messages.length;
        empty.hidden = shown > 0;
      }
    } catch (e) { /* the daemon restarts: try again */ }
    setTimeout(poll, 1000);
  }
  poll();
})();
