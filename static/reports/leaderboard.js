// Reportes → Tabla de Clasificación on the report shell (report_shell.js): the board's cards
// (totals of the rows, medians over every time, with the previous period), the best-ranked agents
// as horizontal bars of the rank column (with its numbers table) and the board itself, one row per
// member, sortable by any column (the `sort` parameter, kept in the URL), with rank and change
// against the previous period (docs/reports.md "Tabla de Clasificación"). Times arrive in whole seconds.
(function () {
  "use strict";

  window.ReportShell.start((R) => {
    const { cfg, S, el, interpolate, fmtInt, ANIMATION, navigate, withChanges, stateMessage, showMessage, slot,
      charts, destroyChart, numbersTable, pager, queryString, trendNode, fmtDuration, sourceColour } = R;
    const COLUMNS = ["assigned", "closed", "messages_sent", "first_response_median", "resolution_median", "online_seconds"];
    const TIMES = ["first_response_median", "resolution_median", "online_seconds"];
    const LOWER_IS_BETTER = ["first_response_median", "resolution_median"];
    const label = (column) => S["col_" + column];
    const format = (column, value) => (TIMES.includes(column) ? fmtDuration(value) : fmtInt(value));
    const currentSort = () => R.getState().sort || S.defaultSort;
    const me = String(cfg.me || "");

    function metricCard(metric, range) {
      const card = el("li", { className: "card card-total", dataset: { metric: metric.key } },
        el("p", { className: "card-label", text: metric.label }));
      if (metric.state !== "ok") {
        card.append(el("p", { className: "state-message", dataset: { state: metric.state }, text: stateMessage(metric) }));
        return card;
      }
      const fmt = (value) => format(metric.key, value);
      card.append(el("p", { className: "card-value", dataset: { value: metric.value }, text: fmt(metric.value) }));
      if (metric.previous !== null) card.append(trendNode(metric, range, { format: fmt, lowerIsBetter: LOWER_IS_BETTER.includes(metric.key) }));
      return card;
    }
    function renderSummary(data) {
      const message = stateMessage(data);
      if (message) { ["metrics", "bar"].forEach((name) => showMessage(name, message)); return; }
      slot("metrics").replaceChildren(el("ul", { className: "cards", role: "list" },
        data.metrics.map((metric) => metricCard(metric, data.previous_period))));
      renderChart(data);
    }
    function renderChart(data) {
      destroyChart("bar");
      const column = data.rank_column;
      const rows = data.chart;
      document.getElementById("bar-title").textContent = interpolate(S.chartTitle, { column: label(column).toLowerCase() });
      const canvas = el("canvas", { id: "bar-chart", role: "img", "aria-label": interpolate(S.chartAria, { column: label(column) }) });
      const box = el("div", { className: "chart-box" }, canvas);
      slot("bar").replaceChildren(box, numbersTable(S.tableChart, [S.rank, S.col_name, label(column)],
        rows.map((r) => [fmtInt(r.rank), r.user.name, format(column, r.value)])));
      if (!window.Chart) return;
      charts.bar = new window.Chart(canvas, {
        type: "bar",
        data: { labels: rows.map((r) => r.rank + ". " + r.user.name),
          datasets: [{ label: label(column), data: rows.map((r) => r.value), backgroundColor: sourceColour("rank"), borderWidth: 0, maxBarThickness: 22 }] },
        options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: ANIMATION,
          scales: { x: { beginAtZero: true, ticks: { maxTicksLimit: 5, callback: (v) => format(column, v) } }, y: { grid: { display: false } } },
          plugins: { legend: { display: false }, tooltip: { callbacks: { label: (item) => label(column) + ": " + format(column, item.raw) } } } },
      });
    }
    function sortHeader(column, className) {
      const sort = currentSort();
      const active = sort.replace(/^-/, "") === column;
      const descending = sort.startsWith("-");
      // A first click orders best first (most, or quickest for medians; names A→Z); a second reverses.
      const first = column === "name" || LOWER_IS_BETTER.includes(column) ? column : "-" + column;
      const next = active ? (descending ? column : "-" + column) : first;
      return el("th", { scope: "col", className, "aria-sort": active ? (descending ? "descending" : "ascending") : null },
        el("button", { type: "button", className: "sort-button", dataset: { sort: column },
          title: interpolate(S.sortBy, { column: label(column) }),
          onclick: () => navigate(withChanges({ sort: next === S.defaultSort ? "" : next })) },
        label(column), active ? (descending ? " ▼" : " ▲") : ""));
    }
    function rankCell(row) {
      const change = row.rank_change;
      const kind = change > 0 ? "up" : change < 0 ? "down" : "same";
      const text = change > 0 ? "▲ " + change : change < 0 ? "▼ " + -change : "=";
      const spoken = change === 0 ? S.samePlace : interpolate(change > 0 ? S.climbed : S.fell, { n: Math.abs(change), rank: row.previous_rank });
      return el("td", { className: "num", dataset: { rank: row.rank, change } }, fmtInt(row.rank),
        el("span", { className: "rank-change rank-" + kind, title: spoken, "aria-hidden": "true", text }),
        el("span", { className: "sr-only", text: spoken }));
    }
    function renderLog(data) {
      const message = stateMessage(data);
      if (message) { showMessage("log", message); return; }
      const head = el("thead", {}, el("tr", {}, el("th", { scope: "col", className: "num", text: S.rank }),
        sortHeader("name", "col-agent"), COLUMNS.map((column) => sortHeader(column, "num"))));
      const body = el("tbody", {}, data.results.map((row) => el("tr", { dataset: { user: row.user.id }, className: String(row.user.id) === me ? "is-me" : null },
        rankCell(row),
        el("th", { scope: "row", className: "col-agent wrap", text: row.user.name }),
        COLUMNS.map((column) => el("td", { className: "num", dataset: { column, value: row[column] ?? "" } }, format(column, row[column]))))));
      slot("log").replaceChildren(el("div", { className: "table-scroll log-scroll", tabindex: "0", "aria-labelledby": "log-title" },
        el("table", { className: "data log-table leaderboard-table" }, head, body)), pager(data));
    }
    return {
      summary: { url: () => cfg.api.summary + "?" + queryString(R.getState(), { page: false, interval: false }), slots: ["metrics", "bar"], render: renderSummary },
      log: { url: () => cfg.api.log + "?" + queryString(R.getState(), { interval: false }) + "&page_size=" + cfg.pageSize, slots: ["log"], render: renderLog },
    };
  });
})();
