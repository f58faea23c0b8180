"""What Transmisiones follows from the contacts floor (contacts/signals.py):

- ``message_created`` (inside the message's transaction): an incoming message is the contact's
  reply to the broadcast last sent to them through that channel (``recipient_reply_record``),
  written in the same transaction as the message; STOP / BAJA opts the contact out.
- ``message_status_changed`` (after its commit): the channel's delivery status of a broadcast's
  message moves its recipient on (``recipient_delivery_record``).
"""

from contacts.models import Message

from . import services


def reply_on_message_created(sender, message: Message, **kwargs) -> None:
    if message.direction != Message.Direction.IN:
        return
    services.recipient_reply_record(message=message)


def delivery_on_status_changed(sender, message: Message, status: str, reason: str = "", **kwargs) -> None:
    if message.sender_kind != "broadcast":
        return
    services.recipient_delivery_record(message_id=message.pk, status=status, reason=reason,
                                       at=message.delivery_updated_at)
