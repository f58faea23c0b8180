"""Configuraciones → Exportación de datos: request an export of any kind, watch it, download it.

The form posts here (it works without JavaScript); ``static/exports/data_export.js`` filters
the long checkbox lists, searches contacts, switches the kind as soon as it is picked and polls
the JSON API to move the progress bars of queued and running exports. A report's Exportar
button opens the page with ``?kind=<kind>&<the report's query>``; ``exports.forms`` turns that
(or a post) into the form and the report parameters, ``export_request`` validates them.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.context import Actor
from accounts.decorators import workspace_member_required
from crm.api import ApiError
from reports.periods import MAX_SPAN_DAYS

from . import forms
from .models import Export
from .selectors import export_list
from .services import ExportQueueUnavailable, export_request, retention

HISTORY_ROWS = 50


def _require_custom_dates(state) -> None:
    """A custom range picked in the form needs both dates (the API would fall back to the default)."""
    if state["period"] != forms.CUSTOM:
        return
    errors = {key: [_("Pick a date.")] for key in ("start", "end") if not state[key]}
    if errors:
        raise ApiError(_("A custom range needs a start and an end date."), errors)


def _page_url(state) -> str:
    return reverse("exports:data-export") + "?" + urlencode(forms.form_query(state), doseq=True)


def _started_message(request, export: Export) -> None:
    """The banner after a request says where the export is now: with Celery in-process it has
    already finished (or failed) by the time the page comes back."""
    export.refresh_from_db(fields=["status", "error", "row_count"])
    values = {"id": export.pk}
    if export.status == Export.Status.SUCCEEDED:
        messages.success(request, _("Export #%(id)s: completed.") % values)
    elif export.status == Export.Status.FAILED:
        messages.error(request, (_("Export #%(id)s: failed. %(error)s") % {**values, "error": export.error}).strip())
    elif export.status == Export.Status.RUNNING:
        messages.info(request, _("Export #%(id)s: running; its progress is shown in the history.") % values)
    else:
        messages.info(request, _("Export #%(id)s: queued; its progress is shown in the history.") % values)


@require_http_methods(["GET", "POST"])
@workspace_member_required(export=True)
def data_export_page(request):
    workspace = request.workspace
    data = request.POST if request.method == "POST" else request.GET
    kind, kind_errors = forms.requested_kind(data)
    errors: dict[str, list[str]] = {"kind": kind_errors} if kind_errors else {}
    status = 200
    state = forms.form_state(data, kind)
    if request.method == "POST" and not kind_errors:
        # The filters on the page belong to the kind they were drawn for ("shown_kind"). A new
        # kind picked (with JavaScript the page does this at once; without it, "Show its
        # filters" or Start) opens that kind's form, carrying the period and the shared filters.
        shown = request.POST.get("shown_kind", kind)
        shown = shown if shown in forms.export_kinds() else kind
        if "change_kind" in request.POST or shown != kind:
            if shown != kind and "change_kind" not in request.POST:
                messages.info(request, _("Check the filters of %(kind)s, then start the export.") % {
                    "kind": forms.kind_label(kind)})
            return redirect(_page_url(forms.carried_state(request.POST, from_kind=shown, to_kind=kind)))
        try:
            _require_custom_dates(state)
            export = export_request(
                actor=Actor.for_membership(request.membership), kind=kind,
                filters=forms.report_filters(state), excel_bom=state["excel"],
            )
        except ExportQueueUnavailable as exc:
            messages.error(request, exc.message)
            return redirect(_page_url(state))
        except ApiError as exc:
            errors = exc.errors
            messages.error(request, exc.message)
            status = 400
        else:
            _started_message(request, export)
            # Back to the same form (post/redirect/get), so the page shows what was exported.
            return redirect(_page_url(state))
    elif request.method == "POST":
        messages.error(request, kind_errors[0])
        status = 400

    lookups = forms.Lookups(workspace)
    history = list(export_list(workspace=workspace).select_related("requested_by")[:HISTORY_ROWS])
    words = forms.filters_in_words(history, lookups=lookups)
    rows = [{"export": e, "kind_label": forms.kind_label(e.kind), "filters": words.get(e.pk, [])} for e in history]
    context = {
        "settings_section": "data-export",
        "state": state,
        "errors": errors,
        "kinds": forms.kind_choices(),
        "kind_label": forms.kind_label(kind),
        "fields": forms.form_fields(state=state, lookups=lookups, errors=errors),
        "period_choices": forms.period_choices(),
        "custom": forms.CUSTOM,
        "max_span_days": MAX_SPAN_DAYS,
        "history": rows,
        "retention_days": retention().days,
        "page_config": {
            "api": reverse("api-exports"),
            "contactsApi": reverse("api-contacts"),
            "active": [e.pk for e in history if e.is_active],
            "statusLabels": {k: str(v) for k, v in Export.Status.choices},
            "download": _("Download"),
            "strings": {
                "searching": _("Searching…"),
                "noMatches": _("No matches"),
                "remove": _("Remove"),
                "searchError": _("The search failed. Type the contact IDs instead."),
            },
            "pollMs": 1500,
            "timezone": workspace.timezone,
        },
    }
    return render(request, "exports/data_export.html", context, status=status)
