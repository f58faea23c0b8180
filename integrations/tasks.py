import random

from celery import shared_task
from django.conf import settings

from contacts.models import DeliveryStatus, Message
from contacts.services import message_status_record

from .delivery import channel_message_post
from .models import Channel


def delivery_backoff(retries: int) -> float:
    """Seconds before the next attempt: doubling from CHANNEL_OUTBOUND_BACKOFF, at most
    CHANNEL_OUTBOUND_BACKOFF_MAX, with jitter so a channel's queue does not come back at once."""
    base = getattr(settings, "CHANNEL_OUTBOUND_BACKOFF", 10)
    ceiling = getattr(settings, "CHANNEL_OUTBOUND_BACKOFF_MAX", 900)
    return min(ceiling, base * 2 ** retries) * random.uniform(0.5, 1.0)


@shared_task(bind=True, name="integrations.channel_message_deliver", acks_late=True, ignore_result=True,
             max_retries=None)
def channel_message_deliver_task(self, message_id: int) -> str:
    """POST a queued outgoing message to its channel's outbound URL (integrations/delivery.py).

    Enqueued after the commit of the message. Idempotent: a message already sent, delivered,
    read or failed is not posted again (a duplicate or a redelivered task). A 4xx is final
    (``failed``); 408 / 425 / 429 / 5xx / network errors are retried with backoff until
    ``CHANNEL_OUTBOUND_ATTEMPTS`` attempts, then ``failed`` with the last error.
    """
    message = Message.objects.select_related("conversation__contact", "author").filter(pk=message_id).first()
    if message is None or message.delivery_status != DeliveryStatus.QUEUED:
        return "skipped"
    channel = Channel.objects.filter(pk=message.delivery_channel_id, workspace_id=message.workspace_id).first()
    if channel is None:
        message_status_record(message=message, status=DeliveryStatus.FAILED, reason="the channel was deleted")
        return DeliveryStatus.FAILED
    result = channel_message_post(channel, message)
    if not result.retryable:
        return result.outcome
    attempts = self.request.retries + 1
    if attempts >= getattr(settings, "CHANNEL_OUTBOUND_ATTEMPTS", 6):
        message_status_record(message=message, status=DeliveryStatus.FAILED,
                              reason=f"{result.error} (after {attempts} attempts)")
        return DeliveryStatus.FAILED
    raise self.retry(countdown=delivery_backoff(self.request.retries))
