"""The Reportes landing page's headline numbers: each built report's main figures for a period,
read through the same selectors as the report itself (so they match its cards)."""

from django.utils.translation import pgettext_lazy

from accounts.context import Actor

from . import contacts_report, conversations, messages, responses, users
from .broadcasts_report import broadcast_headlines
from .framework.query import ReportQuery
from .leaderboard import leaderboard_headlines
from .params import ReportParams
from .resolutions import resolution_headlines
from .selectors import assignment_summary


def report_headlines(*, workspace, membership, query: ReportQuery) -> dict[str, list[dict]]:
    actor = Actor.for_membership(membership)
    assignments = assignment_summary(workspace=workspace, actor=actor, params=ReportParams(period=query.period))
    summary = conversations.conversation_summary(workspace=workspace, actor=actor,
                                                 query=ReportQuery(period=query.period))
    return {
        "assignments": [{"label": str(pgettext_lazy("report", "Assignments")), "value": assignments.total}],
        "conversations": [{"label": m.label, "value": m.value} for m in summary.metrics],
        "resolutions": resolution_headlines(workspace=workspace, actor=actor, period=query.period),
        "responses": responses.response_headlines(workspace=workspace, actor=actor, period=query.period),
        "messages": messages.message_headlines(workspace=workspace, actor=actor, period=query.period),
        "leaderboard": leaderboard_headlines(workspace=workspace, actor=actor, period=query.period),
        "users": users.users_headlines(workspace=workspace, actor=actor, period=query.period),
        "contacts": contacts_report.contact_headlines(workspace=workspace, actor=actor, period=query.period),
        "broadcasts": broadcast_headlines(workspace=workspace, actor=actor, period=query.period),
    }

