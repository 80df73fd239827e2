"""Forms of care visits, households and pairings.

Who was visited is a member of the register, chosen through the member search (name, pinyin or its
initials) among those the user may record for, or a household the register does not hold: one
already registered, or registered on the spot with the visit. Messages are Chinese and sit next to
the field; nothing is saved while one is shown.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from members.models import Member, Standing
from organizations.access import can_reveal_id, scoped
from organizations.models import Organization
from portal.forms import BoundedDates, DateInput, QuickSelect
from portal.identity import mask_phone, normalize_phone
from portal.params import pk_or_none
from services.forms import CHOICES_CAP, organizer_choices
from services.models import CareVisit, Household, Pairing
from services.visits import record_visit


def visit_members(user):
    """Members whose visits ``user`` may record: in their write scope, on the register or not (the
    family of a member who died is visited in the member's name)."""
    return scoped(Member.objects.all(), user, write=True)


def helper_members(user):
    """Members ``user`` may name as visitors or helpers: on the register, in their write scope."""
    return scoped(Member.objects.current(), user, write=True)


def writable_households(user):
    return scoped(Household.objects.all(), user, write=True)


def community_of(organization):
    return Organization.objects.filter(path=organization.community_path).first() or organization


def _same_community(one, other):
    return one.community_path == other.community_path


def _default_organization(choices, target_org):
    """The deepest choice above ``target_org`` (its branch, else its community), else the first."""
    if not choices:
        return None
    if target_org is not None:
        by_pk = dict(Organization.objects.filter(pk__in=[pk for pk, _label in choices]).values_list("pk", "path"))
        above = [pk for pk, path in by_pk.items() if target_org.path.startswith(path)]
        if above:
            return max(above, key=lambda pk: len(by_pk[pk]))
    return choices[0][0]


class PksField(forms.Field):
    """Ids posted as repeated hidden inputs (the people added through the search)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        pks = [pk_or_none(item) for item in value]
        if None in pks:
            raise ValidationError(_("人员有误，请重新添加。"))
        return pks


class VisitForm(BoundedDates, forms.ModelForm):
    """A care visit: whom, why, by whom, when, what was given, and the follow-up it asks for."""

    class Target:
        MEMBER = "member"
        HOUSEHOLD = "household"
        NEW_HOUSEHOLD = "new_household"

    TARGETS = [
        (Target.MEMBER, _lazy("党员")),
        (Target.HOUSEHOLD, _lazy("已登记的困难家庭")),
        (Target.NEW_HOUSEHOLD, _lazy("新登记困难家庭")),
    ]

    organization = forms.TypedChoiceField(label=_lazy("走访组织"), coerce=int, widget=QuickSelect)
    target = forms.ChoiceField(label=_lazy("走访对象"), choices=TARGETS, widget=forms.RadioSelect, initial="member")
    member = forms.IntegerField(label=_lazy("走访党员"), required=False, widget=forms.HiddenInput)
    household = forms.ModelChoiceField(
        label=_lazy("困难家庭"), queryset=Household.objects.none(), required=False, widget=QuickSelect
    )
    pairing = forms.ModelChoiceField(
        label=_lazy("结对帮扶"),
        queryset=Pairing.objects.none(),
        required=False,
        widget=QuickSelect,
        help_text=_lazy("结对党员走访结对家庭时选择，计入结对帮扶的联系记录。"),
    )
    household_name = forms.CharField(label=_lazy("户主姓名"), max_length=50, required=False)
    household_address = forms.CharField(label=_lazy("住址"), max_length=200, required=False)
    household_phone = forms.CharField(label=_lazy("联系电话"), max_length=20, required=False)
    household_kinds = forms.MultipleChoiceField(
        label=_lazy("困难类型"), choices=Household.Kind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    visitors = PksField(label=_lazy("走访人（党员）"), required=False)

    class Meta:
        model = CareVisit
        fields = [
            "reason",
            "visited_on",
            "visitor_names",
            "goods",
            "amount",
            "notes",
            "sensitive",
            "follow_up_needed",
            "follow_up_due",
        ]
        widgets = {
            "visited_on": DateInput(),
            "follow_up_due": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 4}),
            "amount": forms.NumberInput(attrs={"min": "0", "step": "0.01", "inputmode": "decimal"}),
        }
        help_texts = {"visitor_names": _lazy("不在党员名册中的走访人（如社区工作人员），用顿号分隔。")}

    def __init__(self, *args, user, preset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.new_household = None
        preset = preset or {}
        visit = self.instance
        choices = organizer_choices(user)
        if visit.pk and visit.organization_id not in {pk for pk, _label in choices}:
            choices = [(visit.organization_id, visit.organization.name), *choices]
        self.fields["organization"].choices = choices
        households = writable_households(user).select_related("organization").order_by("name", "id")
        self.fields["household"].queryset = households
        self.fields["household"].widget.choices = [("", _("请选择困难家庭"))] + [
            (h.pk, f"{h.name}（{h.address or h.organization.name}）") for h in households[:CHOICES_CAP]
        ]
        pairings = (
            scoped(Pairing.objects.current(), user, write=True)
            .select_related("member", "household")
            .order_by("household__name", "id")
        )
        if visit.pairing_id:
            pairings = pairings | Pairing.objects.filter(pk=visit.pairing_id)
        self.fields["pairing"].queryset = pairings
        self.fields["pairing"].widget.choices = [("", _("不是结对帮扶走访"))] + [
            (p.pk, f"{p.household.name} — {p.member.name}") for p in pairings[:CHOICES_CAP]
        ]
        self.fields["visited_on"].initial = datetime.date.today
        if visit.pk and not visit.notes_visible_to(user):
            # Sensitive notes this user may not read: neither shown nor changed (nor un-marked).
            del self.fields["notes"], self.fields["sensitive"]
        if visit.pk:
            self.initial.update(
                organization=visit.organization_id,
                target=self.Target.MEMBER if visit.member_id else self.Target.HOUSEHOLD,
                member=visit.member_id,
                household=visit.household_id,
                pairing=visit.pairing_id,
                visitors=[member.pk for member in visit.visitors.all()],
            )
        else:
            target_org = preset.pop("target_organization", None)
            self.initial.update({key: value for key, value in preset.items() if value is not None})
            self.initial.setdefault("organization", _default_organization(choices, target_org))

    # -- what the page shows of the chosen people -------------------------------------------------

    def chosen_member(self):
        pk = pk_or_none(self["member"].value())
        return visit_members(self.user).select_related("organization").filter(pk=pk).first() if pk else None

    def chosen_visitors(self):
        pks = [pk_or_none(value) for value in (self["visitors"].value() or [])]
        found = visit_members(self.user).select_related("organization").filter(pk__in=[pk for pk in pks if pk])
        return sorted(found, key=lambda member: member.name_pinyin)

    # -- checks ---------------------------------------------------------------------------------

    def clean_member(self):
        pk = self.cleaned_data.get("member")
        if self.data.get("target", self.Target.MEMBER) != self.Target.MEMBER or pk is None:
            return None
        member = visit_members(self.user).select_related("organization").filter(pk=pk).first()
        if member is None:
            raise ValidationError(_("所选党员不在您管理的范围内，请重新搜索选择。"))
        return member

    def clean_visitors(self):
        pks = list(dict.fromkeys(self.cleaned_data.get("visitors") or []))
        before = set(self.instance.visitors.values_list("pk", flat=True)) if self.instance.pk else set()
        found = {member.pk: member for member in visit_members(self.user).filter(pk__in=pks)}
        for pk in pks:
            member = found.get(pk)
            if member is None or (member.standing != Standing.ACTIVE and pk not in before):
                raise ValidationError(_("走访人中有不在您管理范围内或已不在册的党员，请重新添加。"))
        return [found[pk] for pk in pks]

    def clean(self):
        cleaned = super().clean()
        visit = self.instance
        org = Organization.objects.filter(pk=cleaned.get("organization")).first()
        if org is not None:
            visit.organization = org
        target = cleaned.get("target")
        visit.member = visit.household = None
        if target == self.Target.MEMBER:
            member = cleaned.get("member")
            if member is None and "member" not in self.errors:
                self.add_error("member", _("请输入姓名或拼音首字母搜索，选择走访的党员。"))
            elif member is not None:
                visit.member = member
                if org is not None and not _same_community(member.organization, org):
                    self.add_error("member", _("该党员不在所选走访组织的社区。"))
        elif target == self.Target.HOUSEHOLD:
            household = cleaned.get("household")
            if household is None and "household" not in self.errors:
                self.add_error("household", _("请选择困难家庭；名单中没有的，请选“新登记困难家庭”。"))
            elif household is not None:
                visit.household = household
                if org is not None and not _same_community(household.organization, org):
                    self.add_error("household", _("该困难家庭不在所选走访组织的社区。"))
        elif target == self.Target.NEW_HOUSEHOLD and org is not None:
            self._clean_new_household(org, cleaned)
        pairing = cleaned.get("pairing")
        visit.pairing = pairing
        if pairing is not None:
            if target == self.Target.HOUSEHOLD and visit.household is None and "household" in self.errors:
                self.errors.pop("household")  # the pairing says which household
                visit.household = pairing.household
            if target != self.Target.HOUSEHOLD or visit.household != pairing.household:
                self.add_error("pairing", _("结对帮扶走访的对象应为该结对的困难家庭。"))
        return cleaned

    def _clean_new_household(self, org, cleaned):
        household = Household(
            organization=org,
            name=cleaned.get("household_name", ""),
            address=cleaned.get("household_address", ""),
            phone=normalize_phone(cleaned.get("household_phone", "")),
            kinds=cleaned.get("household_kinds") or [],
        )
        try:
            household.full_clean(exclude=["name", "kinds"])  # the model's clean() says what is missing
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                name = f"household_{field}"
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.new_household = household
            self.instance.household = household

    def _post_clean(self):
        before = {name: errors.copy() for name, errors in self.errors.items()}
        super()._post_clean()  # the model's own checks, their messages next to the fields
        for name, errors in before.items():  # a field that had a message keeps that one
            self.errors[name] = errors
        if self.cleaned_data.get("target") != self.Target.MEMBER and "member" in self.errors:
            messages = self.errors.pop("member")
            if not any(name in self.errors for name in ("household", "household_name", "pairing")):
                name = "household" if self.cleaned_data.get("target") == self.Target.HOUSEHOLD else "household_name"
                self.add_error(name, messages)

    def save(self, commit=True):
        with transaction.atomic():
            if self.new_household is not None:
                self.new_household.save()
                self.instance.household = self.new_household
            if self.instance.created_by_id is None and self.instance.pk is None:
                self.instance.created_by = self.user
            return record_visit(self.instance, self.cleaned_data.get("visitors") or [])


class HouseholdForm(BoundedDates, forms.ModelForm):
    organization = forms.TypedChoiceField(label=_lazy("所在社区（组织）"), coerce=int, widget=QuickSelect)
    kinds = forms.MultipleChoiceField(
        label=_lazy("困难类型"), choices=Household.Kind.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Household
        fields = ["name", "address", "phone", "kinds", "notes", "closed_on"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3}), "closed_on": DateInput()}

    field_order = ["name", "organization", "address", "phone", "kinds", "notes", "closed_on"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        household = self.instance
        choices = organizer_choices(user)
        self.fields["organization"].choices = choices
        self.fields["phone"].widget.attrs["inputmode"] = "tel"
        if household.pk:
            self.initial["organization"] = household.organization_id
            self.fields["organization"].disabled = True  # its visits and pairings are scoped by it
            self.full_phone = can_reveal_id(user, household.organization)
            if not self.full_phone:
                # Shown masked, as a member's phone is to this role; kept unless a new one is typed.
                self.initial["phone"] = mask_phone(household.phone)
                self.fields["phone"].help_text = _("如需更改，请输入新的完整号码。")
        else:
            del self.fields["closed_on"]
            if choices:
                self.initial.setdefault("organization", choices[0][0])

    def clean_phone(self):
        phone = (self.cleaned_data.get("phone") or "").strip()
        if self.instance.pk and phone and phone == self.initial.get("phone") and "*" in phone:
            return self.instance.phone
        return normalize_phone(phone)

    def clean(self):
        cleaned = super().clean()
        org = Organization.objects.filter(pk=cleaned.get("organization")).first()
        if org is not None and self.instance.pk is None:
            self.instance.organization = org
        return cleaned


class PairingForm(BoundedDates, forms.ModelForm):
    """A member paired with a household: the helper chosen by the member search."""

    member = forms.IntegerField(label=_lazy("帮扶党员"), required=False, widget=forms.HiddenInput)
    household = forms.ModelChoiceField(label=_lazy("帮扶对象"), queryset=Household.objects.none(), widget=QuickSelect)

    class Meta:
        model = Pairing
        fields = ["started_on", "frequency_days", "ended_on", "end_reason"]
        widgets = {
            "started_on": DateInput(),
            "ended_on": DateInput(),
            "frequency_days": forms.NumberInput(attrs={"min": "1", "max": "366", "inputmode": "numeric"}),
        }

    field_order = ["household", "member", "started_on", "frequency_days", "ended_on", "end_reason"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        pairing = self.instance
        households = writable_households(user).filter(closed_on__isnull=True).select_related("organization")
        if pairing.pk:
            households = households | Household.objects.filter(pk=pairing.household_id)
            self.initial.update(member=pairing.member_id, household=pairing.household_id)
        else:
            del self.fields["ended_on"], self.fields["end_reason"]
        households = households.order_by("name", "id")
        self.fields["household"].queryset = households
        self.fields["household"].widget.choices = [("", _("请选择困难家庭"))] + [
            (h.pk, f"{h.name}（{h.get_kinds_display()}）") for h in households[:CHOICES_CAP]
        ]

    def chosen_member(self):
        pk = pk_or_none(self["member"].value())
        return visit_members(self.user).select_related("organization").filter(pk=pk).first() if pk else None

    def clean_member(self):
        pk = self.cleaned_data.get("member")
        if pk is None:
            raise ValidationError(_("请输入姓名或拼音首字母搜索，选择帮扶党员。"))
        members = visit_members(self.user) if self.instance.pk and pk == self.instance.member_id else None
        member = (members or helper_members(self.user)).select_related("organization").filter(pk=pk).first()
        if member is None:
            raise ValidationError(_("所选党员不在您管理的范围内或已不在册，请重新搜索选择。"))
        return member

    def clean(self):
        cleaned = super().clean()
        member, household = cleaned.get("member"), cleaned.get("household")
        if member is not None:
            self.instance.member = member
        if household is not None:
            self.instance.household = household
        if member is not None and household is not None:
            if not _same_community(member.organization, household.organization):
                self.add_error("member", _("帮扶党员与困难家庭不在同一社区。"))
        return cleaned


class EndPairingForm(BoundedDates, forms.ModelForm):
    class Meta:
        model = Pairing
        fields = ["ended_on", "end_reason"]
        widgets = {"ended_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ended_on"].required = True
        self.fields["ended_on"].initial = datetime.date.today
        self.fields["ended_on"].error_messages["required"] = _("请填写结束日期。")
