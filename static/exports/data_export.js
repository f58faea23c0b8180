// Configuraciones → Exportación de datos: custom range toggle and live progress of running
// exports (polls GET /api/v1/exports/<id>; no inline script, the page passes its config as JSON).
(function () {
  "use strict";
  const configEl = document.getElementById("export-config");
  if (!configEl) return;
  const config = JSON.parse(configEl.textContent);
  const lang = document.documentElement.lang || "es";

  const period = document.getElementById("export-period");
  const range = document.getElementById("export-range");
  if (period && range) {
    const sync = () => { range.hidden = period.value !== period.dataset.custom; };
    period.addEventListener("change", sync);
    sync();
  }

  const numbers = new Intl.NumberFormat(lang);
  const dates = new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", year: "numeric", timeZone: config.timezone });

  function formatSize(bytes) {
    if (bytes === null || bytes === undefined) return "";
    const units = ["bytes", "KB", "MB", "GB"];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
    return (unit === 0 ? numbers.format(value) : value.toLocaleString(lang, { maximumFractionDigits: 1 })) + " " + units[unit];
  }

  function render(row, data) {
    row.dataset.status = data.status;
    const field = (name) => row.querySelector('[data-field="' + name + '"]');
    const badge = field("status");
    badge.textContent = config.statusLabels[data.status] || data.status;
    badge.className = "badge badge-" + data.status;
    const bar = field("progress");
    bar.value = data.progress;
    bar.textContent = data.progress + " %";
    bar.hidden = !(data.status === "queued" || data.status === "running");
    field("error").textContent = data.error || "";
    field("rows").textContent = data.row_count === null ? "" : numbers.format(data.row_count);
    field("size").textContent = formatSize(data.size);
    field("expires").textContent = data.expires_at ? dates.format(new Date(data.expires_at)) : "";
    const download = field("download");
    download.textContent = "";
    if (data.download_url) {
      const link = document.createElement("a");
      link.href = data.download_url;
      link.setAttribute("download", "");
      link.textContent = config.download;
      download.appendChild(link);
    }
  }

  function poll(id) {
    const row = document.querySelector('tr[data-export-id="' + id + '"]');
    if (!row) return;
    fetch(config.api + "/" + id, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((data) => {
        render(row, data);
        if (data.status === "queued" || data.status === "running") {
          window.setTimeout(() => poll(id), config.pollMs);
        }
      })
      .catch(() => window.setTimeout(() => poll(id), config.pollMs * 4));
  }

  (config.active || []).forEach((id) => poll(id));
})();
