"""Settings pages: Developer API (API tokens) and channels & Dialogflow integrations (owners and managers).

A new token or secret is shown once: the POST keeps it in the session for exactly one page view
(post/redirect/get, so a reload does not issue another one); only its hash is stored.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import workspace_member_required

from . import selectors, services
from .forms import ChannelForm, ChannelOutboundForm, DialogflowForm, TokenForm

SHOWN_ONCE_KEY = "integrations_shown_once"


def _show_once(request, *, kind: str, object_id: int, secret: str) -> None:
    request.session[SHOWN_ONCE_KEY] = {"kind": kind, "id": object_id, "secret": secret,
                                       "workspace": request.workspace.pk}


def _pop_shown_once(request) -> dict | None:
    shown = request.session.pop(SHOWN_ONCE_KEY, None)
    if not shown or shown.get("workspace") != request.workspace.pk:
        return None
    return shown


@require_http_methods(["GET", "POST"])
@workspace_member_required(admin=True)
def developer_api(request):
    form = TokenForm(request.POST or None, initial={"name": "API"})
    if request.method == "POST" and form.is_valid():
        token, key = services.api_token_create(
            workspace=request.workspace, name=form.cleaned_data["name"], created_by=request.user
        )
        _show_once(request, kind="token", object_id=token.pk, secret=key)
        return redirect("integrations:developer-api")
    context = {
        "settings_section": "developer-api",
        "form": form,
        "tokens": selectors.api_token_list(workspace=request.workspace),
        "shown_once": _pop_shown_once(request) if request.method == "GET" else None,
        "api_base": request.build_absolute_uri("/api/v1/"),
        "docs_url": reverse("api-docs"),
    }
    return render(request, "integrations/developer_api.html", context, status=400 if form.errors else 200)


@require_POST
@workspace_member_required(admin=True)
def api_token_revoke(request, token_id: int):
    token = selectors.api_token_get(workspace=request.workspace, token_id=token_id)
    if token is None:
        raise Http404
    services.api_token_revoke(token=token)
    messages.success(request, _("The token %(prefix)s… was revoked.") % {"prefix": token.key_prefix})
    return redirect("integrations:developer-api")


@require_http_methods(["GET"])
@workspace_member_required(admin=True)
def integrations_settings(request):
    return _integrations_page(request)


def _integrations_page(request, *, channel_form=None, dialogflow_form=None, outbound_form=None, status=200):
    channels = list(selectors.channel_list(workspace=request.workspace))
    integrations = list(selectors.dialogflow_integration_list(workspace=request.workspace))
    for channel in channels:
        channel.webhook_url = request.build_absolute_uri(
            reverse("api-channel-inbound", kwargs={"channel_id": channel.pk})
        )
        channel.status_url = request.build_absolute_uri(
            reverse("api-channel-status", kwargs={"channel_id": channel.pk})
        )
        # The form that failed keeps its input and errors; the others show what is stored.
        if outbound_form is not None and outbound_form.channel_id == channel.pk:
            channel.outbound_form = outbound_form
        else:
            channel.outbound_form = ChannelOutboundForm(prefix=f"outbound-{channel.pk}",
                                                        initial={"outbound_url": channel.outbound_url})
    for integration in integrations:
        integration.webhook_url = request.build_absolute_uri(
            reverse("api-dialogflow-webhook", kwargs={"integration_id": integration.pk})
        )
    context = {
        "settings_section": "integrations",
        "channels": channels,
        "integrations": integrations,
        "channel_form": channel_form or ChannelForm(prefix="channel"),
        "dialogflow_form": dialogflow_form or DialogflowForm(prefix="dialogflow", initial={"name": "Dialogflow"}),
        "shown_once": _pop_shown_once(request) if status == 200 else None,
        "zapier_url": request.build_absolute_uri(reverse("api-zapier-assign")),
    }
    return render(request, "integrations/integrations.html", context, status=status)


@require_POST
@workspace_member_required(admin=True)
def channel_create(request):
    form = ChannelForm(request.POST, prefix="channel")
    if not form.is_valid():
        return _integrations_page(request, channel_form=form, status=400)
    channel, secret = services.channel_create(
        workspace=request.workspace, name=form.cleaned_data["name"], created_by=request.user
    )
    _show_once(request, kind="channel", object_id=channel.pk, secret=secret)
    return redirect("integrations:integrations")


@require_POST
@workspace_member_required(admin=True)
def channel_rotate(request, channel_id: int):
    channel = selectors.channel_get(workspace=request.workspace, channel_id=channel_id)
    if channel is None:
        raise Http404
    secret = services.secret_rotate(holder=channel)
    _show_once(request, kind="channel", object_id=channel.pk, secret=secret)
    return redirect("integrations:integrations")


@require_POST
@workspace_member_required(admin=True)
def channel_outbound(request, channel_id: int):
    channel = selectors.channel_get(workspace=request.workspace, channel_id=channel_id)
    if channel is None:
        raise Http404
    form = ChannelOutboundForm(request.POST, prefix=f"outbound-{channel.pk}")
    form.channel_id = channel.pk
    if not form.is_valid():
        return _integrations_page(request, outbound_form=form, status=400)
    services.channel_outbound_set(channel=channel, outbound_url=form.cleaned_data["outbound_url"])
    if channel.outbound_url:
        messages.success(request, _("Outgoing messages of %(name)s are sent to its outbound URL.") % {"name": channel.name})
    else:
        messages.success(request, _("%(name)s no longer sends outgoing messages.") % {"name": channel.name})
    return redirect("integrations:integrations")


@require_POST
@workspace_member_required(admin=True)
def dialogflow_create(request):
    form = DialogflowForm(request.POST, prefix="dialogflow")
    if not form.is_valid():
        return _integrations_page(request, dialogflow_form=form, status=400)
    integration, secret = services.dialogflow_integration_create(
        workspace=request.workspace, name=form.cleaned_data["name"], created_by=request.user
    )
    _show_once(request, kind="dialogflow", object_id=integration.pk, secret=secret)
    return redirect("integrations:integrations")


@require_POST
@workspace_member_required(admin=True)
def dialogflow_rotate(request, integration_id: int):
    integration = selectors.dialogflow_integration_get(workspace=request.workspace, integration_id=integration_id)
    if integration is None:
        raise Http404
    secret = services.secret_rotate(holder=integration)
    _show_once(request, kind="dialogflow", object_id=integration.pk, secret=secret)
    return redirect("integrations:integrations")
