"""Logging in puts an offline member online (source login); logging out puts them offline (logout)."""

from rest_framework.test import APIClient

from accounts.models import Membership
from presence.models import AgentStatus, AgentStatusEvent
from presence.services import agent_status_set
from tests.factories import MembershipFactory

PASSWORD = "pw-123456"  # tests.factories.UserFactory's password


def _row(workspace, user):
    return AgentStatus.objects.get(workspace=workspace, user=user)


def test_login_form_puts_the_member_online(client, workspace, bob):
    response = client.post("/accounts/login/", {"username": bob.email, "password": PASSWORD})
    assert response.status_code == 302
    row = _row(workspace, bob)
    assert (row.status, row.source) == ("online", "login")


def test_login_keeps_away(workspace, bob):
    agent_status_set(workspace=workspace, user=bob, status="away", source="user")
    APIClient().force_login(bob)
    assert _row(workspace, bob).status == "away"
    assert AgentStatusEvent.objects.filter(user=bob).count() == 1


def test_logout_sets_offline(bob_client, workspace, bob):
    response = bob_client.post("/accounts/logout/")
    assert response.status_code == 302
    row = _row(workspace, bob)
    assert (row.status, row.source) == ("offline", "logout")
    assert [(e.previous_status, e.new_status, e.source) for e in AgentStatusEvent.objects.filter(user=bob)
            .order_by("created_at", "id")] == [(None, "online", "login"), ("online", "offline", "logout")]
    # the logout request itself is no heartbeat: still offline
    assert _row(workspace, bob).status == "offline"


def test_logout_of_a_logged_out_member_writes_nothing(bob_client, workspace, bob):
    bob_client.post("/accounts/logout/")
    APIClient().post("/accounts/logout/")  # anonymous
    assert AgentStatusEvent.objects.filter(user=bob, source="logout").count() == 1


def test_logout_concerns_the_sessions_workspace_only(workspace, other_workspace, bob):
    MembershipFactory(workspace=other_workspace, user=bob, role=Membership.Role.AGENT)
    agent_status_set(workspace=other_workspace, user=bob, status="online", source="user")
    client = APIClient()
    client.force_login(bob)  # first membership: Acme
    client.post("/accounts/logout/")
    assert _row(workspace, bob).status == "offline"
    assert _row(other_workspace, bob).status == "online"


def test_login_of_a_user_without_workspace_writes_nothing(db):
    from tests.factories import UserFactory

    APIClient().force_login(UserFactory())
    assert not AgentStatus.objects.exists()
