"""The monthly theme Party day (主题党日) and what meetings decide to do.

The street committee publishes each month's theme (title, materials, reporting deadline); every
branch of the street sees it, with which branches have recorded their theme day and, once the
deadline has passed, which have not. A branch records its day as a meeting of kind theme day
linked to the theme. What a meeting decides is followed up as tasks with due dates until done.
"""

import datetime
import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from councils.forms import MEETING_ORG_KINDS, MeetingForm
from councils.models import FollowUpTask, Meeting, MeetingKind, MonthlyTheme
from councils.rule_views import is_street_staff, street_for
from members.models import Member
from organizations.access import (
    can_write_anything,
    covers,
    get_for_user,
    organization_param,
    organizations_for,
    scope_paths,
)
from organizations.models import Organization
from portal.forms import DateInput, QuickSelect

PAGE_SIZE = 50
RECENT_THEMES = 12
Branch = Organization.Kind.BRANCH


def _month_param(request, today):
    """The ``?month=YYYY-MM`` asked for (its first day), or this month; a bad one is said."""
    text = request.GET.get("month", "").strip()
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if match and 2000 <= int(match[1]) <= 2099 and 1 <= int(match[2]) <= 12:
        return datetime.date(int(match[1]), int(match[2]), 1)
    if text:
        messages.warning(request, _("月份“%(text)s”无效，请按“2025-03”的格式填写；已显示本月。") % {"text": text[:20]})
    return today.replace(day=1)


def _month_end(month):
    return (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)


def _street_of(organization):
    return Organization.objects.get(path=organization.street_path)


def _theme_for(request, pk):
    """A theme of a street the user sees part of (else 404): branches see their street's themes."""
    theme = MonthlyTheme.objects.select_related("organization").filter(pk=pk).first()
    paths = scope_paths(request.user)
    if theme is None or (paths is not None and not any(path.startswith(theme.organization.path) for path in paths)):
        raise Http404
    return theme


# -- the month's theme and who has recorded their day ------------------------------------------------


def _branches_of_month(organization, month, theme):
    """The branches under ``organization`` that existed in ``month``, each annotated with whether
    it recorded a theme day held that month, and whether it did so by the theme's deadline."""
    end = _month_end(month)
    days = Meeting.objects.filter(organization=OuterRef("pk"), kind=MeetingKind.THEME_DAY, held_on__range=(month, end))
    branches = (
        Organization.objects.under(organization)
        .filter(kind=Branch)
        .filter(Q(established_on__isnull=True) | Q(established_on__lte=end))
        .filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=month))
        .annotate(recorded=Exists(days))
    )
    if theme is not None and theme.report_by:
        branches = branches.annotate(on_time=Exists(days.filter(entered_at__date__lte=theme.report_by)))
    return branches


@login_required
def theme_month(request):
    """This month's theme (or ``?month=``) and which branches have recorded their theme day."""
    organization = organization_param(request)
    today = timezone.localdate()
    month = _month_param(request, today)
    street = _street_of(organization)
    theme = MonthlyTheme.objects.filter(organization=street, month=month).select_related("published_by").first()
    branches = _branches_of_month(organization, month, theme)
    state = request.GET.get("state", "")
    deadline_passed = theme is not None and theme.report_by is not None and theme.report_by < today
    total, recorded = branches.count(), branches.filter(recorded=True).count()
    if state == "missing":
        branches = branches.filter(on_time=False) if deadline_passed else branches.filter(recorded=False)
    else:
        state = ""
    page = Paginator(branches.order_by("path"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _theme_rows(list(page.object_list), month, theme, deadline_passed)
    context = {
        "organization": organization,
        "street": street,
        "month": month,
        "previous": (month - datetime.timedelta(days=1)).replace(day=1),
        "next": _month_end(month) + datetime.timedelta(days=1),
        "theme": theme,
        "themes": MonthlyTheme.objects.filter(organization=street).order_by("-month")[:RECENT_THEMES],
        "page": page,
        "rows": rows,
        "total": total,
        "recorded": recorded,
        "deadline_passed": deadline_passed,
        "state": state,
        "query": f"org={organization.pk}&month={month:%Y-%m}&state={state}",
        "can_publish": is_street_staff(request.user) and covers(request.user, street, write=True),
        "can_record": theme is not None and can_write_anything(request.user),
    }
    return render(request, "councils/themes/month.html", context)


def _theme_rows(branches, month, theme, deadline_passed):
    """Each branch of the page with its community and its theme days of the month (two queries)."""
    steplen = Organization.steplen
    communities = dict(
        Organization.objects.filter(path__in={b.path[: 2 * steplen] for b in branches}).values_list("path", "name")
    )
    meetings = {}
    for meeting in Meeting.objects.filter(
        organization__in=[b.pk for b in branches], kind=MeetingKind.THEME_DAY, held_on__range=(month, _month_end(month))
    ).order_by("held_on", "id"):
        meetings.setdefault(meeting.organization_id, []).append(meeting)
    rows = []
    for branch in branches:
        if branch.recorded and (not deadline_passed or getattr(branch, "on_time", True)):
            state = "done"
        elif branch.recorded:
            state = "late"
        else:
            state = "missing" if deadline_passed else "waiting"
        rows.append(
            {
                "branch": branch,
                "community": communities.get(branch.path[: 2 * steplen], ""),
                "meetings": meetings.get(branch.pk, []),
                "state": state,
                "theme_id": theme.pk if theme else None,
            }
        )
    return rows


class ThemeForm(forms.ModelForm):
    month_text = forms.CharField(
        label=_lazy("月份"),
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text=_lazy("例如 2025-03。"),
    )

    class Meta:
        model = MonthlyTheme
        fields = ["title", "materials", "report_by"]
        widgets = {"report_by": DateInput(), "materials": forms.Textarea(attrs={"rows": 6})}
        help_texts = {"report_by": _lazy("各支部应在此日期前登记本月主题党日。")}

    field_order = ["month_text", "title", "materials", "report_by"]

    def __init__(self, *args, street, **kwargs):
        super().__init__(*args, **kwargs)
        self.street = street
        self.instance.organization = street
        if self.instance.month:
            self.fields["month_text"].initial = f"{self.instance.month:%Y-%m}"

    def clean_month_text(self):
        text = self.cleaned_data["month_text"].strip()
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
        if not match or not 2000 <= int(match[1]) <= 2099 or not 1 <= int(match[2]) <= 12:
            raise ValidationError(_("请按“2025-03”的格式填写月份。"))
        month = datetime.date(int(match[1]), int(match[2]), 1)
        taken = MonthlyTheme.objects.filter(organization=self.street, month=month).exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(
                _("%(month)s的主题已经发布，请修改原主题。") % {"month": f"{month.year}年{month.month}月"}
            )
        self.instance.month = month
        return text

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise ValidationError(_("请填写主题。"))
        return title


@login_required
def theme_new(request):
    street = street_for(request)
    form = ThemeForm(request.POST or None, instance=MonthlyTheme(published_by=request.user), street=street)
    if request.method == "GET":
        form.fields["month_text"].initial = f"{timezone.localdate():%Y-%m}"
    if request.method == "POST" and form.is_valid():
        theme = form.save()
        messages.success(
            request,
            _("已发布%(month)s主题党日主题：%(title)s。")
            % {"month": f"{theme.month.year}年{theme.month.month}月", "title": theme.title},
        )
        return redirect(f"{reverse('councils:themes')}?org={street.pk}&month={theme.month:%Y-%m}")
    return render(request, "councils/themes/form.html", {"form": form, "street": street})


@login_required
def theme_edit(request, pk):
    street = street_for(request)
    theme = MonthlyTheme.objects.filter(pk=pk, organization=street).first()
    if theme is None:
        raise Http404
    form = ThemeForm(request.POST or None, instance=theme, street=street)
    if request.method == "POST" and form.is_valid():
        theme = form.save()
        messages.success(request, _("已修改主题：%(title)s。") % {"title": theme.title})
        return redirect(f"{reverse('councils:themes')}?org={street.pk}&month={theme.month:%Y-%m}")
    return render(request, "councils/themes/form.html", {"form": form, "street": street, "theme": theme})


class ThemeDayForm(MeetingForm):
    """A meeting's form for the month's theme day: the kind and the theme are fixed."""

    def __init__(self, *args, theme, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["kind"]
        self.instance.kind = MeetingKind.THEME_DAY
        self.instance.theme = theme
        orgs = (
            organizations_for(self.user, write=True)
            .existing()
            .filter(kind__in=MEETING_ORG_KINDS, path__startswith=theme.organization.path)
            .only("pk", "name", "depth")
        )
        self.fields["organization"].choices = [(org.pk, ("　" * max(org.depth - 2, 0)) + org.name) for org in orgs]
        if len(self.fields["organization"].choices) == 1:
            self.initial.setdefault("organization", self.fields["organization"].choices[0][0])
        self.fields["title"].initial = theme.title
        self.fields["topics"].initial = theme.title
        self.fields["planned_on"].initial = min(timezone.localdate(), _month_end(theme.month))


@login_required
def theme_record(request, pk):
    """Record a branch's theme day of the theme's month: a meeting of kind theme day linked to it."""
    theme = _theme_for(request, pk)
    if not can_write_anything(request.user):
        raise PermissionDenied
    meeting = Meeting(created_by=request.user)
    form = ThemeDayForm(request.POST or None, instance=meeting, user=request.user, theme=theme)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            meeting = form.save()
            meeting.freeze_attendance()
        messages.success(
            request, _("已登记主题党日：%(title)s。") % {"title": f"{meeting.organization.name}{meeting.display_title}"}
        )
        return redirect("councils:attendance", pk=meeting.pk)
    return render(request, "councils/themes/record.html", {"form": form, "theme": theme, "meeting": meeting})


# -- follow-up tasks ---------------------------------------------------------------------------------


class TaskForm(forms.ModelForm):
    class Meta:
        model = FollowUpTask
        fields = ["decision", "text", "due_on", "responsible", "responsible_name"]
        widgets = {"due_on": DateInput(), "responsible": QuickSelect}

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.meeting = meeting
        self.fields["decision"].queryset = meeting.decisions.order_by("id")
        self.fields["decision"].label_from_instance = lambda decision: decision.text[:60]
        self.fields["responsible"].queryset = Member.objects.filter(attendances__meeting=meeting).order_by(
            "name_pinyin", "id"
        )
        self.fields["responsible"].label_from_instance = lambda member: member.name

    def clean(self):
        cleaned = super().clean()
        if not self.instance.meeting.is_held:
            raise ValidationError(_("会议尚未召开，不能登记跟进任务。"))
        if cleaned.get("responsible") and (cleaned.get("responsible_name") or "").strip():
            self.add_error("responsible_name", _("请在名单中选择或填写姓名，二者选一。"))
        return cleaned


class DoneForm(forms.Form):
    done_on = forms.DateField(label=_lazy("完成日期"), widget=DateInput())
    done_note = forms.CharField(label=_lazy("完成情况"), max_length=500, required=False)

    def __init__(self, *args, task, **kwargs):
        super().__init__(*args, **kwargs)
        self.task = task

    def clean_done_on(self):
        day = self.cleaned_data["done_on"]
        if day > timezone.localdate():
            raise ValidationError(_("完成日期不能晚于今天。"))
        if self.task.meeting.date and day < self.task.meeting.date:
            raise ValidationError(_("完成日期不能早于会议日期。"))
        return day


TASK_STATES = {
    "open": (_lazy("未完成"), Q(done_on__isnull=True)),
    "overdue": (_lazy("已逾期"), None),  # depends on today
    "done": (_lazy("已完成"), Q(done_on__isnull=False)),
    "all": (_lazy("全部"), Q()),
}


def overdue(today):
    return Q(done_on__isnull=True, due_on__lt=today)


@login_required
def task_list(request):
    organization = organization_param(request)
    today = timezone.localdate()
    state = request.GET.get("state", "open")
    if state not in TASK_STATES:
        state = "open"
    condition = overdue(today) if state == "overdue" else TASK_STATES[state][1]
    tasks = (
        FollowUpTask.objects.filter(meeting__organization__in=Organization.objects.under(organization).values("pk"))
        .filter(condition)
        .select_related("meeting__organization", "responsible", "decision")
        .order_by("done_on" if state == "done" else "due_on", "id")
    )
    if state == "done":
        tasks = tasks.order_by("-done_on", "-id")
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    writable = {
        org.pk
        for org in organizations_for(request.user, write=True)
        .filter(pk__in={task.meeting.organization_id for task in page.object_list})
        .only("pk")
    }
    for task in page.object_list:
        task.overdue = task.is_overdue(today)
        task.can_write = task.meeting.organization_id in writable
    context = {
        "organization": organization,
        "page": page,
        "state": state,
        "states": [(key, label) for key, (label, _condition) in TASK_STATES.items()],
        "query": f"org={organization.pk}&state={state}",
    }
    return render(request, "councils/themes/tasks.html", context)


@login_required
def task_new(request, pk):
    meeting = get_for_user(Meeting.objects.select_related("organization"), request.user, write=True, pk=pk)
    form = TaskForm(request.POST or None, instance=FollowUpTask(created_by=request.user), meeting=meeting)
    if request.method == "POST" and form.is_valid():
        task = form.save()
        messages.success(
            request, _("已登记跟进任务：%(text)s，期限%(day)s。") % {"text": task.text, "day": task.due_on}
        )
        return redirect(reverse("councils:detail", args=[meeting.pk]) + "#tasks")
    return render(request, "councils/themes/task_form.html", {"form": form, "meeting": meeting})


@login_required
def task_done(request, pk):
    task = get_for_user(
        FollowUpTask.objects.select_related("meeting__organization", "responsible"), request.user, write=True, pk=pk
    )
    if task.is_done:
        messages.info(request, _("这项任务已于%(day)s完成。") % {"day": task.done_on})
        return redirect(f"{reverse('councils:tasks')}?org={task.meeting.organization_id}&state=done")
    form = DoneForm(request.POST or None, initial={"done_on": timezone.localdate()}, task=task)
    if request.method == "POST" and form.is_valid():
        task.done_on, task.done_note = form.cleaned_data["done_on"], form.cleaned_data["done_note"]
        try:
            task.full_clean()
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            task.save(update_fields=["done_on", "done_note", "updated_at"])
            messages.success(request, _("已完成：%(text)s。") % {"text": task.text})
            return redirect(f"{reverse('councils:tasks')}?org={task.meeting.organization_id}")
    return render(request, "councils/themes/task_done.html", {"form": form, "task": task})
