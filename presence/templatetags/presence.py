from django import template

from ..models import AgentStatusValue
from ..selectors import member_status_get

register = template.Library()


@register.inclusion_tag("presence/status_menu.html", takes_context=True)
def presence_status_menu(context):
    """The header's status menu (templates/base.html, the user box) for the active workspace."""
    request = context.get("request")
    membership = getattr(request, "membership", None)
    if membership is None or not request.user.is_authenticated:
        return {"show": False}
    current = member_status_get(workspace=membership.workspace, user=request.user)
    return {
        "show": True,
        "status": current.status,
        "status_label": AgentStatusValue(current.status).label,
        "choices": AgentStatusValue.choices,
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
