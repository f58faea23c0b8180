import pytest

from accounts.models import Membership, Team
from tests.factories import member


@pytest.fixture
def sales_agents(workspace):
    """Three agents of Alice's workspace, in id order."""
    return [
        member(workspace, Membership.Role.AGENT, email=f"ventas{i}@acme.example", name=f"Ventas {i}")
        for i in range(1, 4)
    ]


@pytest.fixture
def sales_team(workspace, sales_agents):
    team = Team.objects.create(workspace=workspace, name="Ventas")
    team.members.set(sales_agents)
    return team
