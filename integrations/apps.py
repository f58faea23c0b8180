from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"

    def ready(self):
        from contacts.signals import message_created

        from . import receivers

        message_created.connect(receivers.channel_delivery_on_message_created,
                                dispatch_uid="integrations.channel_delivery_on_message_created")
