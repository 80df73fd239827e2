"""Plain tables in and out of the admin as xlsx (django-import-export): resident units, service teams
and activities.

The same access rule as everywhere: a row can only update what the user may change (the
``编号`` of another community's unit is refused, not followed), an organization, team or
agreement is looked up by name among those the user may write to, and every row passes the
model's own ``clean()`` before anything is saved (the whole file is one transaction). On the way
out, every text cell goes through the portal's formula neutraliser (``portal.exports.safe_text``)
on top of django-import-export's own escaping (``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT``).
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from import_export import resources
from import_export.fields import Field
from import_export.widgets import CharWidget, DateTimeWidget, DateWidget, ForeignKeyWidget, IntegerWidget, Widget

from organizations.access import organizations_for, scoped
from organizations.models import Organization
from portal.exports import safe_text
from services.models import Activity, CoBuildingAgreement, ResidentUnit, ServiceTeam


class ChoiceWidget(Widget):
    """A choice as its label on the way out; its label or its value on the way in."""

    def __init__(self, choices, required=True):
        super().__init__()
        self.choices, self.required = list(choices), required

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text and not self.required:
            return ""
        for key, label in self.choices:
            if text in (key, str(label)):
                return key
        raise ValueError(
            _("请填写以下之一：%(labels)s。") % {"labels": "、".join(str(label) for _key, label in self.choices)}
        )

    def render(self, value, obj=None, **kwargs):
        return str(dict(self.choices).get(value, value or ""))


class ChoicesWidget(ChoiceWidget):
    """Several choices (a JSON list), written as their labels separated by 、."""

    def clean(self, value, row=None, **kwargs):
        parts = [part for part in re.split(r"[、,，;；\s]+", str(value or "").strip()) if part]
        return list(dict.fromkeys(ChoiceWidget.clean(self, part) for part in parts))

    def render(self, value, obj=None, **kwargs):
        labels = dict(self.choices)
        return "、".join(str(labels.get(item, item)) for item in value or [])


class DayWidget(DateWidget):
    def __init__(self):
        super().__init__(format="%Y-%m-%d")

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime.datetime):
            return value.date()
        try:
            return super().clean(str(value).strip() if isinstance(value, str) else value, row, **kwargs)
        except ValueError:
            raise ValueError(_("日期“%(value)s”无法识别，请写作 2025-01-31。") % {"value": str(value)[:20]}) from None


class MomentWidget(DateTimeWidget):
    def __init__(self):
        super().__init__(format="%Y-%m-%d %H:%M")

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(str(value).strip() if isinstance(value, str) else value, row, **kwargs)
        except ValueError:
            raise ValueError(
                _("时间“%(value)s”无法识别，请写作 2025-01-31 09:00。") % {"value": str(value)[:20]}
            ) from None


class InScopeWidget(ForeignKeyWidget):
    """A related row named in the cell, among those ``user`` may change (set by the resource)."""

    user = None
    what = ""
    required = True

    def candidates(self):
        raise NotImplementedError

    def clean(self, value, row=None, **kwargs):
        name = " ".join(str(value or "").split())
        if not name:
            if self.required:
                raise ValueError(_("请填写%(what)s。") % {"what": self.what})
            return None
        found = list(self.candidates().filter(**{self.field: name})[:2])
        if len(found) != 1:
            message = (
                _("“%(name)s”不是您管理范围内的%(what)s，请核对名称。")
                if not found
                else _("“%(name)s”有重名，请改用组织管理页面办理。")
            )
            raise ValueError(message % {"name": name, "what": self.what})
        return found[0]

    def render(self, value, obj=None, **kwargs):
        return getattr(value, self.field, "") if value is not None else ""


class OrganizationWidget(InScopeWidget):
    def __init__(self, kinds, what, required=True):
        super().__init__(Organization, field="name")
        self.kinds, self.what, self.required = kinds, what, required

    def candidates(self):
        return organizations_for(self.user, write=True).existing().filter(kind__in=self.kinds)


class TeamWidget(InScopeWidget):
    what = _lazy("服务队")
    required = False

    def __init__(self):
        super().__init__(ServiceTeam, field="name")

    def candidates(self):
        return scoped(ServiceTeam.objects.filter(dissolved_on__isnull=True), self.user, write=True)


class AgreementWidget(InScopeWidget):
    required = False

    def __init__(self):
        super().__init__(CoBuildingAgreement, field="title")
        self.what = _lazy("共建协议")

    def candidates(self):
        return scoped(CoBuildingAgreement.objects.all(), self.user, write=True)


class ScopedResource(resources.ModelResource):
    """A resource for ``user``: imports reach only what the user may change, exports are neutralised."""

    id = Field(attribute="id", column_name="编号", widget=IntegerWidget())

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        for field in self.fields.values():
            if isinstance(field.widget, InScopeWidget):
                field.widget.user = user

    def get_queryset(self):
        return scoped(self._meta.model.objects.all(), self.user, write=True)

    def get_instance(self, instance_loader, row):
        """The row's ``编号`` names a row the user may change, or nothing (a new row); never someone else's."""
        raw = row.get("编号")
        if raw in (None, ""):
            return None
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            raise ValidationError({"id": _("编号“%(value)s”不是数字。") % {"value": str(raw)[:20]}}) from None
        instance = self.get_queryset().filter(pk=pk).first()
        if instance is None:
            raise ValidationError({"id": _("编号%(pk)s不存在或不在您的管理范围内；新增的行请不填编号。") % {"pk": pk}})
        return instance

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.attribute == "id":
            return  # the number only finds the row to update (get_instance); it is never written
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def export_field(self, field, instance, **kwargs):
        return safe_text(super().export_field(field, instance, **kwargs))


def _trimmed(row, name):
    return " ".join(str(row.get(name) or "").split())


class ResidentUnitResource(ScopedResource):
    organization = Field(
        attribute="organization",
        column_name="所在社区",
        widget=OrganizationWidget([Organization.Kind.COMMUNITY], "社区"),
    )
    name = Field(attribute="name", column_name="单位名称", widget=CharWidget())
    contact_name = Field(attribute="contact_name", column_name="联系人", widget=CharWidget())
    contact_phone = Field(attribute="contact_phone", column_name="联系电话", widget=CharWidget())
    party_organization = Field(attribute="party_organization", column_name="单位党组织", widget=CharWidget())
    offers = Field(attribute="offers", column_name="可提供资源", widget=ChoicesWidget(ResidentUnit.Offer.choices))
    offers_note = Field(attribute="offers_note", column_name="资源说明", widget=CharWidget())
    asks = Field(attribute="asks", column_name="需求", widget=CharWidget())

    class Meta:
        model = ResidentUnit
        fields = ("id", "organization", "name", "contact_name", "contact_phone", "party_organization", "offers")
        fields += ("offers_note", "asks")
        import_id_fields = ("id",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class ServiceTeamResource(ScopedResource):
    organization = Field(
        attribute="organization",
        column_name="所属组织",
        widget=OrganizationWidget([Organization.Kind.COMMUNITY, Organization.Kind.BRANCH], "社区或支部"),
    )
    name = Field(attribute="name", column_name="队名", widget=CharWidget())
    kind = Field(attribute="kind", column_name="类型", widget=ChoiceWidget(ServiceTeam.Kind.choices))
    leader = Field(attribute="leader__name", column_name="队长", readonly=True, widget=CharWidget())
    founded_on = Field(attribute="founded_on", column_name="成立日期", widget=DayWidget())
    dissolved_on = Field(attribute="dissolved_on", column_name="解散日期", widget=DayWidget())
    description = Field(attribute="description", column_name="简介", widget=CharWidget())

    class Meta:
        model = ServiceTeam
        fields = ("id", "organization", "name", "kind", "leader", "founded_on", "dissolved_on", "description")
        import_id_fields = ("id",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class ActivityResource(ScopedResource):
    organization = Field(
        attribute="organization",
        column_name="组织单位",
        widget=OrganizationWidget([Organization.Kind.COMMUNITY, Organization.Kind.BRANCH], "社区或支部"),
    )
    team = Field(attribute="team", column_name="服务队", widget=TeamWidget())
    title = Field(attribute="title", column_name="活动名称", widget=CharWidget())
    kind = Field(attribute="kind", column_name="活动类型", widget=ChoiceWidget(Activity.Kind.choices))
    convenience_kind = Field(
        attribute="convenience_kind",
        column_name="便民服务项目",
        widget=ChoiceWidget(Activity.ConvenienceKind.choices, required=False),
    )
    starts_at = Field(attribute="starts_at", column_name="开始时间", widget=MomentWidget())
    ends_at = Field(attribute="ends_at", column_name="结束时间", widget=MomentWidget())
    place = Field(attribute="place", column_name="地点", widget=CharWidget())
    credited_minutes = Field(attribute="credited_minutes", column_name="每人计服务时长（分钟）", widget=IntegerWidget())
    beneficiaries = Field(attribute="beneficiaries", column_name="服务群众（人次）", widget=IntegerWidget())
    description = Field(attribute="description", column_name="活动内容", widget=CharWidget())
    agreement = Field(attribute="agreement", column_name="共建协议", widget=AgreementWidget())

    class Meta:
        model = Activity
        fields = ("id", "organization", "team", "title", "kind", "convenience_kind", "starts_at", "ends_at", "place")
        fields += ("credited_minutes", "beneficiaries", "description", "agreement")
        import_id_fields = ("id",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def import_instance(self, instance, row, **kwargs):
        """An activity whose participants are recorded keeps its day and organizer: the ledger's
        entries carry them (the activity page refuses the same)."""
        before = Activity.objects.filter(pk=instance.pk).first() if instance.pk else None
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.message_dict
        if before is not None and before.entries.exists():
            if instance.starts_at and instance.day != before.day:
                errors["starts_at"] = [_("已登记参加人员的活动不能修改日期。")]
            if instance.organization_id != before.organization_id:
                errors["organization"] = [_("已登记参加人员的活动不能更换组织单位。")]
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs):
        if instance.pk is None and self.user is not None and self.user.is_authenticated:
            instance.created_by = self.user
