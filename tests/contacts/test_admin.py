"""The admin shows the conversation lifecycle and changes none of it."""

from django.test import Client

from contacts.models import ConversationEvent
from contacts.services import conversation_close, conversation_open, message_create
from tests.factories import UserFactory


def test_admin_lists_lifecycle_and_cannot_edit_events(ana):
    conversation, _ = conversation_open(contact=ana, channel_id=3)
    message_create(conversation=conversation, direction="in", text="Hola", sender_kind="contact")
    conversation_close(conversation=conversation, source="api", note="fin")
    admin = UserFactory(email="root@acme.example", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    event = ConversationEvent.objects.filter(kind="closed").get()

    for path in ["/admin/contacts/conversation/", f"/admin/contacts/conversation/{conversation.pk}/change/",
                 "/admin/contacts/message/", "/admin/contacts/conversationevent/",
                 f"/admin/contacts/conversationevent/{event.pk}/change/"]:
        assert client.get(path).status_code == 200, path
    for path in ["/admin/contacts/conversationevent/add/", "/admin/contacts/conversation/add/",
                 "/admin/contacts/message/add/"]:
        assert client.get(path).status_code == 403, path
    client.post(f"/admin/contacts/conversationevent/{event.pk}/delete/", {"post": "yes"})
    assert ConversationEvent.objects.filter(pk=event.pk).exists()
