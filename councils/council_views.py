"""The Party-member council in the portal: councils and their seats, agenda items and their steps (one
page per step: the record of a step taken, the form of the next one, and for a later one why it
cannot be taken yet), council meetings' agendas with their resolutions, the residents' verdict,
moderation of the public comments, implementation, and the ledgers and print views."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, Count, Prefetch, Q, Value, When
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from councils import council_attention
from councils.council_forms import (
    STEP_FORMS,
    AdoptForm,
    AgendaAddForm,
    ConcludeForm,
    CouncilForm,
    CouncilMeetingForm,
    ItemFilterForm,
    ModerationForm,
    OutcomeForm,
    ProgressForm,
    RaiseForm,
    SeatForm,
    SeatLeaveForm,
    StopForm,
    TaskDoneForm,
    TaskForm,
)
from councils.council_ledgers import AgendaItemLedgerExport, ResolutionLedgerExport
from councils.models import (
    COUNCIL_MEETING_KINDS,
    SEQUENCE,
    AgendaEntry,
    AgendaItem,
    Comment,
    CommentModeration,
    ConsultationOutcome,
    Council,
    CouncilMeeting,
    ImplementationTask,
    Meeting,
    ProgressPhoto,
    Step,
    council_stuck_days,
)
from councils.views import _ledger_params
from organizations.access import can_write_anything, covers, get_for_user, organization_param
from organizations.models import Organization
from portal.forms import add_domain_errors
from portal.params import pk_or_none

PAGE_SIZE = 50


def _under(organization):
    return Organization.objects.under(organization).values("pk")


def _item_for(request, pk, write=False):
    return get_for_user(
        AgendaItem.objects.select_related(
            "organization", "council", "care_visit__member", "care_visit__household", "source_meeting", "created_by"
        ),
        request.user,
        write,
        pk=pk,
    )


def _council_for(request, pk, write=False):
    return get_for_user(Council.objects.select_related("organization"), request.user, write, pk=pk)


def _council_meeting_for(request, pk, write=False):
    meetings = Meeting.objects.filter(kind__in=COUNCIL_MEETING_KINDS).select_related("organization", "locked_by")
    return get_for_user(meetings, request.user, write, pk=pk)


# -- councils and their seats ----------------------------------------------------------------------


@login_required
def council_list(request):
    organization = organization_param(request)
    councils = (
        Council.objects.filter(organization__in=_under(organization))
        .select_related("organization")
        .annotate(
            sitting=Count(
                "seats",
                filter=Q(seats__left_on__isnull=True) | Q(seats__left_on__gt=timezone.localdate()),
                distinct=True,
            ),
            meetings=Count("council_meetings", distinct=True),
        )
        .order_by("organization__path", "kind", "id")
    )
    page = Paginator(councils, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "organization": organization,
        "page": page,
        "query": f"org={organization.pk}",
        "can_write": can_write_anything(request.user),
    }
    return render(request, "councils/council/council_list.html", context)


@login_required
def council_new(request):
    if not can_write_anything(request.user):
        raise PermissionDenied
    form = CouncilForm(request.POST or None, instance=Council(created_by=request.user), user=request.user)
    if request.method == "POST" and form.is_valid():
        council = form.save()
        messages.success(request, _("已建立%(name)s，请登记其成员。") % {"name": council.name})
        return redirect("councils:council", pk=council.pk)
    return render(request, "councils/council/council_form.html", {"form": form})


def _council_context(request, council, seat_form=None):
    may_write = covers(request.user, council.organization, write=True)
    seats = list(council.seats.select_related("member__organization", "unit").order_by("left_on", "role", "joined_on"))
    today = timezone.localdate()
    return {
        "council": council,
        "current": [seat for seat in seats if seat.left_on is None or seat.left_on > today],
        "former": [seat for seat in seats if seat.left_on is not None and seat.left_on <= today],
        "meetings": Meeting.objects.filter(council_link__council=council).order_by("-held_on", "-planned_on")[:50],
        "items": council.agenda_items.order_by("-raised_on", "-id")[:50],
        "can_write": may_write,
        "seat_form": (seat_form or SeatForm(council=council, user=request.user)) if may_write else None,
        "leave_form": SeatLeaveForm(initial={"left_on": today}) if may_write else None,
    }


@login_required
def council_detail(request, pk):
    council = _council_for(request, pk)
    return render(request, "councils/council/council_detail.html", _council_context(request, council))


@login_required
@require_POST
def council_seat(request, pk):
    council = _council_for(request, pk, write=True)
    form = SeatForm(request.POST, council=council, user=request.user)
    if form.is_valid():
        seat = form.save()
        message = _("已登记%(name)s为%(council)s成员。") % {"name": seat.person_name, "council": council}
        messages.success(request, message)
        return redirect(reverse("councils:council", args=[council.pk]) + "#seats")
    return render(request, "councils/council/council_detail.html", _council_context(request, council, form))


@login_required
@require_POST
def seat_leave(request, pk, seat_pk):
    council = _council_for(request, pk, write=True)
    seat = council.seats.filter(pk=seat_pk, left_on__isnull=True).select_related("member").first()
    if seat is None:
        raise Http404
    form = SeatLeaveForm(request.POST)
    if form.is_valid():
        seat.left_on, seat.left_reason = form.cleaned_data["left_on"], form.cleaned_data["left_reason"]
        try:
            seat.full_clean()
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            seat.save()
            messages.success(request, _("已登记%(name)s退出。") % {"name": seat.person_name})
    else:
        messages.error(request, _("请填写退出日期和原因。"))
    return redirect(reverse("councils:council", args=[council.pk]) + "#seats")


@login_required
def council_meeting_new(request, pk):
    """A meeting of the council; its list is frozen from the seats on the meeting's day."""
    council = _council_for(request, pk, write=True)
    meeting = Meeting(created_by=request.user, organization=council.organization, kind=council.meeting_kind)
    form = CouncilMeetingForm(request.POST or None, instance=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            CouncilMeeting.convene(council, form.instance)
        except ValidationError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("已登记%(council)s会议，应到人员按当日成员确定。") % {"council": council})
            return redirect("councils:agenda", pk=form.instance.pk)
    return render(request, "councils/council/council_meeting_form.html", {"form": form, "council": council})


# -- agenda items ----------------------------------------------------------------------------------


@login_required
def item_list(request):
    organization = organization_param(request)
    items = AgendaItem.objects.filter(organization__in=_under(organization))
    step = request.GET.get("step", "")
    attention = request.GET.get("attention", "")
    if attention == "stuck":  # the home page's item: these are what it counts
        items = items.stuck(timezone.localdate())
    else:
        attention = ""
    if step == "open":
        items = items.open()
    elif step in Step.values:
        items = items.filter(step=step)
    else:
        step = ""
    items = items.select_related("organization").order_by("-raised_on", "-id")
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    form = ItemFilterForm(initial={"org": organization.pk, "step": step}, user=request.user)
    context = {
        "organization": organization,
        "form": form,
        "page": page,
        "step": step,
        "attention": attention,
        "stuck_days": council_stuck_days(),
        "query": f"org={organization.pk}&step={step}&attention={attention}",
        "can_write": can_write_anything(request.user),
    }
    return render(request, "councils/council/item_list.html", context)


@login_required
def item_new(request):
    if not can_write_anything(request.user):
        raise PermissionDenied
    form = RaiseForm(request.POST or None, instance=AgendaItem(), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            item = AgendaItem.raise_item(form.instance, request.user)
        except ValidationError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("已确立议题“%(title)s”。") % {"title": item.title})
            return redirect("councils:item", pk=item.pk)
    return render(request, "councils/council/item_form.html", {"form": form})


def _path(item, steps):
    """The five steps and the end, each with its row (if taken) and its state for the page."""
    taken = {row.step: row for row in steps}
    path = []
    for step in SEQUENCE:
        if step in taken:
            state = "current" if step == item.step and step != Step.DONE else "done"
        elif step == item.next_step and item.is_open:
            state = "next"
        else:
            state = "later"
        path.append({"step": step, "row": taken.get(step), "state": state})
    return path


def _item_context(request, item):
    steps = list(item.steps.select_related("by", "meeting").order_by("on", "id"))
    may_write = covers(request.user, item.organization, write=True)
    # Read, not the reverse accessor: an outcome form being filled in sets that to its unsaved object.
    consultation = ConsultationOutcome.objects.filter(item=item).first()
    notes = list(item.progress_notes.prefetch_related("photos").select_related("recorded_by").order_by("on", "id"))
    context = {
        "item": item,
        "steps": steps,
        "path": _path(item, steps),
        "stop_row": next((row for row in steps if row.step in (Step.WITHDRAWN, Step.REJECTED)), None),
        "entries": item.agenda_entries.select_related("meeting").order_by("meeting__held_on", "id"),
        "resolution": getattr(item, "resolution", None),
        "consultation": consultation,
        "comment_counts": dict(item.comments.order_by().values_list("status").annotate(n=Count("id"))),
        "tasks": list(item.tasks.order_by("due_on", "id")),
        "notes": notes,
        "progress": notes[-1].percent if notes else 0,
        "implementers": list(item.implementers.select_related("organization")),
        "units": list(item.units.all()),
        "can_write": may_write,
        "today": timezone.localdate(),
    }
    if may_write and item.step == Step.CONSULT and consultation is None:
        context["outcome_form"] = OutcomeForm(item=item)
    if may_write and item.step == Step.IMPLEMENT:
        context["task_form"] = TaskForm(item=item, user=request.user)
        context["progress_form"] = ProgressForm(item=item, user=request.user)
        for task in context["tasks"]:
            task.done_form = TaskDoneForm(task=task) if not task.done_on else None
    return context


@login_required
def item_detail(request, pk):
    item = _item_for(request, pk)
    return render(request, "councils/council/item_detail.html", _item_context(request, item))


def _step_param(step):
    try:
        return Step(step)
    except ValueError:
        raise Http404 from None


@login_required
def item_step(request, pk, step):
    """One step of an item: the record if taken, the form if it is the next one, or (for a later one
    or the adoption, which a council meeting gives) what has to happen first."""
    step = _step_param(step)
    if step in (Step.WITHDRAWN, Step.REJECTED):
        return redirect("councils:item_stop", pk=pk)
    item = _item_for(request, pk, write=request.method == "POST")
    row = item.steps.filter(step=step).select_related("by", "meeting").first()
    context = {"item": item, "step": step, "row": row, "can_write": covers(request.user, item.organization, write=True)}
    form_class = STEP_FORMS.get(step)
    if request.method == "POST":
        if form_class is None:  # the raise step is taken when the item is made; adoption at a meeting
            raise Http404
        form = form_class(request.POST, item=item, user=request.user)
        if form.is_valid():
            try:
                item.advance(step, by=request.user, **form.advance_kwargs())
            except ValidationError as error:
                add_domain_errors(form, error)
            else:
                messages.success(request, _("已登记“%(step)s”环节。") % {"step": step.label})
                return redirect("councils:item", pk=item.pk)
        context["form"] = form
    elif row is None:
        try:
            AgendaItem._check_order(item, step)
        except ValidationError as error:
            context["refusal"] = " ".join(error.messages)
        else:
            if form_class is not None and context["can_write"]:
                context["form"] = form_class(item=item, user=request.user)
    if step == Step.ADOPT and row is None:
        meetings = Meeting.objects.filter(organization=item.organization, kind__in=COUNCIL_MEETING_KINDS)
        context["meetings"] = meetings.filter(locked_at__isnull=True).order_by("-held_on", "-planned_on", "-id")[:20]
        context["entries"] = item.agenda_entries.select_related("meeting").order_by("id")
    return render(request, "councils/council/item_step.html", context)


@login_required
def item_stop(request, pk):
    """Withdraw or reject an item, with the reason (from any step before its end)."""
    item = _item_for(request, pk, write=True)
    form = StopForm(request.POST or None, item=item, user=request.user)
    if request.method == "POST" and form.is_valid():
        stop = Step(form.cleaned_data["stop"])
        try:
            item.advance(stop, by=request.user, **form.advance_kwargs())
        except ValidationError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("议题已%(stop)s。") % {"stop": stop.label})
            return redirect("councils:item", pk=item.pk)
    return render(request, "councils/council/item_stop.html", {"item": item, "form": form})


@login_required
@require_POST
def item_outcome(request, pk):
    item = _item_for(request, pk, write=True)
    form = OutcomeForm(request.POST, item=item)
    if form.is_valid():
        try:
            item.record_consultation(form.instance, request.user)
        except ValidationError as error:
            add_domain_errors(form, error)
        else:
            result = form.instance.get_result_display()
            messages.success(request, _("已登记居民评议结果：%(result)s。") % {"result": result})
            return redirect(reverse("councils:item", args=[item.pk]) + "#consultation")
    context = _item_context(request, item)
    context["outcome_form"] = form
    return render(request, "councils/council/item_detail.html", context)


@login_required
@require_POST
def item_publish(request, pk):
    item = _item_for(request, pk, write=True)
    public = request.POST.get("public") == "1"
    try:
        item.set_public(public, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已在社区议事园公开。") if public else _("已从社区议事园撤下。"))
    return redirect("councils:item", pk=item.pk)


@login_required
@require_POST
def task_add(request, pk):
    item = _item_for(request, pk, write=True)
    form = TaskForm(request.POST, item=item, user=request.user)
    if form.is_valid():
        form.save()
        messages.success(request, _("已安排任务。"))
        return redirect(reverse("councils:item", args=[item.pk]) + "#implementation")
    context = _item_context(request, item)
    context["task_form"] = form
    return render(request, "councils/council/item_detail.html", context)


@login_required
@require_POST
def task_done(request, pk, task_pk):
    item = _item_for(request, pk, write=True)
    task = item.tasks.filter(pk=task_pk, done_on__isnull=True).first()
    if task is None:
        raise Http404
    form = TaskDoneForm(request.POST, task=task)
    if form.is_valid():
        task.done_on, task.done_note = form.cleaned_data["done_on"], form.cleaned_data["done_note"]
        try:
            task.full_clean()
        except ValidationError as error:
            messages.error(request, f"{task.text}：{' '.join(error.messages)}")
        else:
            task.save()
            messages.success(request, _("任务“%(text)s”已完成。") % {"text": task.text})
    else:
        messages.error(request, _("请填写完成日期。"))
    return redirect(reverse("councils:item", args=[item.pk]) + "#implementation")


@login_required
@require_POST
def progress_add(request, pk):
    item = _item_for(request, pk, write=True)
    form = ProgressForm(request.POST, request.FILES, item=item, user=request.user)
    if form.is_valid():
        with transaction.atomic():
            note = form.save()
            if form.cleaned_data.get("photo"):
                photo = ProgressPhoto(
                    note=note,
                    caption=form.cleaned_data["caption"],
                    content_type=form.photo_type,
                    size=len(form.photo_bytes),
                )
                photo.file.save("photo", ContentFile(form.photo_bytes), save=False)
                photo.save()
        messages.success(request, _("已登记进展：%(n)d%%。") % {"n": note.percent})
        return redirect(reverse("councils:item", args=[item.pk]) + "#implementation")
    context = _item_context(request, item)
    context["progress_form"] = form
    return render(request, "councils/council/item_detail.html", context)


def photo_response(photo):
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=photo.content_type)
    response["Content-Disposition"] = "inline"
    return response


@login_required
def progress_photo(request, pk, photo_pk):
    item = _item_for(request, pk)
    photo = ProgressPhoto.objects.filter(pk=photo_pk, note__item=item).first()
    if photo is None:
        raise Http404
    return photo_response(photo)


@login_required
def item_print(request, pk):
    """The whole path of one item on A4: the record a street committee reviews at the year's end."""
    item = _item_for(request, pk)
    context = _item_context(request, item)
    context["shown_comments"] = item.comments.filter(status=Comment.Status.SHOWN).order_by("submitted_at")[:200]
    return render(request, "councils/council/item_print.html", context)


# -- a council meeting's agenda and outcomes -------------------------------------------------------


def _agenda_context(request, meeting, forms=None):
    entries = list(
        meeting.agenda_entries.select_related("item", "item__resolution__decision").order_by("position", "id")
    )
    may_write = covers(request.user, meeting.organization, write=True) and not meeting.is_locked
    forms = forms or {}
    for entry in entries:
        entry.adopt_form = forms.get(("adopt", entry.pk)) or (AdoptForm(entry=entry) if may_write else None)
        entry.conclude_form = forms.get(("conclude", entry.pk)) or (ConcludeForm(entry=entry) if may_write else None)
    return {
        "meeting": meeting,
        "council": getattr(getattr(meeting, "council_link", None), "council", None),
        "entries": entries,
        "quorum": meeting.quorum(),
        "can_write": may_write,
        "add_form": forms.get("add") or (AgendaAddForm(meeting=meeting) if may_write else None),
    }


@login_required
def meeting_agenda(request, pk):
    meeting = _council_meeting_for(request, pk, write=request.method == "POST")
    forms = {}
    if request.method == "POST":
        form = AgendaAddForm(request.POST, meeting=meeting)
        if form.is_valid():
            item = AgendaItem.objects.filter(pk=form.cleaned_data["item"], organization=meeting.organization).first()
            try:
                AgendaEntry.add(meeting, item, request.user)
            except ValidationError as error:
                form.add_error("item", error.messages)
            else:
                messages.success(request, _("已将“%(title)s”列入议程。") % {"title": item.title})
                return redirect("councils:agenda", pk=meeting.pk)
        forms["add"] = form
    return render(request, "councils/council/agenda.html", _agenda_context(request, meeting, forms))


def _entry_for(request, pk, entry_pk):
    meeting = _council_meeting_for(request, pk, write=True)
    entry = meeting.agenda_entries.filter(pk=entry_pk).select_related("item", "meeting").first()
    if entry is None:
        raise Http404
    return meeting, entry


@login_required
@require_POST
def agenda_adopt(request, pk, entry_pk):
    meeting, entry = _entry_for(request, pk, entry_pk)
    form = AdoptForm(request.POST, entry=entry)
    if form.is_valid():
        data = form.cleaned_data
        try:
            resolution = entry.adopt(
                request.user, data["text"], data["votes_for"], data["votes_against"], data["votes_abstain"]
            )
        except ValidationError as error:
            add_domain_errors(form, error, {"text": "text", "votes_for": "votes_for"})
        else:
            messages.success(
                request,
                _("已采纳“%(title)s”，决议%(number)s。") % {"title": entry.item.title, "number": resolution.number},
            )
            return redirect(reverse("councils:agenda", args=[meeting.pk]) + f"#entry-{entry.pk}")
    context = _agenda_context(request, meeting, {("adopt", entry.pk): form})
    return render(request, "councils/council/agenda.html", context)


@login_required
@require_POST
def agenda_conclude(request, pk, entry_pk):
    meeting, entry = _entry_for(request, pk, entry_pk)
    form = ConcludeForm(request.POST, entry=entry)
    if form.is_valid():
        try:
            entry.conclude(request.user, form.cleaned_data["outcome"], form.cleaned_data["outcome_note"])
        except ValidationError as error:
            add_domain_errors(form, error)
        else:
            said = {"title": entry.item.title, "outcome": entry.get_outcome_display()}
            messages.success(request, _("已登记“%(title)s”：%(outcome)s。") % said)
            return redirect(reverse("councils:agenda", args=[meeting.pk]) + f"#entry-{entry.pk}")
    context = _agenda_context(request, meeting, {("conclude", entry.pk): form})
    return render(request, "councils/council/agenda.html", context)


@login_required
@require_POST
def agenda_remove(request, pk, entry_pk):
    meeting, entry = _entry_for(request, pk, entry_pk)
    try:
        entry.remove()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已将“%(title)s”移出议程。") % {"title": entry.item.title})
    return redirect("councils:agenda", pk=meeting.pk)


# -- moderation of the public comments -------------------------------------------------------------


@login_required
def comment_list(request):
    """Comments residents left on the public page, pending first; ``?item=`` one item's."""
    organization = organization_param(request)
    comments = Comment.objects.filter(item__organization__in=_under(organization))
    item_id = pk_or_none(request.GET.get("item"))
    item = None
    if item_id:
        item = get_for_user(AgendaItem.objects.all(), request.user, pk=item_id)
        comments = comments.filter(item=item)
    status = request.GET.get("status", "")
    if status in Comment.Status.values:
        comments = comments.filter(status=status)
    else:
        status = ""
    pending_first = Case(When(status=Comment.Status.PENDING, then=Value(0)), default=Value(1))
    comments = (
        comments.select_related("item", "moderated_by")
        .prefetch_related(
            Prefetch("moderations", queryset=CommentModeration.objects.select_related("by"), to_attr="log")
        )
        .order_by(pending_first, "-submitted_at", "-id")
    )
    page = Paginator(comments, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "organization": organization,
        "item": item,
        "status": status,
        "statuses": Comment.Status.choices,
        "page": page,
        "query": f"org={organization.pk}&status={status}" + (f"&item={item.pk}" if item else ""),
        "can_write": covers(request.user, organization, write=True),
        "form": ModerationForm(),
    }
    return render(request, "councils/council/comment_list.html", context)


@login_required
@require_POST
def comment_moderate(request, pk):
    comment = get_for_user(Comment.objects.select_related("item"), request.user, write=True, pk=pk)
    form = ModerationForm(request.POST)
    if form.is_valid():
        try:
            comment.moderate(form.cleaned_data["action"], request.user, form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("已公开这条意见。") if comment.status == Comment.Status.SHOWN else _("已设为不公开。")
            )
    else:
        messages.error(request, _("请选择公开或不公开。"))
    back = request.POST.get("next", "")
    if not back.startswith("/councils/"):
        back = reverse("councils:comments") + f"?org={comment.item.organization_id}"
    return redirect(back)


# -- tasks ----------------------------------------------------------------------------------------


@login_required
def task_list(request):
    """Implementation tasks under an organization; ``?attention=overdue``: exactly those overdue."""
    organization = organization_param(request)
    tasks = ImplementationTask.objects.filter(item__organization__in=_under(organization))
    attention = request.GET.get("attention", "")
    if attention == "overdue":
        tasks = tasks.filter(pk__in=council_attention.overdue_tasks(timezone.localdate()).values("pk"))
    else:
        attention = ""
        tasks = tasks.filter(done_on__isnull=True)
    tasks = tasks.select_related("item", "item__organization").order_by("due_on", "id")
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "organization": organization,
        "attention": attention,
        "page": page,
        "query": f"org={organization.pk}&attention={attention}",
        "today": timezone.localdate(),
    }
    return render(request, "councils/council/task_list.html", context)


# -- ledgers --------------------------------------------------------------------------------------


@login_required
def item_ledger(request):
    organization, start, end = _ledger_params(request)
    export = AgendaItemLedgerExport(organization, start, end)
    return export.response(request, f"{organization.name}议题台账-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")


@login_required
def resolution_ledger(request):
    organization, start, end = _ledger_params(request)
    export = ResolutionLedgerExport(organization, start, end)
    return export.response(request, f"{organization.name}决议台账-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")
