// Small behaviours shared by every page (no inline scripts: the CSP allows only our files).
document.querySelectorAll("select[data-autosubmit]").forEach((el) => {
  el.addEventListener("change", () => el.form.submit());
});

// The header's menu button on narrow screens: a disclosure (aria-expanded) for the site menu,
// which the stylesheet hides while the button says "false". The button ships hidden, so
// without this script there is no button and the menu stays open as a wrapped list.
(function () {
  const button = document.getElementById("menu-toggle");
  const menu = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!menu) return;
  const isOpen = () => button.getAttribute("aria-expanded") === "true";
  const setOpen = (open) => button.setAttribute("aria-expanded", String(open));
  button.hidden = false;
  button.addEventListener("click", () => setOpen(!isOpen()));
  document.addEventListener("keydown", (event) => {
    // On wide screens the button is not displayed and the menu is always shown: nothing to close.
    if (event.key !== "Escape" || !isOpen() || button.offsetParent === null) return;
    // The focus goes back to the button only from inside the menu, where it would otherwise
    // fall to the top of the page once the menu is hidden.
    const focusInside = menu.contains(document.activeElement) || document.activeElement === button;
    setOpen(false);
    if (focusInside) button.focus();
  });
})();

// Dates that reach a page as ISO text ("2026-12-02", e.g. a stored export's period) rather
// than as dates the server formats (templates/_datetime.html): written in the same format,
// "2 dic 2026" / "Dec 2, 2026". Without this script they stay ISO. UTC: the browser's own
// timezone must not move the day.
(function () {
  const dates = document.querySelectorAll("time[data-iso-date]");
  if (!dates.length) return;
  const format = new Intl.DateTimeFormat(document.documentElement.lang || "es", {
    day: "numeric", month: "short", year: "numeric", timeZone: "UTC",
  });
  dates.forEach((el) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(el.getAttribute("datetime") || "");
    if (m) el.textContent = format.format(new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])));
  });
})();
