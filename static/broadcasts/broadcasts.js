/* Transmisiones: insert variables into the message; poll a broadcast's progress. */
(function () {
  "use strict";
  var text = document.getElementById("bc-text");
  document.querySelectorAll(".bc-var").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!text) return;
      var token = "{{" + button.getAttribute("data-variable") + "}}";
      var start = text.selectionStart || text.value.length, end = text.selectionEnd || start;
      text.value = text.value.slice(0, start) + token + text.value.slice(end);
      text.focus();
      text.selectionStart = text.selectionEnd = start + token.length;
    });
  });

  var panel = document.getElementById("broadcast-progress");
  if (!panel) return;
  var labelsNode = document.getElementById("bc-status-labels");
  var labels = labelsNode ? JSON.parse(labelsNode.textContent) : {};
  var active = ["scheduled", "queued", "sending"];
  // The bar's width is set here (the CSP refuses inline style attributes).
  var firstBar = document.getElementById("bc-bar");
  if (firstBar) firstBar.firstElementChild.style.width = firstBar.getAttribute("aria-valuenow") + "%";
  function render(data) {
    var p = data.progress;
    Object.keys(p.counts).forEach(function (key) {
      var node = panel.querySelector('[data-count="' + key + '"]');
      if (node) node.textContent = p.counts[key];
    });
    document.getElementById("bc-percent").textContent = p.percent;
    document.getElementById("bc-recipients").textContent = p.recipients;
    var bar = document.getElementById("bc-bar");
    bar.setAttribute("aria-valuenow", p.percent);
    bar.firstElementChild.style.width = p.percent + "%";
    var status = document.getElementById("bc-status");
    status.textContent = labels[data.status] || data.status;
    status.className = "badge bc-status-" + data.status;
    panel.setAttribute("data-status", data.status);
  }
  function poll() {
    if (active.indexOf(panel.getAttribute("data-status")) < 0) return;
    fetch(panel.getAttribute("data-url"), {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) render(data); })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, 1500); });
  }
  window.setTimeout(poll, 1000);
})();
