"""Forms of the Party-member council: councils and their seats, an item's steps, a council meeting's
agenda and outcomes, the residents' verdict, implementation, moderation, and the public comment form.

The forms gather what a step needs; the rules (order, gates, dates) are the model's
(``AgendaItem.advance`` and friends), whose refusals the views put next to the fields."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from councils.models import (
    AgendaEntry,
    AgendaItem,
    Comment,
    ConsultationOutcome,
    Council,
    CouncilMember,
    ImplementationTask,
    Meeting,
    ProgressNote,
    ProgressPhoto,
    Step,
)
from members.models import Member
from organizations.access import organizations_for, scoped
from organizations.models import Organization
from portal.forms import DateInput, QuickSelect
from portal.identity import validate_phone
from services.models import CareVisit, ResidentUnit

CHOICES_LIMIT = 500  # a community's register or a bounded recent list; anyone else is typed in
RECENT_LIMIT = 200


def _today():
    return timezone.localdate()


def community_choices(user, write=True):
    """Open communities ``user`` may work on (or see)."""
    orgs = organizations_for(user, write=write).existing().filter(kind=Organization.Kind.COMMUNITY)
    return [(org.pk, org.name) for org in orgs.only("pk", "name")[:2000]]


def register_choices(community, user):
    """Members now on the register of ``community`` that ``user`` may see, by pinyin."""
    members = (
        scoped(Member.objects.current(), user)
        .under(community)
        .select_related("organization")
        .order_by("name_pinyin", "id")[:CHOICES_LIMIT]
    )
    return [(member.pk, f"{member.name}（{member.organization.name}）") for member in members]


def unit_choices(community):
    return [(unit.pk, unit.name) for unit in ResidentUnit.objects.filter(organization=community).order_by("name")]


class _CommunityForm(forms.ModelForm):
    """A form whose object belongs to a community chosen among those the user may write."""

    organization = forms.TypedChoiceField(label=_lazy("社区党组织"), coerce=int, widget=QuickSelect)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["organization"].choices = community_choices(user)
        if len(self.fields["organization"].choices) == 1:
            self.initial.setdefault("organization", self.fields["organization"].choices[0][0])

    def clean(self):
        cleaned = super().clean()
        org = Organization.objects.filter(pk=cleaned.get("organization")).first()
        if org is not None:
            self.instance.organization = org
        return cleaned


class CouncilForm(_CommunityForm):
    class Meta:
        model = Council
        fields = ["kind", "name", "established_on", "note"]
        widgets = {"established_on": DateInput()}

    field_order = ["organization", "kind", "name"]


class SeatForm(forms.ModelForm):
    """A seat: a member of the community's register, or a resident unit and its representative."""

    member = forms.TypedChoiceField(
        label=_lazy("党员"), coerce=int, required=False, empty_value=None, widget=QuickSelect
    )
    unit = forms.TypedChoiceField(
        label=_lazy("或：驻区单位"), coerce=int, required=False, empty_value=None, widget=QuickSelect
    )

    class Meta:
        model = CouncilMember
        fields = ["name", "role", "constituency", "joined_on"]
        widgets = {"joined_on": DateInput()}

    field_order = ["member", "unit", "name", "role", "constituency", "joined_on"]

    def __init__(self, *args, council, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.council = council
        community = council.organization
        self.fields["member"].choices = [("", _("— 驻区单位代表，请选择单位 —"))] + register_choices(community, user)
        self.fields["unit"].choices = [("", _("— 不是驻区单位代表 —"))] + unit_choices(community)
        self.initial["joined_on"] = self.initial.get("joined_on") or _today()

    def clean(self):
        cleaned = super().clean()
        self.instance.member = Member.objects.filter(pk=cleaned.get("member")).first()
        self.instance.unit = ResidentUnit.objects.filter(pk=cleaned.get("unit")).first()
        return cleaned


class SeatLeaveForm(forms.Form):
    left_on = forms.DateField(label=_lazy("退出日期"), widget=DateInput())
    left_reason = forms.CharField(label=_lazy("退出原因"), max_length=200)


class CouncilMeetingForm(forms.ModelForm):
    """A meeting of a council: its list is taken from the council's seats on the day."""

    class Meta:
        model = Meeting
        fields = ["title", "planned_on", "held_on", "place", "topics"]
        widgets = {
            "planned_on": DateInput(),
            "held_on": DateInput(),
            "topics": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_on"].widget.attrs["max"] = f"{_today():%Y-%m-%d}"


class RaiseForm(_CommunityForm):
    """确立: the problem residents raised, where it came from (and the visit or meeting, if any)."""

    care_visit = forms.TypedChoiceField(
        label=_lazy("来源走访"), coerce=int, required=False, empty_value=None, widget=QuickSelect
    )
    source_meeting = forms.TypedChoiceField(
        label=_lazy("来源会议"), coerce=int, required=False, empty_value=None, widget=QuickSelect
    )

    class Meta:
        model = AgendaItem
        fields = ["title", "problem", "source", "source_detail", "raised_on"]
        widgets = {"raised_on": DateInput(), "problem": forms.Textarea(attrs={"rows": 4})}

    field_order = ["organization", "title", "problem", "source", "source_detail", "care_visit", "source_meeting"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.initial["raised_on"] = self.initial.get("raised_on") or _today()
        self.fields["raised_on"].widget.attrs["max"] = f"{_today():%Y-%m-%d}"
        visits = (
            scoped(CareVisit.objects.all(), user, write=True)
            .select_related("member", "household")
            .order_by("-visited_on", "-id")[:RECENT_LIMIT]
        )
        self.fields["care_visit"].choices = [("", _("— 无 —"))] + [
            (visit.pk, f"{visit.visited_on:%Y-%m-%d} {visit.get_reason_display()} {visit.visited_name}")
            for visit in visits
        ]
        self.fields["care_visit"].help_text = _("问题来源为“走访慰问”时可关联走访记录（最近%(n)d次）。") % {
            "n": RECENT_LIMIT
        }
        meetings = (
            scoped(Meeting.objects.filter(held_on__isnull=False), user, write=True)
            .select_related("organization")
            .order_by("-held_on", "-id")[:RECENT_LIMIT]
        )
        self.fields["source_meeting"].choices = [("", _("— 无 —"))] + [
            (meeting.pk, f"{meeting.held_on:%Y-%m-%d} {meeting.organization.name}{meeting.display_title}")
            for meeting in meetings
        ]
        self.fields["source_meeting"].help_text = _("如主题党日、党小组会上提出的问题。")

    def clean(self):
        cleaned = super().clean()
        self.instance.care_visit = CareVisit.objects.filter(pk=cleaned.get("care_visit")).first()
        self.instance.source_meeting = Meeting.objects.filter(pk=cleaned.get("source_meeting")).first()
        return cleaned


# -- the steps: each form gathers what one step needs, ``advance`` decides -------------------------


class _StepForm(forms.Form):
    on = forms.DateField(label=_lazy("日期"), widget=DateInput())
    step = None

    def __init__(self, *args, item, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.item, self.user = item, user
        self.fields["on"].initial = _today()
        self.fields["on"].widget.attrs["max"] = f"{_today():%Y-%m-%d}"

    def advance_kwargs(self):
        data = dict(self.cleaned_data)
        return {"on": data.pop("on"), **data}


class DraftForm(_StepForm):
    step = Step.DRAFT
    draft = forms.CharField(
        label=_lazy("议案（草案）"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_lazy("对问题梳理分析后，提交议事会讨论的方案。"),
    )
    council = forms.TypedChoiceField(
        label=_lazy("提交议事机构"), coerce=int, required=False, empty_value=None, widget=QuickSelect
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        councils = Council.objects.filter(organization=self.item.organization, dissolved_on__isnull=True)
        self.fields["council"].choices = [("", _("— 暂不指定 —"))] + [(c.pk, c.name) for c in councils]

    def advance_kwargs(self):
        kwargs = super().advance_kwargs()
        kwargs["council"] = Council.objects.filter(pk=kwargs["council"], organization=self.item.organization).first()
        return kwargs


class ConsultForm(_StepForm):
    step = Step.CONSULT
    public_title = forms.CharField(label=_lazy("公示标题"), max_length=200, required=False)
    public_text = forms.CharField(
        label=_lazy("公示方案"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=_lazy("在社区议事园公开显示，供居民评议：不要写党员或居民的姓名、电话、身份证号、住址。"),
    )
    consult_until = forms.DateField(label=_lazy("征求意见截止日期"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["public_title"].initial = self.item.title
        self.fields["consult_until"].initial = _today() + datetime.timedelta(days=7)


class ImplementForm(_StepForm):
    step = Step.IMPLEMENT
    by_station = forms.BooleanField(label=_lazy("党员服务站"), required=False)
    members = forms.TypedMultipleChoiceField(
        label=_lazy("实施党员"), coerce=int, required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    units = forms.TypedMultipleChoiceField(
        label=_lazy("实施驻区单位"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    implementers_note = forms.CharField(label=_lazy("实施主体说明"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = register_choices(self.item.organization, self.user)
        self.fields["units"].choices = unit_choices(self.item.organization)

    def advance_kwargs(self):
        kwargs = super().advance_kwargs()
        kwargs["members"] = list(Member.objects.filter(pk__in=kwargs["members"]))
        kwargs["units"] = list(ResidentUnit.objects.filter(pk__in=kwargs["units"], organization=self.item.organization))
        return kwargs


class DoneForm(_StepForm):
    step = Step.DONE
    result = forms.CharField(label=_lazy("办理结果"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    public_result = forms.CharField(
        label=_lazy("公开的办理结果"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_lazy("在社区议事园公开显示：不要写姓名、电话、住址。"),
    )


class StopForm(_StepForm):
    """Withdrawn or rejected, with the reason."""

    stop = forms.ChoiceField(
        label=_lazy("结束方式"),
        choices=[(Step.WITHDRAWN.value, Step.WITHDRAWN.label), (Step.REJECTED.value, Step.REJECTED.label)],
    )
    reason = forms.CharField(label=_lazy("原因"), max_length=500, required=False)

    def advance_kwargs(self):
        return {"on": self.cleaned_data["on"], "reason": self.cleaned_data["reason"]}


STEP_FORMS = {form.step: form for form in (DraftForm, ConsultForm, ImplementForm, DoneForm)}


class OutcomeForm(forms.ModelForm):
    """评估: what the residents made of the plan."""

    class Meta:
        model = ConsultationOutcome
        fields = [
            "result",
            "decided_on",
            "summary",
            "paper_vote",
            "votes_for",
            "votes_against",
            "votes_abstain",
            "changes",
            "public_text",
        ]
        widgets = {
            "decided_on": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "changes": forms.Textarea(attrs={"rows": 2}),
            "public_text": forms.Textarea(attrs={"rows": 4}),
            "votes_for": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "votes_against": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "votes_abstain": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
        }

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.item = item
        self.initial["decided_on"] = self.initial.get("decided_on") or _today()


# -- a council meeting's agenda --------------------------------------------------------------------


class AgendaAddForm(forms.Form):
    item = forms.TypedChoiceField(label=_lazy("列入议程的议题"), coerce=int, widget=QuickSelect)

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        pending = AgendaEntry.objects.filter(outcome="").values("item")
        items = (
            AgendaItem.objects.filter(organization=meeting.organization, step=Step.DRAFT)
            .exclude(pk__in=pending)
            .order_by("raised_on", "id")[:CHOICES_LIMIT]
        )
        self.fields["item"].choices = [(item.pk, f"{item.title}（{item.raised_on:%Y-%m-%d}确立）") for item in items]


class AdoptForm(forms.Form):
    text = forms.CharField(label=_lazy("决议内容"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    votes_for = forms.IntegerField(label=_lazy("赞成"), min_value=0, widget=forms.NumberInput(attrs={"min": 0}))
    votes_against = forms.IntegerField(
        label=_lazy("反对"), min_value=0, initial=0, required=False, widget=forms.NumberInput(attrs={"min": 0})
    )
    votes_abstain = forms.IntegerField(
        label=_lazy("弃权"), min_value=0, initial=0, required=False, widget=forms.NumberInput(attrs={"min": 0})
    )

    def __init__(self, *args, entry, **kwargs):
        kwargs.setdefault("prefix", f"adopt-{entry.pk}")
        super().__init__(*args, **kwargs)
        self.fields["text"].initial = entry.item.draft


class ConcludeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_lazy("会议结果"),
        choices=[
            (AgendaEntry.Outcome.DEFERRED.value, AgendaEntry.Outcome.DEFERRED.label),
            (AgendaEntry.Outcome.REJECTED.value, AgendaEntry.Outcome.REJECTED.label),
        ],
    )
    outcome_note = forms.CharField(label=_lazy("会议意见或否决原因"), max_length=500, required=False)

    def __init__(self, *args, entry, **kwargs):
        kwargs.setdefault("prefix", f"conclude-{entry.pk}")
        super().__init__(*args, **kwargs)


# -- implementation --------------------------------------------------------------------------------


class TaskForm(forms.ModelForm):
    class Meta:
        model = ImplementationTask
        fields = ["text", "responsible", "due_on"]
        widgets = {"due_on": DateInput()}

    def __init__(self, *args, item, user, **kwargs):
        kwargs.setdefault("auto_id", "id_task_%s")  # the item's page holds the progress form too
        super().__init__(*args, **kwargs)
        self.instance.item, self.instance.created_by = item, user


class TaskDoneForm(forms.Form):
    done_on = forms.DateField(label=_lazy("完成日期"), widget=DateInput())
    done_note = forms.CharField(label=_lazy("完成情况"), max_length=500, required=False)

    def __init__(self, *args, task, **kwargs):
        kwargs.setdefault("prefix", f"task-{task.pk}")
        super().__init__(*args, **kwargs)
        self.fields["done_on"].initial = _today()


class ProgressForm(forms.ModelForm):
    photo = forms.FileField(
        label=_lazy("照片"),
        required=False,
        help_text=_lazy("JPG或PNG图片，不超过10 MB；在社区议事园公开显示，拍摄地点等信息会被去除。"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    caption = forms.CharField(label=_lazy("照片说明"), max_length=200, required=False)

    class Meta:
        model = ProgressNote
        fields = ["on", "percent", "text"]
        widgets = {
            "on": DateInput(),
            "percent": forms.NumberInput(attrs={"min": 0, "max": 100, "inputmode": "numeric"}),
            "text": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, item, user, **kwargs):
        kwargs.setdefault("auto_id", "id_progress_%s")
        super().__init__(*args, **kwargs)
        self.instance.item, self.instance.recorded_by = item, user
        self.initial["on"] = self.initial.get("on") or _today()
        self.initial["percent"] = self.initial.get("percent") or item.progress()

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        try:
            self.photo_type, self.photo_bytes = ProgressPhoto.check_photo(upload)
        except ValidationError as error:
            raise ValidationError(error.message_dict["file"]) from None
        return upload


class ModerationForm(forms.Form):
    action = forms.ChoiceField(label=_lazy("审核"), choices=[("show", _lazy("公开")), ("hide", _lazy("不公开"))])
    reason = forms.CharField(label=_lazy("不公开的原因"), max_length=200, required=False)


# -- lists -----------------------------------------------------------------------------------------


class ItemFilterForm(forms.Form):
    org = forms.TypedChoiceField(label=_lazy("组织"), coerce=int, required=False, widget=QuickSelect)
    step = forms.ChoiceField(label=_lazy("环节"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = organizations_for(user).filter(kind__in=(Organization.Kind.STREET, Organization.Kind.COMMUNITY))
        self.fields["org"].choices = [
            (org.pk, ("　" * (org.depth - 1)) + org.name) for org in orgs.only("pk", "name", "depth")[:2000]
        ]
        self.fields["step"].choices = [("", _("全部")), ("open", _("办理中"))] + list(Step.choices)


# -- the public consultation page ------------------------------------------------------------------


class CommentForm(forms.ModelForm):
    """A resident's comment: the text, a signature if they wish, a phone for the secretary only."""

    class Meta:
        model = Comment
        fields = ["body", "name", "phone"]
        labels = {"body": _lazy("您的意见"), "name": _lazy("署名（可不填）"), "phone": _lazy("联系电话（可不填）")}
        help_texts = {
            "body": _lazy("最多1000字。审核后公开显示。"),
            "name": _lazy("可写“3号楼居民”等，不必写真实姓名。"),
            "phone": _lazy("仅供社区工作人员联系您，不会公开。"),
        }
        widgets = {
            "body": forms.Textarea(attrs={"rows": 5, "maxlength": Comment.MAX_LENGTH}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        }

    def __init__(self, *args, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.item = item
        # The model's own length check says how long the text is; the browser's is only a help.
        body = self.fields["body"]
        body.max_length, body.validators = None, []
        body.error_messages["required"] = _("请填写您的意见。")

    def clean_phone(self):
        return validate_phone(self.cleaned_data.get("phone", ""))
