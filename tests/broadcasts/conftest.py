import pytest

from contacts.services import conversation_open, message_create
from integrations.services import channel_create
from tests.factories import ContactFactory


@pytest.fixture
def channel(workspace, alice):
    channel, _secret = channel_create(workspace=workspace, name="WhatsApp Web")
    return channel


def reached(contact, channel):
    """The contact has written through the channel (so a broadcast through it can reach them)."""
    conversation, _ = conversation_open(contact=contact, channel_id=channel.pk)
    message_create(conversation=conversation, direction="in", text="Hola", sender_kind="contact")
    return conversation


@pytest.fixture
def audience(workspace, channel):
    """Five VIP contacts: three wrote through the channel, one never did, one without a first name."""
    contacts = [
        ContactFactory(workspace=workspace, first_name="Ana", tags=["vip"]),
        ContactFactory(workspace=workspace, first_name="Beto", tags=["vip", "mx"]),
        ContactFactory(workspace=workspace, first_name="", last_name="Sin Nombre", tags=["vip"]),
        ContactFactory(workspace=workspace, first_name="Dora", tags=["vip"]),
        ContactFactory(workspace=workspace, first_name="Eli", tags=["otro"]),
    ]
    for contact in contacts[:3]:
        reached(contact, channel)
    return contacts
