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


class AgentSettingsForm(forms.ModelForm):
    """Configuraciones → Agentes: what agents may see and change (owners only)."""

    class Meta:
        model = Workspace
        fields = ["agent_visibility", "agents_can_reassign", "agents_see_leaderboard"]
        labels = {
            "agent_visibility": _("Agents can see"),
            "agents_can_reassign": _("Agents can reassign to other agents"),
            "agents_see_leaderboard": _("Agents see the whole leaderboard"),
        }
        help_texts = {
            "agent_visibility": _(
                "Applies to Contacts, the contact search, Messages and the API. A contact an agent "
                "may not see does not exist for them."
            ),
            "agents_can_reassign": _(
                "Off: an agent may take an unassigned contact or unassign their own, but not assign "
                "a contact to another member or take a colleague's."
            ),
            "agents_see_leaderboard": _(
                "Reports → Leaderboard. Off: an agent sees only their own row (with their rank). On: every "
                "row, with their colleagues' names."
            ),
        }
        widgets = {"agent_visibility": forms.RadioSelect}
