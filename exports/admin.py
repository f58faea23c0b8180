from django.contrib import admin

from .models import Export


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    """Read-only: exports change only through their task (exports/services.py)."""

    list_display = ("id", "workspace", "kind", "status", "progress", "row_count", "size", "attempts", "created_at", "expires_at")
    list_filter = ("status", "kind")
    search_fields = ("id", "workspace__name", "requested_by__email")
    readonly_fields = [field.name for field in Export._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
