from .services import member_seen


class PresenceHeartbeatMiddleware:
    """Every request of a signed-in member is a heartbeat (``services.member_seen``).

    After ``ActiveWorkspaceMiddleware`` (it needs ``request.membership``), and after the view:
    a logout request is no longer signed in, and a login request has no membership yet (the
    ``user_logged_in`` receiver handles it). Session requests only: an API token has no user.
    Costs a cache read per request and a database write at most once a minute per member.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        membership = getattr(request, "membership", None)
        if membership is not None and user is not None and user.is_authenticated and membership.user_id == user.pk:
            member_seen(workspace=membership.workspace, user=user)
        return response
