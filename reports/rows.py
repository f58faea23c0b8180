"""The Asignaciones log row in the wire shape of api.md, shared by the report API and the
contacts assignee endpoint (which answers the event it wrote)."""

from assignments.models import AssignmentEvent, AssignmentSource


def source_label(source: str) -> str:
    """The translated label of a source ("Usuario" / "User"), in the active language."""
    return str(AssignmentSource(source).label)


def log_row(event: AssignmentEvent, *, tz) -> dict:
    """One log row in the wire shape of api.md (also the shape of the assignee endpoint's event)."""

    def person(user_id, name):
        if user_id is None:
            return None
        return {"id": user_id, "name": AssignmentEvent.user_label(user_id, name)}

    is_user = event.source == AssignmentSource.USER
    return {
        "id": event.pk,
        "timestamp": event.created_at.astimezone(tz).isoformat(timespec="seconds"),
        "conversation_id": event.conversation_id,
        "contact_id": event.contact_id,
        "contact_name": event.contact_name or f"#{event.contact_id}",
        "previous_assignee": person(event.previous_assignee_id, event.previous_assignee_name),
        "new_assignee": person(event.new_assignee_id, event.new_assignee_name),
        "source": event.source,
        "source_label": source_label(event.source),
        "assigned_by": person(event.assigned_by_id, event.assigned_by_name) if is_user else None,
    }
