"""Reportes → Asignaciones in a real browser, on demo data made through the real services.

Clicks what a manager clicks every day (preset, Fuente filter, the pie, a bar segment, the log's
pages, the back button) and checks that the cards, both charts and the log keep telling the
same story. Leaves a screenshot in artifacts/report.png.
"""

import pytest
from django.utils import translation

from accounts.models import Workspace
from assignments.models import AssignmentSource
from assignments.services import contact_assign
from contacts.models import Contact
from reports.framework.pages import report_menu

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

OWNER, PASSWORD = "ana@demo.example", "demo1234"

SETTLED = """() => ['metrics', 'bar', 'pie', 'log'].every(
    (name) => document.getElementById(name + '-body').getAttribute('aria-busy') === 'false')"""

# What every component shows, read from the page: the cards, the Chart.js instances, the log.
SNAPSHOT = """() => {
  const params = new URLSearchParams(location.search);
  const bar = Chart.getChart('bar-chart'), pie = Chart.getChart('pie-chart');
  const cards = {};
  document.querySelectorAll('#metrics-body [data-source]').forEach((card) => {
    cards[card.dataset.source] = Number(card.querySelector('[data-count]').dataset.count);
  });
  const pieSources = [...document.querySelectorAll('#pie-body .legend-item')].map((b) => b.dataset.source);
  const summary = document.getElementById('log-summary');
  return {
    params: Object.fromEntries([...params.keys()].map((k) => [k, params.getAll(k)])),
    range: document.getElementById('report-range').textContent,
    total: Number(document.querySelector('#metrics-body [data-total]')?.dataset.total ?? -1),
    cards,
    bar: bar ? Object.fromEntries(bar.data.datasets.map((d) => [d.source, d.data.reduce((a, b) => a + b, 0)])) : null,
    barBuckets: bar ? bar.data.labels.length : 0,
    pie: pie ? Object.fromEntries(pieSources.map((s, i) => [s, pie.data.datasets[0].data[i]])) : null,
    logCount: summary ? Number(summary.dataset.count) : -1,
    logPage: summary ? Number(summary.dataset.page) : -1,
    logSummary: summary ? summary.textContent : '',
    logIds: [...document.querySelectorAll('#log-body tbody tr')].map((tr) => tr.dataset.id),
    logSources: [...new Set([...document.querySelectorAll('#log-body td[data-source]')].map((td) => td.dataset.source))],
    chips: document.getElementById('chips').innerText,
  };
}"""


def settle(page):
    page.wait_for_function(SETTLED)
    return page.evaluate(SNAPSHOT)


def wait_for_query(page, predicate_js):
    page.wait_for_function(f"() => {{ const q = new URLSearchParams(location.search); return {predicate_js}; }}")
    return settle(page)


def assert_consistent(snap):
    """Métricas, both charts and the log count the same filtered events (report.md)."""
    assert snap["total"] == sum(snap["cards"].values())
    assert snap["bar"] == snap["cards"]
    assert snap["pie"] == snap["cards"]
    assert snap["logCount"] == min(snap["total"], 10000)


def click_chart_element(page, canvas_id, dataset_index, index):
    canvas = page.locator(f"#{canvas_id}")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = page.evaluate(
        """([id, d, i]) => { const c = Chart.getChart(id); const e = c.getDatasetMeta(d).data[i];
             const p = c.config.type === 'bar' ? { x: e.x, y: (e.y + e.base) / 2 } : e.tooltipPosition();
             return [p.x, p.y]; }""",
        [canvas_id, dataset_index, index],
    )
    page.mouse.click(box["x"] + x, box["y"] + y)


@pytest.fixture
def demo_workspace(db, demo_month_busier):
    workspace = Workspace.objects.get(pk=demo_month_busier.load())
    # A contact whose name is markup: the page must show it as text, never run it.
    contact = Contact.objects.create(workspace=workspace, first_name="<img src=x onerror=window.__xss=1>",
                                     last_name="<b>Bold</b>")
    owner = workspace.memberships.get(user__email=OWNER).user
    contact_assign(contact=contact, assignee=owner, source=AssignmentSource.API)
    return workspace, contact


def test_assignments_report_in_the_browser(demo_workspace, live_server, chromium, artifacts_dir):
    workspace, markup_contact = demo_workspace
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, reduced_motion="reduce", locale="es-MX")
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    # CSP violations and script errors show up on the console; failed requests as responses.
    page.on("console", lambda msg: problems.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)

    # Log in through the form; the login lands on the report.
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", OWNER)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/reports/assignments/")
    week = settle(page)
    assert week["params"] == {}
    assert week["range"].endswith("· America/Mexico_City")
    assert week["total"] > 0
    assert_consistent(week)
    assert page.locator(".report-menu [aria-current=page]").inner_text() == "Asignaciones"
    # The menu links every built report (those with a page); the others are "próximamente".
    with translation.override("es"):
        menu = [(str(entry["label"]), entry["url"]) for entry in report_menu(active="")]
    assert page.locator(".report-menu .soon").count() == sum(1 for _, url in menu if url is None)
    assert page.locator(".report-menu a").all_inner_texts() == [label for label, url in menu if url]
    assert "Asignaciones" in page.locator(".report-menu a").all_inner_texts()

    # Keyboard: the period menu opens on Enter, focuses the current preset, closes on Escape.
    page.focus("#period-button")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.dataset.period") == "last_7_days"
    page.keyboard.press("Escape")
    assert page.is_hidden("#period-menu")
    assert page.evaluate("document.activeElement.id") == "period-button"

    # Change the preset: a longer period, same agreement between components.
    page.click("#period-button")
    page.click("[data-period=last_30_days]")
    month = wait_for_query(page, "q.get('period') === 'last_30_days'")
    assert_consistent(month)
    assert month["total"] >= week["total"]
    assert month["barBuckets"] == 30  # one bar per day
    assert {"user", "workflow"} <= set(month["cards"])

    # "Agrupar por" semana: fewer, wider bars with the same total; back to automatic (days).
    page.select_option("#interval-select", "week")
    weekly = wait_for_query(page, "q.get('interval') === 'week'")
    assert_consistent(weekly)
    assert weekly["total"] == month["total"] and 5 <= weekly["barBuckets"] <= 6
    page.select_option("#interval-select", "")
    wait_for_query(page, "!q.has('interval')")

    # One fixed Okabe–Ito colour per source, the same in both charts.
    colours = page.evaluate("""() => {
      const bar = Chart.getChart('bar-chart'), pie = Chart.getChart('pie-chart');
      const sources = [...document.querySelectorAll('#pie-body .legend-item')].map((b) => b.dataset.source);
      return {bar: Object.fromEntries(bar.data.datasets.map((d) => [d.source, d.backgroundColor.toUpperCase()])),
              pie: Object.fromEntries(sources.map((s, i) => [s, pie.data.datasets[0].backgroundColor[i].toUpperCase()]))};
    }""")
    assert colours["bar"] == colours["pie"]
    assert {k: colours["bar"][k] for k in ("api", "workflow", "user")} == {
        "api": "#0072B2", "workflow": "#E69F00", "user": "#CC79A7"}

    # Add a Fuente filter with two values: the numbers are the sum of those two sources.
    page.click("#add-filter-button")
    page.click("#add-filter-menu [data-filter=source]")
    page.check("#f-source-user")
    page.check("#f-source-workflow")
    page.click("[data-action=apply]")
    filtered = wait_for_query(page, "q.getAll('source').join() === 'user,workflow'")
    assert_consistent(filtered)
    assert filtered["total"] == month["cards"]["user"] + month["cards"]["workflow"]
    assert set(filtered["cards"]) == {"user", "workflow"}
    assert set(filtered["logSources"]) <= {"user", "workflow"}
    assert "Fuente: Usuario, Workflow" in filtered["chips"]
    page.screenshot(path=str(artifacts_dir / "report.png"), full_page=True)

    # Page the log: page 2 has other rows; the back button returns to page 1.
    assert filtered["logCount"] > 50
    page.click("#log-body [data-page=next]")
    second = wait_for_query(page, "q.get('page') === '2'")
    assert second["logPage"] == 2
    assert not set(second["logIds"]) & set(filtered["logIds"])
    assert second["total"] == filtered["total"]
    page.go_back()
    first_again = wait_for_query(page, "!q.has('page')")
    assert first_again["logIds"] == filtered["logIds"]

    # Drill down from the pie: its Workflow slice narrows Fuente to Workflow.
    pie_sources = page.evaluate("[...document.querySelectorAll('#pie-body .legend-item')].map((b) => b.dataset.source)")
    click_chart_element(page, "pie-chart", 0, pie_sources.index("workflow"))
    workflow = wait_for_query(page, "q.getAll('source').join() === 'workflow'")
    assert_consistent(workflow)
    assert workflow["total"] == month["cards"]["workflow"]
    assert workflow["logSources"] == ["workflow"]
    assert workflow["params"]["period"] == ["last_30_days"]
    # Asignado por applies only to source Usuario: "-" everywhere here.
    assert set(page.locator("#log-body tbody td:last-child").all_inner_texts()) == {"-"}

    # Drill down from a bar segment: that source and that day.
    counts = page.evaluate("Chart.getChart('bar-chart').data.datasets[0].data")
    busiest = max(range(len(counts)), key=lambda i: counts[i])
    click_chart_element(page, "bar-chart", 0, busiest)
    day = wait_for_query(page, "q.has('start') && !q.has('period')")
    assert day["params"]["start"] == day["params"]["end"]
    assert day["params"]["source"] == ["workflow"]
    assert day["total"] == counts[busiest]
    assert_consistent(day)
    assert day["barBuckets"] == 24  # a single day is shown by the hour

    # "Borrar todo" returns to the defaults.
    page.click("#clear-all")
    cleared = wait_for_query(page, "q.get('period') === 'last_7_days' && !q.has('source')")
    assert cleared["total"] == week["total"]

    # A metric card narrows to its source too.
    page.click("#metrics-body [data-source=user]")
    by_card = wait_for_query(page, "q.getAll('source').join() === 'user'")
    assert by_card["total"] == week["cards"]["user"]
    assert by_card["logSources"] == ["user"]

    # Contact names are data, shown as text.
    page.goto(f"{live_server.url}/reports/assignments/?contact={markup_contact.pk}")
    own = settle(page)
    assert own["total"] == 1
    assert page.locator("#log-body tbody td.wrap").first.inner_text() == markup_contact.name
    assert "<img src=x" in own["chips"]
    assert page.evaluate("window.__xss") is None

    # Phone width: no sideways scrolling of the page, cards two per row, the log scrolls itself.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/reports/assignments/?period=last_30_days")
    settle(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    tops = page.evaluate("[...document.querySelectorAll('#metrics-body .card')].slice(0, 3).map((c) => Math.round(c.getBoundingClientRect().top))")
    assert tops[0] == tops[1] != tops[2]
    page.screenshot(path=str(artifacts_dir / "report-phone.png"), full_page=True)

    assert problems == []
    context.close()
