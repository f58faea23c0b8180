from django.conf import settings
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .decorators import workspace_member_required
from .forms import AgentSettingsForm, WorkspaceSettingsForm
from .login_throttle import client_ip, login_failure_record, login_is_locked, login_success_record
from .middleware import SESSION_WORKSPACE_KEY
from .models import Membership
from .services import workspace_agent_settings_update, workspace_settings_update


class LoginThrottleMixin:
    """Refuse logins of a locked email or address (accounts/login_throttle.py) and count failures.

    Used by the app's login form and by the admin's, so the admin login is no way around it.
    """

    def clean(self):
        email = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request else ""
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


class ThrottledAuthenticationForm(LoginThrottleMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(LoginThrottleMixin, AdminAuthenticationForm):
    pass


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
    raw = request.POST.get("workspace", "")
    # A malformed id is an unknown workspace (404), not a server error.
    membership = (
        Membership.objects.filter(user=request.user, workspace_id=int(raw)).first()
        if raw.isdigit() and len(raw) < 19 else None
    )
    if membership is None:
        raise Http404("not a member of that workspace")
    request.session[SESSION_WORKSPACE_KEY] = membership.workspace_id
    # Only back to a page of this site: ``next`` must not send the user elsewhere (open redirect).
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    return redirect("home")


@workspace_member_required(admin=True)
def settings_general(request):
    form = WorkspaceSettingsForm(request.POST or None, instance=request.workspace)
    if request.method == "POST" and form.is_valid():
        workspace_settings_update(workspace=request.workspace, **form.cleaned_data)
        messages.success(request, _("Settings saved."))
        return redirect("accounts:settings-general")
    return render(request, "accounts/settings_general.html", {"form": form, "settings_section": "general"})


@workspace_member_required(owner=True)
def settings_agents(request):
    """Configuraciones → Agentes: what agents see and whether they may reassign (owners only)."""
    form = AgentSettingsForm(request.POST or None, instance=request.workspace)
    if request.method == "POST" and form.is_valid():
        workspace_agent_settings_update(workspace=request.workspace, **form.cleaned_data)
        messages.success(request, _("Settings saved."))
        return redirect("accounts:settings-agents")
    return render(request, "accounts/settings_agents.html", {"form": form, "settings_section": "agents"})
