from django.apps import AppConfig


class BroadcastsConfig(AppConfig):
    name = "broadcasts"

    def ready(self):
        import workflows.triggers
        from contacts.models import Message
        from contacts.signals import message_created, message_status_changed

        from . import receivers, selectors

        # Flujos' trigger "Contact replied to a broadcast" lists this workspace's broadcasts.
        workflows.triggers.broadcast_choices = selectors.broadcast_choices

        message_created.connect(receivers.reply_on_message_created, sender=Message,
                                dispatch_uid="broadcasts.reply_on_message_created")
        message_status_changed.connect(receivers.delivery_on_status_changed, sender=Message,
                                       dispatch_uid="broadcasts.delivery_on_status_changed")
