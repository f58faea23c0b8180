// Data import: follow queued and running imports by polling GET /api/v1/imports/<id>
// (session auth). Elements with data-import-poll hold [data-field] cells to update.
(function () {
  "use strict";
  const FINISHED = ["succeeded", "failed"];
  const INTERVAL_MS = 1500;
  const labelsNode = document.getElementById("import-status-labels");
  const labels = labelsNode ? JSON.parse(labelsNode.textContent) : {};

  function setText(root, name, value) {
    root.querySelectorAll('[data-field="' + name + '"]').forEach((el) => {
      el.textContent = value;
    });
  }

  function render(root, data) {
    ["created", "updated", "skipped", "errors", "total"].forEach((name) => setText(root, name, String(data[name])));
    setText(root, "progress_text", data.progress + "%");
    setText(root, "error_message", data.error_message || "");
    root.querySelectorAll('[data-field="progress"]').forEach((el) => {
      el.value = data.progress;
      el.textContent = data.progress + "%";
    });
    root.querySelectorAll('[data-field="status"]').forEach((el) => {
      el.textContent = labels[data.status] || data.status;
      el.className = "badge badge-" + data.status;
    });
    if (data.error_rows_url) {
      root.querySelectorAll('[data-field="error_rows"]').forEach((el) => {
        const link = document.createElement("a");
        link.href = data.error_rows_url;
        link.setAttribute("download", "");
        link.textContent = root.dataset.downloadLabel || "CSV";
        el.replaceChildren(link);
      });
    }
  }

  function poll(root) {
    fetch(root.dataset.importPoll, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((data) => {
        render(root, data);
        if (FINISHED.includes(data.status)) {
          root.querySelectorAll("tr progress").forEach((el) => el.remove());
          return;
        }
        window.setTimeout(() => poll(root), INTERVAL_MS);
      })
      .catch(() => window.setTimeout(() => poll(root), INTERVAL_MS * 4));
  }

  document.querySelectorAll("[data-import-poll]").forEach((root) => poll(root));
})();
