"""Reportes → Respuestas in a real browser, on the demo workspace made through the real services:
the cards, the chart, the histogram, the per-agent table and the log agree; a period and a
filter change them; Spanish and English; desktop and phone widths. Screenshots in artifacts/."""

import pytest

from accounts.models import Workspace
from business_hours.services import business_hours_set
from tests.browser import reports

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


SLOTS = ['metrics', 'bar', 'pie', 'agents', 'log']

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




def settle(page):
    return reports.settle(page, SLOTS, SNAPSHOT)


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
    context, page, problems = reports.owner_page(chromium, live_server)
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
    reports.choose_preset(page, "last_7_days")
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
    page.set_viewport_size(reports.PHONE)
    page.goto(f"{live_server.url}/reports/responses/?period=last_30_days")
    phone = settle(page)
    agree(phone)
    page.screenshot(path=str(artifacts_dir / f"responses-{language}-phone.png"), full_page=True)
    reports.assert_fits_the_screen(page, phone)
    assert not problems, problems
    context.close()
