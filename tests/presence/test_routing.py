"""Round robin "only online" follows Estado de Actividad, per workspace."""

from accounts.models import Membership, Team
from presence.services import agent_status_set
from tests.factories import MembershipFactory, member
from workflows.routing import assignee_pick, user_qualifies


def test_only_online_follows_the_status(workspace):
    ana, beto, caro = (member(workspace, Membership.Role.AGENT, email=f"{n}@acme.example") for n in ("ana", "beto", "caro"))
    team = Team.objects.create(workspace=workspace, name="Ventas")
    team.members.set([ana, beto, caro])
    for user in (ana, beto, caro):
        agent_status_set(workspace=workspace, user=user, status="online", source="login")
    agent_status_set(workspace=workspace, user=beto, status="away", source="user")
    agent_status_set(workspace=workspace, user=caro, status="offline", source="logout")

    picks = [assignee_pick(workspace=workspace, team=team, only_online=True) for _ in range(3)]
    assert picks == [ana, ana, ana]
    # Beto comes back: he takes his turn
    agent_status_set(workspace=workspace, user=beto, status="online", source="api")
    picks = [assignee_pick(workspace=workspace, team=team, only_online=True) for _ in range(2)]
    assert set(picks) == {ana, beto}
    # without only_online everyone qualifies
    assert user_qualifies(workspace=workspace, user=caro) is True
    assert user_qualifies(workspace=workspace, user=caro, only_online=True) is False


def test_online_in_another_workspace_is_not_online_here(workspace, other_workspace):
    ana = member(workspace, Membership.Role.AGENT, email="ana@acme.example")
    MembershipFactory(workspace=other_workspace, user=ana, role=Membership.Role.AGENT)
    agent_status_set(workspace=other_workspace, user=ana, status="online", source="login")
    agent_status_set(workspace=workspace, user=ana, status="offline", source="logout")
    ana.refresh_from_db()
    assert ana.availability == "online"  # the per-user mirror: online somewhere
    assert assignee_pick(workspace=workspace, only_online=True) is None
    assert assignee_pick(workspace=other_workspace, only_online=True) == ana


def test_a_workspace_where_a_known_user_has_no_status_is_not_online(workspace, other_workspace):
    ana = member(workspace, Membership.Role.AGENT, email="ana@acme.example")
    MembershipFactory(workspace=other_workspace, user=ana, role=Membership.Role.AGENT)
    agent_status_set(workspace=workspace, user=ana, status="online", source="login")
    assert assignee_pick(workspace=other_workspace, only_online=True) is None


def test_users_presence_never_saw_keep_their_availability(workspace):
    ana = member(workspace, Membership.Role.AGENT, email="ana@acme.example")
    assert assignee_pick(workspace=workspace, only_online=True) == ana
    ana.availability = "away"
    ana.save(update_fields=["availability"])
    assert assignee_pick(workspace=workspace, only_online=True) is None
