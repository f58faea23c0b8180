// Configuraciones → Exportación de datos, progressively enhanced (the form works without it):
// the custom range toggle, a new kind opens its form at once, the long checkbox lists filter as
// you type, contacts are searched by name, and the history's queued and running exports follow
// GET /api/v1/exports/<id>. No inline script: the page passes its config as JSON.
(function () {
  "use strict";
  const configEl = document.getElementById("export-config");
  if (!configEl) return;
  const config = JSON.parse(configEl.textContent);
  const S = config.strings || {};
  const lang = document.documentElement.lang || "es";

  const period = document.getElementById("export-period");
  const range = document.getElementById("export-range");
  if (period && range) {
    const sync = () => { range.hidden = period.value !== period.dataset.custom; };
    period.addEventListener("change", sync);
    sync();
  }

  // "Qué exportar": picking a kind submits the form's "show its filters" button; the server
  // answers with that kind's form, keeping the period and the filters both kinds share.
  const form = document.getElementById("export-form");
  const changeKind = form && form.querySelector("[data-change-kind]");
  if (form && changeKind) {
    changeKind.hidden = true;
    form.querySelectorAll('input[name="kind"]').forEach((radio) => {
      radio.addEventListener("change", () => {
        if (!radio.checked) return;
        form.classList.add("is-switching");
        if (typeof form.requestSubmit === "function") form.requestSubmit(changeKind);
        else changeKind.click();
      });
    });
  }

  // Long checkbox lists: filter as you type, accents and case ignored ("jose" finds "José").
  const fold = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  document.querySelectorAll("[data-list-search]").forEach((search) => {
    const list = document.getElementById(search.dataset.listSearch);
    const empty = document.querySelector('[data-list-empty="' + search.dataset.listSearch + '"]');
    if (!list) return;
    const items = [...list.querySelectorAll("li")].map((li) => ({ li, text: fold(li.dataset.label || li.textContent) }));
    search.hidden = false;
    search.addEventListener("input", () => {
      const text = fold(search.value);
      let shown = 0;
      items.forEach(({ li, text: label }) => {
        // A checked box stays in sight: what is picked is never hidden by the search.
        const visible = !text || label.includes(text) || li.querySelector("input").checked;
        li.hidden = !visible;
        if (visible) shown += 1;
      });
      if (empty) empty.hidden = shown > 0;
    });
    // Enter in the search box must not post the form.
    search.addEventListener("keydown", (event) => { if (event.key === "Enter") event.preventDefault(); });
  });

  // Contacto: search by name or id (GET /api/v1/contacts?search=); a pick adds its id to the field.
  document.querySelectorAll("[data-contact-search]").forEach((box) => {
    const field = document.getElementById(box.dataset.contactSearch);
    const names = document.querySelector('[data-contact-names="' + box.dataset.contactSearch + '"]');
    const input = box.querySelector("input");
    const results = box.querySelector("ul");
    if (!field || !input || !results) return;
    box.hidden = false;
    const item = (text, className) => {
      const li = document.createElement("li");
      li.className = className || "muted";
      li.textContent = text;
      return li;
    };
    const ids = () => field.value.split(/[\s,;]+/).filter(Boolean);
    function pick(id, name) {
      const current = ids();
      if (!current.includes(id)) field.value = current.concat([id]).join(", ");
      if (names) {
        const shown = names.textContent ? names.textContent.split(", ") : [];
        if (!shown.includes(name)) names.textContent = shown.concat([name]).join(", ");
        names.hidden = false;
      }
      input.value = "";
      results.replaceChildren();
      input.focus();
    }
    let timer = null;
    let controller = null;
    input.addEventListener("keydown", (event) => { if (event.key === "Enter") event.preventDefault(); });
    input.addEventListener("input", () => {
      window.clearTimeout(timer);
      const text = input.value.trim();
      if (!text) { results.replaceChildren(); return; }
      timer = window.setTimeout(() => {
        if (controller) controller.abort();
        controller = new AbortController();
        results.replaceChildren(item(S.searching));
        const url = config.contactsApi + "?" + new URLSearchParams({ search: text, page_size: "8" });
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, signal: controller.signal })
          .then((response) => (response.ok ? response.json() : Promise.reject(new Error(String(response.status)))))
          .then((data) => {
            const rows = data.results || [];
            if (!rows.length) { results.replaceChildren(item(S.noMatches)); return; }
            results.replaceChildren(...rows.map((contact) => {
              const id = String(contact.id);
              const name = contact.name || [contact.first_name, contact.last_name].filter(Boolean).join(" ") || "#" + id;
              const button = document.createElement("button");
              button.type = "button";
              button.className = "menu-item";
              button.dataset.contact = id;
              button.textContent = name + " · ID " + id;
              button.addEventListener("click", () => pick(id, name));
              const li = document.createElement("li");
              li.append(button);
              return li;
            }));
          })
          .catch((error) => { if (error.name !== "AbortError") results.replaceChildren(item(S.searchError, "error")); });
      }, 250);
    });
  });

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
