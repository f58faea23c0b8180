// The reports framework's page shell: filter bar (Frecuencia y fecha, Agregar filtro, chips,
// Borrar todo), state ⇄ URL, loading with skeletons, errors with retry, the range, legends, the
// numbers tables, bucket labels and drill-down, export links and the log's pager. A report's
// script calls ReportShell.start(define): define(R) receives these helpers and returns the
// components ("units") it loads from its report API. Strict CSP: no inline code or styles; data
// only through textContent.
(function () {
  "use strict";

  // ReportShell.extend(define): more components of a page, declared like start's (define(R) →
  // { name: { url, slots, render } }); they load with the summary. It may run before or after start.
  const extensions = [];
  let started = null;
  window.ReportShell = { start, extend: (define) => (started ? started(define) : extensions.push(define)) };

  function start(define) {
  const cfg = JSON.parse(document.getElementById("report-config").textContent);
  const S = cfg.strings;
  const FILTERS = cfg.filters.map((f) => f.param);
  // Scalar parameters a report keeps in its URL besides the filters (e.g. the leaderboard's sort).
  const STATE_PARAMS = cfg.stateParams || [];
  const LOCALE = cfg.language === "en" ? "en" : "es";
  const memberName = Object.fromEntries(cfg.members.map((m) => [String(m.id), m.name]));
  const contactName = Object.assign({}, cfg.contactNames);
  const filterLabel = Object.fromEntries(cfg.filters.map((f) => [f.param, f.label]));
  const filterOf = Object.fromEntries(cfg.filters.map((f) => [f.param, f]));
  const optionLabel = Object.fromEntries(cfg.filters.map((f) => [f.param, Object.fromEntries((f.options || []).map((o) => [o.value, o.label]))]));
  Object.assign(filterLabel, { period: S.period, start: S.from, end: S.to });

  // ---------------------------------------------------------------- small helpers
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "className") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  function interpolate(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_, name) => (name in values ? values[name] : ""));
  }
  function sourceColour(source) {
    const value = getComputedStyle(document.documentElement).getPropertyValue("--src-" + source).trim();
    return value || "#888888";
  }
  function dot(source) {
    return el("span", { className: "src-dot src-" + source, "aria-hidden": "true" });
  }

  // ---------------------------------------------------------------- locale formatting
  function numberFormat(options) {
    try {
      return new Intl.NumberFormat(LOCALE, Object.assign({ useGrouping: "always" }, options));
    } catch (e) {
      return new Intl.NumberFormat(LOCALE, options);
    }
  }
  const intFmt = numberFormat({ maximumFractionDigits: 0 });
  const pctFmt = numberFormat({ style: "percent", maximumFractionDigits: 1 });
  const trendFmt = numberFormat({ style: "percent", maximumFractionDigits: 0 });
  const dayFmt = new Intl.DateTimeFormat(LOCALE, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  const dayShortFmt = new Intl.DateTimeFormat(LOCALE, { day: "numeric", month: "short", timeZone: "UTC" });
  const monthFmt = new Intl.DateTimeFormat(LOCALE, { month: "short", year: "numeric", timeZone: "UTC" });
  const stampDateFmt = new Intl.DateTimeFormat(LOCALE, { day: "numeric", month: "short", year: "numeric", timeZone: cfg.timezone });
  const stampTimeFmt = new Intl.DateTimeFormat(LOCALE, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZone: cfg.timezone });
  const fmtInt = (n) => intFmt.format(n);
  const ANIMATION = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches ? false : { duration: 250 };
  const fmtPct = (p) => pctFmt.format(p / 100);
  function isoDay(text) {
    const [y, m, d] = text.slice(0, 10).split("-").map(Number);
    return new Date(Date.UTC(y, m - 1, d));
  }
  const fmtDay = (text) => dayFmt.format(isoDay(text));
  const fmtRange = (a, b) => (a === b ? fmtDay(a) : fmtDay(a) + " – " + fmtDay(b));
  // Compact form for the trend's previous period ("11–17 nov 2026").
  function fmtRangeShort(a, b) {
    if (typeof dayFmt.formatRange === "function") return dayFmt.formatRange(isoDay(a), isoDay(b));
    return fmtRange(a, b);
  }
  function fmtStamp(iso) {
    const date = new Date(iso);
    return stampDateFmt.format(date) + " " + stampTimeFmt.format(date);
  }
  function addDays(text, days) {
    const date = isoDay(text);
    date.setUTCDate(date.getUTCDate() + days);
    return date.toISOString().slice(0, 10);
  }

  // ---------------------------------------------------------------- state ⇄ URL
  function emptyState() {
    const state = { period: cfg.defaultPeriod, start: "", end: "", interval: "", page: 1 };
    FILTERS.forEach((name) => (state[name] = []));
    STATE_PARAMS.forEach((name) => (state[name] = ""));
    return state;
  }
  function stateFromSearch(search) {
    const params = new URLSearchParams(search);
    const state = emptyState();
    state.period = params.get("period") || "";
    state.start = params.get("start") || "";
    state.end = params.get("end") || "";
    if (!state.period && !state.start && !state.end) state.period = cfg.defaultPeriod;
    state.interval = params.get("interval") || "";
    // Repeated (source=api&source=user) or a comma-separated list (source=api,user), as the API takes.
    FILTERS.forEach((name) => (state[name] = [...new Set(params.getAll(name).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean))]));
    STATE_PARAMS.forEach((name) => (state[name] = params.get(name) || ""));
    const page = parseInt(params.get("page") || "1", 10);
    state.page = page > 0 ? page : 1;
    return state;
  }
  function queryString(state, { page = true, interval = true } = {}) {
    const params = new URLSearchParams();
    if (state.period) params.set("period", state.period);
    if (state.start) params.set("start", state.start);
    if (state.end) params.set("end", state.end);
    FILTERS.forEach((name) => state[name].forEach((value) => params.append(name, value)));
    STATE_PARAMS.forEach((name) => { if (state[name]) params.set(name, state[name]); });
    if (interval && state.interval) params.set("interval", state.interval);
    if (page && state.page > 1) params.set("page", String(state.page));
    return params.toString();
  }
  function filtersKey(state) {
    return queryString(state, { page: false });
  }
  let state = Object.assign(emptyState(), cfg.state);

  function navigate(next) {
    if (queryString(next) === queryString(state)) return; // nothing changed: no history entry
    const onlyPage = filtersKey(next) === filtersKey(state);
    state = next;
    const qs = queryString(state);
    history.pushState(null, "", location.pathname + (qs ? "?" + qs : ""));
    refresh(onlyPage);
  }
  function withChanges(changes) {
    return Object.assign({}, state, { page: 1 }, changes);
  }
  window.addEventListener("popstate", () => {
    const next = stateFromSearch(location.search);
    const onlyPage = filtersKey(next) === filtersKey(state);
    state = next;
    closePopovers();
    refresh(onlyPage);
  });

  // ---------------------------------------------------------------- popovers
  const periodButton = document.getElementById("period-button");
  const periodMenu = document.getElementById("period-menu");
  const addButton = document.getElementById("add-filter-button");
  const addMenu = document.getElementById("add-filter-menu");
  const editor = document.getElementById("filter-editor");
  const chips = document.getElementById("chips");
  const clearAll = document.getElementById("clear-all");
  let openPopover = null;

  function openPop(pop, trigger, focusSelector) {
    closePopovers();
    pop.hidden = false;
    openPopover = { pop, trigger };
    if (trigger) trigger.setAttribute("aria-expanded", "true");
    // The first selector that matches wins (e.g. the current preset before any button).
    const target = [].concat(focusSelector || "button, input").map((sel) => pop.querySelector(sel)).find(Boolean);
    if (target) target.focus();
  }
  function closePopovers(restoreFocus) {
    if (!openPopover) return;
    const { pop, trigger } = openPopover;
    pop.hidden = true;
    openPopover = null;
    if (trigger) {
      trigger.setAttribute("aria-expanded", "false");
      if (restoreFocus && document.contains(trigger)) trigger.focus();
    }
  }
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && openPopover) {
      event.preventDefault();
      closePopovers(true);
    }
  });
  document.addEventListener("mousedown", (event) => {
    if (!openPopover) return;
    const { pop, trigger } = openPopover;
    if (!pop.contains(event.target) && !(trigger && trigger.contains(event.target))) closePopovers(false);
  });

  // ---------------------------------------------------------------- "Frecuencia y fecha"
  function periodText() {
    const preset = cfg.presets.find((p) => p.value === state.period);
    if (preset) return preset.label;
    if (state.start && state.end && !state.period) return fmtRange(state.start, state.end);
    return state.period || S.periodCustom;
  }
  function renderPeriodMenu() {
    periodMenu.replaceChildren();
    const list = el("ul", { className: "menu-list", role: "list" });
    cfg.presets.forEach((preset) => {
      const current = preset.value === state.period;
      list.append(el("li", {}, el("button", {
        type: "button", className: "menu-item", "aria-pressed": current ? "true" : "false",
        dataset: { period: preset.value }, text: preset.label,
        onclick: () => {
          closePopovers(true);
          navigate(withChanges({ period: preset.value, start: "", end: "" }));
        },
      })));
    });
    periodMenu.append(list);
    const start = el("input", { type: "date", id: "range-start", required: true, max: cfg.today, value: state.period ? "" : state.start });
    const end = el("input", { type: "date", id: "range-end", required: true, max: cfg.today, value: state.period ? "" : state.end });
    const error = el("p", { className: "field-error", role: "alert" });
    const form = el("form", { className: "range-form", novalidate: true },
      el("fieldset", {},
        el("legend", { text: S.periodCustom }),
        el("label", { for: "range-start" }, S.from), start,
        el("label", { for: "range-end" }, S.to), end),
      error,
      el("button", { type: "submit", className: "btn btn-primary", text: S.apply }));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const a = start.value, b = end.value;
      if (!a || !b || b < a) { error.textContent = S.rangeInvalid; return; }
      if ((isoDay(b) - isoDay(a)) / 86400000 + 1 > cfg.maxSpanDays) { error.textContent = S.rangeTooLong; return; }
      closePopovers(true);
      navigate(withChanges({ period: "", start: a, end: b }));
    });
    periodMenu.append(form);
  }
  periodButton.addEventListener("click", () => {
    if (openPopover && openPopover.pop === periodMenu) return closePopovers(true);
    renderPeriodMenu();
    openPop(periodMenu, periodButton, ["[aria-pressed='true']", "button"]);
  });

  // ---------------------------------------------------------------- "Agregar filtro", chips
  function valueLabel(param, value) {
    const filter = filterOf[param] || {};
    if (value === "none" && filter.allowNone) return filter.noneLabel || S.unassigned;
    if (filter.widget === "choice" || filter.widget === "options") return optionLabel[param][value] || value;
    if (filter.widget === "member") return memberName[value] || "#" + value;
    if (filter.widget === "contact") return contactName[value] || "#" + value;
    return "#" + value;
  }
  function renderAddMenu() {
    addMenu.replaceChildren();
    const list = el("ul", { className: "menu-list", role: "list" });
    cfg.filters.forEach((filter) => {
      const active = state[filter.param].length > 0;
      list.append(el("li", {}, el("button", {
        type: "button", className: "menu-item" + (active ? " is-active" : ""), dataset: { filter: filter.param },
        "aria-pressed": active ? "true" : "false", text: filter.label,
        onclick: () => openEditor(filter.param, addButton),
      })));
    });
    addMenu.append(list);
  }
  addButton.addEventListener("click", () => {
    if (openPopover && openPopover.pop === addMenu) return closePopovers(true);
    renderAddMenu();
    openPop(addMenu, addButton);
  });

  function renderChips() {
    periodButton.querySelector(".period-label").textContent = periodText();
    if (intervalSelect) intervalSelect.value = ["hour", "day", "week", "month"].includes(state.interval) ? state.interval : "";
    chips.replaceChildren();
    let any = false;
    cfg.filters.forEach((filter) => {
      const values = state[filter.param];
      if (!values.length) return;
      any = true;
      const edit = (event) => openEditor(filter.param, event.currentTarget);
      const remove = el("button", {
        type: "button", className: "chip-remove", "aria-label": S.remove + ": " + filter.label, text: "×",
        onclick: () => navigate(withChanges({ [filter.param]: [] })),
      });
      if (values.length === 1) {
        const label = el("button", {
          type: "button", className: "chip-label", dataset: { filter: filter.param }, "aria-haspopup": "dialog", onclick: edit,
        }, el("span", { className: "chip-name", text: filter.label + ": " }), valueLabel(filter.param, values[0]));
        chips.append(el("li", { className: "chip" }, label, remove));
        return;
      }
      // Several values: each is its own part of the chip with its own remove button (drawn by
      // CSS, so the chip still reads "Fuente: Usuario, Workflow"); the last × removes them all.
      const parts = [el("button", {
        type: "button", className: "chip-label", dataset: { filter: filter.param }, "aria-haspopup": "dialog", onclick: edit,
      }, el("span", { className: "chip-name", text: filter.label + ":" })), " "];
      values.forEach((value, index) => {
        const label = valueLabel(filter.param, value);
        if (index) parts.push(", ");
        parts.push(el("span", { className: "chip-value", dataset: { value } },
          el("button", { type: "button", className: "chip-value-label", "aria-haspopup": "dialog", onclick: edit, text: label }),
          el("button", {
            type: "button", className: "chip-value-remove", dataset: { filter: filter.param, value },
            "aria-label": S.removeValue + " " + filter.label + ": " + label,
            onclick: () => navigate(withChanges({ [filter.param]: values.filter((v) => v !== value) })),
          })));
      });
      chips.append(el("li", { className: "chip chip-multi" }, el("span", { className: "chip-body" }, parts), remove));
    });
    const isDefault = state.period === cfg.defaultPeriod && !state.start && !state.end && !state.interval
      && STATE_PARAMS.every((name) => !state[name]);
    clearAll.hidden = !any && isDefault;
  }
  clearAll.addEventListener("click", () => navigate(emptyState()));

  // "Agrupar por": the bar chart's bucket (hour / day / week / month); empty = the API's choice.
  const intervalSelect = document.getElementById("interval-select");
  if (intervalSelect) intervalSelect.addEventListener("change", () => navigate(withChanges({ interval: intervalSelect.value })));

  // The editor of one filter: a draft of its values, applied with "Aplicar".
  function openEditor(param, trigger) {
    const draft = [...state[param]];
    const filter = filterOf[param];
    editor.replaceChildren();
    const title = el("h3", { id: "editor-title", text: filterLabel[param] });
    const body = el("div", { className: "editor-body" });
    const apply = () => {
      closePopovers(false);
      navigate(withChanges({ [param]: draft.slice() }));
      addButton.focus();
    };
    const none = filter.allowNone ? [{ value: "none", label: filter.noneLabel || S.unassigned }] : [];
    if (filter.widget === "choice" || filter.widget === "options") body.append(checkList(param, none.concat(filter.options || []), draft, filter.widget === "options"));
    else if (filter.widget === "member") body.append(checkList(param, none.concat(memberOptions()), draft, true));
    else if (filter.widget === "contact") body.append(contactPicker(draft));
    else body.append(conversationPicker(draft, apply));
    const actions = el("div", { className: "editor-actions" },
      el("button", { type: "button", className: "btn", text: S.cancel, onclick: () => closePopovers(true) }),
      el("button", { type: "button", className: "btn btn-primary", dataset: { action: "apply" }, text: S.apply, onclick: apply }));
    editor.setAttribute("aria-labelledby", "editor-title");
    editor.append(title, body, actions);
    openPop(editor, trigger, "input, button");
  }
  function memberOptions() {
    return cfg.members.map((m) => ({ value: String(m.id), label: m.name }));
  }
  function checkList(param, options, draft, searchable) {
    const wrap = el("div", { className: "check-list-wrap" });
    const list = el("ul", { className: "check-list", role: "list" });
    options.forEach((option) => {
      const id = "f-" + param + "-" + option.value;
      const box = el("input", { type: "checkbox", id, value: option.value, checked: draft.includes(option.value) });
      box.addEventListener("change", () => {
        const at = draft.indexOf(option.value);
        if (box.checked && at < 0) draft.push(option.value);
        if (!box.checked && at >= 0) draft.splice(at, 1);
      });
      list.append(el("li", { dataset: { label: option.label.toLowerCase() } }, box,
        el("label", { for: id }, filterOf[param].dots && option.value !== "none" ? dot(option.value) : null, option.label)));
    });
    if (searchable && options.length > 8) {
      const search = el("input", { type: "search", className: "editor-search", placeholder: S.searchMembers, "aria-label": S.searchMembers });
      search.addEventListener("input", () => {
        const text = search.value.trim().toLowerCase();
        list.querySelectorAll("li").forEach((li) => (li.hidden = !!text && !li.dataset.label.includes(text)));
      });
      wrap.append(search);
    }
    wrap.append(list);
    return wrap;
  }
  function tokenList(draft, param, onChange) {
    const list = el("ul", { className: "tokens", role: "list" });
    const render = () => {
      list.replaceChildren(...draft.map((value) => el("li", { className: "token" }, valueLabel(param, value),
        el("button", { type: "button", className: "token-remove", "aria-label": S.removeValue + " " + valueLabel(param, value), text: "×",
          onclick: () => { draft.splice(draft.indexOf(value), 1); render(); onChange && onChange(); } }))));
    };
    render();
    return { list, render };
  }
  // Contacto: search as you type by name or ID (GET /api/v1/contacts?search=).
  function contactPicker(draft) {
    const tokens = tokenList(draft, "contact");
    const input = el("input", { type: "search", className: "editor-search", placeholder: S.searchContacts, "aria-label": S.searchContacts, autocomplete: "off", "aria-controls": "contact-results" });
    const results = el("ul", { className: "search-results", id: "contact-results", role: "list", "aria-live": "polite" });
    let timer = null, controller = null;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      const text = input.value.trim();
      if (!text) { results.replaceChildren(); return; }
      timer = setTimeout(async () => {
        if (controller) controller.abort();
        controller = new AbortController();
        results.replaceChildren(el("li", { className: "muted", text: S.searching }));
        try {
          const data = await getJSON(cfg.api.contacts + "?" + new URLSearchParams({ search: text, page_size: "8" }), controller.signal);
          const rows = data.results || [];
          if (!rows.length) { results.replaceChildren(el("li", { className: "muted", text: S.noMatches })); return; }
          results.replaceChildren(...rows.map((contact) => {
            const id = String(contact.id);
            const name = contact.name || [contact.first_name, contact.last_name].filter(Boolean).join(" ") || "#" + id;
            return el("li", {}, el("button", {
              type: "button", className: "menu-item", dataset: { contact: id },
              onclick: () => {
                contactName[id] = name;
                if (!draft.includes(id)) draft.push(id);
                tokens.render();
                input.focus();
              },
            }, el("span", { text: name }), el("span", { className: "muted", text: " · ID " + id })));
          }));
        } catch (error) {
          if (error.name !== "AbortError") results.replaceChildren(el("li", { className: "field-error", text: error.message }));
        }
      }, 250);
    });
    return el("div", {}, tokens.list, input, results);
  }
  // Id. de conversación: one or more numeric ids.
  function conversationPicker(draft, apply) {
    const tokens = tokenList(draft, "conversation");
    const input = el("input", { type: "text", inputmode: "numeric", className: "editor-search", id: "conversation-input", "aria-label": S.conversationId, placeholder: S.conversationId });
    const error = el("p", { className: "field-error", role: "alert" });
    const add = () => {
      const value = input.value.trim();
      if (!/^[1-9][0-9]{0,17}$/.test(value)) { error.textContent = S.invalidConversation; return false; }
      error.textContent = "";
      if (!draft.includes(value)) draft.push(value);
      input.value = "";
      tokens.render();
      return true;
    };
    input.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      if (input.value.trim() === "" && draft.length) apply();
      else add();
    });
    return el("div", {}, tokens.list,
      el("div", { className: "inline-field" }, input, el("button", { type: "button", className: "btn", text: S.add, onclick: add })), error);
  }

  // ---------------------------------------------------------------- loading the API
  class LoadError extends Error {
    constructor(message, errors) { super(message); this.errors = errors || {}; }
  }
  async function getJSON(url, signal) {
    let response;
    try {
      response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", signal });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new LoadError(S.errorNetwork);
    }
    let body = null;
    try { body = await response.json(); } catch (error) { body = null; }
    if (!response.ok || body === null) {
      const message = body && body.message ? body.message : interpolate(S.errorStatus, { status: response.status });
      throw new LoadError(message, body && body.errors);
    }
    return body;
  }

  const controllers = {};
  const slot = (name) => document.getElementById(name + "-body");
  async function load(name) {
    const unit = units[name];
    if (controllers[name]) controllers[name].abort();
    const controller = (controllers[name] = new AbortController());
    unit.slots.forEach((s) => showSkeleton(s));
    try {
      const data = await getJSON(unit.url(), controller.signal);
      if (controller.signal.aborted) return;
      renderRange(data.range);
      unit.render(data);
      unit.slots.forEach((s) => labelLogCells(slot(s)));
    } catch (error) {
      if (error.name === "AbortError") return;
      if (!rangeText.dataset.start) rangeText.replaceChildren();
      unit.slots.forEach((s) => showError(s, error, () => load(name)));
    } finally {
      // A load superseded by a newer one leaves the busy flag to the newer one.
      if (controllers[name] === controller) unit.slots.forEach((s) => slot(s).setAttribute("aria-busy", "false"));
    }
  }
  function refresh(onlyPage) {
    renderChips();
    updateExportLinks();
    // Every component the report declares (extend()'s included); a page change reloads only the log.
    if (!onlyPage) Object.keys(units).filter((name) => name !== "log").forEach(load);
    load("log");
  }

  function showSkeleton(name) {
    const body = slot(name);
    body.setAttribute("aria-busy", "true");
    destroyChart(name);
    const blocks = { metrics: 4, log: 6 }[name] || 1;
    body.replaceChildren(el("div", { className: "skeleton-group skeleton-" + name },
      el("span", { className: "sr-only", text: S.loading }),
      Array.from({ length: blocks }, () => el("div", { className: "skeleton", "aria-hidden": "true" }))));
  }
  function showMessage(name, text) {
    destroyChart(name);
    slot(name).replaceChildren(el("p", { className: "state-message", dataset: { state: text === S.noData ? "no_data" : "not_applicable" }, text }));
  }
  function showError(name, error, retry) {
    destroyChart(name);
    const details = Object.entries(error.errors || {}).map(([field, reasons]) =>
      el("li", { text: (filterLabel[field] || field) + ": " + [].concat(reasons).join(" ") }));
    slot(name).replaceChildren(el("div", { className: "component-error", role: "alert" },
      el("p", { className: "error-title", text: S.errorTitle }),
      el("p", { text: error.message }),
      details.length ? el("ul", {}, details) : null,
      el("button", { type: "button", className: "btn", dataset: { action: "retry" }, text: S.retry, onclick: retry })));
  }
  function stateMessage(data) {
    if (data.state === "not_applicable") return S.notApplicable;
    if (data.state === "no_data") return S.noData;
    return null;
  }

  // ---------------------------------------------------------------- range, metrics, pie
  const rangeText = document.getElementById("report-range");
  function renderRange(range) {
    if (!range || !range.start) return;
    rangeText.replaceChildren(el("time", { datetime: range.start, text: fmtDay(range.start) }), " – ",
      el("time", { datetime: range.end, text: fmtDay(range.end) }), " · " + range.timezone);
    rangeText.dataset.start = range.start;
    rangeText.dataset.end = range.end;
  }
  const charts = {};
  function destroyChart(name) {
    if (charts[name]) { charts[name].destroy(); delete charts[name]; }
  }
  function legend(items, onPick) {
    return el("ul", { className: "legend", role: "list" }, items.map((item) => el("li", {}, el(onPick ? "button" : "span", {
      type: onPick ? "button" : null, className: "legend-item", dataset: { source: item.source },
      title: onPick ? interpolate(S.cardFilter, { source: item.label }) : null,
      onclick: onPick ? () => onPick(item.source) : null,
    }, dot(item.source), item.label, item.extra ? el("span", { className: "muted", text: " " + item.extra }) : null))));
  }
  function numbersTable(caption, head, rows) {
    return el("details", { className: "numbers" },
      el("summary", { text: caption }),
      el("div", { className: "table-scroll" }, el("table", { className: "data numbers-table" },
        el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, rows.map((cells) => el("tr", {}, cells.map((c, i) => (i === 0 ? el("th", { scope: "row" }, c) : el("td", {}, c)))))))));
  }
  // ---------------------------------------------------------------- bar chart
  function bucketLabel(start, interval, long) {
    if (interval === "hour") return long ? fmtDay(start) + " " + start.slice(11, 16) : start.slice(11, 16);
    if (interval === "week") return (long ? S.bucketWeekOf + " " : "") + (long ? fmtDay(start) : dayShortFmt.format(isoDay(start)));
    if (interval === "month") return monthFmt.format(isoDay(start));
    return long ? fmtDay(start) : dayShortFmt.format(isoDay(start));
  }
  // The calendar days a bucket covers, clipped to the report's range (drill-down narrows to it).
  function bucketDays(start, interval, range) {
    const first = start.slice(0, 10);
    let last = first;
    if (interval === "week") last = addDays(first, 6);
    if (interval === "month") {
      const date = isoDay(first);
      last = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
    }
    return {
      start: range && first < range.start ? range.start : first,
      end: range && last > range.end ? range.end : last,
    };
  }
  function narrowToBucket(bucket, interval, range, changes) {
    const days = bucketDays(bucket.start, interval, range);
    navigate(withChanges(Object.assign({ period: "", start: days.start, end: days.end, interval: "" }, changes || {})));
  }
  // ---------------------------------------------------------------- the log
  const exportLinks = () => document.querySelectorAll("[data-export-link]");
  function exportHref() {
    const params = new URLSearchParams(queryString(state, { page: false, interval: false }));
    if (cfg.exportKind && cfg.exportKind !== "assignments") params.set("kind", cfg.exportKind);
    const qs = params.toString();
    return cfg.exportUrl + (qs ? "?" + qs : "");
  }
  function updateExportLinks() {
    exportLinks().forEach((link) => link.setAttribute("href", exportHref()));
  }
  function person(value) {
    return value ? value.name || "#" + value.id : S.empty;
  }
  function filterButton(param, value) {
    return el("button", { type: "button", className: "link-button", title: filterLabel[param] + ": " + value,
      onclick: () => navigate(withChanges({ [param]: [String(value)] })) }, String(value));
  }
  // On a phone the log's rows become cards (reports.css): each cell carries its column's name,
  // and the roles keep the table a table for screen readers once its display changes.
  function labelLogCells(container) {
    container.querySelectorAll("table.log-table").forEach((table) => {
      const headRow = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
      if (!headRow) return;
      const labels = [...headRow.cells].map((cell) => cell.textContent.trim());
      table.setAttribute("role", "table");
      [...table.querySelectorAll("thead, tbody")].forEach((group) => group.setAttribute("role", "rowgroup"));
      [...headRow.cells].forEach((cell) => cell.setAttribute("role", "columnheader"));
      [...table.rows].forEach((row) => row.setAttribute("role", "row"));
      [...table.tBodies].forEach((body) => [...body.rows].forEach((row) => [...row.cells].forEach((cell, i) => {
        cell.setAttribute("role", cell.tagName === "TH" ? "rowheader" : "cell");
        if (labels[i]) cell.dataset.label = labels[i];
      })));
    });
  }
  function pager(data) {
    const pageSize = data.page_size || cfg.pageSize;
    const pages = Math.max(1, Math.ceil(data.count / pageSize));
    const page = data.page || 1;
    const from = data.count ? (page - 1) * pageSize + 1 : 0;
    const to = Math.min(page * pageSize, data.count);
    const go = (n) => navigate(Object.assign({}, state, { page: n }));
    const nav = el("nav", { className: "pager", "aria-label": S.pagination });
    const list = el("ul", { role: "list" });
    const item = (label, target, attrs) => list.append(el("li", {}, el("button", Object.assign({
      type: "button", className: "pager-button", disabled: target === null, onclick: () => go(target),
    }, attrs), label)));
    item("‹", page > 1 ? page - 1 : null, { "aria-label": S.previousPage, dataset: { page: "previous" } });
    const shown = new Set([1, pages, page - 1, page, page + 1].filter((n) => n >= 1 && n <= pages));
    let last = 0;
    [...shown].sort((a, b) => a - b).forEach((n) => {
      if (n - last > 1) list.append(el("li", { className: "pager-gap", "aria-hidden": "true", text: "…" }));
      item(fmtInt(n), n === page ? null : n, { "aria-label": interpolate(S.pageN, { page: n }), "aria-current": n === page ? "page" : null, dataset: { page: String(n) } });
      last = n;
    });
    item("›", page < pages ? page + 1 : null, { "aria-label": S.nextPage, dataset: { page: "next" } });
    nav.append(list);
    const values = { from: fmtInt(from), to: fmtInt(to), count: fmtInt(data.count) };
    const summary = el("p", { className: "pager-summary", id: "log-summary", dataset: { count: data.count, page, capped: data.capped ? "true" : "false" } },
      interpolate(data.capped ? S.showingCapped : S.showing, values));
    if (data.capped) {
      summary.append(" " + S.cappedHint + " ",
        el("a", { href: exportHref(), "data-export-link": "", className: "capped-link", text: S.dataExport }), ".");
    }
    return el("div", { className: "pager-row" }, nav, summary);
  }


  // ---------------------------------------------------------------- trend and durations
  // The trend of a metric against the previous period. options.format prints the previous value
  // (default: a whole number); options.lowerIsBetter colours a rise as bad (waiting times).
  function trendNode(metric, previousRange, options) {
    const opts = options || {};
    const format = opts.format || fmtInt;
    const vs = interpolate(S.trendVs, { range: fmtRangeShort(previousRange.start, previousRange.end) });
    if (!metric.previous) return el("p", { className: "trend" }, el("span", { className: "muted", text: S.trendNoPrevious }));
    const change = (metric.value - metric.previous) / metric.previous;
    const direction = change > 0.0005 ? "up" : change < -0.0005 ? "down" : "same";
    const pct = trendFmt.format(Math.abs(change));
    const spoken = direction === "same" ? S.trendSame : interpolate(direction === "up" ? S.trendUp : S.trendDown, { pct });
    return el("p", { className: "trend trend-" + direction + (opts.lowerIsBetter ? " trend-inverse" : "") },
      el("span", { className: "trend-value", "aria-hidden": "true", text: { up: "▲", down: "▼", same: "=" }[direction] + " " + pct }),
      el("span", { className: "sr-only", text: spoken }),
      el("span", { className: "muted trend-vs", text: vs + " (" + format(metric.previous) + ")" }));
  }
  // Whole seconds as the reports print them (reports.framework.numbers.duration_text):
  // "45 s", "4 min 10 s", "1 h 05 min", "2 d 3 h"; null is "-".
  function fmtDuration(seconds) {
    if (seconds === null || seconds === undefined) return S.empty;
    const total = Math.floor(seconds);
    const days = Math.floor(total / 86400), hours = Math.floor((total % 86400) / 3600);
    const minutes = Math.floor((total % 3600) / 60), secs = total % 60;
    if (days) return fmtInt(days) + " d " + hours + " h";
    if (hours) return hours + " h " + String(minutes).padStart(2, "0") + " min";
    if (minutes) return minutes + " min " + secs + " s";
    return secs + " s";
  }

  // ---------------------------------------------------------------- a time series chart
  // One chart per report from a declaration: series = [{ label, value: (bucket) => number|null,
  // kind: "count" | "time", type: "bar" | "line", colour }]. Counts are bars on the left axis,
  // times lines on the right (or left when alone); the numbers table, the legend, the tooltip
  // and the drill-down (a click narrows the dates to the bucket) are the same on every report.
  function renderSeriesChart(data, series) {
    destroyChart("bar");
    const message = stateMessage(data);
    if (message) { showMessage("bar", message); return; }
    const buckets = data.buckets || [];
    const interval = data.interval;
    const intervalName = { hour: S.bucketHour, day: S.bucketDay, week: S.bucketWeek, month: S.bucketMonth }[interval] || interval;
    const format = (kind, value) => (kind === "time" ? fmtDuration(value) : fmtInt(value));
    const canvas = el("canvas", { id: "bar-chart", role: "img", "aria-label": S.barAria });
    const rows = buckets.map((b) => [
      el("button", { type: "button", className: "link-button", dataset: { bucket: b.start },
        onclick: () => narrowToBucket(b, interval, data.range, null) }, bucketLabel(b.start, interval, true)),
    ].concat(series.map((s) => format(s.kind, s.value(b)))));
    slot("bar").replaceChildren(el("div", { className: "chart-box" }, canvas),
      legend(series.map((s) => ({ source: s.colour, label: s.label })), null),
      numbersTable(S.tableBar, [intervalName].concat(series.map((s) => s.label)), rows));
    if (!window.Chart) return;
    const kinds = [...new Set(series.map((s) => s.kind))];
    const scales = { x: { grid: { display: false }, ticks: { autoSkip: true, maxRotation: 0 } } };
    kinds.forEach((kind, index) => {
      scales[kind] = { position: index === 0 ? "left" : "right", beginAtZero: true, grid: { display: index === 0 },
        ticks: kind === "time" ? { callback: (v) => fmtDuration(v), maxTicksLimit: 6 } : { precision: 0, callback: (v) => fmtInt(v) } };
    });
    // Optional stacking: series with the same `stack` name are drawn as one stacked bar per bucket.
    if (series.some((s) => s.stack)) {
      scales.x.stacked = true;
      series.filter((s) => s.stack).forEach((s) => { scales[s.kind].stacked = true; });
    }
    charts.bar = new window.Chart(canvas, {
      data: {
        labels: buckets.map((b) => bucketLabel(b.start, interval, false)),
        datasets: series.map((s) => Object.assign(
          { type: s.type || (s.kind === "time" ? "line" : "bar"), label: s.label, yAxisID: s.kind, kind: s.kind,
            data: buckets.map((b) => s.value(b)), backgroundColor: sourceColour(s.colour) },
          (s.type || (s.kind === "time" ? "line" : "bar")) === "line"
            ? { borderColor: sourceColour(s.colour), pointRadius: 3, spanGaps: false, tension: 0 }
            : { borderWidth: 0, maxBarThickness: 32 }, s.stack ? { stack: s.stack } : {})),
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: ANIMATION, interaction: { mode: "index", intersect: false },
        scales,
        plugins: { legend: { display: false }, tooltip: { callbacks: {
          title: (items) => (items.length ? bucketLabel(buckets[items[0].dataIndex].start, interval, true) : ""),
          label: (item) => item.dataset.label + ": " + format(item.dataset.kind, item.raw) } } },
        onClick: (event) => {
          const column = charts.bar.getElementsAtEventForMode(event, "index", { intersect: false }, false);
          if (column.length) narrowToBucket(buckets[column[0].index], interval, data.range, null);
        },
      },
    });
  }

  // ---------------------------------------------------------------- the report's components
  const R = {
    cfg, S, el, interpolate, dot, sourceColour, fmtInt, fmtPct, fmtDay, fmtStamp, fmtRangeShort, trendFmt, ANIMATION,
    navigate, withChanges, getState: () => state, stateMessage, showMessage, slot, charts, destroyChart, legend,
    numbersTable, bucketLabel, narrowToBucket, filterButton, person, pager, contactName, optionLabel, queryString,
    trendNode, fmtDuration, renderSeriesChart,
  };
  const units = define(R);
  const extraUnits = [];
  const addUnits = (extra) => Object.entries(extra(R)).forEach(([name, unit]) => { units[name] = unit; extraUnits.push(name); });
  extensions.forEach(addUnits);
  started = (extra) => { const before = extraUnits.length; addUnits(extra); extraUnits.slice(before).forEach(load); };
  refresh(false);
  }
})();
