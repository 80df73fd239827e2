import datetime

from django import forms
from django.contrib import admin
from django.http import Http404
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from organizations import hooks
from organizations.access import can_write_anything, has_any_role, organizations_for, scoped
from organizations.models import Organization, OrganizationEvent, Role
from portal.admin import PortalUserAdmin, SuperuserOnlyAdmin
from portal.forms import add_domain_errors, errors_of_dry_run
from portal.models import AuditEntry, User


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


EDITABLE = ["name", "kind", "level", "branch_kind", "has_committee", "established_on"]


class OrganizationForm(forms.ModelForm):
    parent = forms.ModelChoiceField(
        label=_("上级组织"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("社区党组织隶属街道党工委，党支部隶属社区党组织，党小组隶属党支部。"),
    )
    effective_date = forms.DateField(
        label=_("更名/调整生效日期"),
        required=False,
        initial=datetime.date.today,
        help_text=_("修改名称或上级组织时，从哪一天起生效。"),
    )
    dissolve_on = forms.DateField(label=_("撤销日期"), required=False, help_text=_("填写后该组织即被撤销。"))

    class Meta:
        model = Organization
        fields = EDITABLE

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        choices = organizations_for(user, write=True).existing().exclude(kind=Organization.Kind.GROUP)
        self.fields["parent"].queryset = choices
        if self.instance.pk:
            if "kind" in self.fields:  # absent on a read-only view
                self.fields["kind"].disabled = True
            self.fields["parent"].initial = Organization.objects.get_parent(self.instance)
            if self.instance.dissolved_on:
                self.fields["dissolve_on"].initial = self.instance.dissolved_on
                self.fields["dissolve_on"].disabled = True
        else:
            del self.fields["effective_date"]
            del self.fields["dissolve_on"]

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            self._check_place(cleaned.get("parent"), cleaned.get("kind"))
        if not self.errors:
            error = errors_of_dry_run(self.apply)
            if error:
                add_domain_errors(self, error, renames={"dissolved_on": "dissolve_on"})
        return cleaned

    def _check_place(self, parent, kind):
        """A new node goes under a parent the user may write to (the choices hold only those); a
        street, at the top, is the superuser's to create: leaving the parent empty is not a way
        around one's scope."""
        if getattr(self.user, "is_superuser", False):
            return
        if kind == Organization.Kind.STREET:
            self.add_error("kind", _("只有系统管理员可以新建街道党工委。"))
        elif parent is None and "parent" not in self.errors:
            self.add_error("parent", _("请选择上级组织（您有权管理的组织）。"))

    def apply(self):
        """Create the node, or rename, move and dissolve it, each step logged with its date."""
        data = self.cleaned_data
        if not self.instance.pk:
            fields = {name: data.get(name) for name in EDITABLE}
            return Organization.establish(data.get("parent"), user=self.user, **fields)
        node = Organization.objects.get(pk=self.instance.pk)
        on = data.get("effective_date") or datetime.date.today()
        for name in ("level", "branch_kind", "has_committee", "established_on"):
            setattr(node, name, data.get(name))
        node.full_clean(exclude=["path", "depth", "numchild"])
        node.save()
        if data["name"] != node.name:
            node.rename(data["name"], on, self.user)
        parent = data.get("parent")
        if parent and parent.pk != getattr(Organization.objects.get_parent(node), "pk", None):
            node.move_to(parent, on, self.user)
        if data.get("dissolve_on") and not node.dissolved_on:
            node.dissolve(data["dissolve_on"], self.user)
        return node


class EventInline(admin.TabularInline):
    model = OrganizationEvent
    fk_name = "organization"
    fields = (
        "effective_date",
        "kind",
        "old_name",
        "new_name",
        "old_parent",
        "new_parent",
        "recorded_by",
        "recorded_at",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True  # the parent admin has already scoped the organization


@admin.register(Organization)
class OrganizationAdmin(ScopedAdmin):
    form = OrganizationForm
    list_display = ("indented_name", "kind_label", "established_on", "dissolved_on", "member_count", "warnings")
    list_filter = ("kind", "level", "branch_kind")
    search_fields = ("name",)
    ordering = ("path",)
    inlines = [EventInline]
    list_per_page = 100

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class BoundForm(form_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, user=request.user, **kw)

        return BoundForm

    def get_fieldsets(self, request, obj=None):
        fields = ["parent", *EDITABLE]
        if obj is not None:
            fields += ["effective_date", "dissolve_on"]
        return [(None, {"fields": fields})]

    def save_model(self, request, obj, form, change):
        saved = form.apply()
        obj.pk, obj.path, obj.depth = saved.pk, saved.path, saved.depth  # for the admin's redirect and log
        changed = [str(form.fields[name].label) for name in form.changed_data if name != "effective_date"]
        AuditEntry.record(
            request,
            AuditEntry.Action.ORGANIZATION,
            saved,
            summary=f"{'修改' if change else '新建'}组织：{saved.name}（{'、'.join(changed)}）",
            changes={name: str(form.cleaned_data.get(name)) for name in form.changed_data},
        )

    def get_changelist(self, request, **kwargs):
        changelist = super().get_changelist(request, **kwargs)

        class CountingChangeList(changelist):
            def get_results(self, req):
                super().get_results(req)
                counts = hooks.member_counts(self.result_list)
                for org in self.result_list:
                    org.member_counts = counts[org.pk]

        return CountingChangeList

    @admin.display(description=_("名称"), ordering="path")
    def indented_name(self, obj):
        # Full-width spaces, not a style attribute: the Content-Security-Policy allows no inline style.
        return format_html("{}{}", "\u3000\u3000" * (obj.depth - 1), obj.name)

    @admin.display(description=_("类型"))
    def kind_label(self, obj):
        return obj.kind_label

    @admin.display(description=_("在册党员（正式）"))
    def member_count(self, obj):
        total, full = obj.member_counts
        return f"{total}（{full}）"

    @admin.display(description=_("提示"))
    def warnings(self, obj):
        return format_html_join(
            "", '<div class="errornote">{}</div>', ((w,) for w in obj.rule_warnings(*obj.member_counts))
        )


class RoleInline(admin.TabularInline):
    model = Role
    extra = 1
    autocomplete_fields = ["organization"]


class UserWithRolesAdmin(PortalUserAdmin):
    """The portal's accounts, with their roles on organizations; granting and revoking is audited."""

    inlines = [RoleInline]

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for role in formset.new_objects + [obj for obj, _fields in formset.changed_objects]:
            AuditEntry.record(request, AuditEntry.Action.ROLE, role, summary=f"设置角色：{role}")
        for role in formset.deleted_objects:
            AuditEntry.record(request, AuditEntry.Action.ROLE, role, summary=f"撤销角色：{role}")


admin.site.unregister(User)
admin.site.register(User, UserWithRolesAdmin)


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
