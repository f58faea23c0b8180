"""Transmisiones in chromium: save a segment from Contactos, create a broadcast with a variable
(inserted with its button) and a fallback, follow its progress to the end; Spanish at 1366 px,
English at 390 px, no horizontal overflow, screenshots under artifacts/."""

import pytest

from broadcasts.models import Broadcast
from contacts.models import Message
from tests.broadcasts.conftest import reached
from tests.browser.reports import DESKTOP, PHONE, WIDE
from tests.factories import ContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-123456"


@pytest.fixture
def channel(workspace):
    from integrations.services import channel_create

    return channel_create(workspace=workspace, name="WhatsApp Web")[0]


@pytest.fixture
def crowd(workspace, alice, channel):
    contacts = [ContactFactory(workspace=workspace, first_name=name, tags=["vip"]) for name in ("Ana", "Beto", "")]
    for contact in contacts:
        reached(contact, channel)
    return contacts


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


def _fits(page, name, artifacts_dir):
    page.screenshot(path=str(artifacts_dir / f"broadcasts-{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), page.evaluate(WIDE)


def test_segment_broadcast_and_progress_in_spanish_at_1366(crowd, channel, chromium, live_server, artifacts_dir):
    context, page, problems = _login(chromium, live_server, DESKTOP)
    # Contactos → Guardar como segmento
    page.goto(f"{live_server.url}/contacts/?q=")
    page.fill("#segment-name", "Todos los VIP")
    page.click("#save-segment button[type=submit]")
    page.wait_for_selector("text=Segmento «Todos los VIP» guardado.")
    # Transmisiones → Nueva transmisión
    page.click("nav.mainnav >> text=Transmisiones")
    page.click(".bc-subnav >> text=Nueva transmisión")
    page.fill("#bc-name", "Promo de diciembre")
    page.select_option("#bc-channel", str(channel.pk))
    page.fill("#bc-text", "Hola , hoy 20%")
    page.evaluate("() => { const t = document.getElementById('bc-text'); t.selectionStart = t.selectionEnd = 5; }")
    page.click("button[data-variable='contact.first_name']")
    page.fill("input[name='fallback:contact.first_name']", "cliente")
    _fits(page, "create-es-1366", artifacts_dir)
    page.click("#bc-submit")
    # the detail page follows the job to the end
    page.wait_for_selector("#broadcast-progress")
    page.wait_for_function("() => document.getElementById('broadcast-progress').dataset.status === 'sent'")
    assert page.inner_text("[data-count=sent]") == "3"
    assert page.inner_text("#bc-percent") == "100"
    assert page.inner_text("#bc-status") == "Enviada"
    _fits(page, "detail-es-1366", artifacts_dir)
    texts = sorted(Message.objects.filter(sender_kind="broadcast").values_list("text", flat=True))
    assert texts == ["Hola Ana, hoy 20%", "Hola Beto, hoy 20%", "Hola cliente, hoy 20%"]
    assert Broadcast.objects.get().name == "Promo de diciembre"
    assert not problems
    context.close()


def test_pages_fit_a_phone_in_english(crowd, channel, workspace, alice, chromium, live_server, artifacts_dir):
    from broadcasts.services import broadcast_create, segment_create

    workspace.language = "en"
    workspace.save()
    segment = segment_create(workspace=workspace, name="VIP", filters={"tags": ["vip"]})
    broadcast = broadcast_create(workspace=workspace, name="December promo", channel_id=channel.pk,
                                 segment_id=segment.pk, text="Hi {{contact.first_name}}", created_by=alice)
    context, page, problems = _login(chromium, live_server, PHONE)
    for name, path, heading in (("list", "/broadcasts/", "Broadcasts"), ("create", "/broadcasts/new/", "New broadcast"),
                                ("segments", "/broadcasts/segments/", "Segments"),
                                ("detail", f"/broadcasts/{broadcast.pk}/", "December promo"),
                                ("failures", f"/broadcasts/{broadcast.pk}/failures/", "Failed broadcasts")):
        page.goto(f"{live_server.url}{path}")
        assert heading in page.inner_text("h1")
        _fits(page, f"{name}-en-390", artifacts_dir)
    assert not problems
    context.close()


@pytest.mark.parametrize(("viewport", "size"), [(DESKTOP, "1366"), (PHONE, "390")])
def test_contacts_filter_by_a_custom_field_and_save_it_as_a_segment(crowd, workspace, chromium, live_server,
                                                                      artifacts_dir, viewport, size):
    from broadcasts.models import Segment
    from contacts.custom_fields import custom_field_create
    from contacts.models import Contact

    custom_field_create(workspace=workspace, key="plan", label="Plan")
    Contact.objects.filter(pk=crowd[0].pk).update(custom_fields={"plan": "Oro"})
    Contact.objects.filter(pk=crowd[1].pk).update(custom_fields={"plan": "Plata"})
    context, page, problems = _login(chromium, live_server, viewport)
    page.goto(f"{live_server.url}/contacts/")
    page.select_option("#contact-field", "plan")
    page.fill("#contact-field-value", " oro ")
    page.click(".contacts-filter button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".contacts-table tbody tr").count() == 1 and "Ana" in page.inner_text(".contacts-table tbody")
    _fits(page, f"contacts-custom-field-es-{size}", artifacts_dir)
    page.fill("#segment-name", f"Plan oro {size}")
    page.click("#save-segment button[type=submit]")
    page.wait_for_selector(f"text=Segmento «Plan oro {size}» guardado.")
    assert Segment.objects.get(name=f"Plan oro {size}").filters == {"custom_field": {"key": "plan", "value": "oro"}}
    page.goto(f"{live_server.url}/broadcasts/segments/")
    assert "plan = oro" in page.inner_text(f"text=Plan oro {size} >> xpath=ancestor::tr")
    _fits(page, f"segments-custom-field-es-{size}", artifacts_dir)
    assert not problems
    context.close()
