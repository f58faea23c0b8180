from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100, strip=True,
                           help_text=_("Say who uses it, e.g. Zapier or the online store."))


class ChannelForm(forms.Form):
    name = forms.CharField(label=_("New channel's name"), max_length=100, strip=True)


class DialogflowForm(forms.Form):
    name = forms.CharField(label=_("New integration's name"), max_length=100, strip=True)
