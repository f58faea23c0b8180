from django.contrib import admin

from .models import RoundRobinCursor, Workflow, WorkflowRun


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    """Read-only: workflows are edited in the Flujos page or the API, where steps are validated."""

    list_display = ["id", "name", "workspace", "trigger", "enabled", "updated_at"]
    list_filter = ["enabled", "trigger"]
    search_fields = ["name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WorkflowRun)
class WorkflowRunAdmin(admin.ModelAdmin):
    list_display = ["id", "workflow", "conversation", "status", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["workflow", "conversation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RoundRobinCursor)
class RoundRobinCursorAdmin(admin.ModelAdmin):
    list_display = ["id", "workspace", "team", "last_user_id", "updated_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
