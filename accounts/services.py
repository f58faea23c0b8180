from django.db import transaction

from .models import Membership, Team, User, Workspace
from .signals import workspace_created, workspace_settings_updated


@transaction.atomic
def workspace_create(*, name: str, timezone: str, language: str, owner_email: str, owner_password: str,
                     owner_name: str = "") -> Workspace:
    workspace = Workspace(name=name, timezone=timezone, language=language)
    workspace.full_clean()
    workspace.save()
    workspace_created.send(sender=Workspace, workspace=workspace)
    member_add(workspace=workspace, email=owner_email, role=Membership.Role.OWNER, password=owner_password,
               name=owner_name)
    return workspace


@transaction.atomic
def workspace_settings_update(*, workspace: Workspace, name: str, timezone: str, language: str) -> Workspace:
    """Save the general settings (Configuraciones → General)."""
    workspace.name, workspace.timezone, workspace.language = name, timezone, language
    workspace.full_clean()
    workspace.save(update_fields=["name", "timezone", "language"])
    workspace_settings_updated.send(sender=Workspace, workspace=workspace)
    return workspace


@transaction.atomic
def member_add(*, workspace: Workspace, email: str, role: str, password: str | None = None, name: str = "",
               team: str | None = None) -> User:
    """Add (or update the role of) a member; creates the user when the email is new."""
    if role not in Membership.Role.values:
        raise ValueError(f"unknown role {role!r}")
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, name=name)
    else:
        if password:
            user.set_password(password)
        if name:
            user.name = name
        user.save()
    Membership.objects.update_or_create(workspace=workspace, user=user, defaults={"role": role})
    if team:
        team_obj, _ = Team.objects.get_or_create(workspace=workspace, name=team)
        team_obj.members.add(user)
    return user
