from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from portal.models import AuditEntry, User


class SuperuserOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request):
        return request.user.is_superuser

    has_view_permission = has_add_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: request.user.is_superuser
    )


admin.site.unregister(Group)  # access comes from roles on organizations (organizations/admin.py), not groups
# Background jobs: for the system administrator only (what failed, and why).
admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskAdmin(SuperuserOnlyAdmin, DBTaskResultAdmin):
    pass


@admin.register(User)
class PortalUserAdmin(SuperuserOnlyAdmin, UserAdmin):
    fieldsets = UserAdmin.fieldsets + ((_("登录手机号"), {"fields": ("phone",)}),)
    list_display = ("username", "last_name", "first_name", "phone", "is_active", "is_superuser")
    search_fields = ("username", "first_name", "last_name", "phone")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read and prune only; nobody edits the log, and only superusers see it."""

    list_display = ("at", "username", "ip_address", "action", "summary")
    list_filter = ("action", "at")
    search_fields = ("username", "summary", "object_id")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.action == AuditEntry.Action.AUDIT_PRUNE:
            return False  # the record of a pruning stays
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        self.delete_queryset(request, AuditEntry.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        """Prune, and record who pruned how many entries of which period: a log that can lose
        entries without a trace would prove nothing. Records of earlier prunings are kept."""
        queryset = queryset.exclude(action=AuditEntry.Action.AUDIT_PRUNE)
        span = queryset.aggregate(first=Min("at"), last=Max("at"))
        count, _by_model = queryset.delete()
        if count:
            first, last = (timezone.localtime(span[key]) for key in ("first", "last"))
            AuditEntry.record(
                request,
                AuditEntry.Action.AUDIT_PRUNE,
                summary=f"清理审计日志：删除{first:%Y-%m-%d %H:%M}至{last:%Y-%m-%d %H:%M}的{count}条记录",
                changes={"count": count, "first": first.isoformat(), "last": last.isoformat()},
            )
