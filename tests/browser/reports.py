"""What the report browser tests share (the demo workspace is the ``demo`` fixture of
conftest.py): logging in as its owner, waiting
until every component has loaded, and the phone-width check (the page loaded at 390 px, as a
phone loads it: resizing would race Chart.js's own resizing)."""

OWNER, PASSWORD = "ana@demo.example", "demo1234"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

# The elements wider than the screen, outside the scroll containers meant for it (for the message).
WIDE = """() => [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > innerWidth + 1
    && !e.closest('.table-scroll')).slice(0, 5).map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def settled(slots) -> str:
    """JS that is true once every slot's component has finished loading."""
    names = ", ".join(f"'{name}'" for name in slots)
    return (f"() => [{names}].every((name) => "
            "document.getElementById(name + '-body').getAttribute('aria-busy') === 'false')")


def settle(page, slots, snapshot):
    page.wait_for_function(settled(slots))
    return page.evaluate(snapshot)


def owner_page(chromium, live_server, *, viewport=DESKTOP, storage_state=None):
    """A logged-in owner's page (a fresh browser context) and the list its script errors go to."""
    context = chromium.new_context(viewport=viewport, reduced_motion="reduce", storage_state=storage_state)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    if storage_state is None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", OWNER)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
    return context, page, problems


def choose_preset(page, preset):
    page.click("#period-button")
    page.click(f"[data-period={preset}]")
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('period') === '{preset}'")


def add_filter(page, param, value):
    """Agregar filtro → ``param`` → tick ``value`` → Aplicar, and wait for the URL to say so."""
    page.click("#add-filter-button")
    page.click(f"[data-filter={param}]")
    page.check(f"#f-{param}-{value}")
    page.click("[data-action=apply]")
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('{param}') === '{value}'")


def assert_fits_the_screen(page, snap):
    assert snap["scrollWidth"] <= snap["innerWidth"], (snap, page.evaluate(WIDE))
