"""Outgoing messages of a channel's conversations go out through it: contacts announces each new
message (``contacts.signals.message_created``, inside its transaction); integrations, which knows
the channels, queues it in that same transaction and posts it after the commit. Connected in
``IntegrationsConfig.ready``."""

from django.db import transaction

from contacts.models import Message, SenderKind
from contacts.services import message_delivery_queue

from .models import Channel


def channel_delivery_on_message_created(sender, *, message: Message, **kwargs) -> None:
    # Transmisiones posts its own messages in a batch (integrations.delivery.channel_message_post).
    if message.direction != Message.Direction.OUT or message.sender_kind == SenderKind.BROADCAST:
        return
    channel_id = message.conversation.channel_id
    if channel_id is None:
        return
    channel = (Channel.objects.filter(pk=channel_id, workspace_id=message.workspace_id).exclude(outbound_url="")
               .only("pk").first())
    if channel is None:
        return
    message_delivery_queue(message=message, channel_id=channel.pk, at=message.created_at)
    from .tasks import channel_message_deliver_task

    transaction.on_commit(lambda: channel_message_deliver_task.delay(message.pk))
