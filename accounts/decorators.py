from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def workspace_member_required(view=None, *, admin=False, export=False, owner=False):
    """Page views: anonymous users go to the login page; members without the role get 403.

    ``request.workspace`` and ``request.membership`` are set by ``ActiveWorkspaceMiddleware``.
    """

    def decorator(func):
        @wraps(func)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = request.membership
            if membership is None:
                raise PermissionDenied("not a member of any workspace")
            if admin and not membership.is_admin:
                raise PermissionDenied("owners and managers only")
            if owner and membership.role != membership.Role.OWNER:
                raise PermissionDenied("owners only")
            if export and not membership.can_export:
                raise PermissionDenied("data export not allowed")
            return func(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator
