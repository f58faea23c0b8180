from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PresenceConfig(AppConfig):
    name = "presence"
    verbose_name = _("Activity status")

    def ready(self):
        from accounts.signals import workspace_settings_updated

        from . import receivers  # login / logout set the member's status

        workspace_settings_updated.connect(receivers.rollup_on_workspace_settings_updated,
                                           dispatch_uid="presence.rollup_settings_updated")
