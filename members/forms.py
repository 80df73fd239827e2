import datetime

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce, TruncMonth
from django.urls import reverse_lazy
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from members import disclosure
from members.attention import BY_KEY
from members.changes import ARRIVALS, CONFLICT_CODES, REQUIRED_FIELDS, apply_change, register_member
from members.models import Category, ManagementType, Member, MemberChange, Standing, Status
from organizations.access import organizations_for
from organizations.forms import OrganizationPicker
from organizations.models import Organization
from portal.forms import DateInput, QuickSelect, add_domain_errors, errors_of_dry_run
from portal.models import AuditEntry
from portal.params import pk_or_none

K = MemberChange.Kind
PICKER = "picker"
GROUP_CHOICES_LIMIT = 200  # a community has a few dozen groups; a whole street, hundreds
ORG_CHOICES_LIMIT = 300  # what a select can offer on a phone; a street has about a hundred branches
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
    K.PROBATION_CANCELLED: ["effective_date", "note"],
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
    (K.PROBATION_CANCELLED, "note"): _("原因和支部大会决议"),
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
        # What the change itself requires is asked as a required field: marked, and reported in
        # the same submit as every other missing field.
        for name, message in REQUIRED_FIELDS.get(kind, {}).items():
            if name in self.fields:
                self.fields[name].required = True
                self.fields[name].error_messages["required"] = message
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
    # The member's version when the form was first shown: a change by someone else since refuses
    # this one, because what the user saw (and the summary step described) is no longer true.
    # Every page sends it; a post without it (a script) is still checked against the current state.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    conflict = False  # refused because someone else changed the member meanwhile

    def __init__(self, *args, member, kind, user, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.member, self.request = member, request
        self.fields["version"].initial = member.version
        place = None if kind == K.MOVE else member.organization
        self.setup_change_fields(kind, user, place=place)

    def built_on_older_version(self):
        """Whether the posted form was shown before the member's latest change (the save will refuse it)."""
        posted = self.data.get("version") if self.is_bound else None
        return bool(posted) and posted != str(self.member.version)

    def clean(self):
        cleaned = super().clean()
        # The change's own rules run even when a field is missing, so that every problem is
        # reported in one submit (a missing value never adds a second message to its field).
        error = errors_of_dry_run(self._apply)
        if error:
            self._refuse(error)
        return cleaned

    def save(self):
        """The saved change, or None with the reason on the form (someone else's change won meanwhile)."""
        try:
            return self._apply()
        except ValidationError as error:
            self._refuse(error)
            return None

    def _apply(self):
        return apply_change(self.build_change(self.member), self.request, self.cleaned_data.get("version"))

    def _refuse(self, error):
        self.conflict = getattr(error, "code", None) in CONFLICT_CODES
        add_domain_errors(self, error, renames={"organization": "branch"})


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
        self.request, self.user = request, user
        kind = self.data.get("arrival") or self.initial.get("arrival") or K.REGISTRATION
        self.fields["arrival"].initial = kind
        keep_category = self.fields["category"]
        self.setup_change_fields(kind if kind in ARRIVALS else K.REGISTRATION, user)
        self.fields["category"] = keep_category  # the member's category, asked once
        keep_category.required = True
        self.fields["id_number"].widget.attrs.update(
            {
                "hx-post": reverse_lazy("members:check_id"),
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
        if self.errors:
            self._check_record_alone()
        else:
            error = errors_of_dry_run(self._register)
            if error:
                add_domain_errors(self, error, renames={"organization": "branch", "kind": "arrival"})
        return cleaned

    def _check_record_alone(self):
        """The record's own checks (ID number, birth date and gender against it, phone, dates), so
        that they are reported together with the missing fields, not one submit later."""
        member = self._new_record()
        try:
            member.clean()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                if name in self.fields and name not in self.errors:
                    self.add_error(name, messages)

    def _new_record(self):
        member = Member(**{name: self.cleaned_data.get(name) for name in self._meta.fields})
        member.checked_by = self.user  # a duplicate ID number is named only within the user's scope
        return member

    def _register(self):
        member = self._new_record()
        change = self.build_change()
        change.category = member.category
        return register_member(member, change, self.request)

    def save(self, commit=True):
        """The arrival entry of the new record, or None with the reason on the form (e.g. the ID
        number was registered by someone else a moment ago)."""
        try:
            return self._register()
        except ValidationError as error:
            add_domain_errors(self, error, renames={"organization": "branch", "kind": "arrival"})
            return None


class StaleEdit(Exception):
    """Another save reached the member first; the form now carries the refusal and what they changed."""


def detail_fields(user, member, reveal_id=False):
    """The personal details ``user`` edits of ``member``: the ID number only after an audited reveal,
    the birth date (it follows the ID number) only with the reveal right (members/disclosure.py)."""
    full = disclosure.may_see_full(user, member)
    hidden = set() if full and reveal_id else {"id_number"}
    if not full:
        hidden.add("birth_date")
    return [name for name in Member.DETAIL_FIELDS if name not in hidden]


def _digest(value):
    # Keyed with the secret key: a plain hash of a phone with seven digits shown is undone in 10,000 tries.
    return salted_hmac("members.forms.snapshot", str(value or "")).hexdigest()[:16]


class MemberDetailsForm(forms.ModelForm):
    """Edit personal details; refuses to overwrite what someone else saved meanwhile.

    What the form shows follows the disclosure rule: no ID number unless revealed (``reveal_id``,
    audited by the view), and for a role without the reveal right no birth date and the phone masked,
    kept as stored unless a new number is typed."""

    snapshot = forms.CharField(widget=forms.HiddenInput)
    others_changes = None  # when refused: what the other person changed, one line per field

    class Meta:
        model = Member
        fields = list(Member.DETAIL_FIELDS)
        widgets = {name: DateInput() for name in ("birth_date", "joined_on", "last_contact_on")} | {
            "notes": forms.Textarea(attrs={"rows": 3})
        }

    def __init__(self, *args, user, reveal_id=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.instance.checked_by = user  # a duplicate ID number is named only within the user's scope
        self.shown = disclosure.disclose(self.instance, user, reveal_id=reveal_id)
        self.revealed = self.shown.full and reveal_id
        allowed = detail_fields(user, self.instance, reveal_id)
        for name in [name for name in self.fields if name in Member.DETAIL_FIELDS and name not in allowed]:
            del self.fields[name]
        if not self.shown.full and "phone" in self.fields:
            self.initial["phone"] = self.shown.phone
            self.fields["phone"].help_text = _("只显示部分号码；如需更改，请填写新的完整号码。")
        self.fields["snapshot"].initial = signing.dumps({"version": self.instance.version, "seen": self._seen()})

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        return self.instance.phone if not self.shown.full and phone == self.shown.phone else phone

    def save_audited(self, actor):
        """Save, and audit each changed detail with its value before and after (``actor``: request or user).

        The write only happens if the record is still at the version the form was built on, so
        of two edits sent at the same moment one is refused (``StaleEdit``) instead of lost.
        """
        member = self.instance
        editable = [name for name in self.fields if name in Member.DETAIL_FIELDS]
        with transaction.atomic():
            if not member.save_if_unchanged(editable, self.version):
                self.add_error(None, self._refusal(Member.objects.get(pk=member.pk)))
                raise StaleEdit
            self._audit(member, actor)
        return member

    def _audit(self, member, actor):
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

    def _seen(self, member=None):
        """{detail: [as this form shows it, keyed digest]}: the snapshot travels through the page,
        signed but readable, so it carries nothing the page does not show."""
        member = member or self.instance
        shown = disclosure.disclose(member, self.user, reveal_id=self.revealed)
        texts = {"id_number": shown.id_number, "birth_date": shown.birth_date, "phone": shown.phone}
        return {
            name: [texts.get(name, str(getattr(member, name) or "")), _digest(getattr(member, name))]
            for name in Member.DETAIL_FIELDS
        }

    def clean(self):
        cleaned = super().clean()
        try:
            snapshot = signing.loads(self.data.get("snapshot", ""))
            self.version, self.seen = snapshot["version"], snapshot["seen"]
        except (signing.BadSignature, KeyError, TypeError):
            raise forms.ValidationError(_("页面已失效，请重新打开后再保存。")) from None
        current = Member.objects.get(pk=self.instance.pk)
        if self.version != current.version:
            raise self._refusal(current)  # early and friendly; save_audited is what guarantees it
        return cleaned

    def _refusal(self, current):
        """The error saying what changed between the version the form was built on and ``current``."""
        self.others_changes = self._changes_since(self.seen, self._seen(current))
        return forms.ValidationError(
            _(
                "您打开页面后，该党员信息已被他人修改并保存，本次修改未保存。他人修改的内容：%(changes)s。请核对后重新填写。"
            )
            % {"changes": "；".join(self.others_changes) or _("办理了党员变动")}
        )

    def _changes_since(self, seen, now):
        changed = []
        for name, (text, digest) in now.items():
            before, before_digest = seen.get(name, ["", ""])
            if digest != before_digest:
                label = Member._meta.get_field(name).verbose_name
                shown = f"{before or '（空）'} → {text or '（空）'}" if before != text else _("已修改")
                changed.append(f"{label}：{shown}")
        return changed


def _sorted_after(key):
    """The same order through an expression no index serves, for a search: the database then finds
    the matches by the search's own indexes and sorts them, instead of walking an index of the whole
    register in order until a page of matches turns up (at ten times the district, 163,000 members
    read to find fifty "wang" — they are all together near the end of the pinyin order)."""
    if isinstance(key, str) and key != "id":
        return Coalesce(F(key), F(key))
    if isinstance(key, OrderBy) and isinstance(key.expression, F):
        expression = Coalesce(key.expression, key.expression)
        return OrderBy(expression, descending=key.descending, nulls_first=key.nulls_first, nulls_last=key.nulls_last)
    return key


class MemberFilterForm(forms.Form):
    """The member list's search, filters and sorting; every choice limited to the user's scope."""

    org_choices_follow_community = False  # True: the organization choices change with the one chosen

    SORTS = {
        "name": ("name_pinyin", "id"),
        "-joined_on": (F("joined_on").desc(nulls_last=True), "id"),  # members without a date last
        # By month only: an order by day would tell who of a month's members is older.
        "birth_date": (TruncMonth("birth_date"), "name_pinyin", "id"),
        "-birth_date": (TruncMonth("birth_date").desc(), "name_pinyin", "id"),
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
        label=_("所在组织"),
        queryset=Organization.objects.none(),
        required=False,
        widget=QuickSelect,
        error_messages={"invalid_choice": _("该组织不在您的范围内，已忽略此条件。")},
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
        self.user = user
        if not disclosure.finds_tails(user):
            self.fields["q"].widget.attrs["placeholder"] = _("姓名、拼音首字母（如 zwh）、完整的身份证号或手机号")
        in_scope = organizations_for(user)
        # Any organization in scope filters, the street too (the street staff's home page links
        # to it); the list to choose from leaves the street out: "全部" is the same thing.
        self.fields["org"].queryset = in_scope
        self.fields["org"].widget.choices = self._org_choices(in_scope.exclude(kind=Organization.Kind.STREET))
        for name in ("category", "management_type", "status", "standing", "attention", "sort"):
            self.fields[name].error_messages["invalid_choice"] = _("“%(value)s”不是可选的值，已忽略此条件。")

    def _org_choices(self, in_scope):
        """Communities and branches to choose from; groups too unless the scope is a whole street.
        Where that is more than a select can offer (a district has thousands of branches), the
        communities, and the branches and groups of the community chosen."""
        kinds = [Organization.Kind.COMMUNITY, Organization.Kind.BRANCH]
        if in_scope.filter(kind=Organization.Kind.GROUP)[: GROUP_CHOICES_LIMIT + 1].count() <= GROUP_CHOICES_LIMIT:
            kinds.append(Organization.Kind.GROUP)
        existing = in_scope.existing()
        chosen = existing.filter(pk=pk_or_none(self.data.get("org", ""))).first()
        offered = existing.filter(kind__in=kinds)
        if offered[: ORG_CHOICES_LIMIT + 1].count() > ORG_CHOICES_LIMIT:
            self.org_choices_follow_community = True
            within = Q(kind=Organization.Kind.COMMUNITY)
            if chosen is not None and chosen.depth >= 2:  # the chosen community's branches and groups
                within |= Q(path__startswith=chosen.path[: 2 * Organization.steplen], kind__in=kinds)
            offered = existing.filter(within)
        if chosen is not None:
            offered |= existing.filter(pk=chosen.pk)
        rows = offered.values_list("pk", "name", "depth")
        return [("", _("全部"))] + [(pk, "　" * max(depth - 2, 0) + name) for pk, name, depth in rows]

    def valid_data(self):
        """The values that are valid: a bad one drops its own condition (and says so beside it),
        never the others."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def filter(self, members):
        data = self.valid_data()
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
        order = self.SORTS[data.get("sort") or "name"]
        if data.get("q"):
            members, order = disclosure.search(members, data["q"], self.user), [_sorted_after(key) for key in order]
        return members.order_by(*order)

    def term(self):
        return self.valid_data().get("q", "")

    def describe(self):
        """The active filters in words (for the export's title and audit)."""
        data = self.valid_data()
        parts = []
        for name, field in self.fields.items():
            value = data.get(name)
            if not value or name == "sort":
                continue
            shown = value if name in ("q", "org") else dict(field.choices).get(value, value)
            parts.append(f"{field.label}：{shown}")
        return "；".join(parts) or str(_("全部在册党员"))
