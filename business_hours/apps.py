from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BusinessHoursConfig(AppConfig):
    name = "business_hours"
    verbose_name = _("Business hours")
