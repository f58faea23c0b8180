from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("accounts/login/", views.CrmLoginView.as_view(), name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("workspaces/switch/", views.workspace_switch, name="workspace-switch"),
    path("settings/general/", views.settings_general, name="settings-general"),
    path("settings/agents/", views.settings_agents, name="settings-agents"),
]
