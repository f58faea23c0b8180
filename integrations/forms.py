from django import forms
from django.utils.translation import gettext_lazy as _

from .delivery import OUTBOUND_URL_MAX, OutboundUrlError, outbound_url_check


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100, strip=True,
                           help_text=_("Say who uses it, e.g. Zapier or the online store."))


class ChannelForm(forms.Form):
    name = forms.CharField(label=_("New channel's name"), max_length=100, strip=True)


class DialogflowForm(forms.Form):
    name = forms.CharField(label=_("New integration's name"), max_length=100, strip=True)


class ChannelOutboundForm(forms.Form):
    outbound_url = forms.CharField(
        label=_("Outbound URL"), max_length=OUTBOUND_URL_MAX, required=False, strip=True,
        help_text=_("Outgoing messages of this channel's conversations are POSTed here, signed with the "
                    "channel's secret. Leave it empty to stop sending."),
    )

    def clean_outbound_url(self):
        value = self.cleaned_data["outbound_url"]
        if not value:
            return ""
        try:
            return outbound_url_check(value)
        except OutboundUrlError as error:
            raise forms.ValidationError(_("Use an http:// or https:// address without user, password or spaces.")) \
                from error
