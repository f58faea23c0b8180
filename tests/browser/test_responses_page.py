"""Reportes → Respuestas in a real browser, on the demo workspace made through the real services:
the cards, the chart, the histogram, the per-agent table and the log agree; a period and a
filter change them; Spanish and English; desktop and phone widths. Screenshots in artifacts/."""

import pytest
from django.core.management import call_command

from accounts.models import Workspace
from business_hours.services import business_hours_set

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

OWNER, PASSWORD = "ana@demo.example", "demo1234"

SETTLED = """() => ['metrics', 'bar', 'pie', 'agents', 'log'].every(
    (name) => document.getElementById(name + '-body').getAttribute('aria-busy') === 'false')"""

SNAPSHOT = """() => {
  const card = (key) => document.querySelector(`#metrics-body [data-metric=${key}] [data-value]`);
  const value = (key) => Number(card(key)?.dataset.value ?? -1);
  const bar = Chart.getChart('bar-chart'), histogram = Chart.getChart('histogram-chart');
  const sum = (a) => a.reduce((x, y) => x + (y || 0), 0);
  const cells = (attr) => [...document.querySelectorAll(`#agents-body [data-${attr}]`)].map((e) => Number(e.dataset[attr.replace(/-(\\w)/g, (m, c) => c.toUpperCase())]));
  const summary = document.getElementById('log-summary');
  return {
    firstResponses: value('first_responses'), responses: value('responses'),
    median: card('median')?.textContent ?? '',
    barCount: bar ? sum(bar.data.datasets[bar.data.datasets.length - 1].data) : -1,
    histogram: histogram ? sum(histogram.data.datasets[0].data) : 0,
    tableFirst: sum(cells('first-responses')), tableResponses: sum(cells('responses')),
    logCount: summary ? Number(summary.dataset.count) : -1,
    title: document.getElementById('report-title').textContent,
    scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
  };
}"""

WIDE = """() => [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > innerWidth + 1
    && !e.closest('.table-scroll, .report-menu, .chart-box')).slice(0, 5)
    .map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--contacts", "40", "--events", "300", "--days", "30", "--seed", "5")
    return Workspace.objects.get(name="Demo Tienda")


def settle(page):
    page.wait_for_function(SETTLED)
    return page.evaluate(SNAPSHOT)


def agree(snap):
    n = snap["firstResponses"]
    if n == 0:
        assert snap["logCount"] == 0 and snap["tableFirst"] == 0, snap
        return
    assert n == snap["barCount"] == snap["histogram"] == snap["tableFirst"] == min(snap["logCount"], 10000), snap
    assert snap["responses"] == snap["tableResponses"], snap


@pytest.mark.parametrize("language, title", [("es", "Respuestas"), ("en", "Responses")])
def test_responses_report_in_the_browser(demo, live_server, chromium, artifacts_dir, language, title):
    Workspace.objects.filter(pk=demo.pk).update(language=language)
    if language == "en":  # business hours on: every time shows its business-hours value too
        business_hours_set(workspace=demo, enabled=True,
                           schedule={day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")})
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, reduced_motion="reduce")
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", OWNER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/reports/responses/?period=last_30_days")

    month = settle(page)
    assert month["title"] == title
    assert month["firstResponses"] > 0 and month["responses"] >= month["firstResponses"], month
    assert month["median"] not in ("", "-")
    business = page.locator("#metrics-body [data-metric=median] [data-business]")
    assert business.count() == (1 if language == "en" else 0)
    assert page.locator("#business-note").is_visible() == (language == "es")
    agree(month)
    page.screenshot(path=str(artifacts_dir / f"responses-{language}.png"), full_page=True)

    # A shorter period never counts more.
    page.click("#period-button")
    page.click("[data-period=last_7_days]")
    page.wait_for_function("() => new URLSearchParams(location.search).get('period') === 'last_7_days'")
    week = settle(page)
    agree(week)
    assert week["firstResponses"] <= month["firstResponses"]

    # Clicking an agent in the table narrows the report to them.
    page.goto(f"{live_server.url}/reports/responses/?period=last_30_days")
    settle(page)
    page.click("#agents-body tbody tr[data-user]:not([data-user='']) .link-button >> nth=0")
    page.wait_for_function("() => new URLSearchParams(location.search).get('agent')")
    one = settle(page)
    agree(one)
    assert one["firstResponses"] <= month["firstResponses"]
    assert page.locator("#agents-body tbody tr").count() == 1

    # Phone width: nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/reports/responses/?period=last_30_days")
    phone = settle(page)
    agree(phone)
    page.screenshot(path=str(artifacts_dir / f"responses-{language}-phone.png"), full_page=True)
    assert phone["scrollWidth"] <= phone["innerWidth"], (phone, page.evaluate(WIDE))
    assert not problems, problems
    context.close()
