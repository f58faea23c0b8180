"""Contacts (Developer API), api.md: search, create, read, update, tags, assignee, messages.

A Bearer token acts as an unrestricted manager with no user (source ``api``); a session acts as
its user (source ``user``, the user as "Asignado por"). Agents may use every endpoint here.
"""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.views import APIView

from accounts.permissions import request_actor
from accounts.throttling import ApiTokenRateThrottle
from crm.pagination import paginate

from .selectors import contact_search
from .serializers import ContactSerializer

ERROR_RESPONSES = {
    400: OpenApiResponse(description='Bad input: `{"message", "errors"}`.'),
    401: OpenApiResponse(description="Missing or bad credentials."),
    403: OpenApiResponse(description="Not allowed for this role."),
    404: OpenApiResponse(description="No such contact in this workspace."),
    429: OpenApiResponse(description="Too many requests with this API token."),
}


class ContactListApi(APIView):
    throttle_classes = [ApiTokenRateThrottle]

    @extend_schema(
        summary="Search contacts",
        description=(
            "Contacts of the workspace whose name, email or phone contains `search` "
            "(case-insensitive) or whose id equals it. Without `search`, every contact. "
            "Ordered by name. Paginated."
        ),
        parameters=[
            OpenApiParameter("search", str, description="Text to look for in name, email, phone; or an exact id."),
            OpenApiParameter("page", int, description="Page number, from 1."),
            OpenApiParameter("page_size", int, description="Rows per page (at most 100, default 50)."),
        ],
        responses={200: ContactSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request):
        actor = request_actor(request)
        rows = contact_search(workspace=actor.workspace, text=request.query_params.get("search", ""))
        return paginate(request, rows, ContactSerializer)
