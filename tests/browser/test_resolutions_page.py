"""Reportes → Resoluciones in a real browser, on the demo workspace made through the real
services: the cards, the chart, the pie, the per-agent table and the log agree; a period and a
filter change them; Spanish and English; desktop and phone widths. Screenshots in artifacts/."""

import pytest

from accounts.models import Workspace
from tests.browser import reports

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


SLOTS = ['metrics', 'bar', 'pie', 'agents', 'log']

SNAPSHOT = """() => {
  const value = (key) => Number(document.querySelector(`#metrics-body [data-metric=${key}] [data-value]`)?.dataset.value ?? -1);
  const bar = Chart.getChart('bar-chart'), pie = Chart.getChart('pie-chart');
  const sum = (a) => a.reduce((x, y) => x + (y || 0), 0);
  const summary = document.getElementById('log-summary');
  const resolvedSet = bar ? bar.data.datasets.find((d) => d.yAxisID === 'count') : null;
  return {
    resolved: value('resolved'), median: value('median'),
    bar: resolvedSet ? sum(resolvedSet.data) : -1,
    pie: pie ? sum(pie.data.datasets[0].data) : 0,
    agents: sum([...document.querySelectorAll('#agents-body [data-resolved]')].map((e) => Number(e.dataset.resolved))),
    logCount: summary ? Number(summary.dataset.count) : -1,
    title: document.getElementById('report-title').textContent,
    scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
  };
}"""



def settle(page):
    return reports.settle(page, SLOTS, SNAPSHOT)


def agree(snap):
    if snap["resolved"] <= 0:
        assert snap["logCount"] in (0, -1), snap
        return
    assert snap["resolved"] == snap["bar"] == snap["pie"] == snap["agents"] == min(snap["logCount"], 10000), snap


@pytest.mark.parametrize("language, title", [("es", "Resoluciones"), ("en", "Resolutions")])
def test_resolutions_report_in_the_browser(demo, live_server, chromium, artifacts_dir, language, title):
    Workspace.objects.filter(pk=demo.pk).update(language=language)
    context, page, problems = reports.owner_page(chromium, live_server)
    page.goto(f"{live_server.url}/reports/resolutions/?period=last_30_days")

    month = settle(page)
    assert month["title"] == title
    assert month["resolved"] > 0 and month["median"] > 0, month
    agree(month)
    page.screenshot(path=str(artifacts_dir / f"resolutions-{language}.png"), full_page=True)

    # A shorter period never counts more.
    reports.choose_preset(page, "last_7_days")
    week = settle(page)
    agree(week)
    assert week["resolved"] <= month["resolved"]

    # Filter "Cerrada por": Usuario, through Agregar filtro.
    reports.add_filter(page, "closing_source", "user")
    by_user = settle(page)
    agree(by_user)
    assert by_user["resolved"] <= week["resolved"]

    # Phone width, loaded as a phone loads it (a resize would race Chart.js's own resizing):
    # nothing wider than the screen.
    page.set_viewport_size(reports.PHONE)
    page.reload()
    phone = settle(page)
    page.screenshot(path=str(artifacts_dir / f"resolutions-{language}-phone.png"), full_page=True)
    reports.assert_fits_the_screen(page, phone)
    assert not problems, problems
    context.close()
