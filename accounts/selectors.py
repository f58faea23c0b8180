from django.db.models import QuerySet

from .models import Membership, User, Workspace


def member_list(*, workspace: Workspace) -> QuerySet[Membership]:
    return Membership.objects.filter(workspace=workspace).select_related("user").order_by("user__name", "user__email")


def member_user_get(*, workspace: Workspace, ref) -> User | None:
    """A member of the workspace by user id (int or numeric string) or email (case-insensitive).

    Returns None when no member matches: ids of other workspaces resolve to nothing.
    """
    qs = User.objects.filter(memberships__workspace=workspace)
    if isinstance(ref, bool) or ref is None:
        return None
    if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
        value = int(ref)
        if value > 2**62:
            return None
        return qs.filter(pk=value).first()
    if isinstance(ref, str) and "@" in ref:
        return qs.filter(email__iexact=ref.strip()).first()
    return None
