import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from members import disclosure
from members.changes import ARRIVALS, apply_change, register_member
from members.forms import CHANGE_INPUTS, MemberDetailsForm, StaleEdit, detail_fields
from members.models import Member, MemberChange
from organizations.access import can_reveal_id, member_organizations_for, organizations_for, scoped
from organizations.admin import ScopedAdmin
from organizations.models import Organization
from portal.forms import add_domain_errors, errors_of_dry_run
from portal.models import AuditEntry
from portal.params import pk_or_none

STATE_FIELDS = ["organization", "status", "category", "management_type", "standing", "confirmed_on"]
ARRIVAL_FIELDS = ["effective_date", "management_type", "external_organization", "letter_number", "place", "note"]


class OrganizationInScopeFilter(admin.SimpleListFilter):
    """Filter by community or branch, offering only the organizations the user may see."""

    title = _("所在组织")
    parameter_name = "org"

    def lookups(self, request, model_admin):
        orgs = organizations_for(request.user).filter(kind__in=[Organization.Kind.COMMUNITY, Organization.Kind.BRANCH])
        return [(org.pk, ("　" * (org.depth - 2)) + org.name) for org in orgs]

    def queryset(self, request, queryset):
        org = organizations_for(request.user).filter(pk=pk_or_none(self.value())).first()
        return queryset.under(org) if org else queryset


class MemberAddForm(forms.ModelForm):
    """A new member record and the change it arrives with, checked together before saving."""

    arrival = forms.ChoiceField(
        label=_("建档方式"),
        choices=[(kind.value, kind.label) for kind in ARRIVALS],
        initial=MemberChange.Kind.REGISTRATION,
    )
    effective_date = forms.DateField(label=_("生效日期"), initial=datetime.date.today)
    management_type = forms.ChoiceField(
        label=_("管理方式（登记时）"),
        required=False,
        choices=Member._meta.get_field("management_type").choices,
    )
    external_organization = forms.CharField(label=_("原党组织（转入/流入）"), required=False)
    letter_number = forms.CharField(label=_("介绍信编号"), required=False)
    place = forms.CharField(label=_("流入来源"), required=False)
    note = forms.CharField(label=_("说明"), required=False)

    class Meta:
        model = Member
        fields = [*Member.DETAIL_FIELDS, "organization", "status", "category"]

    def __init__(self, *args, user=None, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.fields["organization"].queryset = member_organizations_for(user)

    def _post_clean(self):
        pass  # the whole record is checked by register_member in clean()

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            error = errors_of_dry_run(self.save_record)
            if error:
                add_domain_errors(self, error, renames={"kind": "arrival"})
        return cleaned

    def fill(self, member):
        data = self.cleaned_data
        for name in self._meta.fields:
            if name != "organization":
                setattr(member, name, data.get(name))
        change = MemberChange(
            kind=data["arrival"],
            organization=data.get("organization"),
            status=data.get("status"),
            category=data.get("category"),
            effective_date=data.get("effective_date"),
            **{name: data.get(name) or "" for name in ARRIVAL_FIELDS[1:]},
        )
        return member, change

    def save_record(self, member=None):
        """Register ``member`` (the form's instance when saving for real) with its first change."""
        member, change = self.fill(member if member is not None else Member())
        register_member(member, change, self.request)
        return member


class RefusesLateConflicts:
    """An add page whose save lost a race gets a message, not a 500.

    The form's check passed, then another change of the same member (or a registration of the
    same ID number) was saved first; the save refused, and this request's transaction was rolled back.
    """

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except ValidationError as error:
            self.message_user(request, "；".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class ChangeInline(admin.TabularInline):
    model = MemberChange
    fk_name = "member"
    fields = ("effective_date", "kind", "organization", "standing", "letter_number", "note", "recorded_by", "reverses")
    readonly_fields = fields
    ordering = ("effective_date", "id")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True  # the parent admin has already scoped the member

    def get_queryset(self, request):
        # The read-only columns name organizations, users and reversed entries: one query, not one per row.
        return super().get_queryset(request).select_related("organization", "recorded_by", "reverses")


# A detail the user may not see in full is shown through the disclosure rule instead of the field.
DISPLAYED = {"id_number": "id_display", "birth_date": "birth_display", "phone": "phone_display"}


@admin.register(Member)
class MemberAdmin(RefusesLateConflicts, ScopedAdmin):
    list_filter = (OrganizationInScopeFilter, "standing", "status", "category", "management_type")
    search_fields = ("name",)  # numbers too, under the disclosure rule: see get_search_results
    list_select_related = ("organization",)
    inlines = [ChangeInline]
    list_per_page = 50

    def get_list_display(self, request):
        @admin.display(description=_("身份证号"))
        def id_number(obj):
            return disclosure.disclose(obj, request.user).id_number

        @admin.display(description=_("联系电话"))
        def phone(obj):
            return disclosure.disclose(obj, request.user).phone

        return ("name", "gender", id_number, phone, "organization", "status", "category", "management_type", "standing")

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_search_results(self, request, queryset, search_term):
        # Also behind the change admin's member autocomplete: the same rule and the same audit.
        results = disclosure.search(queryset, search_term, request.user)
        disclosure.audit_number_search(request, search_term, results, "管理后台")
        return results, False

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        obj.seen_by = request.user  # for the display fields, which are given only the object
        return obj

    def _reveal(self, request, obj):
        """Whether this page carries the full ID number: asked for (?reveal=id), allowed, editable."""
        return (
            request.GET.get("reveal") == "id"
            and can_reveal_id(request.user, obj.organization)
            and self.has_change_permission(request, obj)
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = MemberAddForm if obj is None else MemberDetailsForm
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            extra = {"user": request.user, "request": request}
        else:
            extra = {"user": request.user, "reveal_id": self._reveal(request, obj)}

        class BoundForm(form_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, **extra, **kw)

        return BoundForm

    def get_fields(self, request, obj=None):
        if obj is None:
            return [*Member.DETAIL_FIELDS, "organization", "status", "category", "arrival", *ARRIVAL_FIELDS]
        return [*self._detail_fields(request, obj), *STATE_FIELDS, "snapshot"]

    def _detail_fields(self, request, obj):
        editable = detail_fields(request.user, obj, self._reveal(request, obj))
        if not self.has_change_permission(request, obj):
            editable = [name for name in editable if name not in DISPLAYED]  # all read-only: shown by the rule
        return [name if name in editable else DISPLAYED.get(name, name) for name in Member.DETAIL_FIELDS]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [*STATE_FIELDS, *(name for name in self._detail_fields(request, obj) if name in DISPLAYED.values())]

    def get_fieldsets(self, request, obj=None):
        return [(None, {"fields": self.get_fields(request, obj)})]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        may_reveal = can_reveal_id(request.user, obj.organization) and self.has_change_permission(request, obj)
        offer = may_reveal and not self._reveal(request, obj)
        context = {**(extra_context or {}), "offer_reveal_id": offer}
        try:
            return super().change_view(request, object_id, form_url, context)
        except StaleEdit:
            # Another save won the race (and this request's transaction is rolled back): the same
            # POST again meets the newer version in the form's check, which shows what they changed.
            return super().change_view(request, object_id, form_url, context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self._reveal(request, obj):  # the page about to be sent holds the full number
            AuditEntry.record(request, AuditEntry.Action.REVEAL_ID, obj, summary=f"修改身份证号：{obj.name}")
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            form.save_record(obj)  # fills and saves obj itself, so the admin's redirect finds its pk
            return
        form.save_audited(request)

    def _shown(self, obj):
        return disclosure.disclose(obj, getattr(obj, "seen_by", None) or AnonymousUser())

    @admin.display(description=_("身份证号"))
    def id_display(self, obj):
        return self._shown(obj).id_number

    @admin.display(description=_("出生日期"))
    def birth_display(self, obj):
        return self._shown(obj).birth_date

    @admin.display(description=_("联系电话"))
    def phone_display(self, obj):
        return self._shown(obj).phone


class MemberChangeForm(forms.ModelForm):
    class Meta:
        model = MemberChange
        fields = ["member", "kind", "organization", *CHANGE_INPUTS]

    def __init__(self, *args, user=None, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        if not self.fields:
            return  # an existing entry is shown read-only
        self.fields["member"].queryset = scoped(Member.objects.all(), user, write=True)
        self.fields["organization"].queryset = member_organizations_for(user)
        for name in ("organization", "category", "status", "management_type"):
            self.fields[name].required = False
        self.fields["organization"].help_text = _("登记、转入、流入、街道内调整时填写。")

    def _post_clean(self):
        pass  # apply_change checks the entry against the member's state in clean()

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            error = errors_of_dry_run(self.save_change)
            if error:
                add_domain_errors(self, error)
        return cleaned

    def save_change(self, change=None):
        """Apply the entry (to ``change``, the form's instance, when saving for real)."""
        change = change if change is not None else MemberChange()
        data = self.cleaned_data
        for name in self._meta.fields:
            value = data.get(name)
            setattr(
                change,
                name,
                "" if value is None and name not in ("member", "organization", "effective_date") else value,
            )
        if change.organization_id is None and change.member_id:
            change.organization_id = change.member.organization_id
        return apply_change(change, self.request)


@admin.register(MemberChange)
class MemberChangeAdmin(RefusesLateConflicts, ScopedAdmin):
    form = MemberChangeForm
    list_display = ("effective_date", "member", "kind", "from_organization", "organization", "standing", "recorded_by")
    list_filter = ("kind", "standing")
    search_fields = ("member__name", "letter_number")
    date_hierarchy = "effective_date"
    list_select_related = ("member", "organization", "from_organization", "recorded_by")
    autocomplete_fields = ["member"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            return form_class

        class BoundForm(form_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, user=request.user, request=request, **kw)

        return BoundForm

    def has_change_permission(self, request, obj=None):
        return False  # append-only: a mistake is reversed by a correction entry

    def save_model(self, request, obj, form, change):
        form.save_change(obj)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in MemberChange._meta.fields] if obj is not None else []
