from django.contrib import admin

from organizations.admin import ScopedAdmin
from services.models import ServiceEntry


@admin.register(ServiceEntry)
class ServiceEntryAdmin(ScopedAdmin):
    """The participation ledger, to read: entries are never edited, a mistake is a correction entry."""

    list_display = ("served_on", "member", "organization", "activity", "minutes", "source", "corrects", "recorded_by")
    list_filter = ("source",)
    search_fields = ("member__name",)
    date_hierarchy = "served_on"
    list_select_related = ("member", "organization", "activity", "corrects", "recorded_by")
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # append-only

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in ServiceEntry._meta.fields]
