"""Pages of the Reportes module. Thin: each page declares its title, filters, API paths and own
strings; the framework's page shell (``reports.framework.pages``) renders it, and its
components fetch the report API with the same query string the page was opened with."""

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.decorators import workspace_member_required
from assignments.models import AssignmentSource
from broadcasts.models import Broadcast
from contacts.models import DeliveryStatus

from . import conversations
from .framework.pages import report_menu, report_page_render
from .framework.query import report_query_parse
from .headlines import report_headlines
from .params import FILTERS as ASSIGNMENT_FILTERS


@workspace_member_required
def report_index(request):
    """Reportes: every report of the menu, with its headline numbers for the chosen period.

    ``?go=<key>`` opens that report (the narrow-screen menu's button without JavaScript)."""
    from django.shortcuts import redirect

    from crm.api import ApiError

    go = request.GET.get("go", "")
    if go:
        target = next((entry["url"] for entry in report_menu(active="", is_admin=request.membership.is_admin) if entry["key"] == go and entry["url"]), None)
        if target:
            return redirect(target)

    period_error = None
    try:
        query = report_query_parse(filters=(), workspace=request.workspace, data=request.GET)
    except ApiError as exc:
        query, period_error = report_query_parse(filters=(), workspace=request.workspace, data={}), exc.message
    headlines = report_headlines(workspace=request.workspace, membership=request.membership, query=query)
    menu = report_menu(active="", is_admin=request.membership.is_admin)
    for entry in menu:
        entry["headlines"] = headlines.get(entry["key"], [])
    return render(request, "reports/index.html", {
        "report_menu": menu, "period": query.period, "preset": query.preset, "period_error": period_error,
        "presets": [("today", _("Today")), ("last_7_days", _("Last 7 days")), ("last_30_days", _("Last 30 days")),
                    ("this_month", _("This month")), ("last_month", _("Last month"))],
    })


@workspace_member_required
def assignments_page(request):
    """Reportes → Asignaciones. The whole workspace for owners and managers; the API scopes an
    agent's data to the events where they are the new or the previous assignee (report.md)."""
    sources = [{"value": value, "label": str(label)} for value, label in AssignmentSource.choices]
    return report_page_render(
        request, key="assignments", template="reports/assignments.html", filters=ASSIGNMENT_FILTERS,
        api={"summary": "/api/v1/reports/assignments/summary", "timeseries": "/api/v1/reports/assignments/timeseries",
             "log": "/api/v1/reports/assignments/log", "timeseriesCsv": "/api/v1/reports/assignments/timeseries.csv"},
        strings={
            "total": _("Assignments"),
            "distinctContacts": _("Distinct contacts"),
            "distinctConversations": _("Distinct conversations"),
            "distinctHelp": _("Different contacts and conversations among these assignments; each counts once."),
            "trendNoPrevious": _("No assignments in the previous period"),
            "barAria": _("Stacked bar chart of assignments over time by source. The same numbers are in the table below."),
            "pieAria": _("Pie chart of assignments per source. The same numbers are in the table below."),
            "count": _("Assignments"),
        },
        extra={"sources": sources},
        agent_scope_note=_("You see only the assignments you take part in (as the new or the previous assignee)."),
    )


@workspace_member_required
def conversations_page(request):
    """Reportes → Conversaciones (docs/reports.md "Conversaciones"); agents see the conversations they own."""
    return report_page_render(
        request, key="conversations", template="reports/conversations.html", filters=conversations.FILTERS,
        export_kind="conversations",
        agent_scope_note=_("You see only the conversations you own (assigned to you when they closed, or now)."),
        api={"summary": "/api/v1/reports/conversations/summary",
             "timeseries": "/api/v1/reports/conversations/timeseries", "log": "/api/v1/reports/conversations/log"},
        strings={
            "opened": pgettext_lazy("conversations report", "Opened"),
            "closed": pgettext_lazy("conversations report", "Closed"),
            "trendNoPrevious": _("Nothing in the previous period"),
            "openedBySource": _("Opened by source"),
            "closedBySource": _("Closed by source"),
            "barAria": _("Bar chart of conversations opened and closed over time. The same numbers are in the table below."),
            "pieAria": _("Pie chart of conversations opened per source. The same numbers are in the table below."),
            "count": _("Conversations"),
            "source": _("Source"),
            "noChannel": _("No channel"),
        },
    )


@workspace_member_required
def responses_page(request):
    """Reportes → Respuestas (docs/reports.md "Respuestas"); agents see only their own responses."""
    from . import responses

    return report_page_render(
        request, key="responses", template="reports/responses.html", filters=responses.FILTERS,
        export_kind="responses",
        agent_scope_note=_("You see only your own responses (the ones you wrote)."),
        api={"summary": "/api/v1/reports/responses/summary",
             "timeseries": "/api/v1/reports/responses/timeseries", "log": "/api/v1/reports/responses/log"},
        strings={
            "firstResponses": _("First responses"),
            "responses": _("Responses"),
            "median": _("Median first response"),
            "p90": _("First response, 90th percentile"),
            "average": _("Average first response"),
            "responseAverage": _("Average response time"),
            "calendar": pgettext_lazy("time basis", "Calendar time"),
            "business": pgettext_lazy("time basis", "Business hours"),
            "inBusinessHours": _("In business hours: %(time)s"),
            "businessOff": _("Business hours are off: business-hours times equal calendar times."),
            "trendNoPrevious": _("Nothing in the previous period"),
            "medianSeries": _("Median first response"),
            "medianBusinessSeries": _("Median first response (business hours)"),
            "countSeries": _("First responses"),
            "barAria": _("Chart of the median first response time and the number of first responses over time. "
                         "The same numbers are in the table below."),
            "histogramAria": _("Histogram of first response times. The same numbers are in the table below."),
            "tableHistogram": _("Show the histogram's numbers as a table"),
            "bin": _("First response time"),
            "agent": _("Agent"),
            "deletedUser": _("Deleted user"),
            "noChannel": _("No channel"),
        },
    )


@workspace_member_required
def resolutions_page(request):
    """Reportes → Resoluciones (docs/reports.md "Resoluciones"); agents see what they owned at close."""
    from . import resolutions

    return report_page_render(
        request, key="resolutions", template="reports/resolutions.html", filters=resolutions.FILTERS,
        export_kind="resolutions",
        agent_scope_note=_("You see only the conversations that were assigned to you when they closed."),
        api={"summary": "/api/v1/reports/resolutions/summary", "timeseries": "/api/v1/reports/resolutions/timeseries",
             "log": "/api/v1/reports/resolutions/log"},
        strings={
            "resolved": pgettext_lazy("resolutions report", "Resolved"),
            "trendNoPrevious": _("Nothing in the previous period"),
            "times": _("Resolution time"),
            "inBusinessHours": _("Business hours: %(value)s"),
            "businessOff": _("Business hours are off: business-hours times equal calendar times."),
            "ofResolved": _("%(count)s of %(total)s"),
            "byAgent": _("By agent"),
            "agent": _("Agent"),
            "unassigned": _("Unassigned"),
            "median": _("Median"),
            "average": _("Average"),
            "businessMedian": _("Median (business hours)"),
            "businessAverage": _("Average (business hours)"),
            "fcr": _("FCR"),
            "fcrRate": _("FCR rate"),
            "reopened": pgettext_lazy("resolutions report", "Reopened"),
            "yes": _("Yes"),
            "no": _("No"),
            "bySource": _("Resolved by closing source"),
            "medianLine": _("Median resolution time"),
            "barAria": _("Bar chart of conversations resolved over time with their median resolution time. The same numbers are in the table below."),
            "pieAria": _("Pie chart of conversations resolved per closing source. The same numbers are in the table below."),
            "count": pgettext_lazy("resolutions report", "Resolved"),
            "source": _("Source"),
            "noChannel": _("No channel"),
        },
    )


@workspace_member_required
def messages_page(request):
    """Reportes → Mensajes (docs/reports.md "Mensajes"); agents see their messages and those of
    conversations of contacts assigned to them."""
    from . import messages

    return report_page_render(
        request, key="messages", template="reports/messages.html", filters=messages.FILTERS,
        export_kind="messages",
        agent_scope_note=_("You see the messages you sent and every message of conversations whose contact is "
                           "assigned to you now."),
        api={"summary": "/api/v1/reports/messages/summary", "timeseries": "/api/v1/reports/messages/timeseries",
             "log": "/api/v1/reports/messages/log"},
        strings={
            "received": pgettext_lazy("messages report", "Received"),
            "sent": pgettext_lazy("messages report", "Sent"),
            "failed": pgettext_lazy("messages report", "Failed"),
            "deliveryLabels": "|".join(f"{k}={messages.delivery_status_label(k)}" for k in DeliveryStatus.values),
            "sentBy": _("Sent by %(kind)s"),
            "trendNoPrevious": _("Nothing in the previous period"),
            "barAria": _("Stacked bar chart of messages received and sent (by sender) over time. "
                         "The same numbers are in the table below."),
            "channel": _("Channel"),
            "noChannel": _("No channel"),
            "heatmapCaption": _("Received messages by weekday and hour (%(timezone)s)"),
            "heatmapCell": _("%(day)s, %(hour)s: %(count)s"),
            "weekday": _("Weekday"),
            "weekdays": "|".join(str(d) for d in (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"),
                                                    _("Sun"))),
            "in": pgettext_lazy("messages report", "Received"),
            "out": pgettext_lazy("messages report", "Sent"),
            "senderLabels": "|".join(f"{k}={messages.sender_label(k)}" for k in messages.SENDER_KINDS),
            "noAuthor": "-",
        },
    )


@workspace_member_required
def leaderboard_page(request):
    """Reportes → Tabla de Clasificación (docs/reports.md "Tabla de Clasificación"); an agent sees
    only their own row unless the workspace lets agents see the whole board."""
    from . import leaderboard

    whole = request.workspace.agents_see_leaderboard
    return report_page_render(
        request, key="leaderboard", template="reports/leaderboard.html", filters=leaderboard.FILTERS,
        export_kind="leaderboard", state_params=("sort",), extra={"me": request.user.pk},
        agent_scope_note=_("You see the whole leaderboard, with your colleagues' names.") if whole else _(
            "You see only your own row, with your rank among the whole team."),
        api={"summary": "/api/v1/reports/leaderboard/summary", "log": "/api/v1/reports/leaderboard/log"},
        strings={
            **{f"col_{key}": label for key, label in leaderboard.LABELS.items()},
            "rank": pgettext_lazy("leaderboard", "Rank"),
            "change": pgettext_lazy("leaderboard", "Change"),
            "climbed": _("Up %(n)s places against the previous period (was %(rank)s)"),
            "fell": _("Down %(n)s places against the previous period (was %(rank)s)"),
            "samePlace": _("The same place as in the previous period"),
            "sortBy": _("Sort by %(column)s"),
            "chartTitle": _("Top agents by %(column)s"),
            "chartAria": _("Bar chart of the best-ranked agents by %(column)s. The same numbers are in the table below."),
            "tableChart": _("Show the chart's numbers as a table"),
            "trendNoPrevious": _("Nothing in the previous period"),
            "defaultSort": leaderboard.DEFAULT_SORT,
        },
    )


@workspace_member_required
def users_page(request):
    """Reportes → Usuarios (docs/reports.md "Usuarios"); agents see only their own figures."""
    from presence.models import AgentStatusValue

    from . import users

    return report_page_render(
        request, key="users", template="reports/users.html", filters=users.FILTERS, export_kind="users",
        agent_scope_note=_("You see only your own activity status."),
        api={"summary": "/api/v1/reports/users/summary", "timeseries": "/api/v1/reports/users/timeseries",
             "log": "/api/v1/reports/users/log", "live": "/api/v1/reports/users/live"},
        strings={
            "statusLabels": "|".join(f"{s}={AgentStatusValue(s).label}" for s in users.STATUSES),
            "untracked": _("Untracked"),
            "untrackedHelp": _("Time before an agent's first recorded status."),
            "trendNoPrevious": _("Nothing in the previous period"),
            "barAria": _("Stacked bar chart of the time agents spent online, away and offline. "
                         "The same numbers are in the table below."),
            "agent": _("Agent"),
            "team": _("Team"),
            "agents": _("Agents"),
            "status": _("Status"),
            "since": _("Since"),
            "onlineShare": _("Online share"),
            "conversations": _("Conversations now"),
            "noTeams": _("No team has agents in this report."),
            "day": _("Day"),
            "changes": _("Changes"),
            "timeline": _("Timeline"),
            "segment": _("%(status)s %(from)s–%(to)s"),
            "liveUpdated": _("Updated %(time)s"),
            "livePaused": _("Paused while the tab is hidden"),
            "never": _("Never recorded"),
        },
        # How often the current-status table asks again (seconds).
        extra={"livePollSeconds": getattr(settings, "USERS_LIVE_POLL_SECONDS", 15)},
    )


@workspace_member_required
def contacts_page(request):
    """Reportes → Contactos (docs/reports.md "Contactos"); agents see the contacts the workspace's
    agent visibility shows them."""
    from . import contacts_report

    return report_page_render(
        request, key="contacts", template="reports/contacts.html", filters=contacts_report.FILTERS,
        export_kind="contacts",
        agent_scope_note=_("You see only the contacts you can see in Contacts and Messages (the workspace's agent "
                           "visibility)."),
        api={"summary": "/api/v1/reports/contacts/summary", "timeseries": "/api/v1/reports/contacts/timeseries",
             "log": "/api/v1/reports/contacts/log"},
        strings={
            "new": pgettext_lazy("contacts report", "New"),
            "active": pgettext_lazy("contacts report", "Active"),
            "returning": pgettext_lazy("contacts report", "Returning"),
            "firstSeen": pgettext_lazy("contacts report", "First seen"),
            "trendNoPrevious": _("Nothing in the previous period"),
            "barAria": _("Bar chart of new contacts over time with the active contacts and first seen contacts per "
                         "bar. The same numbers are in the table below."),
            "pieAria": _("Pie chart of new contacts per origin. The same numbers are in the table below."),
            "origin": _("Origin"),
            "channel": _("Channel"),
            "noChannel": _("No channel"),
            "unassigned": _("Unassigned"),
            "never": _("Never"),
            "yes": _("Yes"),
            "no": _("No"),
        },
    )


@workspace_member_required(admin=True)
def broadcasts_page(request):
    """Reportes → Transmisiones (docs/reports.md "Transmisiones"): owners and managers only, as the
    Transmisiones pages (an agent gets 403)."""
    from broadcasts.models import RecipientReason, RecipientStatus

    from . import broadcasts_report

    labels = {key: broadcasts_report.count_label(key) for key in broadcasts_report.COUNTS}
    return report_page_render(
        request, key="broadcasts", template="reports/broadcasts.html", filters=broadcasts_report.FILTERS,
        export_kind="broadcasts",
        api={"summary": "/api/v1/reports/broadcasts/summary", "timeseries": "/api/v1/reports/broadcasts/timeseries",
             "log": "/api/v1/reports/broadcasts/log"},
        strings={
            **{f"count_{key}": label for key, label in labels.items()},
            "rateOfRecipients": _("%(rate)s of recipients"),
            "rateOfSent": _("%(rate)s of sent"),
            "trendNoPrevious": _("Nothing in the previous period"),
            "barAria": _("Bar chart of broadcast messages sent and failed over time, with lines for delivered, read "
                         "and replied. The same numbers are in the table below."),
            "funnelAria": _("Horizontal bar chart of the funnel: recipients, sent, delivered, read, replied. The same "
                            "numbers are in the table below."),
            "tableFunnel": _("Show the funnel's numbers as a table"),
            "stage": _("Stage"),
            "count": _("Count"),
            "rate": _("Rate"),
            "reason": _("Reason"),
            "status": _("Status"),
            "percent": _("Percent"),
            "noFailures": _("No failed or skipped recipients in this period."),
            "broadcast": _("Broadcast"),
            "channel": _("Channel"),
            "startedAt": _("Started"),
            "openBroadcast": _("Open the broadcast"),
            "openBroadcastNamed": _("Open the broadcast %(name)s"),
            "statusLabels": "|".join(f"{s.value}={s.label}" for s in RecipientStatus),
            "reasonLabels": "|".join(f"{r.value}={r.label}" for r in RecipientReason),
            "broadcastStatusLabels": "|".join(f"{s.value}={s.label}" for s in Broadcast.Status),
        },
    )
