from django.db.models import QuerySet

from accounts.models import Workspace

from .models import ContactImport

# Larger ids cannot be stored; asking for one is simply "not found" (never a database error).
_MAX_ID = 2**62


def contact_import_list(*, workspace: Workspace, include_drafts: bool = False) -> QuerySet[ContactImport]:
    """The workspace's imports, newest first (index ``contact_import_ws_time_idx``).

    Drafts (uploaded in the page, mapping not confirmed) belong to the page only."""
    rows = ContactImport.objects.filter(workspace=workspace).select_related("uploaded_by")
    if not include_drafts:
        rows = rows.exclude(status=ContactImport.Status.DRAFT)
    return rows.order_by("-created_at", "-id")


def contact_import_get(*, workspace: Workspace, import_id, include_drafts: bool = False) -> ContactImport | None:
    try:
        pk = int(import_id)
    except (TypeError, ValueError):
        return None
    if pk < 1 or pk > _MAX_ID:
        return None
    return contact_import_list(workspace=workspace, include_drafts=include_drafts).filter(pk=pk).first()
