from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PresenceConfig(AppConfig):
    name = "presence"
    verbose_name = _("Activity status")

    def ready(self):
        from . import receivers  # noqa: F401 - login / logout set the member's status
