from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.db.models import Max, Min
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from portal.access import can_write_anything, has_any_role, scoped
from portal.models import AuditEntry, Role, User


class ScopedAdmin(admin.ModelAdmin):
    """Admin pages that show only what the user's roles cover (the portal's one access rule)."""

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404  # outside the user's scope, or absent: the same answer
        return obj

    def has_module_permission(self, request):
        return has_any_role(request.user)

    def has_view_permission(self, request, obj=None):
        return has_any_role(request.user)

    def has_add_permission(self, request):
        return can_write_anything(request.user)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return can_write_anything(request.user)
        return scoped(self.model.objects.filter(pk=obj.pk), request.user, write=True).exists()

    def has_delete_permission(self, request, obj=None):
        # History is never deleted: organizations are dissolved, changes are corrected.
        return False


class SuperuserOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request):
        return request.user.is_superuser

    has_view_permission = has_add_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: request.user.is_superuser
    )


class RoleInline(admin.TabularInline):
    model = Role
    extra = 1
    autocomplete_fields = ["organization"]


admin.site.unregister(Group)  # access comes from roles on organizations, not from groups
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
    inlines = [RoleInline]

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for role in formset.new_objects + [obj for obj, _fields in formset.changed_objects]:
            AuditEntry.record(request, AuditEntry.Action.ROLE, role, summary=f"设置角色：{role}")
        for role in formset.deleted_objects:
            AuditEntry.record(request, AuditEntry.Action.ROLE, role, summary=f"撤销角色：{role}")


@admin.register(Role)
class RoleAdmin(SuperuserOnlyAdmin):
    list_display = ("user", "kind", "organization")
    list_filter = ("kind",)
    search_fields = ("user__username", "organization__name")
    autocomplete_fields = ["user", "organization"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        AuditEntry.record(request, AuditEntry.Action.ROLE, obj, summary=f"设置角色：{obj}")

    def delete_model(self, request, obj):
        AuditEntry.record(request, AuditEntry.Action.ROLE, obj, summary=f"撤销角色：{obj}")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for role in queryset:
            AuditEntry.record(request, AuditEntry.Action.ROLE, role, summary=f"撤销角色：{role}")
        super().delete_queryset(request, queryset)


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
