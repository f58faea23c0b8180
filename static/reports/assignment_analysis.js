// Asignaciones beyond the log (docs/reports.md "Asignaciones: time to first assignment,
// reassignments, assignment to close"): three more components of the Asignaciones page, read
// from /api/v1/reports/assignments/{first-assignment,reassignments,assignment-to-close} with the
// page's query string, loaded by the report shell with the summary. Times arrive in whole seconds.
(function () {
  "use strict";

  window.ReportShell.extend((R) => {
    const { el, interpolate, dot, sourceColour, fmtInt, fmtStamp, ANIMATION, stateMessage, slot,
      charts, destroyChart, numbersTable, bucketLabel, queryString, fmtDuration, person } = R;
    const T = document.getElementById("assignment-analysis-strings").dataset;
    const base = "/api/v1/reports/assignments/";
    const query = (options) => queryString(R.getState(), Object.assign({ page: false }, options));
    const csvLink = document.getElementById("reassignments-csv");
    const csvBase = csvLink ? csvLink.getAttribute("href").split("?")[0] : null;

    // A state message in place of a component. Its own attribute (not the shell's data-state):
    // these panels are additions, and the page's own components are counted by their states.
    function showState(name, data) {
      const message = stateMessage(data);
      if (!message) return false;
      destroyChart(name);
      slot(name).replaceChildren(el("p", { className: "state-message", dataset: { analysisState: data.state }, text: message }));
      return true;
    }
    function duration(value, businessOn) {
      const cell = el("span", { className: "duration", dataset: { calendar: value.calendar ?? "", business: value.business ?? "" } },
        fmtDuration(value.calendar));
      if (businessOn) cell.append(el("span", { className: "muted duration-business", text: " · " + interpolate(T.inBusinessHours, { time: fmtDuration(value.business) }) }));
      return cell;
    }
    function card(key, label, value) {
      return el("li", { className: "card card-total", dataset: { metric: key } },
        el("p", { className: "card-label", text: label }), el("p", { className: "card-value" }, value));
    }
    function table(className, head, rows) {
      return el("div", { className: "table-scroll", tabindex: "0" }, el("table", { className: "data " + className },
        el("thead", {}, el("tr", {}, head.map((h, i) => el("th", { scope: "col", className: i === 0 ? "col-timestamp" : null }, h)))),
        el("tbody", {}, rows)));
    }

    function renderFirstAssignment(data) {
      destroyChart("first-assignment");
      if (showState("first-assignment", data)) return;
      const on = data.business_hours;
      const cards = el("ul", { className: "cards", role: "list" },
        card("first_assignments", T.firstAssignments, el("span", { dataset: { value: data.count }, text: fmtInt(data.count) })),
        card("median", T.median, duration(data.median, on)),
        card("p90", T.p90, duration(data.p90, on)),
        card("average", T.average, duration(data.average, on)));
      const sources = table("first-assignment-sources", [T.source, T.conversations, T.medianWait, T.averageWait],
        data.by_source.map((row) => el("tr", { dataset: { source: row.source } },
          el("th", { scope: "row" }, dot(row.source), row.label), el("td", { text: fmtInt(row.count) }),
          el("td", {}, duration(row.median, on)), el("td", {}, duration(row.average, on)))));
      const canvas = el("canvas", { id: "first-assignment-chart", role: "img", "aria-label": T.chartAria });
      const buckets = data.buckets;
      slot("first-assignment").replaceChildren(cards, el("div", { className: "chart-box" }, canvas), numbersTable(T.tableChart,
        ["", T.firstAssignments, T.medianWait],
        buckets.map((b) => [bucketLabel(b.start, data.interval, true), fmtInt(b.count), fmtDuration(b.median.calendar)])), sources);
      if (!window.Chart) return;
      charts["first-assignment"] = new window.Chart(canvas, {
        data: {
          labels: buckets.map((b) => bucketLabel(b.start, data.interval, false)),
          datasets: [
            { type: "bar", label: T.firstAssignments, yAxisID: "count", data: buckets.map((b) => b.count), backgroundColor: sourceColour("api"), maxBarThickness: 32 },
            { type: "line", label: T.medianWait, yAxisID: "time", data: buckets.map((b) => b.median.calendar), borderColor: sourceColour("workflow"), backgroundColor: sourceColour("workflow"), pointRadius: 3, spanGaps: false },
          ],
        },
        options: {
          responsive: true, maintainAspectRatio: false, animation: ANIMATION, interaction: { mode: "index", intersect: false },
          scales: { x: { grid: { display: false }, ticks: { autoSkip: true, maxRotation: 0 } },
            count: { position: "left", beginAtZero: true, ticks: { precision: 0, callback: (v) => fmtInt(v) } },
            time: { position: "right", beginAtZero: true, grid: { display: false }, ticks: { callback: (v) => fmtDuration(v), maxTicksLimit: 6 } } },
          plugins: { legend: { display: true, position: "bottom" }, tooltip: { callbacks: {
            label: (item) => item.dataset.label + ": " + (item.dataset.yAxisID === "time" ? fmtDuration(item.raw) : fmtInt(item.raw)) } } },
        },
      });
    }

    function renderReassignments(data) {
      if (csvLink) csvLink.setAttribute("href", csvBase + "?" + query({ interval: false }));
      if (showState("reassignments", data)) return;
      const rows = data.results.map((row) => el("tr", { dataset: { conversation: row.conversation_id } },
        el("td", { className: "col-timestamp" }, el("a", {
          href: location.pathname + "?" + new URLSearchParams(row.log_query).toString(), title: T.viewLog,
          dataset: { logLink: row.conversation_id }, text: "#" + row.conversation_id })),
        el("td", { className: "wrap", text: row.contact_name }),
        el("td", { dataset: { assignments: row.assignments }, text: fmtInt(row.assignments) }),
        el("td", { className: "wrap" }, el("ol", { className: "assignee-spells" }, row.assignees.map((spell) =>
          el("li", {}, person(spell.assignee), el("span", { className: "muted", text: " · " + (spell.seconds === null ? T.ongoing : fmtDuration(spell.seconds)) }))))),
        el("td", {}, el("time", { datetime: row.first_assignment_at, text: fmtStamp(row.first_assignment_at) })),
        el("td", {}, el("time", { datetime: row.last_assignment_at, text: fmtStamp(row.last_assignment_at) }))));
      const parts = [
        el("ul", { className: "cards", role: "list" }, card("reassigned", T.reassigned, el("span", { dataset: { value: data.count }, text: fmtInt(data.count) }))),
        table("reassignments-table", [T.conversation, T.contact, T.assignments, T.assignees, T.firstAssignment, T.lastAssignment], rows)];
      if (data.capped) parts.push(el("p", { className: "help", text: interpolate(T.moreRows, { shown: fmtInt(data.results.length), count: fmtInt(data.count) }) }));
      slot("reassignments").replaceChildren(...parts);
    }

    function renderAssignmentToClose(data) {
      if (showState("assignment-to-close", data)) return;
      const on = data.business_hours;
      const median = (r) => duration({ calendar: r.median, business: r.median_business }, on);
      const average = (r) => duration({ calendar: r.average, business: r.average_business }, on);
      const rows = data.results.map((row) => el("tr", { dataset: { assignee: row.assignee.id } },
        el("th", { scope: "row", className: "wrap", text: person(row.assignee) }), el("td", { text: fmtInt(row.count) }),
        el("td", {}, median(row)), el("td", {}, average(row))));
      rows.push(el("tr", { className: "total-row" }, el("th", { scope: "row", text: T.total }), el("td", { text: fmtInt(data.count) }),
        el("td", {}, median(data)), el("td", {}, average(data))));
      slot("assignment-to-close").replaceChildren(table("assignment-to-close-table", [T.assignee, T.closed, T.median, T.average], rows));
    }

    return {
      firstAssignment: { url: () => base + "first-assignment?" + query(), slots: ["first-assignment"], render: renderFirstAssignment },
      reassignments: { url: () => base + "reassignments?" + query({ interval: false }), slots: ["reassignments"], render: renderReassignments },
      assignmentToClose: { url: () => base + "assignment-to-close?" + query({ interval: false }), slots: ["assignment-to-close"], render: renderAssignmentToClose },
    };
  });
})();
