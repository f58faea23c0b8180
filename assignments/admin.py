from django.contrib import admin

from .models import AssignmentEvent


@admin.register(AssignmentEvent)
class AssignmentEventAdmin(admin.ModelAdmin):
    """Read-only: events are immutable."""

    list_display = ["id", "created_at", "source", "contact_name", "previous_assignee_name", "new_assignee_name", "workspace"]
    list_filter = ["source"]
    search_fields = ["contact_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
