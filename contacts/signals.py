"""Facts about messages that upper floors react to (contacts imports no app above it).

- ``message_created(sender=Message, message=...)``: sent by ``contacts.services.message_create``
  inside its transaction, after the message is stored. A receiver's writes commit or roll back
  with the message; a receiver that does I/O or enqueues work does it in
  ``transaction.on_commit``. Receiver: ``integrations/receivers.py`` (queues an outgoing message
  for its channel's outbound URL).
- ``message_status_changed(sender=Message, message=..., status=..., reason=...)``: sent by
  ``contacts.services.message_status_record`` once the transaction that changed a message's
  delivery status has committed (never for a repeat or an ignored status). ``message`` is the
  message as stored by that change; ``status`` a ``DeliveryStatus`` value; ``reason`` the
  failure's reason or "". Receivers run after the commit, so they may call
  ``message_status_record`` again or do I/O (docs/architecture.md "Delivery status").
"""

from django.dispatch import Signal

message_created = Signal()
message_status_changed = Signal()
