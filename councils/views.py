"""Meetings: the list, a meeting's page, its frozen attendance list marked on a phone, its quorum and
decisions, attachments, locking and revisions, and the print views (minutes, sign-in sheet, the
branch's yearly book)."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from councils.forms import (
    AttachmentForm,
    CommitteeForm,
    DecisionForm,
    GuestForm,
    MeetingFilterForm,
    MeetingForm,
    default_period,
)
from councils.ledgers import AttendanceLedgerExport, MeetingLedgerExport
from councils.models import CHOSEN_ATTENDEES, Attachment, Attendance, Meeting, register_as_of
from members.models import Member
from members.views import attach_places
from organizations.access import can_write_anything, covers, get_for_user, organization_param, scoped
from organizations.models import Organization
from portal.params import BadParameter, date_param, pk_or_none, strict_date_param

PAGE_SIZE = 50
BOOK_LIMIT = 200  # a branch holds a few dozen meetings a year; a whole street's year is not a book
SHEET_BLANK_ROWS = 6


def _meeting_for(request, pk, write=False):
    return get_for_user(
        Meeting.objects.select_related("organization", "host", "recorder", "lecturer", "theme", "locked_by"),
        request.user,
        write,
        pk=pk,
    )


def _may_write(user, meeting):
    return covers(user, meeting.organization, write=True)


def in_period(start, end):
    """Meetings held in ``start``..``end``, or planned then and not yet held."""
    return Q(held_on__range=(start, end)) | Q(held_on__isnull=True, planned_on__range=(start, end))


def with_counts(meetings):
    return meetings.annotate(
        expected_count=Count("attendances", filter=Q(attendances__expected=True)),
        present_count=Count(
            "attendances", filter=Q(attendances__expected=True, attendances__status=Attendance.Status.PRESENT)
        ),
    )


def _period(request):
    start, start_problem = date_param(request, "start")
    end, end_problem = date_param(request, "end")
    default_start, default_end = default_period()
    return start or default_start, end or default_end, [p for p in (start_problem, end_problem) if p]


@login_required
def meeting_list(request):
    organization = organization_param(request)
    start, end, problems = _period(request)
    kind = request.GET.get("kind", "")
    meetings = Meeting.objects.filter(organization__in=Organization.objects.under(organization).values("pk"))
    meetings = meetings.filter(in_period(start, end))
    if kind in Meeting.Kind.values:
        meetings = meetings.filter(kind=kind)
    else:
        kind = ""
    meetings = with_counts(meetings.select_related("organization")).order_by("-held_on", "-planned_on", "-id")
    page = Paginator(meetings, PAGE_SIZE).get_page(request.GET.get("page"))
    query = f"org={organization.pk}&start={start:%Y-%m-%d}&end={end:%Y-%m-%d}&kind={kind}"
    form = MeetingFilterForm(
        initial={"org": organization.pk, "kind": kind, "start": start, "end": end}, user=request.user
    )
    context = {
        "organization": organization,
        "form": form,
        "start": start,
        "end": end,
        "kind": kind,
        "page": page,
        "query": query,
        "problems": problems,
        "can_write": can_write_anything(request.user),
        "book_year": end.year,
    }
    return render(request, "councils/meeting_list.html", context)


@login_required
def meeting_new(request):
    if not can_write_anything(request.user):
        raise PermissionDenied
    meeting = Meeting(created_by=request.user)
    form = MeetingForm(request.POST or None, instance=meeting, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            meeting = form.save()
            if meeting.kind not in CHOSEN_ATTENDEES:
                meeting.freeze_attendance()
        messages.success(
            request, _("已登记会议：%(title)s。") % {"title": f"{meeting.organization.name}{meeting.display_title}"}
        )
        if meeting.kind in CHOSEN_ATTENDEES:
            return redirect("councils:expected", pk=meeting.pk)
        return redirect("councils:attendance", pk=meeting.pk)
    return render(request, "councils/meeting_form.html", {"form": form, "meeting": meeting})


@login_required
def meeting_edit(request, pk):
    meeting = _meeting_for(request, pk, write=True)
    form = MeetingForm(request.POST or None, instance=meeting, user=request.user)
    if request.method == "POST" and form.is_valid():
        if meeting.is_locked:
            form.save_revision()
            messages.success(request, _("已修改会议记录，修改原因已留存。"))
        else:
            form.save()
            messages.success(request, _("已保存会议信息。"))
        return redirect("councils:detail", pk=meeting.pk)
    return render(request, "councils/meeting_form.html", {"form": form, "meeting": meeting})


def _rows(meeting):
    rows = list(
        meeting.attendances.select_related("member__organization").order_by("-expected", "member__name_pinyin", "id")
    )
    attach_places([row.member for row in rows if row.member_id])
    return rows


def _detail_context(request, meeting, decision_form=None):
    rows = _rows(meeting)
    quorum = meeting.quorum(rows)
    decisions = list(meeting.decisions.select_related("recorded_by").order_by("id"))
    for decision in decisions:
        decision.result = decision.passed_with(quorum)
    may_write = _may_write(request.user, meeting)
    if may_write and decision_form is None:
        decision_form = DecisionForm(meeting=meeting, user=request.user)
    return {
        "meeting": meeting,
        "rows": rows,
        "quorum": quorum,
        "decisions": decisions,
        "attachments": meeting.attachments.order_by("id"),
        "revisions": meeting.revisions.select_related("changed_by").order_by("-changed_at", "-id"),
        "tasks": meeting.tasks.select_related("responsible").order_by("due_on", "id"),
        "can_write": may_write,
        "decision_form": decision_form if may_write else None,
        "attachment_form": AttachmentForm() if may_write else None,
        "needs_list": meeting.expected_on is None,
    }


@login_required
def meeting_detail(request, pk):
    meeting = _meeting_for(request, pk)
    return render(request, "councils/meeting_detail.html", _detail_context(request, meeting))


@login_required
def meeting_expected(request, pk):
    """Choose who is expected at a committee (or council) meeting, from the register of its day."""
    meeting = _meeting_for(request, pk, write=True)
    if meeting.expected_on is not None:
        return redirect("councils:attendance", pk=meeting.pk)
    ids = [member_id for member_id, _status, _mtype in register_as_of(meeting.organization, meeting.date)]
    register = Member.objects.filter(pk__in=ids).order_by("name_pinyin", "id")
    data = request.POST if request.method == "POST" else None  # nobody ticked is a posted form too
    form = CommitteeForm(data, meeting=meeting, register=register)
    if request.method == "POST" and form.is_valid():
        try:
            meeting.freeze_attendance(form.cleaned_data["chosen"])
        except ValidationError as error:
            form.add_error("chosen", error.messages)
        else:
            messages.success(request, _("已确定应到人员 %(n)d 名。") % {"n": len(form.cleaned_data["chosen"])})
            return redirect("councils:attendance", pk=meeting.pk)
    return render(request, "councils/expected.html", {"meeting": meeting, "form": form})


def _guest_candidates(meeting, user):
    """Members a guest may be picked from: those of the meeting's community on the register now that
    the user may see (anyone else is typed in by name)."""
    community = meeting.organization.path[: 2 * Organization.steplen]
    listed = meeting.attendances.exclude(member=None).values("member_id")
    return (
        scoped(Member.objects.current(), user)
        .filter(organization__path__startswith=community)
        .exclude(pk__in=listed)
        .select_related("organization")
        .order_by("name_pinyin", "id")
    )


@login_required
def meeting_attendance(request, pk):
    """Marking attendance on a phone: one tap per person (present / absent), leave with a reason."""
    meeting = _meeting_for(request, pk, write=request.method == "POST")
    if meeting.expected_on is None:
        return redirect("councils:expected", pk=meeting.pk)
    may_write = _may_write(request.user, meeting)
    if not may_write:
        raise PermissionDenied
    if request.method == "POST":
        return _mark(request, meeting)
    if meeting.is_locked:
        messages.info(request, _("会议记录已锁定，出席情况不能再修改。"))
        return redirect("councils:detail", pk=meeting.pk)
    rows = _rows(meeting)
    context = {
        "meeting": meeting,
        "rows": rows,
        "quorum": meeting.quorum(rows),
        "guest_form": GuestForm(candidates=_guest_candidates(meeting, request.user)),
        "statuses": Attendance.Status,
    }
    return render(request, "councils/attendance.html", context)


def _mark(request, meeting):
    if meeting.is_locked:
        messages.error(request, _("会议记录已锁定，不能再修改出席情况。"))
        return redirect("councils:detail", pk=meeting.pk)
    if request.POST.get("rest"):
        return _mark_rest(request, meeting)
    row = meeting.attendances.filter(pk=pk_or_none(request.POST.get("row"))).select_related("member").first()
    status = request.POST.get("status", "")
    if row is None or status not in Attendance.Status.values:
        raise Http404
    error = None
    try:
        row = meeting.mark(
            row.member, status, leave_reason=request.POST.get("leave_reason", "").strip(), name=row.name, row=row
        )
    except ValidationError as problem:
        error = " ".join(problem.messages)
        row.refresh_from_db()
    if request.htmx:
        if row.member_id:
            attach_places([row.member])
        rows = list(meeting.attendances.all())
        context = {"meeting": meeting, "row": row, "error": error, "quorum": meeting.quorum(rows), "oob": True}
        return render(request, "councils/_attendance_row.html", context)
    if error:
        messages.error(request, f"{row.person_name}：{error}")
    return redirect(reverse("councils:attendance", args=[meeting.pk]) + f"#row-{row.pk}")


def _mark_rest(request, meeting):
    count = meeting.attendances.filter(expected=True, status="").update(
        status=Attendance.Status.PRESENT, marked_at=timezone.now()
    )
    messages.success(request, _("已将其余 %(n)d 人登记为出席。") % {"n": count})
    return redirect("councils:attendance", pk=meeting.pk)


@login_required
@require_POST
def meeting_guest(request, pk):
    """Someone marked present who is not on the frozen list: saved only as a guest, said so."""
    meeting = _meeting_for(request, pk, write=True)
    if meeting.is_locked:
        messages.error(request, _("会议记录已锁定，不能再修改出席情况。"))
        return redirect("councils:detail", pk=meeting.pk)
    candidates = _guest_candidates(meeting, request.user)
    form = GuestForm(request.POST, candidates=candidates)
    if form.is_valid():
        data = form.cleaned_data
        member = None
        if data["member"]:
            member = candidates.filter(pk=data["member"]).first()
            if member is None:
                raise Http404
        try:
            row = meeting.mark(
                member,
                Attendance.Status.PRESENT,
                guest=data["guest"],
                name="" if member else data["name"].strip(),
                note=data["note"],
            )
        except ValidationError as error:
            form.add_error(None if data["guest"] else "guest", error.messages)
        else:
            messages.success(
                request,
                (_("已登记%(name)s列席会议。") if row.is_guest else _("已登记%(name)s出席。"))
                % {"name": row.person_name},
            )
            return redirect("councils:attendance", pk=meeting.pk)
    rows = _rows(meeting)
    context = {
        "meeting": meeting,
        "rows": rows,
        "quorum": meeting.quorum(rows),
        "guest_form": form,
        "statuses": Attendance.Status,
    }
    return render(request, "councils/attendance.html", context)


@login_required
@require_POST
def meeting_decision(request, pk):
    meeting = _meeting_for(request, pk, write=True)
    if meeting.is_locked:
        messages.error(request, _("会议记录已锁定，不能再记录表决事项。"))
        return redirect("councils:detail", pk=meeting.pk)
    form = DecisionForm(request.POST, meeting=meeting, user=request.user)
    if form.is_valid():
        decision = form.save()
        quorum = meeting.quorum()
        result = _("通过") if decision.passed_with(quorum) else _("未通过")
        messages.success(request, _("已记录表决事项：%(result)s。") % {"result": result})
        return redirect(reverse("councils:detail", args=[meeting.pk]) + "#decisions")
    return render(request, "councils/meeting_detail.html", _detail_context(request, meeting, form))


@login_required
@require_POST
def meeting_attach(request, pk):
    meeting = _meeting_for(request, pk, write=True)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        attachment = Attachment(
            meeting=meeting,
            original_name=upload.name[:200],
            caption=form.cleaned_data["caption"],
            content_type=form.content_type,
            size=form.size,
            uploaded_by=request.user,
        )
        attachment.file = upload
        attachment.save()
        messages.success(request, _("已上传附件“%(name)s”。") % {"name": attachment.original_name})
    else:
        for error in form.errors.get("file", []) + form.errors.get("caption", []):
            messages.error(request, _("附件未上传：%(error)s") % {"error": error})
    return redirect(reverse("councils:detail", args=[meeting.pk]) + "#attachments")


@login_required
def attachment_file(request, pk, attachment_pk):
    """An attachment's bytes, only to those who may see its meeting (never straight from MEDIA_ROOT)."""
    meeting = _meeting_for(request, pk)
    attachment = meeting.attachments.filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=attachment.content_type)
    response["Content-Disposition"] = "inline"
    return response


@login_required
@require_POST
def meeting_lock(request, pk):
    meeting = _meeting_for(request, pk, write=True)
    try:
        meeting.lock(request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已锁定会议记录；此后修改须填写原因，每次修改都会留存。"))
    return redirect("councils:detail", pk=meeting.pk)


def _print_context(meeting):
    rows = _rows(meeting)
    quorum = meeting.quorum(rows)
    decisions = list(meeting.decisions.order_by("id"))
    for decision in decisions:
        decision.result = decision.passed_with(quorum)
    return {
        "meeting": meeting,
        "quorum": quorum,
        "present": [row for row in rows if row.expected and row.status == Attendance.Status.PRESENT],
        "on_leave": [row for row in rows if row.expected and row.status == Attendance.Status.LEAVE],
        "absent": [row for row in rows if row.expected and row.status in (Attendance.Status.ABSENT, "")],
        "guests": [row for row in rows if not row.expected],
        "decisions": decisions,
        "revisions": list(meeting.revisions.select_related("changed_by").order_by("changed_at", "id")),
    }


@login_required
def meeting_print(request, pk):
    """The minutes on A4: details, attendance, quorum, minutes, decisions with their votes."""
    meeting = _meeting_for(request, pk)
    return render(request, "councils/minutes_print.html", {"records": [_print_context(meeting)], "single": True})


@login_required
def sign_in_sheet(request, pk):
    meeting = _meeting_for(request, pk)
    rows = [row for row in _rows(meeting) if row.expected]
    context = {"meeting": meeting, "rows": rows, "blank_rows": range(SHEET_BLANK_ROWS)}
    return render(request, "councils/sign_in_sheet.html", context)


def _year_param(request):
    text = request.GET.get("year", "")
    if not text:
        return timezone.localdate().year
    year = pk_or_none(text)
    if year is None or not 2000 <= year <= 2099:
        raise BadParameter(_("年度“%(text)s”无效。") % {"text": text[:10]})
    return year


@login_required
def book(request):
    """The yearly organizational-life book of a branch (or group): its meetings of the year in order."""
    organization = organization_param(request)
    year = _year_param(request)
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    meetings = (
        Meeting.objects.filter(organization__in=Organization.objects.under(organization).values("pk"))
        .filter(held_on__range=(start, end))
        .select_related("organization", "host", "recorder", "lecturer", "theme", "locked_by")
        .order_by("held_on", "id")
    )
    if meetings.count() > BOOK_LIMIT:
        raise BadParameter(
            _("“%(org)s”%(year)d年有%(n)d次会议，超过一本记录本的篇幅；请选择一个党支部。")
            % {"org": organization.name, "year": year, "n": meetings.count()}
        )
    records = [_print_context(meeting) for meeting in meetings]
    context = {"records": records, "organization": organization, "year": year, "single": False}
    return render(request, "councils/minutes_print.html", context)


def _ledger_params(request):
    organization = organization_param(request)
    default_start, default_end = default_period()
    start = strict_date_param(request, "start") or default_start
    end = strict_date_param(request, "end") or default_end
    if end < start:
        raise BadParameter(_("结束日期不能早于开始日期。"))
    return organization, start, end


@login_required
def ledger_export(request):
    organization, start, end = _ledger_params(request)
    export = MeetingLedgerExport(organization, start, end)
    return export.response(request, f"{organization.name}会议台账-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")


@login_required
def attendance_export(request):
    organization, start, end = _ledger_params(request)
    export = AttendanceLedgerExport(organization, start, end)
    return export.response(request, f"{organization.name}参会情况台账-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")
