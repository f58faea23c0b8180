"""Pages of Transmisiones (owners and managers): the broadcasts, a new broadcast, a broadcast's
progress, its failures (with retry), and the segments (also saved from the Contactos list)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.decorators import workspace_member_required
from accounts.selectors import member_list
from contacts.custom_fields import custom_field_labels
from integrations.models import Channel

from .models import BroadcastStatus, RecipientStatus
from .segments import BroadcastInputError
from .selectors import (
    broadcast_get,
    broadcast_list,
    broadcast_progress,
    broadcast_recipient_list,
    segment_contact_count,
    segment_get,
    segment_list,
)
from .services import (
    broadcast_cancel,
    broadcast_create,
    broadcast_failed_retry,
    segment_create,
    segment_delete,
)
from .variables import MAX_TEXT, workspace_variables

PER_PAGE = 50


def _broadcast_or_404(request, broadcast_id):
    broadcast = broadcast_get(workspace=request.workspace, broadcast_id=broadcast_id)
    if broadcast is None:
        raise Http404("no such broadcast")
    return broadcast


@require_safe
@workspace_member_required(admin=True)
def broadcast_list_page(request):
    page = Paginator(broadcast_list(workspace=request.workspace), PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"broadcast": b, "progress": broadcast_progress(broadcast=b)} for b in page.object_list]
    return render(request, "broadcasts/list.html", {"rows": rows, "page_obj": page})


def _form_context(request, values: dict, error: BroadcastInputError | None = None) -> dict:
    return {
        "channels": Channel.objects.filter(workspace=request.workspace).order_by("name", "pk"),
        "segments": segment_list(workspace=request.workspace),
        "variables": [{"name": name, "label": label, "fallback": values.get(f"fallback:{name}", "")}
                      for name, (label, _read) in workspace_variables(request.workspace).items()],
        "values": values,
        "error": error,
        "max_text": MAX_TEXT,
    }


@require_http_methods(["GET", "POST"])
@workspace_member_required(admin=True)
def broadcast_create_page(request):
    if request.method == "GET":
        values = {"segment": request.GET.get("segment", ""), "when": "now"}
        return render(request, "broadcasts/create.html", _form_context(request, values))
    values = {key: request.POST.get(key, "") for key in ("name", "channel", "segment", "text", "when", "send_at")}
    fallbacks = {}
    for name in workspace_variables(request.workspace):
        value = request.POST.get(f"fallback:{name}", "")
        values[f"fallback:{name}"] = value
        if value.strip():
            fallbacks[name] = value
    later = values["when"] == "later"
    try:
        if later and not values["send_at"].strip():
            raise BroadcastInputError(_("Choose the date and time to send it."), field="send_at")
        broadcast = broadcast_create(
            workspace=request.workspace, name=values["name"], channel_id=values["channel"],
            segment_id=values["segment"], text=values["text"], fallbacks=fallbacks,
            send_at=values["send_at"] if later else None, created_by=request.user,
        )
    except BroadcastInputError as error:
        return render(request, "broadcasts/create.html", _form_context(request, values, error), status=400)
    if broadcast.status == BroadcastStatus.SCHEDULED:
        messages.success(request, _("Broadcast scheduled."))
    else:
        messages.success(request, _("Broadcast queued: it is being sent."))
    return redirect("broadcasts:detail", broadcast_id=broadcast.pk)


@require_safe
@workspace_member_required(admin=True)
def broadcast_detail_page(request, broadcast_id):
    broadcast = _broadcast_or_404(request, broadcast_id)
    return render(request, "broadcasts/detail.html", {
        "broadcast": broadcast,
        "progress": broadcast_progress(broadcast=broadcast),
        "statuses": [{"value": s.value, "label": s.label} for s in RecipientStatus],
        "api_url": reverse("api-broadcast", kwargs={"broadcast_id": broadcast.pk}),
        "status_labels": {s.value: str(s.label) for s in BroadcastStatus},
    })


@require_safe
@workspace_member_required(admin=True)
def broadcast_failures_page(request, broadcast_id):
    """Transmisiones fallidas: the failed recipients with their reasons, and Retry."""
    broadcast = _broadcast_or_404(request, broadcast_id)
    rows = broadcast_recipient_list(workspace=request.workspace, broadcast=broadcast, status=RecipientStatus.FAILED)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "broadcasts/failures.html", {
        "broadcast": broadcast, "page_obj": page, "can_retry": broadcast.status == BroadcastStatus.SENT,
    })


@require_POST
@workspace_member_required(admin=True)
def broadcast_retry(request, broadcast_id):
    broadcast = _broadcast_or_404(request, broadcast_id)
    try:
        retried = broadcast_failed_retry(broadcast=broadcast)
    except BroadcastInputError as error:
        messages.error(request, error.message)
        return redirect("broadcasts:failures", broadcast_id=broadcast.pk)
    if retried:
        messages.success(request, _("%(n)s recipients are being sent again.") % {"n": retried})
    else:
        messages.info(request, _("There are no failed recipients to retry."))
    return redirect("broadcasts:detail", broadcast_id=broadcast.pk)


@require_POST
@workspace_member_required(admin=True)
def broadcast_cancel_view(request, broadcast_id):
    broadcast = _broadcast_or_404(request, broadcast_id)
    if broadcast_cancel(broadcast=broadcast):
        messages.success(request, _("Broadcast cancelled."))
    else:
        messages.error(request, _("The broadcast has already finished."))
    return redirect("broadcasts:detail", broadcast_id=broadcast.pk)


@require_http_methods(["GET", "POST"])
@workspace_member_required(admin=True)
def segment_list_page(request):
    """The segments, and the form that saves one (the Contactos list posts its filter here)."""
    values = {"name": "", "search": "", "tags": "", "assignee": "", "channel": "", "created_from": "", "created_to": "",
              "custom_field_key": "", "custom_field_value": ""}
    error = None
    if request.method == "POST":
        values = {key: request.POST.get(key, "").strip() for key in values}
        filters = {key: values[key] for key in ("search", "assignee", "channel", "created_from", "created_to") if values[key]}
        if values["assignee"] == "me":
            filters["assignee"] = request.user.pk
        tags = [t.strip() for t in values["tags"].split(",") if t.strip()]
        if tags:
            filters["tags"] = tags
        if values["custom_field_key"] or values["custom_field_value"]:
            filters["custom_field"] = {"key": values["custom_field_key"], "value": values["custom_field_value"]}
        try:
            segment = segment_create(workspace=request.workspace, name=values["name"], filters=filters,
                                     created_by=request.user)
        except BroadcastInputError as exc:
            error = exc
        else:
            messages.success(request, _("Segment “%(name)s” saved.") % {"name": segment.name})
            back = request.POST.get("next", "")
            if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                return redirect(back)
            return redirect("broadcasts:segments")
    segments = [{"segment": s, "count": segment_contact_count(segment=s)} for s in segment_list(workspace=request.workspace)]
    return render(request, "broadcasts/segments.html", {
        "segments": segments, "values": values, "error": error,
        "members": member_list(workspace=request.workspace),
        "channels": Channel.objects.filter(workspace=request.workspace).order_by("name", "pk"),
        "custom_fields": custom_field_labels(workspace=request.workspace),
    }, status=400 if error else 200)


@require_POST
@workspace_member_required(admin=True)
def segment_delete_view(request, segment_id):
    segment = segment_get(workspace=request.workspace, segment_id=segment_id)
    if segment is None:
        raise Http404("no such segment")
    segment_delete(segment=segment)
    messages.success(request, _("Segment deleted."))
    return redirect("broadcasts:segments")
