from django.utils import translation

from .models import Membership

SESSION_WORKSPACE_KEY = "active_workspace_id"


class ActiveWorkspaceMiddleware:
    """Sets ``request.workspace`` and ``request.membership`` for a logged-in user.

    A user of several workspaces picks the active one (stored in the session); otherwise the
    first membership is used. The workspace language is activated for the response.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.workspace = None
        request.membership = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            memberships = Membership.objects.select_related("workspace", "user").filter(user=user)
            wanted = request.session.get(SESSION_WORKSPACE_KEY)
            membership = (memberships.filter(workspace_id=wanted).first() if wanted else None) or memberships.order_by(
                "created_at", "id"
            ).first()
            if membership is not None:
                request.membership = membership
                request.workspace = membership.workspace
                translation.activate(membership.workspace.language)
                request.LANGUAGE_CODE = membership.workspace.language
        return self.get_response(request)
