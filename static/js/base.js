// Small behaviours shared by every page (no inline scripts: the CSP allows only our files).
document.querySelectorAll("select[data-autosubmit]").forEach((el) => {
  el.addEventListener("change", () => el.form.submit());
});

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
