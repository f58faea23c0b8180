// Small behaviours shared by every page (no inline scripts: the CSP allows only our files).
document.querySelectorAll("select[data-autosubmit]").forEach((el) => {
  el.addEventListener("change", () => el.form.submit());
});
