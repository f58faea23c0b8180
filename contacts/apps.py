from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Contacts and conversations")

    def ready(self):
        from accounts.signals import workspace_created, workspace_settings_updated

        from . import receivers

        workspace_created.connect(receivers.conversation_rollup_on_workspace_created,
                                  dispatch_uid="contacts.conversation_rollup_created")
        workspace_settings_updated.connect(receivers.conversation_rollup_on_workspace_settings_updated,
                                           dispatch_uid="contacts.conversation_rollup_settings_updated")
