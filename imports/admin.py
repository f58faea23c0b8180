from django.contrib import admin

from .models import ContactImport


@admin.register(ContactImport)
class ContactImportAdmin(admin.ModelAdmin):
    """Read-only: imports change only through their task (imports/services.py)."""

    list_display = (
        "id", "workspace", "file_name", "mode", "status", "total_rows", "processed_rows", "created_count",
        "updated_count", "error_count", "attempts", "created_at", "finished_at",
    )
    list_filter = ("status", "mode")
    search_fields = ("id", "file_name", "workspace__name", "uploaded_by__email")
    readonly_fields = [field.name for field in ContactImport._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
