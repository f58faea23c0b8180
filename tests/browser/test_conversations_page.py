"""Reportes → Conversaciones in a real browser, on the demo workspace made through the real
services: the cards, the chart, the pie and the log agree; a period and a filter change them;
Spanish and English; desktop and phone widths. Screenshots in artifacts/."""

import pytest

from accounts.models import Workspace
from tests.browser import reports

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


SLOTS = ['metrics', 'bar', 'pie', 'log']

SNAPSHOT = """() => {
  const value = (key) => Number(document.querySelector(`#metrics-body [data-metric=${key}] [data-value]`)?.dataset.value ?? -1);
  const bar = Chart.getChart('bar-chart'), pie = Chart.getChart('pie-chart');
  const sum = (a) => a.reduce((x, y) => x + y, 0);
  const summary = document.getElementById('log-summary');
  return {
    opened: value('opened'), closed: value('closed'), openAtEnd: value('open_at_end'),
    barOpened: bar ? sum(bar.data.datasets[0].data) : -1, barClosed: bar ? sum(bar.data.datasets[1].data) : -1,
    pie: pie ? sum(pie.data.datasets[0].data) : 0,
    logCount: summary ? Number(summary.dataset.count) : -1,
    title: document.getElementById('report-title').textContent,
    scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
  };
}"""



def settle(page):
    return reports.settle(page, SLOTS, SNAPSHOT)


def agree(snap):
    assert snap["opened"] == snap["barOpened"] == snap["pie"] == min(snap["logCount"], 10000) or (
        snap["opened"] == snap["barOpened"] == snap["logCount"] == 0)
    assert snap["closed"] == snap["barClosed"]


@pytest.mark.parametrize("language, title", [("es", "Conversaciones"), ("en", "Conversations")])
def test_conversations_report_in_the_browser(demo, live_server, chromium, artifacts_dir, language, title):
    Workspace.objects.filter(pk=demo.pk).update(language=language)
    context, page, problems = reports.owner_page(chromium, live_server)
    page.goto(f"{live_server.url}/reports/conversations/?period=last_30_days")

    month = settle(page)
    assert month["title"] == title
    assert month["opened"] > 0 and month["closed"] > 0, month
    agree(month)
    page.screenshot(path=str(artifacts_dir / f"conversations-{language}.png"), full_page=True)

    # A shorter period never counts more.
    reports.choose_preset(page, "last_7_days")
    week = settle(page)
    agree(week)
    assert week["opened"] <= month["opened"]

    # Filter "Abierta por": Contacto, through Agregar filtro.
    reports.add_filter(page, "opening_source", "contact")
    by_contact = settle(page)
    agree(by_contact)
    assert by_contact["opened"] <= week["opened"]

    # Phone width, loaded as a phone loads it (a resize would race Chart.js's own resizing):
    # nothing wider than the screen.
    page.set_viewport_size(reports.PHONE)
    page.reload()
    phone = settle(page)
    page.screenshot(path=str(artifacts_dir / f"conversations-{language}-phone.png"), full_page=True)
    reports.assert_fits_the_screen(page, phone)
    # The reports menu is one compact select on a phone; choosing a report opens it.
    assert page.locator("#report-select").is_visible() and not page.locator(".report-menu ul").is_visible()
    page.select_option("#report-select", "assignments")
    page.wait_for_url("**/reports/assignments/")
    assert not problems, problems
    context.close()
