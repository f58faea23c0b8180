from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .decorators import workspace_member_required
from .forms import WorkspaceSettingsForm
from .middleware import SESSION_WORKSPACE_KEY
from .models import Membership


class CrmLoginView(LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@require_http_methods(["GET", "POST"])
def logout_view(request):
    if request.method == "POST":
        logout(request)
        return redirect("accounts:login")
    return render(request, "registration/logout_confirm.html")


@require_POST
@workspace_member_required
def workspace_switch(request):
    membership = get_object_or_404(Membership, user=request.user, workspace_id=request.POST.get("workspace"))
    request.session[SESSION_WORKSPACE_KEY] = membership.workspace_id
    return redirect(request.POST.get("next") or "home")


@workspace_member_required(admin=True)
def settings_general(request):
    form = WorkspaceSettingsForm(request.POST or None, instance=request.workspace)
    if request.method == "POST" and form.is_valid():
        timezone_changed = "timezone" in form.changed_data
        workspace = form.save()
        if timezone_changed:
            # Report rollups count workspace-local days: recount them in the new timezone.
            from assignments.tasks import rollup_rebuild_task

            transaction.on_commit(lambda: rollup_rebuild_task.delay(workspace.pk))
        messages.success(request, _("Settings saved."))
        return redirect("accounts:settings-general")
    return render(request, "accounts/settings_general.html", {"form": form, "settings_section": "general"})
