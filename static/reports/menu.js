// The reports menu on narrow screens: choosing a report in the select opens it (the form's
// button does the same without JavaScript, through /reports/?go=<key>).
(function () {
  "use strict";
  document.querySelectorAll("[data-report-select]").forEach((select) => {
    const button = select.form.querySelector("[data-report-go]");
    if (button) button.hidden = true;
    select.addEventListener("change", () => {
      const option = select.selectedOptions[0];
      if (option && option.dataset.url) window.location.assign(option.dataset.url);
    });
  });
})();
