"""Pages of the Reportes module. Thin: the page renders a template; its components fetch the
report API (reports/api.py) with the same query string the page was opened with."""

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.decorators import workspace_member_required
from accounts.selectors import member_list
from assignments.models import AssignmentSource
from contacts.models import Contact

from .params import FILTER_KEYS, MAX_VALUES_PER_FILTER
from .periods import DEFAULT_PRESET, MAX_SPAN_DAYS

# The seed's "Reportes" menu, in its order. Only Asignaciones is built; the others are listed
# as "próximamente" (coming soon) instead of as broken links.
REPORT_MENU = [
    ("conversations", pgettext_lazy("report", "Conversations")),
    ("responses", pgettext_lazy("report", "Responses")),
    ("resolutions", pgettext_lazy("report", "Resolutions")),
    ("messages", pgettext_lazy("report", "Messages")),
    ("contacts", pgettext_lazy("report", "Contacts")),
    ("assignments", pgettext_lazy("report", "Assignments")),
    ("leaderboard", pgettext_lazy("report", "Leaderboard")),
    ("users", pgettext_lazy("report", "Users")),
    ("broadcasts", pgettext_lazy("report", "Broadcasts")),
]
BUILT_REPORTS = {"assignments": "reports:assignments"}

# report.md "Period": the seven presets of "Frecuencia y fecha", default last_7_days.
PERIOD_PRESETS = [
    ("today", _("Today")),
    ("yesterday", _("Yesterday")),
    ("last_7_days", _("Last 7 days")),
    ("last_14_days", _("Last 14 days")),
    ("last_30_days", _("Last 30 days")),
    ("this_month", _("This month")),
    ("last_month", _("Last month")),
]
DEFAULT_PERIOD = DEFAULT_PRESET
# report.md "Filters": the parameters of "Agregar filtro", each repeatable.
FILTER_PARAMS = list(FILTER_KEYS)
# Bounds on what the page echoes back from its query string; the API judges the values (one
# value over its limit is kept, so the API's error explains a link with too many).
MAX_VALUES_KEPT = MAX_VALUES_PER_FILTER + 1
MAX_VALUE_LENGTH = 64


def _report_menu(active: str) -> list[dict]:
    return [
        {"key": key, "label": label, "url": reverse(BUILT_REPORTS[key]) if key in BUILT_REPORTS else None,
         "active": key == active}
        for key, label in REPORT_MENU
    ]


def _query_value(value: str) -> str:
    return value.strip()[:MAX_VALUE_LENGTH]


def report_query_state(params) -> dict:
    """The page's filter state from its query string (the report API's parameters, api.md).

    Values are kept as given (trimmed, bounded): the API validates them and the page shows its
    error, so a bad link is explained rather than silently dropped (report.md "States").
    """
    period = _query_value(params.get("period", ""))
    start = _query_value(params.get("start", ""))
    end = _query_value(params.get("end", ""))
    if not period and not (start or end):
        period = DEFAULT_PERIOD
    state = {"period": period, "start": start, "end": end,
             "interval": _query_value(params.get("interval", ""))}
    for name in FILTER_PARAMS:
        values = []
        for raw in params.getlist(name)[:MAX_VALUES_KEPT]:
            value = _query_value(raw)
            if value and value not in values:
                values.append(value)
        state[name] = values
    page = params.get("page", "")
    state["page"] = int(page) if page.isdigit() and 0 < len(page) <= 6 and int(page) > 0 else 1
    return state


def _contact_names(workspace, ids: list[str]) -> dict[str, str]:
    """Names of the contacts a link filters by, for the filter chips (this workspace only)."""
    numeric = [int(value) for value in ids if value.isdigit() and len(value) <= 18]
    if not numeric:
        return {}
    rows = Contact.objects.filter(workspace=workspace, pk__in=numeric).only("id", "first_name", "last_name")
    return {str(contact.pk): contact.name for contact in rows}


def _page_strings() -> dict:
    """Every string the page script shows, translated into the workspace language."""
    return {
        "period": _("Frequency and date"),
        "periodCustom": _("Custom range"),
        "from": _("From"),
        "to": _("To"),
        "apply": _("Apply"),
        "cancel": _("Cancel"),
        "remove": _("Remove filter"),
        "removeValue": _("Remove"),
        "clearAll": _("Clear all"),
        "addFilter": _("Add filter"),
        "unassigned": _("Unassigned"),
        "searchMembers": _("Search users"),
        "searchContacts": _("Search by contact name or ID"),
        "searching": _("Searching…"),
        "noMatches": _("No matches"),
        "conversationId": _("Conversation ID"),
        "add": _("Add"),
        "invalidConversation": _("Enter a conversation ID (a positive whole number)."),
        "rangeInvalid": _("Choose a start and an end date; the end may not be before the start."),
        "rangeTooLong": _("A range may span at most %(days)s days.") % {"days": MAX_SPAN_DAYS},
        "total": _("Assignments"),
        "trendVs": _("vs %(range)s"),
        "trendNoPrevious": _("No assignments in the previous period"),
        "trendUp": _("up %(pct)s against the previous period"),
        "trendDown": _("down %(pct)s against the previous period"),
        "trendSame": _("the same as the previous period"),
        "cardFilter": _("Show only %(source)s"),
        "notApplicable": _("The selected filters are not applicable here"),
        "noData": _("The selected filters have no applicable data"),
        "errorTitle": _("This component could not be loaded."),
        "errorNetwork": _("The server could not be reached. Check your connection."),
        "errorStatus": _("The server answered with an error (%(status)s)."),
        "retry": _("Retry"),
        "loading": _("Loading…"),
        "bucketHour": _("Hour"),
        "bucketDay": _("Day"),
        "bucketWeek": _("Week"),
        "bucketWeekOf": _("Week of"),
        "bucketMonth": _("Month"),
        "narrowToBucket": _("Show only %(bucket)s"),
        "barAria": _("Stacked bar chart of assignments over time by source. The same numbers are in the table below."),
        "pieAria": _("Pie chart of assignments per source. The same numbers are in the table below."),
        "percent": _("Percent"),
        "count": _("Assignments"),
        "showingCapped": _("Showing %(from)s–%(to)s of %(count)s (maximum)."),
        "showing": _("Showing %(from)s–%(to)s of %(count)s"),
        "cappedHint": _("To see more, use"),
        "dataExport": _("Data Export"),
        "previousPage": _("Previous page"),
        "nextPage": _("Next page"),
        "pageN": _("Page %(page)s"),
        "pagination": _("Pages of the log"),
        "tableBar": _("Show the bar chart's numbers as a table"),
        "tablePie": _("Show the pie chart's numbers as a table"),
        "empty": "-",
    }


@workspace_member_required
def report_index(request):
    return render(request, "reports/index.html", {"report_menu": _report_menu(active="")})


@workspace_member_required
def assignments_page(request):
    """Reportes → Asignaciones. The whole workspace for owners and managers; the API scopes an
    agent's data to the events where they are the new or the previous assignee (report.md)."""
    workspace = request.workspace
    state = report_query_state(request.GET)
    members = [{"id": m.user_id, "name": m.user.display_name} for m in member_list(workspace=workspace)]
    config = {
        "state": state,
        "defaultPeriod": DEFAULT_PERIOD,
        "presets": [{"value": value, "label": str(label)} for value, label in PERIOD_PRESETS],
        "filters": [
            {"param": "source", "label": str(_("Source"))},
            {"param": "assignee", "label": str(_("Assigned to"))},
            {"param": "assigned_by", "label": str(_("Assigned by user"))},
            {"param": "contact", "label": str(_("Contact"))},
            {"param": "conversation", "label": str(_("Conversation ID"))},
        ],
        "sources": [{"value": value, "label": str(label)} for value, label in AssignmentSource.choices],
        "members": members,
        "contactNames": _contact_names(workspace, state["contact"]),
        "language": workspace.language,
        "timezone": workspace.timezone,
        "maxSpanDays": MAX_SPAN_DAYS,
        "today": timezone.localtime(timezone.now(), workspace.tzinfo).date().isoformat(),
        "canExport": bool(request.membership.can_export),
        "api": {
            "summary": "/api/v1/reports/assignments/summary",
            "timeseries": "/api/v1/reports/assignments/timeseries",
            "log": "/api/v1/reports/assignments/log",
            "contacts": "/api/v1/contacts",
        },
        "exportUrl": "/settings/data-export/",
        "pageSize": 50,
        "strings": {key: str(value) for key, value in _page_strings().items()},
    }
    presets = dict(PERIOD_PRESETS)
    context = {
        "period_label": presets.get(state["period"]) or state["period"] or f"{state['start']} – {state['end']}",
        "report_menu": _report_menu(active="assignments"),
        "report_config": config,
        "can_export_report": config["canExport"],
    }
    return render(request, "reports/assignments.html", context)
