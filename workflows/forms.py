import json

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import WorkflowTrigger


class WorkflowForm(forms.Form):
    """The Flujos editor. ``steps`` is the JSON list the page's step editor writes (and what a
    browser without JavaScript shows as text); the steps themselves are judged by the service."""

    name = forms.CharField(label=_("Name"), max_length=150)
    trigger = forms.ChoiceField(
        label=_("Trigger"), choices=WorkflowTrigger.choices, initial=WorkflowTrigger.CONVERSATION_OPENED
    )
    # The trigger "Contact replied to a broadcast": which broadcast (choices set by the view).
    broadcast = forms.TypedChoiceField(label=_("Broadcast"), required=False, coerce=int, empty_value=None)
    enabled = forms.BooleanField(label=_("Enabled"), required=False)

    def __init__(self, *args, broadcasts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["broadcast"].choices = [("", "—"), *broadcasts]
    steps = forms.CharField(label=_("Steps (JSON)"), widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}))

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("This field is required."))
        return name

    def clean_steps(self) -> list:
        raw = self.cleaned_data["steps"]
        if len(raw) > 200_000:
            raise forms.ValidationError(_("The steps are too long."))
        try:
            steps = json.loads(raw)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply
            raise forms.ValidationError(_("The steps are not valid JSON.")) from exc
        if not isinstance(steps, list):
            raise forms.ValidationError(_("The steps must be a list."))
        return steps
