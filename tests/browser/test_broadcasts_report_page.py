"""Reportes → Transmisiones in chromium: save a segment from Contactos, send a broadcast, follow
its progress to the end, then open its report: the cards, the funnel, the sends per bucket, the
per-broadcast table and the log agree; a delivery and a reply move the funnel; Spanish at 1366 px
and English at 390 px (the phone page loaded at that width), no horizontal overflow, no script
error. Screenshots under artifacts/."""

import pytest
from django.db import connections

from broadcasts.models import Broadcast, BroadcastRecipient
from broadcasts.services import recipient_delivery_record
from contacts.models import Message
from contacts.services import message_create
from tests.broadcasts.conftest import reached
from tests.browser import reports
from tests.factories import ContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-123456"
SLOTS = ["metrics", "bar", "pie", "reasons", "per-broadcast", "log"]
SNAPSHOT = """() => {
  const value = (key) => Number(document.querySelector(`#metrics-body [data-metric=${key}] [data-value]`)?.dataset.value ?? -1);
  const sum = (a) => a.reduce((x, y) => x + (y || 0), 0);
  const bar = Chart.getChart('bar-chart');
  const funnel = Chart.getChart('funnel-chart');
  const series = (label) => bar ? sum((bar.data.datasets.find((d) => d.label === label) || { data: [] }).data) : -1;
  const cells = (sel, attr) => sum([...document.querySelectorAll(sel)].map((e) => Number(e.dataset[attr])));
  const summary = document.getElementById('log-summary');
  return {
    cards: Object.fromEntries(['recipients', 'sent', 'delivered', 'read', 'replied', 'failed', 'skipped'].map((k) => [k, value(k)])),
    rates: [...document.querySelectorAll('#metrics-body .card-rate')].map((e) => e.textContent),
    funnel: funnel ? funnel.data.datasets[0].data : [], funnelLabels: funnel ? funnel.data.labels : [],
    barLabels: bar ? bar.data.datasets.map((d) => d.label) : [],
    barSent: bar ? sum(bar.data.datasets[0].data) : -1,
    tableRecipients: cells('#per-broadcast-body td[data-recipients]', 'recipients'),
    tableSent: cells('#per-broadcast-body td[data-sent]', 'sent'),
    reasons: cells('#reasons-body td[data-count]', 'count'),
    logCount: summary ? Number(summary.dataset.count) : -1,
    logRows: document.querySelectorAll('#log-body tbody tr').length,
    title: document.getElementById('report-title').textContent,
    scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
  };
}"""


@pytest.fixture
def channel(workspace):
    from integrations.services import channel_create

    return channel_create(workspace=workspace, name="WhatsApp Web")[0]


@pytest.fixture
def crowd(workspace, alice, channel):
    """Four VIP contacts; Dora never wrote through the channel (skipped)."""
    contacts = [ContactFactory(workspace=workspace, first_name=name, tags=["vip"]) for name in ("Ana", "Beto", "Cris")]
    conversations = [reached(contact, channel) for contact in contacts]
    ContactFactory(workspace=workspace, first_name="Dora", tags=["vip"])
    return contacts, conversations


def _login(chromium, live_server, viewport):
    context = chromium.new_context(viewport=viewport, reduced_motion="reduce")
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "alice@acme.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page, problems


def _report(page, live_server, name, artifacts_dir, query="period=today"):
    page.goto(f"{live_server.url}/reports/broadcasts/?{query}")
    snap = reports.settle(page, SLOTS, SNAPSHOT)
    page.screenshot(path=str(artifacts_dir / f"report-broadcasts-{name}.png"), full_page=True)
    reports.assert_fits_the_screen(page, snap)
    return snap


def agree(snap):
    cards = snap["cards"]
    assert snap["funnel"] == [cards[k] for k in ("recipients", "sent", "delivered", "read", "replied")], snap
    assert snap["barSent"] == cards["sent"] == snap["tableSent"], snap
    assert snap["tableRecipients"] == cards["recipients"], snap
    assert snap["reasons"] == cards["failed"] + cards["skipped"], snap
    assert snap["logCount"] == snap["logRows"] == cards["recipients"] + cards["skipped"], snap


def test_send_a_broadcast_then_read_its_report_in_spanish_at_1366(crowd, channel, chromium, live_server,
                                                                  artifacts_dir):
    contacts, conversations = crowd
    context, page, problems = _login(chromium, live_server, reports.DESKTOP)
    # Contactos → Guardar como segmento (every contact: Dora too)
    page.goto(f"{live_server.url}/contacts/?q=")
    page.fill("#segment-name", "Todos")
    page.click("#save-segment button[type=submit]")
    page.wait_for_selector("text=Segmento «Todos» guardado.")
    # Transmisiones → Nueva transmisión, sent now; its page follows the job to the end
    page.goto(f"{live_server.url}/broadcasts/new/")
    page.fill("#bc-name", "Promo de diciembre")
    page.select_option("#bc-channel", str(channel.pk))
    page.fill("#bc-text", "Hola, hoy 20%")
    page.click("#bc-submit")
    page.wait_for_selector("#broadcast-progress")
    page.wait_for_function("() => document.getElementById('broadcast-progress').dataset.status === 'sent'")
    assert page.inner_text("[data-count=sent]") == "3"

    # Reportes → Transmisiones, from the menu
    page.goto(f"{live_server.url}/reports/?period=today")
    page.click(".report-list >> text=Transmisiones")
    page.wait_for_url("**/reports/broadcasts/**")
    snap = reports.settle(page, SLOTS, SNAPSHOT)
    assert snap["title"] == "Transmisiones"
    assert snap["cards"] == {"recipients": 3, "sent": 3, "delivered": 0, "read": 0, "replied": 0, "failed": 0,
                             "skipped": 1}, snap
    assert snap["funnelLabels"] == ["Destinatarios", "Enviados", "Entregados", "Leídos", "Respondidos"]
    agree(snap)

    # the channel reports Ana's message read; Beto replies
    broadcast = Broadcast.objects.get()
    ana = BroadcastRecipient.objects.get(broadcast=broadcast, contact_id=contacts[0].pk)
    recipient_delivery_record(message_id=ana.message_id, status="read")
    message_create(conversation=conversations[1], direction=Message.Direction.IN, text="¡Me interesa!",
                   sender_kind="contact")
    snap = _report(page, live_server, "es-1366", artifacts_dir)
    assert snap["cards"] == {"recipients": 3, "sent": 3, "delivered": 2, "read": 2, "replied": 1, "failed": 0,
                             "skipped": 1}, snap
    assert "66,67\u00a0% de los enviados" in snap["rates"], snap["rates"]
    agree(snap)
    # the per-broadcast row narrows the report to that broadcast
    page.click(f"#per-broadcast-body [data-broadcast='{broadcast.pk}'] button")
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('broadcast') === '{broadcast.pk}'")
    assert reports.settle(page, SLOTS, SNAPSHOT)["cards"]["sent"] == 3
    assert not problems, problems
    context.close()
    # The writes above ran beside Playwright's loop, on a connection of their own: close it so the
    # test database can be dropped.
    connections.close_all()


def test_the_report_fits_a_phone_in_english(crowd, channel, workspace, alice, chromium, live_server, artifacts_dir,
                                           django_capture_on_commit_callbacks):
    from broadcasts.services import broadcast_create, segment_create

    workspace.language = "en"
    workspace.save()
    segment = segment_create(workspace=workspace, name="VIP", filters={"tags": ["vip"]})
    with django_capture_on_commit_callbacks(execute=True):
        broadcast_create(workspace=workspace, name="December promo with a rather long name", channel_id=channel.pk,
                         segment_id=segment.pk, text="Hi {{contact.first_name}}", created_by=alice)
    context, page, problems = _login(chromium, live_server, reports.PHONE)
    snap = _report(page, live_server, "en-390", artifacts_dir)
    assert snap["title"] == "Broadcasts"
    assert snap["cards"]["sent"] == 3 and snap["cards"]["skipped"] == 1, snap
    assert snap["funnelLabels"] == ["Recipients", "Sent", "Delivered", "Read", "Replied"]
    assert "Sent" in snap["barLabels"]
    agree(snap)
    snap = _report(page, live_server, "en-390-week", artifacts_dir, query="period=last_7_days")
    agree(snap)
    assert not problems, problems
    context.close()
    connections.close_all()
