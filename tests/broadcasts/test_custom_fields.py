"""Custom contact fields in Transmisiones: the segment filter ``custom_field`` (validation and
exactly which contacts it selects, on PostgreSQL and SQLite), the Contactos list filter it
mirrors, and the message variable ``{{contact.custom.<key>}}``."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from broadcasts.models import BroadcastRecipient
from broadcasts.segments import BroadcastInputError, segment_contacts, segment_filters_clean
from broadcasts.services import broadcast_create, segment_create
from broadcasts.variables import message_render, message_text_clean, workspace_variables
from contacts.custom_fields import custom_field_create
from contacts.models import Contact, Message
from tests.broadcasts.conftest import reached
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(workspace):
    return custom_field_create(workspace=workspace, key="plan", label="Plan")


def _assert_400(response, field):
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"message", "errors"} and body["message"], body
    assert field in body["errors"], body


# --- validation ---


@pytest.mark.parametrize(("custom", "field"), [
    ({"key": "nivel", "value": "Oro"}, "filters.custom_field.key"),
    ({"key": "plan"}, "filters.custom_field.value"),
    ({"key": "plan", "value": "   "}, "filters.custom_field.value"),
    ({"key": "plan", "value": 3}, "filters.custom_field.value"),
    ({"key": "plan", "value": "x" * 501}, "filters.custom_field.value"),
    ({"key": "plan", "value": "Oro", "op": "contains"}, "filters.custom_field"),
    ("plan=Oro", "filters.custom_field"),
    (["plan", "Oro"], "filters.custom_field"),
])
def test_bad_custom_field_filters_are_400(alice_client, plan, custom, field):
    response = alice_client.post("/api/v1/segments", {"name": "Oro", "filters": {"custom_field": custom}}, format="json")
    _assert_400(response, field)


def test_another_workspaces_field_is_unknown_to_a_segment(charlie_client, plan):
    response = charlie_client.post("/api/v1/segments", {"name": "Oro", "filters": {
        "custom_field": {"key": "plan", "value": "Oro"}}}, format="json")
    _assert_400(response, "filters.custom_field.key")


def test_the_filter_is_stored_trimmed_and_counts_its_contacts(alice_client, workspace, plan):
    ContactFactory(workspace=workspace, custom_fields={"plan": "Oro"})
    ContactFactory(workspace=workspace, custom_fields={"plan": "Plata"})
    response = alice_client.post("/api/v1/segments", {"name": "Oro", "filters": {
        "custom_field": {"key": " plan ", "value": "  ORO "}}}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["filters"] == {"custom_field": {"key": "plan", "value": "ORO"}}
    assert response.json()["contact_count"] == 1


# --- selection: exactly the contacts whose value equals, trimmed and case-insensitive ---

VALUES = ["Oro", "oro", "ORO", " Oro ", "Oro premium", "Plata", "Ñandú", "ñandú", "ÑANDÚ", "Éxito", "éxito", "exito",
          "Straße", "0", "oro\t"]


def _expected(stored: list, wanted: str) -> list[int]:
    return [i for i, value in enumerate(stored) if value is not None and value.strip().lower() == wanted.strip().lower()]


@pytest.mark.parametrize(("stored", "wanted", "expected"), [
    (["Oro", "oro", "ORO", "Plata", None], "oro", [0, 1, 2]),
    (["Oro premium", "Oro"], "Oro", [1]),
    (["Ñandú", "ñandú", "Nandu"], "ÑANDÚ", [0, 1]),
    (["Éxito", "exito"], "éxito", [0]),
    ([None, "x"], "Oro", []),
])
def test_selection_table(workspace, plan, stored, wanted, expected):
    contacts = [ContactFactory(workspace=workspace, custom_fields={} if v is None else {"plan": v}) for v in stored]
    clean = segment_filters_clean(workspace=workspace, filters={"custom_field": {"key": "plan", "value": wanted}})
    selected = set(segment_contacts(workspace=workspace, filters=clean).values_list("pk", flat=True))
    assert selected == {contacts[i].pk for i in expected}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stored=st.lists(st.one_of(st.none(), st.sampled_from(VALUES),
                                 st.text(alphabet="aAoOñÑéÉ ", min_size=1, max_size=4)), max_size=8),
       wanted=st.one_of(st.sampled_from(VALUES), st.text(alphabet="aAoOñÑéÉ ", min_size=1, max_size=4)),
       other_key=st.booleans())
def test_selection_is_exactly_the_python_rule(workspace, other_workspace, plan, stored, wanted, other_key):
    """Against the rule written in Python: trimmed, lower case; other keys and other workspaces never match."""
    if not wanted.strip():
        return
    tier = "tier"
    contacts = [ContactFactory(workspace=workspace, custom_fields={} if v is None else {"plan": v.strip()})
                for v in stored]
    # noise: the same values under another key, and in another workspace
    noise = [ContactFactory(workspace=workspace, custom_fields={tier: wanted})] if other_key else []
    noise.append(ContactFactory(workspace=other_workspace, custom_fields={"plan": wanted}))
    try:
        clean = segment_filters_clean(workspace=workspace, filters={"custom_field": {"key": "plan", "value": wanted}})
        selected = set(segment_contacts(workspace=workspace, filters=clean).values_list("pk", flat=True))
        assert selected == {contacts[i].pk for i in _expected([None if v is None else v.strip() for v in stored], wanted)}
    finally:
        Contact.objects.filter(pk__in=[c.pk for c in contacts + noise]).delete()


def test_custom_field_narrows_with_the_other_filters(workspace, plan):
    ana = ContactFactory(workspace=workspace, tags=["vip"], custom_fields={"plan": "Oro"})
    ContactFactory(workspace=workspace, tags=[], custom_fields={"plan": "Oro"})
    ContactFactory(workspace=workspace, tags=["vip"], custom_fields={"plan": "Plata"})
    clean = segment_filters_clean(workspace=workspace, filters={"tags": ["vip"], "custom_field": {"key": "plan",
                                                                                                  "value": "oro"}})
    assert list(segment_contacts(workspace=workspace, filters=clean)) == [ana]


# --- the Contactos list filter, and saving it as a segment ---


def test_the_contacts_list_filters_by_a_custom_field_and_saves_it_as_a_segment(alice, workspace, plan, client):
    ContactFactory(workspace=workspace, first_name="Ana", custom_fields={"plan": "Oro"})
    ContactFactory(workspace=workspace, first_name="Beto", custom_fields={"plan": "Plata"})
    client.force_login(alice)
    page = client.get("/contacts/", {"field": "plan", "value": " oro"})
    assert page.status_code == 200
    names = [c.first_name for c in page.context["contacts"]]
    assert names == ["Ana"]
    html = page.content.decode()
    assert 'name="custom_field_key" value="plan"' in html and 'name="custom_field_value" value="oro"' in html
    # an unknown field is no filter
    assert len(client.get("/contacts/", {"field": "nivel", "value": "oro"}).context["contacts"]) == 2
    # Guardar como segmento posts the list's filter
    saved = client.post("/broadcasts/segments/", {"name": "Oro", "search": "", "assignee": "", "custom_field_key": "plan",
                                       "custom_field_value": "oro", "next": "/contacts/?field=plan&value=oro"})
    assert saved.status_code == 302
    from broadcasts.models import Segment

    segment = Segment.objects.get(workspace=workspace, name="Oro")
    assert segment.filters == {"custom_field": {"key": "plan", "value": "oro"}}
    listed = {c.pk for c in page.context["contacts"]}
    assert set(segment_contacts(workspace=workspace, filters=segment.filters).values_list("pk", flat=True)) == listed


# --- the message variable ---


def test_variables_include_the_workspaces_custom_fields(workspace, plan):
    variables = workspace_variables(workspace)
    assert "contact.custom.plan" in variables and str(variables["contact.custom.plan"][0]) == "Plan"
    text, fallbacks = message_text_clean(text="Tu plan: {{ contact.custom.plan }}",
                                         fallbacks={"contact.custom.plan": "básico"}, variables=variables)
    assert fallbacks == {"contact.custom.plan": "básico"}
    with_value = ContactFactory(workspace=workspace, custom_fields={"plan": "Oro"})
    without = ContactFactory(workspace=workspace)
    assert message_render(text=text, fallbacks=fallbacks, contact=with_value) == "Tu plan: Oro"
    assert message_render(text=text, fallbacks=fallbacks, contact=without) == "Tu plan: básico"


@pytest.mark.parametrize("text", ["Hola {{contact.custom.nivel}}", "Hola {{contact.custom.}}", "{{contact.custom}}"])
def test_an_unknown_custom_variable_is_the_unknown_variable_400(alice_client, workspace, plan, channel, text):
    ContactFactory(workspace=workspace)
    segment = alice_client.post("/api/v1/segments", {"name": "Todos", "filters": {}}, format="json").json()
    response = alice_client.post("/api/v1/broadcasts", {"name": "P", "channel": channel.pk, "segment": segment["id"],
                                                        "text": text}, format="json")
    _assert_400(response, "text")
    assert "{{contact.custom.plan}}" in response.json()["message"]


def test_another_workspaces_field_is_an_unknown_variable(workspace, other_workspace):
    custom_field_create(workspace=other_workspace, key="plan", label="Plan")
    with pytest.raises(BroadcastInputError):
        message_text_clean(text="{{contact.custom.plan}}", fallbacks={}, variables=workspace_variables(workspace))


def test_a_broadcast_writes_each_contacts_value_or_the_fallback(workspace, alice, channel, plan,
                                                                django_capture_on_commit_callbacks):
    oro = ContactFactory(workspace=workspace, first_name="Ana", custom_fields={"plan": "Oro"})
    none = ContactFactory(workspace=workspace, first_name="Beto")
    for contact in (oro, none):
        reached(contact, channel)
    segment = segment_create(workspace=workspace, name="Todos", filters={}, created_by=alice)
    with django_capture_on_commit_callbacks(execute=True):
        broadcast = broadcast_create(workspace=workspace, name="Plan", channel_id=channel.pk, segment_id=segment.pk,
                                     text="{{contact.first_name}}, tu plan {{contact.custom.plan}}",
                                     fallbacks={"contact.custom.plan": "básico"}, created_by=alice)
    assert BroadcastRecipient.objects.filter(broadcast=broadcast, status="sent").count() == 2
    texts = dict(Message.objects.filter(sender_kind="broadcast").values_list("conversation__contact_id", "text"))
    assert texts == {oro.pk: "Ana, tu plan Oro", none.pk: "Beto, tu plan básico"}


def test_the_pages_offer_the_custom_fields(alice_client, workspace, alice, plan):
    ContactFactory(workspace=workspace, custom_fields={"plan": "Oro"})
    segment_create(workspace=workspace, name="Oro", filters={"custom_field": {"key": "plan", "value": "Oro"}},
                   created_by=alice)
    page = alice_client.get("/broadcasts/segments/").content.decode()
    assert "plan = Oro" in page and 'name="custom_field_key"' in page and "Campo personalizado" in page
    create = alice_client.get("/broadcasts/new/").content.decode()
    assert 'data-variable="contact.custom.plan"' in create and 'name="fallback:contact.custom.plan"' in create
