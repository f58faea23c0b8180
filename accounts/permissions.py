from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions

from .context import Actor
from .models import ApiToken


def request_actor(request) -> Actor:
    """Resolve (once per request) the acting workspace and role, or raise 401/403."""
    actor = getattr(request, "actor", None)
    if actor is not None:
        return actor
    if isinstance(request.auth, ApiToken):
        actor = Actor.for_token(request.auth)
    elif request.user and request.user.is_authenticated:
        membership = getattr(request._request, "membership", None)
        if membership is None:
            raise exceptions.PermissionDenied(_("You are not a member of any workspace."))
        actor = Actor.for_membership(membership)
    else:
        raise exceptions.NotAuthenticated(_("Authentication credentials were not provided."))
    request.actor = actor
    # Responses speak the workspace language (Spanish first).
    translation.activate(actor.workspace.language)
    request.LANGUAGE_CODE = actor.workspace.language
    return actor


class IsWorkspaceMember(permissions.BasePermission):
    def has_permission(self, request, view):
        request_actor(request)
        return True


class IsWorkspaceAdmin(permissions.BasePermission):
    """Owners and managers (and API tokens, which act as an unrestricted manager)."""

    message = _("Only owners and managers may do this.")

    def has_permission(self, request, view):
        return request_actor(request).is_admin


class CanExportData(permissions.BasePermission):
    message = _("You are not allowed to export data in this workspace.")

    def has_permission(self, request, view):
        return request_actor(request).can_export


class IsSessionUser(permissions.BasePermission):
    """Operations only a person in the app may do (not an API token)."""

    message = _("This operation needs a user session.")

    def has_permission(self, request, view):
        return request_actor(request).user is not None
