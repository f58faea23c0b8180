"""Reportes → Resoluciones in a real browser, on the demo workspace made through the real
services: the cards, the chart, the pie, the per-agent table and the log agree; a period and a
filter change them; Spanish and English; desktop and phone widths. Screenshots in artifacts/."""

import pytest
from django.core.management import call_command

from accounts.models import Workspace

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

OWNER, PASSWORD = "ana@demo.example", "demo1234"

SETTLED = """() => ['metrics', 'bar', 'pie', 'agents', 'log'].every(
    (name) => document.getElementById(name + '-body').getAttribute('aria-busy') === 'false')"""

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


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--contacts", "40", "--events", "300", "--days", "30", "--seed", "5")
    return Workspace.objects.get(name="Demo Tienda")


def settle(page):
    page.wait_for_function(SETTLED)
    return page.evaluate(SNAPSHOT)


def agree(snap):
    if snap["resolved"] <= 0:
        assert snap["logCount"] in (0, -1), snap
        return
    assert snap["resolved"] == snap["bar"] == snap["pie"] == snap["agents"] == min(snap["logCount"], 10000), snap


@pytest.mark.parametrize("language, title", [("es", "Resoluciones"), ("en", "Resolutions")])
def test_resolutions_report_in_the_browser(demo, live_server, chromium, artifacts_dir, language, title):
    Workspace.objects.filter(pk=demo.pk).update(language=language)
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, reduced_motion="reduce")
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", OWNER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/reports/resolutions/?period=last_30_days")

    month = settle(page)
    assert month["title"] == title
    assert month["resolved"] > 0 and month["median"] > 0, month
    agree(month)
    page.screenshot(path=str(artifacts_dir / f"resolutions-{language}.png"), full_page=True)

    # A shorter period never counts more.
    page.click("#period-button")
    page.click("[data-period=last_7_days]")
    page.wait_for_function("() => new URLSearchParams(location.search).get('period') === 'last_7_days'")
    week = settle(page)
    agree(week)
    assert week["resolved"] <= month["resolved"]

    # Filter "Cerrada por": Usuario, through Agregar filtro.
    page.click("#add-filter-button")
    page.click("[data-filter=closing_source]")
    page.check("#f-closing_source-user")
    page.click("[data-action=apply]")
    page.wait_for_function("() => new URLSearchParams(location.search).get('closing_source') === 'user'")
    by_user = settle(page)
    agree(by_user)
    assert by_user["resolved"] <= week["resolved"]

    # Phone width, loaded as a phone loads it (a resize would race Chart.js's own resizing):
    # nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    phone = settle(page)
    page.screenshot(path=str(artifacts_dir / f"resolutions-{language}-phone.png"), full_page=True)
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > innerWidth + 1
        && !e.closest('.table-scroll')).slice(0, 5).map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
    assert phone["scrollWidth"] <= phone["innerWidth"], (phone, wide)
    assert not problems, problems
    context.close()
