from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import XLSX

from members.models import Member
from organizations.access import can_write_anything, has_any_role, organizations_for, scoped
from organizations.admin import ScopedAdmin
from organizations.models import Organization
from portal.models import AuditEntry
from services.models import Activity, CoBuildingAgreement, ResidentUnit, ServiceEntry, ServiceTeam
from services.resources import ActivityResource, ResidentUnitResource, ServiceTeamResource


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


# -- resident units, service teams and activities: imported and exported as xlsx ------------------


class ScopedImportExportAdmin(ImportExportMixin, ScopedAdmin):
    """The admin's import and export of a plain table, through the same access rule as its pages:
    the rows shown and exported are the user's scope, a write role may import, the rows imported
    reach only what the user may change (services/resources.py), and every export is audited."""

    formats = [XLSX]
    list_per_page = 50

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {**kwargs, "user": request.user}

    def has_import_permission(self, request):
        return can_write_anything(request.user)

    def has_export_permission(self, request):
        return has_any_role(request.user)

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        AuditEntry.record(
            request,
            AuditEntry.Action.EXPORT,
            summary=f"导出{self.model._meta.verbose_name}（{queryset.count()}行，管理后台）",
        )
        return data

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if related is Organization:
            kinds = self.organization_kinds
            kwargs["queryset"] = organizations_for(request.user, write=True).existing().filter(kind__in=kinds)
        elif related is Member:
            kwargs["queryset"] = scoped(Member.objects.current(), request.user, write=True)
        elif related in (ServiceTeam, CoBuildingAgreement):
            kwargs["queryset"] = scoped(related.objects.all(), request.user, write=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ResidentUnit)
class ResidentUnitAdmin(ScopedImportExportAdmin):
    resource_classes = [ResidentUnitResource]
    organization_kinds = [Organization.Kind.COMMUNITY]
    list_display = ("name", "organization", "contact_name", "party_organization", "offers_display")
    search_fields = ("name", "party_organization")
    list_select_related = ("organization",)
    fields = ("organization", "name", "contact_name", "contact_phone", "party_organization", "offers")
    fields += ("offers_note", "asks")

    @admin.display(description=_("可提供资源"))
    def offers_display(self, obj):
        return obj.get_offers_display()


@admin.register(ServiceTeam)
class ServiceTeamAdmin(ScopedImportExportAdmin):
    resource_classes = [ServiceTeamResource]
    organization_kinds = [Organization.Kind.COMMUNITY, Organization.Kind.BRANCH]
    list_display = ("name", "organization", "kind", "leader", "founded_on", "dissolved_on")
    list_filter = ("kind",)
    search_fields = ("name",)
    list_select_related = ("organization", "leader")
    fields = ("organization", "name", "kind", "leader", "founded_on", "dissolved_on", "description")


ACTIVITY_FIELDS = ["organization", "team", "title", "kind", "convenience_kind", "starts_at", "ends_at", "place"]
ACTIVITY_FIELDS += ["credited_minutes", "beneficiaries", "description", "agreement"]


class ActivityAdminForm(forms.ModelForm):
    """The model's own checks (Activity.clean: the team and the agreement of the activity's community)."""

    class Meta:
        model = Activity
        fields = ACTIVITY_FIELDS


@admin.register(Activity)
class ActivityAdmin(ScopedImportExportAdmin):
    form = ActivityAdminForm
    resource_classes = [ActivityResource]
    organization_kinds = [Organization.Kind.COMMUNITY, Organization.Kind.BRANCH]
    list_display = ("title", "starts_at", "organization", "kind", "team", "beneficiaries")
    list_filter = ("kind",)
    search_fields = ("title",)
    date_hierarchy = "starts_at"
    list_select_related = ("organization", "team")
    fields = ACTIVITY_FIELDS

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.entries.exists():
            return ("organization", "starts_at")  # the ledger's entries carry them
        return ()

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
