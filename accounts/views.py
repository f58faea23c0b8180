from django.conf import settings
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .decorators import workspace_member_required
from .forms import WorkspaceSettingsForm
from .login_throttle import login_failure_record, login_is_locked, login_success_record
from .middleware import SESSION_WORKSPACE_KEY
from .models import Membership


class ThrottledAuthenticationForm(AuthenticationForm):
    def clean(self):
        email = self.cleaned_data.get("username") or ""
        ip = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        if login_is_locked(email=email, ip=ip):
            minutes = max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)
            raise ValidationError(
                _("Too many failed attempts. Try again in %(minutes)s minutes.") % {"minutes": minutes},
                code="throttled",
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            login_failure_record(email=email, ip=ip)
            raise
        login_success_record(email=email)
        return cleaned


class CrmLoginView(LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True
    authentication_form = ThrottledAuthenticationForm


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
