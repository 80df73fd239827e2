"""Forms of the in-service pages: a registration, its end, the yearly target, a feedback letter."""

import datetime

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from members.models import Member
from organizations.access import holds_role, organizations_for, scoped
from organizations.models import Organization, Role
from portal.forms import BoundedDates, DateInput, DomainErrorsOnFields, QuickSelect, add_domain_errors
from portal.params import pk_or_none
from services.models import InServiceRegistration, ServiceTarget

STREET_STAFF = (Role.Kind.STREET_STAFF,)


def community_choices(user):
    """Communities ``user`` may register in-service members with (open ones)."""
    communities = organizations_for(user, write=True).existing().filter(kind=Organization.Kind.COMMUNITY)
    return [(org.pk, org.name) for org in communities.only("pk", "name")]


def target_organizations(user):
    """The street committees whose targets ``user`` may set: their street staff (and a superuser)."""
    streets = Organization.objects.filter(kind=Organization.Kind.STREET).existing()
    return [org for org in streets if holds_role(user, org, STREET_STAFF)]


def candidates(user):
    """Members ``user`` may register: those on the register within their scope."""
    return scoped(Member.objects.current(), user, write=True)


class PostsField(forms.TypedMultipleChoiceField):
    """The posts claimed (a JSON list on the model), ticked from the model's list."""

    def __init__(self, **kwargs):
        super().__init__(
            choices=InServiceRegistration.Post.choices,
            widget=forms.CheckboxSelectMultiple,
            required=False,
            label=_lazy("认领岗位"),
            **kwargs,
        )


class RegistrationForm(BoundedDates, DomainErrorsOnFields, forms.ModelForm):
    """A new registration (member and community chosen) or an existing one's details."""

    # An ended registration's details are edited without its end: a day registered after it is
    # the day's fault.
    model_error_fields = {"ended_on": "registered_on"}

    member = forms.CharField(label=_lazy("党员"), required=False)  # picked from the search results (radios)
    organization = forms.TypedChoiceField(
        label=_lazy("报到社区"),
        coerce=int,
        widget=QuickSelect,
        error_messages={"invalid_choice": _lazy("请选择报到社区。"), "required": _lazy("请选择报到社区。")},
    )
    posts = PostsField()

    class Meta:
        model = InServiceRegistration
        fields = ["registered_on", "employer", "employer_party_organization", "posts"]
        widgets = {"registered_on": DateInput()}

    field_order = ["member", "organization", "registered_on", "employer", "employer_party_organization", "posts"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk:  # who registered where stays as it is: a wrong one is ended, not moved
            del self.fields["member"], self.fields["organization"]
            return
        self.fields["organization"].choices = community_choices(user)
        if len(self.fields["organization"].choices) == 1:
            self.initial.setdefault("organization", self.fields["organization"].choices[0][0])
        self.fields["employer"].help_text = _("不填则取党员档案中的工作单位。")

    def chosen_member(self):
        """The member picked (to show it again, still picked), if it is one the user may register."""
        pk = pk_or_none(self["member"].value()) if "member" in self.fields else None
        return candidates(self.user).select_related("organization").filter(pk=pk).first() if pk else None

    def clean_member(self):
        text = self.cleaned_data.get("member")
        pk = pk_or_none(text)
        member = candidates(self.user).filter(pk=pk).first() if pk else None
        if member is None:
            raise forms.ValidationError(
                _("请选择党员（只能选择您管理范围内的在册党员）。") if text else _("请先查找并选择党员。")
            )
        return member

    def clean_organization(self):
        return Organization.objects.get(pk=self.cleaned_data["organization"])  # one of the choices

    def clean(self):
        cleaned = super().clean()
        registration = self.instance
        if not registration.pk:
            if cleaned.get("member"):
                registration.member = cleaned["member"]
                if not (cleaned.get("employer") or "").strip():
                    cleaned["employer"] = registration.member.employer
            if cleaned.get("organization"):
                registration.organization = cleaned["organization"]
            registration.created_by = self.user
        return cleaned


class EndRegistrationForm(BoundedDates, forms.Form):
    ended_on = forms.DateField(label=_lazy("结束日期"), widget=DateInput(), initial=datetime.date.today)
    end_reason = forms.CharField(
        label=_lazy("结束原因"), max_length=200, help_text=_lazy("如：工作调动、搬离本社区、退休转入社区管理。")
    )

    def __init__(self, *args, registration, **kwargs):
        super().__init__(*args, **kwargs)
        self.registration = registration

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        registration = self.registration
        registration.ended_on, registration.end_reason = cleaned["ended_on"], cleaned["end_reason"].strip()
        if registration.ended_on > datetime.date.today():
            self.add_error("ended_on", _("结束日期不能晚于今天。"))
            return cleaned
        try:
            registration.full_clean()
        except forms.ValidationError as error:
            add_domain_errors(self, error)
        return cleaned


class TargetForm(forms.ModelForm):
    organization = forms.TypedChoiceField(
        label=_lazy("适用组织"),
        coerce=int,
        widget=QuickSelect,
        error_messages={"invalid_choice": _lazy("只有街道工作人员可以为本街道设定目标。")},
    )

    class Meta:
        model = ServiceTarget
        fields = ["effective_year", "hours_target", "activities_target"]
        widgets = {
            "effective_year": forms.NumberInput(attrs={"min": "2000", "max": "2100", "inputmode": "numeric"}),
            "hours_target": forms.NumberInput(attrs={"step": "0.5", "min": "0", "inputmode": "decimal"}),
            "activities_target": forms.NumberInput(attrs={"min": "0", "inputmode": "numeric"}),
        }
        help_texts = {
            "effective_year": _lazy("自该年度起执行，直到设定了更晚年度起的目标。"),
            "hours_target": _lazy("每名在职党员每年在社区服务的小时数；可只填时长或只填次数。"),
        }

    field_order = ["organization", "effective_year", "hours_target", "activities_target"]

    def __init__(self, *args, user, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["organization"].choices = [(org.pk, org.name) for org in organizations]
        if self.instance.pk:
            self.initial["organization"] = self.instance.organization_id
            self.fields["organization"].disabled = True
            self.fields["effective_year"].disabled = True  # a later year is a new target
        else:
            self.initial.setdefault("effective_year", datetime.date.today().year + 1)
            if len(organizations) == 1:
                self.initial.setdefault("organization", organizations[0].pk)

    def clean(self):
        cleaned = super().clean()
        target = self.instance
        if cleaned.get("organization") and not target.pk:
            target.organization = Organization.objects.get(pk=cleaned["organization"])
        year = cleaned.get("effective_year")
        if target.organization_id and year and not target.pk:
            same = ServiceTarget.objects.filter(organization_id=target.organization_id, effective_year=year)
            existing = same.select_related("set_by").first()
            if existing is not None:
                self.add_error(
                    "effective_year",
                    _("%(org)s%(year)s年起的目标已设定（%(who)s），如需调整请修改该条目标。")
                    % {"org": target.organization.name, "year": year, "who": _setter(existing)},
                )
        target.set_by = self.user
        return cleaned

    def validate_unique(self):
        """The form says it (above) in words, next to the year."""


def _setter(target):
    user = target.set_by
    return (user.get_full_name() or user.get_username()) if user else _("系统")


class LetterForm(forms.Form):
    year = forms.TypedChoiceField(
        label=_lazy("年度"), coerce=int, error_messages={"invalid_choice": _lazy("请选择报到期间的年度。")}
    )
    assessment = forms.CharField(
        label=_lazy("社区评价"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_lazy("已按本年度服务记录拟好初稿，请据实修改。"),
        error_messages={"required": _lazy("请填写社区评价。")},
    )

    def __init__(self, *args, registration, **kwargs):
        super().__init__(*args, **kwargs)
        today = datetime.date.today()
        last = today.year if registration.ended_on is None else min(today.year, registration.ended_on.year)
        years = range(last, registration.registered_on.year - 1, -1)
        self.fields["year"].choices = [(year, _("%(year)s年") % {"year": year}) for year in years]
