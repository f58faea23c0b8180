from django.contrib import messages
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import workspace_member_required

from .models import AgentStatusSource, AgentStatusValue
from .services import agent_status_set


@require_POST
@workspace_member_required
def status_set(request):
    """The header's status menu (a plain form POST: works without JavaScript)."""
    status = request.POST.get("status", "")
    if status in AgentStatusValue.values:
        agent_status_set(workspace=request.workspace, user=request.user, status=status, source=AgentStatusSource.USER)
    else:
        messages.error(request, _("Choose Online, Away or Offline."))
    # Only back to a page of this site: ``next`` must not send the user elsewhere (open redirect).
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    return redirect("home")
