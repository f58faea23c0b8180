import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Workspace


class WorkspaceSettingsForm(forms.ModelForm):
    timezone = forms.ChoiceField(label=_("Timezone"), choices=[])

    class Meta:
        model = Workspace
        fields = ["name", "timezone", "language"]
        labels = {"name": _("Workspace name"), "language": _("Language")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = [(tz, tz) for tz in sorted(zoneinfo.available_timezones())]
