"""Configuraciones → Exportación de datos: request an export, watch it, download it.

The form posts here (it works without JavaScript); ``static/exports/data_export.js`` polls the
JSON API to move the progress bars of queued and running exports.
"""

import re
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.context import Actor
from accounts.decorators import workspace_member_required
from accounts.selectors import member_list
from assignments.models import AssignmentSource
from crm.api import ApiError
from reports.periods import DEFAULT_PRESET, MAX_SPAN_DAYS, PRESETS

from .models import Export
from .selectors import export_list
from .services import ExportQueueUnavailable, export_request, retention

CUSTOM = "custom"
HISTORY_ROWS = 50
LIST_KEYS = ("source", "assignee", "assigned_by")
ID_TEXT_KEYS = ("contact", "conversation")


def _period_choices():
    labels = {
        "today": _("Today"),
        "yesterday": _("Yesterday"),
        "last_7_days": _("Last 7 days"),
        "last_14_days": _("Last 14 days"),
        "last_30_days": _("Last 30 days"),
        "this_month": _("This month"),
        "last_month": _("Last month"),
    }
    return [(value, labels[value]) for value in PRESETS] + [(CUSTOM, _("Custom range"))]


def _form_state(data) -> dict:
    """What the form shows, from the report's query string (the Exportar button) or a post."""
    start, end = data.get("start", "").strip(), data.get("end", "").strip()
    period = data.get("period", "").strip()
    if not period:
        period = CUSTOM if (start or end) else DEFAULT_PRESET
    state = {"period": period, "start": start, "end": end, "excel": data.get("excel") in ("on", "1", "true")}
    for key in LIST_KEYS:
        state[key] = [v for v in data.getlist(key) if v.strip()]
    for key in ID_TEXT_KEYS:
        state[key] = ", ".join(v.strip() for v in data.getlist(key) if v.strip())
    return state


def _filters_from_post(post) -> dict[str, list[str] | str]:
    """The report parameters from the form: a preset or a custom range, plus the filters.

    Contact and conversation ids are typed as a list separated by commas or spaces.
    """
    period = post.get("period", "").strip()
    filters: dict[str, list[str] | str] = {}
    if period == CUSTOM:
        filters["start"] = post.get("start", "")
        filters["end"] = post.get("end", "")
    elif period:
        filters["period"] = period
    for key in LIST_KEYS:
        filters[key] = post.getlist(key)
    for key in ID_TEXT_KEYS:
        filters[key] = [v for raw in post.getlist(key) for v in re.split(r"[\s,;]+", raw) if v]
    return filters


def _require_custom_dates(post) -> None:
    """A custom range picked in the form needs both dates (the API would fall back to the default)."""
    if post.get("period", "").strip() != CUSTOM:
        return
    errors = {
        key: [_("Pick a date.")] for key in ("start", "end") if not post.get(key, "").strip()
    }
    if errors:
        raise ApiError(_("A custom range needs a start and an end date."), errors)


@require_http_methods(["GET", "POST"])
@workspace_member_required(export=True)
def data_export_page(request):
    workspace = request.workspace
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        filters = _filters_from_post(request.POST)
        excel = request.POST.get("excel") in ("on", "1", "true")
        try:
            _require_custom_dates(request.POST)
            export = export_request(actor=Actor.for_membership(request.membership), filters=filters, excel_bom=excel)
        except ExportQueueUnavailable as exc:
            messages.error(request, exc.message)
            return redirect("exports:data-export")
        except ApiError as exc:
            errors = exc.errors
            messages.error(request, exc.message)
            status = 400
        else:
            messages.success(request, _("Export #%(id)s started.") % {"id": export.pk})
            # Back to the same form (post/redirect/get), so the page shows what was exported.
            query = {k: v for k, v in request.POST.lists() if k in ("period", "start", "end", *LIST_KEYS, *ID_TEXT_KEYS)}
            if excel:
                query["excel"] = ["on"]
            return redirect(reverse("exports:data-export") + "?" + urlencode(query, doseq=True))
        state = _form_state(request.POST)
    else:
        state = _form_state(request.GET)

    members = [(str(m.user_id), m.user.display_name) for m in member_list(workspace=workspace)]
    history = list(export_list(workspace=workspace).select_related("requested_by")[:HISTORY_ROWS])
    context = {
        "settings_section": "data-export",
        "state": state,
        "errors": errors,
        "period_choices": _period_choices(),
        "custom": CUSTOM,
        "max_span_days": MAX_SPAN_DAYS,
        "sources": list(AssignmentSource.choices),
        "members": members,
        "history": history,
        "retention_days": retention().days,
        "status_labels": dict(Export.Status.choices),
        "page_config": {
            "api": reverse("api-exports"),
            "active": [e.pk for e in history if e.is_active],
            "statusLabels": {k: str(v) for k, v in Export.Status.choices},
            "download": _("Download"),
            "pollMs": 1500,
            "timezone": workspace.timezone,
        },
    }
    return render(request, "exports/data_export.html", context, status=status)
