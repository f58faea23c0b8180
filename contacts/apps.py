from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Contacts and conversations")

    def ready(self):
        from django.db.backends.signals import connection_created

        from accounts.signals import workspace_created, workspace_settings_updated

        from . import receivers

        connection_created.connect(_sqlite_functions, dispatch_uid="contacts.sqlite_functions")

        workspace_created.connect(receivers.conversation_rollup_on_workspace_created,
                                  dispatch_uid="contacts.conversation_rollup_created")
        workspace_settings_updated.connect(receivers.conversation_rollup_on_workspace_settings_updated,
                                           dispatch_uid="contacts.conversation_rollup_settings_updated")


def _sqlite_lower(value):
    return value.lower() if isinstance(value, str) else value


def _sqlite_functions(sender, connection, **kwargs):
    """SQLite's lower() folds ASCII only; ``crm_lower`` is Python's, as PostgreSQL's lower() in a
    UTF-8 database (segments compare custom field values case-insensitively, Ñ = ñ)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("crm_lower", 1, _sqlite_lower, deterministic=True)
