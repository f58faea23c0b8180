// Flujos step editor: turns the steps JSON field into rows that can be added, removed and
// reordered, and writes the JSON back before the form is sent. Without JavaScript (or with
// JSON this editor cannot read) the raw JSON field stays visible and works on its own.
(function () {
  "use strict";
  const form = document.getElementById("workflow-form");
  const template = document.getElementById("step-row-template");
  if (!form || !template) return;
  const raw = form.querySelector("textarea[name=steps]");
  const list = document.getElementById("step-list");
  const empty = document.getElementById("step-empty");

  let steps;
  try {
    steps = JSON.parse(raw.value || "[]");
  } catch (e) {
    return;
  }
  if (!Array.isArray(steps) || !steps.every((s) => s && typeof s === "object" && !Array.isArray(s))) return;

  let errors = {};
  const errorsNode = document.getElementById("step-errors");
  try {
    errors = JSON.parse(errorsNode ? errorsNode.textContent : "{}") || {};
  } catch (e) {
    errors = {};
  }

  const toNumber = (value) => (value === "" || value === null ? null : Number(value));

  function field(row, name) {
    return row.querySelector(`[data-field="${name}"]`);
  }

  function refresh(row) {
    const type = field(row, "type").value;
    const mode = field(row, "mode").value;
    row.querySelectorAll("[data-for]").forEach((el) => {
      el.hidden = el.dataset.for !== type;
    });
    row.querySelectorAll("[data-when-mode]").forEach((el) => {
      el.hidden = !el.dataset.whenMode.split(" ").includes(mode);
    });
  }

  function read(row) {
    const type = field(row, "type").value;
    const step = { type };
    if (type === "assign_to") {
      step.mode = field(row, "mode").value;
      if (step.mode === "user") step.user = toNumber(field(row, "user").value);
      if (step.mode === "team") step.team = toNumber(field(row, "team").value);
      if (step.mode !== "user") step.strategy = field(row, "strategy").value;
      step.only_online = field(row, "only_online").checked;
      step.reassign = field(row, "reassign").checked;
      step.max_open = toNumber(field(row, "max_open").value.trim());
    } else if (type === "close_conversation") {
      step.note = field(row, "note").value;
    } else if (type === "add_tag") {
      step.tag = field(row, "tag").value;
    } else if (type === "send_message") {
      step.text = field(row, "text").value;
    }
    return step;
  }

  function sync() {
    const rows = Array.from(list.children);
    raw.value = JSON.stringify(rows.map(read));
    empty.hidden = rows.length > 0;
    rows.forEach((row, index) => {
      row.querySelector('[data-action="up"]').disabled = index === 0;
      row.querySelector('[data-action="down"]').disabled = index === rows.length - 1;
    });
  }

  function showErrors(row, index) {
    const box = row.querySelector('[data-role="errors"]');
    const prefix = `steps.${index}`;
    Object.keys(errors).forEach((key) => {
      if (key !== prefix && !key.startsWith(prefix + ".")) return;
      const name = key.slice(prefix.length + 1);
      const input = name ? field(row, name) : null;
      if (input) input.setAttribute("aria-invalid", "true");
      errors[key].forEach((message) => {
        const item = document.createElement("li");
        const label = input && input.closest("label") ? input.closest("label").firstChild.textContent.trim() : "";
        item.textContent = label ? `${label}: ${message}` : message;
        box.appendChild(item);
      });
      box.hidden = false;
      row.classList.add("wf-invalid");
    });
  }

  function addRow(step, index) {
    const row = template.content.firstElementChild.cloneNode(true);
    const values = Object.assign({ type: "assign_to", mode: "team", strategy: "round_robin" }, step);
    row.querySelectorAll("[data-field]").forEach((input) => {
      const value = values[input.dataset.field];
      if (input.type === "checkbox") input.checked = Boolean(value);
      else input.value = value === undefined || value === null ? "" : String(value);
    });
    refresh(row);
    if (index !== undefined) showErrors(row, index);
    row.addEventListener("input", sync);
    row.addEventListener("change", (event) => {
      if (event.target.dataset.field === "type" || event.target.dataset.field === "mode") refresh(row);
      sync();
    });
    row.addEventListener("click", (event) => {
      const action = event.target.dataset.action;
      if (action === "remove") row.remove();
      else if (action === "up" && row.previousElementSibling) list.insertBefore(row, row.previousElementSibling);
      else if (action === "down" && row.nextElementSibling) list.insertBefore(row.nextElementSibling, row);
      else return;
      sync();
    });
    list.appendChild(row);
    return row;
  }

  steps.forEach((step, index) => addRow(step, index));
  document.getElementById("step-add").addEventListener("click", () => {
    const row = addRow({});
    sync();
    field(row, "type").focus();
  });
  form.addEventListener("submit", sync);

  document.getElementById("steps-raw").hidden = true;
  document.getElementById("step-editor").hidden = false;
  sync();
})();
