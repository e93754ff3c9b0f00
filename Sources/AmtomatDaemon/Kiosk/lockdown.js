// The locker's screen is public: no context menu (right click or long press), no pinch or
// ctrl+wheel zoom, no dragging links or images out of the page. Chromium's kiosk flags and
// policies (hardware/kiosk/) cover navigation, downloads and other origins; this covers the page.
"use strict";
for (const type of ["contextmenu", "dragstart", "selectstart", "gesturestart"]) {
  document.addEventListener(type, (event) => event.preventDefault(), { capture: true });
}
document.addEventListener("wheel", (event) => { if (event.ctrlKey) event.preventDefault(); },
  { capture: true, passive: false });
document.addEventListener("touchmove", (event) => { if (event.touches.length > 1) event.preventDefault(); },
  { capture: true, passive: false });
document.addEventListener("keydown", (event) => {
  if ((event.ctrlKey || event.metaKey) && ["+", "-", "=", "0"].includes(event.key)) event.preventDefault();
}, { capture: true });
