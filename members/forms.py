import datetime

from django import forms
from django.core import signing
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from members.attention import BY_KEY
from members.changes import ARRIVALS, apply_change, register_member
from members.models import Category, ManagementType, Member, MemberChange, Standing, Status
from organizations.forms import OrganizationPicker
from organizations.models import Organization
from portal.access import organizations_for
from portal.forms import DateInput, QuickSelect, add_domain_errors, errors_of_dry_run
from portal.models import AuditEntry
from portal.params import pk_or_none

K = MemberChange.Kind
PICKER = "picker"
GROUP_CHOICES_LIMIT = 200  # a community has a few dozen groups; a whole street, hundreds
FIELDS_BY_KIND = {
    K.REGISTRATION: ["effective_date", PICKER, "management_type", "status", "note"],
    K.ADMISSION: ["effective_date", PICKER, "note"],
    K.TRANSFER_IN: ["effective_date", PICKER, "external_organization", "letter_number", "status", "note"],
    K.MOBILE_IN: ["effective_date", PICKER, "place", "external_organization", "contact_person", "status", "note"],
    K.TRANSFER_OUT: ["effective_date", "external_organization", "letter_number", "note"],
    K.MOVE: ["effective_date", PICKER, "note"],
    K.MOBILE_OUT: ["effective_date", "place", "mobile_card_number", "contact_person", "note"],
    K.MOBILE_RETURN: ["effective_date", "note"],
    K.LEAVE: ["effective_date", "note"],
    K.CONFIRMATION: ["effective_date", "note"],
    K.PROBATION_EXTENDED: ["effective_date", "note"],
    K.CATEGORY_CHANGE: ["effective_date", "category", "note"],
    K.DEATH: ["effective_date", "note"],
    K.REMOVAL: ["effective_date", "note"],
    K.CORRECTION: ["note"],
}
LABELS = {
    (K.TRANSFER_OUT, "external_organization"): _("转往单位（接收党组织）"),
    (K.TRANSFER_IN, "external_organization"): _("转出单位（原党组织）"),
    (K.MOBILE_IN, "external_organization"): _("组织关系所在党组织"),
    (K.MOBILE_OUT, "place"): _("流出去向"),
    (K.MOBILE_IN, "place"): _("流入来源（原所在地）"),
    (K.CORRECTION, "note"): _("更正原因"),
    (K.PROBATION_EXTENDED, "note"): _("延长原因和期限"),
    (K.CATEGORY_CHANGE, "category"): _("新的人员类别"),
}
CHANGE_INPUTS = [
    "effective_date",
    "external_organization",
    "letter_number",
    "mobile_card_number",
    "place",
    "contact_person",
    "note",
    "category",
    "status",
    "management_type",
]


class ChangeFields(OrganizationPicker):
    """The inputs of one change kind; the entry is checked by the real apply function (dry run)."""

    effective_date = forms.DateField(label=_("生效日期"), initial=datetime.date.today, widget=DateInput())
    external_organization = forms.CharField(label=_("对方组织"), max_length=200, required=False)
    letter_number = forms.CharField(label=_("介绍信编号"), max_length=50, required=False)
    mobile_card_number = forms.CharField(label=_("流动党员活动证号"), max_length=50, required=False)
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    contact_person = forms.CharField(label=_("联系人"), max_length=50, required=False)
    category = forms.ChoiceField(label=_("人员类别"), choices=Category.choices, required=False)
    status = forms.ChoiceField(label=_("党员类别"), choices=Status.choices, required=False, initial=Status.FULL)
    management_type = forms.ChoiceField(
        label=_("管理方式"),
        required=False,
        initial=ManagementType.SELF_MANAGED,
        choices=[(v, label) for v, label in ManagementType.choices if v in ("self_managed", "in_service")],
    )
    note = forms.CharField(label=_("说明"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def setup_change_fields(self, kind, user, place=None):
        self.kind = kind
        wanted = FIELDS_BY_KIND[kind]
        for name in CHANGE_INPUTS:
            if name not in wanted:
                del self.fields[name]
            elif (kind, name) in LABELS:
                self.fields[name].label = LABELS[(kind, name)]
        order = list(wanted)
        if PICKER in wanted:
            self.add_picker(user, initial=place)
            at = wanted.index(PICKER)
            order[at : at + 1] = self.picker_fields
        self.order_fields(order)

    def build_change(self, member=None):
        data = self.cleaned_data
        change = MemberChange(kind=self.kind, member=member)
        for name in CHANGE_INPUTS:
            setattr(change, name, data.get(name) or "")
        change.effective_date = data.get("effective_date") or datetime.date.today()
        target = self.clean_picker() if PICKER in FIELDS_BY_KIND[self.kind] else None
        change.organization = target or (member.organization if member else None)
        return change


class MemberChangeForm(ChangeFields):
    def __init__(self, *args, member, kind, user, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.member, self.request = member, request
        place = None if kind == K.MOVE else member.organization
        self.setup_change_fields(kind, user, place=place)

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            error = errors_of_dry_run(lambda: apply_change(self.build_change(self.member), self.request))
            if error:
                add_domain_errors(self, error, renames={"organization": "branch"})
        return cleaned

    def save(self):
        return apply_change(self.build_change(self.member), self.request)


# What a new member's record asks for besides the name and ID number, in the order of the form.
NEW_MEMBER_PERSONAL = [
    "gender",
    "birth_date",
    "ethnicity",
    "phone",
    "address",
    "education",
    "employer",
    "post",
    "joined_on",
    "category",
    "notes",
]


class NewMemberForm(ChangeFields, forms.ModelForm):
    """A member's record and the entry it arrives with, checked together."""

    arrival = forms.ChoiceField(label=_("建档方式"), choices=[(k.value, k.label) for k in ARRIVALS])

    class Meta:
        model = Member
        fields = ["name", "id_number", *NEW_MEMBER_PERSONAL]
        widgets = {
            "birth_date": DateInput(),
            "joined_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        kind = self.data.get("arrival") or self.initial.get("arrival") or K.REGISTRATION
        self.fields["arrival"].initial = kind
        keep_category = self.fields["category"]
        self.setup_change_fields(kind if kind in ARRIVALS else K.REGISTRATION, user)
        self.fields["category"] = keep_category  # the member's category, asked once
        keep_category.required = True
        self.fields["id_number"].widget.attrs.update(
            {
                "hx-get": reverse_lazy("members:check_id"),
                "hx-trigger": "input changed delay:300ms, change",
                "hx-target": "#id-check",
                "autocomplete": "off",
                "inputmode": "text",
            }
        )

    def personal_fields(self):
        return [self[name] for name in NEW_MEMBER_PERSONAL]

    def relation_fields(self):
        """The fields of the arrival itself: where, when, from which organization."""
        skip = {"arrival", "name", "id_number", *NEW_MEMBER_PERSONAL}
        return [self[name] for name in self.fields if name not in skip]

    def _post_clean(self):
        pass  # the record is checked by register_member in clean()

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            error = errors_of_dry_run(self._register)
            if error:
                add_domain_errors(self, error, renames={"organization": "branch", "kind": "arrival"})
        return cleaned

    def _register(self):
        member = Member(**{name: self.cleaned_data.get(name) for name in self._meta.fields})
        change = self.build_change()
        change.category = member.category
        return register_member(member, change, self.request)

    def save(self, commit=True):
        return self._register()


class MemberDetailsForm(forms.ModelForm):
    """Edit personal details; refuses to overwrite what someone else saved meanwhile."""

    snapshot = forms.CharField(widget=forms.HiddenInput)

    class Meta:
        model = Member
        fields = list(Member.DETAIL_FIELDS)
        widgets = {name: DateInput() for name in ("birth_date", "joined_on", "last_contact_on")} | {
            "notes": forms.Textarea(attrs={"rows": 3})
        }

    def __init__(self, *args, can_see_id=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_see_id:
            del self.fields["id_number"]
        self.fields["snapshot"].initial = signing.dumps({"version": self.instance.version, **self._values()})

    def save_audited(self, actor):
        """Save, and audit each changed detail with its value before and after (``actor``: request or user)."""
        member = self.save()
        diff = {
            name: [str(self.initial.get(name)), str(getattr(member, name))]
            for name in self.changed_data
            if name in Member.DETAIL_FIELDS
        }
        if diff:
            labels = "、".join(str(self.fields[name].label) for name in diff)
            AuditEntry.record(
                actor,
                AuditEntry.Action.MEMBER_EDIT,
                member,
                summary=f"修改党员信息：{member.name}（{labels}）",
                changes=diff,
            )
        return member

    def _values(self, member=None):
        member = member or self.instance
        return {name: str(getattr(member, name) or "") for name in self.fields if name != "snapshot"}

    def clean(self):
        cleaned = super().clean()
        try:
            seen = signing.loads(self.data.get("snapshot", ""))
        except signing.BadSignature:
            raise forms.ValidationError(_("页面已失效，请重新打开后再保存。")) from None
        current = Member.objects.get(pk=self.instance.pk)
        if seen["version"] != current.version:
            now = self._values(current)
            changed = [
                f"{self.fields[name].label}：{seen.get(name) or '（空）'} → {now[name] or '（空）'}"
                for name in now
                if now[name] != seen.get(name)
            ]
            self.others_changes = changed
            raise forms.ValidationError(
                _(
                    "您打开页面后，该党员信息已被他人修改并保存，本次修改未保存。他人修改的内容：%(changes)s。请核对后重新填写。"
                )
                % {"changes": "；".join(changed) or _("办理了党员变动")}
            )
        return cleaned


class MemberFilterForm(forms.Form):
    """The member list's search, filters and sorting; every choice limited to the user's scope."""

    SORTS = {
        "name": ("name_pinyin", "id"),
        "-joined_on": ("-joined_on", "id"),
        "birth_date": ("birth_date", "id"),
        "-birth_date": ("-birth_date", "id"),
        "organization": ("organization__path", "name_pinyin", "id"),
    }

    q = forms.CharField(
        label=_("搜索"),
        required=False,
        widget=forms.SearchInput(
            attrs={
                "placeholder": _("姓名、拼音首字母（如 zwh）、身份证或手机号后几位"),
                "autocomplete": "off",
            }
        ),
    )
    org = forms.ModelChoiceField(
        label=_("所在组织"), queryset=Organization.objects.none(), required=False, widget=QuickSelect
    )
    category = forms.ChoiceField(label=_("人员类别"), choices=[("", _("全部"))] + Category.choices, required=False)
    management_type = forms.ChoiceField(
        label=_("管理方式"), choices=[("", _("全部"))] + ManagementType.choices, required=False
    )
    status = forms.ChoiceField(label=_("党员类别"), choices=[("", _("全部"))] + Status.choices, required=False)
    standing = forms.ChoiceField(
        label=_("在册状态"),
        required=False,
        choices=[("", _("在册")), ("all", _("全部（含已转出等）"))]
        + [c for c in Standing.choices if c[0] != Standing.ACTIVE],
    )
    attention = forms.ChoiceField(
        label=_("需关注"),
        required=False,
        choices=[("", _("全部"))] + [(key, item.label) for key, item in BY_KEY.items()],
    )
    sort = forms.ChoiceField(
        label=_("排序"),
        required=False,
        choices=[
            ("name", _("按姓名拼音")),
            ("organization", _("按所在组织")),
            ("-joined_on", _("按入党时间（近→远）")),
            ("birth_date", _("按年龄（大→小）")),
            ("-birth_date", _("按年龄（小→大）")),
        ],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        in_scope = organizations_for(user).exclude(kind=Organization.Kind.STREET)
        self.fields["org"].queryset = in_scope  # any organization in scope filters, e.g. from the tree page
        self.fields["org"].widget.choices = self._org_choices(in_scope)

    def _org_choices(self, in_scope):
        """Communities and branches to choose from; groups too unless the scope is a whole street."""
        kinds = [Organization.Kind.COMMUNITY, Organization.Kind.BRANCH]
        if in_scope.filter(kind=Organization.Kind.GROUP).count() <= GROUP_CHOICES_LIMIT:
            kinds.append(Organization.Kind.GROUP)
        chosen = self.data.get("org", "")
        offered = in_scope.existing().filter(Q(kind__in=kinds) | Q(pk=pk_or_none(chosen)))
        rows = offered.values_list("pk", "name", "depth")
        return [("", _("全部"))] + [(pk, "　" * max(depth - 2, 0) + name) for pk, name, depth in rows]

    def filter(self, members):
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("org"):
            members = members.under(data["org"])
        for name in ("category", "management_type", "status"):
            if data.get(name):
                members = members.filter(**{name: data[name]})
        standing = data.get("standing")
        if standing != "all":
            members = members.filter(standing=standing or Standing.ACTIVE)
        if data.get("attention"):
            members = BY_KEY[data["attention"]].apply(members)
        members = members.search(data.get("q", ""))
        return members.order_by(*self.SORTS[data.get("sort") or "name"])

    def describe(self):
        """The active filters in words (for the export's title and audit)."""
        data = self.cleaned_data if self.is_valid() else {}
        parts = []
        for name, field in self.fields.items():
            value = data.get(name)
            if not value or name == "sort":
                continue
            shown = value if name in ("q", "org") else dict(field.choices).get(value, value)
            parts.append(f"{field.label}：{shown}")
        return "；".join(parts) or str(_("全部在册党员"))
