"""Reportes → Asignaciones with several values per filter, in a real browser on the demo workspace:
a link with comma lists and repeated parameters, one chip per filter listing its values with a
remove button per value, the pickers adding several values, the Exportar link, the bar chart's
CSV links and Borrar todo; the numbers (distinct counts included) agree with the API asked with
the same values. Spanish and English; 1366 px and a
page loaded at 390 px. Screenshots in /tmp/asgfilters/ and artifacts/."""

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from accounts.models import User, Workspace
from tests.browser import reports

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SLOTS = ["metrics", "bar", "pie", "log", "distinct"]
SHOTS = Path("/tmp/asgfilters")

SNAPSHOT = """() => {
  const summary = document.getElementById('log-summary');
  const bar = Chart.getChart('bar-chart');
  const distinct = (key) => Number(document.querySelector(`#distinct-body [data-distinct=${key}]`)?.dataset.value ?? -1);
  return {
    params: Object.fromEntries([...new URLSearchParams(location.search).keys()].map((k) => [k, new URLSearchParams(location.search).getAll(k)])),
    total: Number(document.querySelector('#metrics-body [data-total]')?.dataset.total ?? -1),
    cards: Object.fromEntries([...document.querySelectorAll('#metrics-body [data-source]')].map((c) => [c.dataset.source, Number(c.querySelector('[data-count]').dataset.count)])),
    bar: bar ? bar.data.datasets.reduce((n, d) => n + d.data.reduce((a, b) => a + b, 0), 0) : -1,
    logCount: summary ? Number(summary.dataset.count) : -1,
    logSources: [...new Set([...document.querySelectorAll('#log-body td[data-source]')].map((td) => td.dataset.source))],
    chips: document.getElementById('chips').innerText,
    chipCount: document.querySelectorAll('#chips .chip').length,
    valueRemoves: [...document.querySelectorAll('#chips .chip-value-remove')].map((b) => b.getAttribute('aria-label')),
    clearAllVisible: !document.getElementById('clear-all').hidden,
    exportHref: document.getElementById('export-button')?.getAttribute('href') || '',
    contacts: distinct('contacts'), conversations: distinct('conversations'),
    scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
  };
}"""

API = """async (query) => (await fetch('/api/v1/reports/assignments/summary?' + query + '&include=distinct')).json()"""

# What a CSV link downloads: its href, its lines, the sum of the count column, the Excel BOM.
CSV_FILE = """async (selector) => {
  const href = document.querySelector(selector).getAttribute('href');
  const bytes = new Uint8Array(await (await fetch(href)).arrayBuffer());
  const lines = new TextDecoder().decode(bytes).replace(/^\\uFEFF/, '').trim().split('\\r\\n');
  const sum = lines.slice(1).reduce((n, line) => n + Number(line.split(',').pop()), 0);
  return { href, lines, sum, bom: bytes[0] === 0xEF && bytes[1] === 0xBB && bytes[2] === 0xBF };
}"""

WORDS = {
    "es": {"source": "Fuente", "assignee": "Asignado a", "by": "Asignado por el usuario", "none": "Sin asignar",
           "user": "Usuario", "remove": "Eliminar"},
    "en": {"source": "Source", "assignee": "Assigned to", "by": "Assigned by user", "none": "Unassigned",
           "user": "User", "remove": "Remove"},
}


def settle(page):
    return reports.settle(page, SLOTS, SNAPSHOT)


def agree(page, snap, query):
    """The page's numbers are the API's for the same values (given as repeated parameters)."""
    api = page.evaluate(API, query)
    assert snap["total"] == api["total"] == sum(snap["cards"].values()) == snap["bar"], (snap, api)
    assert snap["logCount"] == min(api["total"], 10000)
    assert (snap["contacts"], snap["conversations"]) == (api["distinct"]["contacts"], api["distinct"]["conversations"])
    assert 1 <= snap["contacts"] <= snap["total"] and snap["conversations"] <= snap["total"], snap


def test_several_values_per_filter_in_the_browser(demo, live_server, chromium, artifacts_dir):
    """Spanish at 1366 px (the whole flow), then English on a page loaded at 390 px (one demo
    workspace for both: seeding it is most of a browser test's time)."""
    SHOTS.mkdir(exist_ok=True)
    language, words = "es", WORDS["es"]
    Workspace.objects.filter(pk=demo.pk).update(language=language)
    luis = User.objects.get(email="luis@demo.example")
    sofia = User.objects.get(email="sofia@demo.example")
    context, page, problems = reports.owner_page(chromium, live_server)
    base = f"{live_server.url}/reports/assignments/"

    # given a link with a comma list and a repeated parameter
    page.goto(f"{base}?period=last_30_days&source=user,workflow&assignee={luis.pk}&assignee={sofia.pk},none")
    snap = settle(page)
    agree(page, snap, f"period=last_30_days&source=user&source=workflow&assignee={luis.pk}&assignee={sofia.pk}"
                      "&assignee=none")
    assert snap["total"] > 0 and set(snap["cards"]) <= {"user", "workflow"}
    assert set(snap["logSources"]) <= {"user", "workflow"}
    # then one chip per filter lists its values, each with its own remove button
    assert snap["chipCount"] == 2
    assert f"{words['source']}: {words['user']}, Workflow" in snap["chips"], snap["chips"]
    assert f"{words['assignee']}: Luis Fernández, Sofía Castro, {words['none']}" in snap["chips"], snap["chips"]
    assert f"{words['remove']} {words['source']}: Workflow" in snap["valueRemoves"]
    assert len(snap["valueRemoves"]) == 5
    # and the URL and the Exportar link carry every value, one parameter each
    assert snap["params"]["source"] == ["user,workflow"]
    export = parse_qs(urlsplit(snap["exportHref"]).query)
    assert export["source"] == ["user", "workflow"] and export["assignee"] == [str(luis.pk), str(sofia.pk), "none"]
    # and the bar chart's CSV links download those buckets: one row per bucket × source
    csv_file = page.evaluate(CSV_FILE, "#bar-csv")
    assert parse_qs(urlsplit(csv_file["href"]).query)["source"] == ["user", "workflow"]
    assert csv_file["lines"][0] == "bucket_start,interval,timezone,source,source_label,count"
    assert csv_file["sum"] == snap["total"] and not csv_file["bom"]
    assert page.evaluate(CSV_FILE, "#bar-csv-excel")["bom"]
    page.screenshot(path=str(SHOTS / f"multi-{language}-1366.png"), full_page=True)

    # when one value's × is clicked, only that value goes
    page.click("#chips .chip-value-remove[data-filter=source][data-value=workflow]")
    page.wait_for_function("() => new URLSearchParams(location.search).getAll('source').join() === 'user'")
    one = settle(page)
    assert one["params"]["assignee"] == [str(luis.pk), str(sofia.pk), "none"]
    assert set(one["cards"]) <= {"user"} and one["chipCount"] == 2
    agree(page, one, f"period=last_30_days&source=user&assignee={luis.pk}&assignee={sofia.pk}&assignee=none")
    assert one["total"] < snap["total"]

    # the picker adds several values at once: Asignado por el usuario, two members
    ana = User.objects.get(email="ana@demo.example")
    diego = User.objects.get(email="diego@demo.example")
    page.click("#add-filter-button")
    page.click("#add-filter-menu [data-filter=assigned_by]")
    page.check(f"#f-assigned_by-{ana.pk}")
    page.check(f"#f-assigned_by-{diego.pk}")
    page.click("[data-action=apply]")
    page.wait_for_function("() => new URLSearchParams(location.search).getAll('assigned_by').length === 2")
    by = settle(page)
    assert by["params"]["assigned_by"] == [str(ana.pk), str(diego.pk)]
    assert f"{words['by']}: Ana Torres, Diego Ramírez" in by["chips"]
    agree(page, by, f"period=last_30_days&source=user&assignee={luis.pk}&assignee={sofia.pk}&assignee=none"
                    f"&assigned_by={ana.pk}&assigned_by={diego.pk}")

    # the chip's own × removes every value of that filter; Borrar todo removes the rest
    page.click("#chips .chip:has([data-filter=assignee]) .chip-remove")
    page.wait_for_function("() => !new URLSearchParams(location.search).has('assignee')")
    page.click("#clear-all")
    page.wait_for_function("() => !location.search.includes('source') && !location.search.includes('assigned_by')")
    cleared = settle(page)
    assert cleared["chipCount"] == 0 and not cleared["clearAllVisible"]
    assert cleared["params"] == {"period": ["last_7_days"]}
    agree(page, cleared, "period=last_7_days")
    assert not problems, problems
    context.close()

    # In English, a phone loads the multi-value link at 390 px: it fits, the chips wrap, a value's
    # × still removes only that value.
    language, words = "en", WORDS["en"]
    Workspace.objects.filter(pk=demo.pk).update(language=language)
    context, page, problems = reports.owner_page(chromium, live_server, viewport=reports.PHONE)
    page.goto(f"{base}?period=last_30_days&source=user,workflow,api&assignee={luis.pk},{sofia.pk},none")
    phone = settle(page)
    reports.assert_fits_the_screen(page, phone)
    assert phone["chipCount"] == 2 and len(phone["valueRemoves"]) == 6
    assert f"{words['source']}: {words['user']}, Workflow, API" in phone["chips"], phone["chips"]
    assert f"{words['assignee']}: Luis Fernández, Sofía Castro, {words['none']}" in phone["chips"]
    agree(page, phone, f"period=last_30_days&source=user&source=workflow&source=api&assignee={luis.pk}"
                       f"&assignee={sofia.pk}&assignee=none")
    page.screenshot(path=str(SHOTS / f"multi-{language}-390.png"), full_page=True)
    page.screenshot(path=str(artifacts_dir / f"report-multi-{language}-390.png"), full_page=True)
    page.select_option("#interval-select", "week")
    page.wait_for_function("() => new URLSearchParams(location.search).get('interval') === 'week'")
    weekly = settle(page)
    weekly_csv = page.evaluate(CSV_FILE, "#bar-csv")
    assert parse_qs(urlsplit(weekly_csv["href"]).query)["interval"] == ["week"]
    assert {line.split(",")[1] for line in weekly_csv["lines"][1:]} == {"week"}
    assert weekly_csv["sum"] == weekly["total"] == phone["total"]
    page.click("#chips .chip-value-remove[data-filter=assignee][data-value=none]")
    page.wait_for_function(f"() => new URLSearchParams(location.search).getAll('assignee').join() === '{luis.pk},{sofia.pk}'")
    fewer = settle(page)
    reports.assert_fits_the_screen(page, fewer)
    agree(page, fewer, f"period=last_30_days&source=user&source=workflow&source=api&assignee={luis.pk}"
                       f"&assignee={sofia.pk}")
    assert not problems, problems
    context.close()
