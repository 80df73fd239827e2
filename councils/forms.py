import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from councils.models import (
    HELD_BY,
    Appraisal,
    AppraisalRound,
    Attendance,
    Decision,
    Meeting,
    MeetingKind,
    MonthlyTheme,
    check_upload,
)
from members.models import Member
from organizations.access import organizations_for
from organizations.models import Organization
from portal.forms import DateInput, QuickSelect

MEETING_ORG_KINDS = (Organization.Kind.COMMUNITY, Organization.Kind.BRANCH, Organization.Kind.GROUP)
# What a locked meeting's record may still change, with a reason (MinutesRevision keeps the text before).
REVISABLE = ("topics", "minutes", "decisions_text")
GUEST_CHOICES = 500  # a community's register; anyone else is typed in by name


def meeting_org_choices(user, kinds=MEETING_ORG_KINDS):
    """Open communities, branches and groups ``user`` may record meetings for, indented by depth."""
    orgs = organizations_for(user, write=True).existing().filter(kind__in=kinds)
    return [(org.pk, ("　" * max(org.depth - 2, 0)) + org.name) for org in orgs.only("pk", "name", "depth")]


class MeetingForm(forms.ModelForm):
    """A meeting's details. The organization and kind are chosen once, at creation; host, recorder and
    lecturer are picked from the meeting's own list (or typed in, for someone not on it)."""

    organization = forms.TypedChoiceField(label=_lazy("召开组织"), coerce=int, widget=QuickSelect)

    class Meta:
        model = Meeting
        fields = [
            "kind",
            "title",
            "planned_on",
            "held_on",
            "place",
            "theme",
            "topics",
            "host",
            "host_name",
            "recorder",
            "recorder_name",
            "lecturer",
            "lecturer_name",
            "minutes",
            "decisions_text",
        ]
        widgets = {
            "planned_on": DateInput(),
            "held_on": DateInput(),
            "topics": forms.Textarea(attrs={"rows": 3}),
            "minutes": forms.Textarea(attrs={"rows": 10}),
            "decisions_text": forms.Textarea(attrs={"rows": 4}),
        }

    field_order = ["organization", "kind"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        meeting = self.instance
        self.fields["theme"].queryset = MonthlyTheme.objects.none()
        self.fields["theme"].required = False
        if meeting.pk:
            # Fixed once the meeting exists: its frozen list was taken for them.
            del self.fields["organization"]
            del self.fields["kind"]
            people = Member.objects.filter(attendances__meeting=meeting).order_by("name_pinyin", "id")
            for role in ("host", "recorder", "lecturer"):
                self.fields[role].queryset = people
                self.fields[role].label_from_instance = lambda member: member.name
            # The street's themes of the two years around the meeting (a bounded list to choose from).
            day = meeting.date or timezone.localdate()
            self.fields["theme"].queryset = MonthlyTheme.objects.filter(
                organization__path=meeting.organization.street_path,
                month__range=(datetime.date(day.year - 1, 1, 1), datetime.date(day.year + 1, 12, 31)),
            ).order_by("-month")
            if meeting.kind != MeetingKind.LESSON:
                del self.fields["lecturer"], self.fields["lecturer_name"]
            if meeting.kind != MeetingKind.THEME_DAY:
                del self.fields["theme"]
            if meeting.is_locked:
                for name in list(self.fields):
                    if name not in REVISABLE:
                        del self.fields[name]
                self.fields["reason"] = forms.CharField(
                    label=_lazy("修改原因"),
                    max_length=500,
                    help_text=_lazy("会议记录已锁定：修改将连同原因、修改人和时间一并留存。"),
                )
        else:
            self.fields["organization"].choices = meeting_org_choices(user)
            if len(self.fields["organization"].choices) == 1:
                self.initial.setdefault("organization", self.fields["organization"].choices[0][0])
            # Who is there is chosen on the meeting's page, from its own list, once it exists.
            for name in ("host", "recorder", "lecturer", "theme", "minutes", "decisions_text"):
                del self.fields[name]
            self.fields["planned_on"].initial = timezone.localdate()
        if "held_on" in self.fields:
            self.fields["held_on"].widget.attrs["max"] = f"{timezone.localdate():%Y-%m-%d}"

    def clean(self):
        cleaned = super().clean()
        org = Organization.objects.filter(pk=cleaned.get("organization")).first()
        if "organization" in self.fields and org is not None:
            self.instance.organization = org
        return cleaned

    def save_revision(self):
        """Save a locked meeting's revisable texts with the reason (a MinutesRevision)."""
        meeting = self.instance
        values = {name: self.cleaned_data[name] for name in REVISABLE if name in self.cleaned_data}
        return meeting.revise(self.user, self.cleaned_data["reason"], **values)


class CommitteeForm(forms.Form):
    """Who is expected at a meeting whose attendees are chosen (a committee meeting)."""

    chosen = forms.TypedMultipleChoiceField(
        label=_lazy("应到人员"), coerce=int, widget=forms.CheckboxSelectMultiple, error_messages={"required": ""}
    )

    def __init__(self, *args, meeting, register, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.fields["chosen"].choices = [(member.pk, member.name) for member in register]
        self.fields["chosen"].error_messages["required"] = _("请选择应参加会议的人员（如支部委员）。")


class GuestForm(forms.Form):
    """A person marked present who is not on the frozen list: a guest (列席), said so explicitly."""

    member = forms.TypedChoiceField(label=_lazy("党员"), coerce=int, required=False, widget=QuickSelect)
    name = forms.CharField(label=_lazy("姓名（名册外人员）"), max_length=50, required=False)
    note = forms.CharField(label=_lazy("单位或身份"), max_length=100, required=False)
    guest = forms.BooleanField(label=_lazy("列席（不在应到名单上）"), required=False)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", _("— 名册外人员，请填写姓名 —"))] + [
            (member.pk, f"{member.name}（{member.organization.name}）") for member in candidates[:GUEST_CHOICES]
        ]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("member") and not (cleaned.get("name") or "").strip():
            self.add_error("name", _("请选择党员或填写姓名。"))
        return cleaned


class DecisionForm(forms.ModelForm):
    class Meta:
        model = Decision
        fields = ["text", "votes_for", "votes_against", "votes_abstain"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "votes_for": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "votes_against": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "votes_abstain": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
        }

    def __init__(self, *args, meeting, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.meeting = meeting
        self.instance.recorded_by = user


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_lazy("文件"),
        help_text=_lazy("照片或扫描的签到表：JPG、PNG、GIF、WEBP 图片或 PDF，不超过10 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp,application/pdf"}),
    )
    caption = forms.CharField(label=_lazy("说明"), max_length=200, required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            self.content_type, self.size = check_upload(upload)
        except ValidationError as error:
            raise ValidationError(error.message_dict["file"]) from None
        return upload


class MeetingFilterForm(forms.Form):
    """The meeting list's filters: organization subtree, kind, period (this year by default)."""

    org = forms.TypedChoiceField(label=_lazy("组织"), coerce=int, required=False, widget=QuickSelect)
    kind = forms.ChoiceField(label=_lazy("会议类型"), required=False)
    start = forms.DateField(label=_lazy("从"), required=False, widget=DateInput())
    end = forms.DateField(label=_lazy("至"), required=False, widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = organizations_for(user).filter(kind__in=(Organization.Kind.STREET, *MEETING_ORG_KINDS))
        self.fields["org"].choices = [
            (org.pk, ("　" * (org.depth - 1)) + org.name) for org in orgs.only("pk", "name", "depth")[:2000]
        ]
        self.fields["kind"].choices = [("", _("全部"))] + list(MeetingKind.choices)


class AppraisalRoundForm(forms.ModelForm):
    organization = forms.TypedChoiceField(label=_lazy("党支部"), coerce=int, widget=QuickSelect)

    class Meta:
        model = AppraisalRound
        fields = ["year"]

    field_order = ["organization", "year"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = meeting_org_choices(
            user, (Organization.Kind.BRANCH, Organization.Kind.COMMUNITY)
        )
        self.fields["year"].initial = timezone.localdate().year

    def clean(self):
        cleaned = super().clean()
        org = Organization.objects.filter(pk=cleaned.get("organization")).first()
        if org is not None:
            self.instance.organization = org
            year = cleaned.get("year")
            if year and AppraisalRound.objects.filter(organization=org, year=year).exists():
                self.add_error("year", _("%(org)s%(year)d年度的民主评议已经建立。") % {"org": org.name, "year": year})
            elif year:
                # The round's meeting is the year's appraisal meeting of the branch, if held.
                self.instance.meeting = (
                    Meeting.objects.filter(organization=org, kind=MeetingKind.APPRAISAL, held_on__year=year)
                    .order_by("-held_on")
                    .first()
                )
        return cleaned


class AppraisalRowsForm(forms.Form):
    """Every member of a round on one form: self-assessment, peer summary, grade. Saved together or
    not at all (a grade for a probationary member refuses the whole form)."""

    def __init__(self, *args, appraisals, **kwargs):
        super().__init__(*args, **kwargs)
        self.appraisals = appraisals
        grades = [("", _("—"))] + list(Appraisal.Grade.choices)
        for appraisal in appraisals:
            prefix = f"a{appraisal.pk}"
            name = appraisal.member.name
            self.fields[f"{prefix}-self"] = forms.CharField(
                label=_("%(name)s的个人自评") % {"name": name},
                required=False,
                initial=appraisal.self_assessment,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"{prefix}-peer"] = forms.CharField(
                label=_("%(name)s的互评情况") % {"name": name},
                required=False,
                initial=appraisal.peer_summary,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"{prefix}-grade"] = forms.ChoiceField(
                label=_("%(name)s的评定等次") % {"name": name},
                choices=grades,
                required=False,
                initial=appraisal.grade,
                help_text=_("预备党员参加评议，不评定等次。") if appraisal.probationary else "",
            )

    def rows(self):
        for appraisal in self.appraisals:
            prefix = f"a{appraisal.pk}"
            yield appraisal, self[f"{prefix}-self"], self[f"{prefix}-peer"], self[f"{prefix}-grade"]

    def clean(self):
        cleaned = super().clean()
        for appraisal in self.appraisals:
            prefix = f"a{appraisal.pk}"
            appraisal.self_assessment = cleaned.get(f"{prefix}-self", "")
            appraisal.peer_summary = cleaned.get(f"{prefix}-peer", "")
            appraisal.grade = cleaned.get(f"{prefix}-grade", "")
            try:
                appraisal.full_clean(exclude=["round", "member"])
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    target = f"{prefix}-{'grade' if field == 'grade' else 'self'}"
                    self.add_error(target, messages)
        return cleaned


def default_period(today=None):
    today = today or timezone.localdate()
    return datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)


def attendance_status(value):
    return value if value in Attendance.Status.values else None


def allowed_kinds(org_kind):
    return [kind for kind in MeetingKind if org_kind in HELD_BY[kind]]
