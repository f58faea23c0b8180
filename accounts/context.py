"""Who is acting, and for which workspace: the one place requests are resolved to a tenant."""

from dataclasses import dataclass

from .models import ApiToken, Membership, User, Workspace


@dataclass(frozen=True)
class Actor:
    """The workspace a request acts in and with which rights.

    A session user acts through their membership of the active workspace. An API token acts
    for its own workspace with the access of an unrestricted manager and no user (api.md).
    """

    workspace: Workspace
    role: str
    user: User | None = None
    restrict_data_export: bool = False
    token: ApiToken | None = None

    @classmethod
    def for_membership(cls, membership: Membership) -> "Actor":
        return cls(
            workspace=membership.workspace,
            role=membership.role,
            user=membership.user,
            restrict_data_export=membership.restrict_data_export,
        )

    @classmethod
    def for_token(cls, token: ApiToken) -> "Actor":
        return cls(workspace=token.workspace, role=Membership.Role.MANAGER, token=token)

    @property
    def is_admin(self) -> bool:
        return self.role in (Membership.Role.OWNER, Membership.Role.MANAGER)

    @property
    def is_agent(self) -> bool:
        return self.role == Membership.Role.AGENT

    @property
    def can_export(self) -> bool:
        if self.role == Membership.Role.OWNER:
            return True
        return self.role == Membership.Role.MANAGER and not self.restrict_data_export
