"""Service activities: the list, an activity's page, and the quick entry of its participants (a phone
at the activity, or the signed sign-in sheet afterwards). Participants are ledger entries only."""

import datetime
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members import disclosure
from members.models import Member
from members.views import attach_places
from organizations.access import can_write_anything, covers, get_for_user, organization_param, scoped
from organizations.models import Organization
from portal.params import date_param, pk_or_none
from services.forms import ActivityForm, Participant, ParticipantsForm, parse_hours
from services.models import Activity, ServiceEntry, ServiceTeam, minutes_to_hours

PAGE_SIZE = 50
SEARCH_RESULTS = 10
SHEET_BLANK_ROWS = 8


def _activity_for(request, pk, write=False):
    return get_for_user(
        Activity.objects.select_related("organization", "team", "agreement", "created_by"), request.user, write, pk=pk
    )


def _may_write(user, activity):
    return covers(user, activity.organization, write=True)


@login_required
def activity_list(request):
    organization = organization_param(request)
    today = datetime.date.today()
    start, start_problem = date_param(request, "start")
    end, end_problem = date_param(request, "end")
    start = start or today.replace(month=1, day=1)
    end = end or today.replace(month=12, day=31)
    kind = request.GET.get("kind", "")
    activities = Activity.objects.filter(
        organization__in=Organization.objects.under(organization).values("pk"),
        starts_at__gte=_midnight(start),
        starts_at__lt=_midnight(end + datetime.timedelta(days=1)),
    )
    if kind in Activity.Kind.values:
        activities = activities.filter(kind=kind)
    else:
        kind = ""
    activities = activities.select_related("organization", "team").order_by("-starts_at", "-id")
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    _attach_figures(page.object_list)
    query = f"org={organization.pk}&start={start:%Y-%m-%d}&end={end:%Y-%m-%d}&kind={kind}"
    context = {
        "organization": organization,
        "start": start,
        "end": end,
        "kind": kind,
        "kinds": Activity.Kind.choices,
        "page": page,
        "query": query,
        "problems": [problem for problem in (start_problem, end_problem) if problem],
        "can_write": can_write_anything(request.user),
    }
    return render(request, "services/activity_list.html", context)


def _midnight(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _attach_figures(activities):
    """Each activity's participants and hours (corrections netted), in one query for the page."""
    activities = list(activities)
    people, minutes = defaultdict(int), defaultdict(int)
    for activity, net in ServiceEntry.objects.filter(activity__in=activities).net_by_original("activity"):
        minutes[activity] += net
        people[activity] += net > 0
    for activity in activities:
        activity.participant_count = people[activity.pk]
        activity.hours = minutes_to_hours(minutes[activity.pk])
    return activities


@login_required
def activity_detail(request, pk):
    activity = _activity_for(request, pk)
    participants = ParticipantsForm(activity, request.user).rows
    attach_places([row.member for row in participants])
    history = (
        activity.entries.filter(Q(corrects__isnull=False))
        .select_related("member", "recorded_by", "corrects")
        .order_by("-recorded_at", "-id")[:100]
    )
    context = {
        "activity": activity,
        "participants": participants,
        "standing": [row for row in participants if row.net_minutes > 0],
        "total_hours": minutes_to_hours(sum(row.net_minutes for row in participants)),
        "history": history,
        "can_write": _may_write(request.user, activity),
    }
    return render(request, "services/activity_detail.html", context)


@login_required
def activity_new(request):
    """The quick entry: an activity and its participants on one screen, saved together."""
    if not can_write_anything(request.user):
        raise PermissionDenied
    activity = Activity(created_by=request.user)
    initial = {}
    team = _team_param(request)
    if team is not None:
        initial = {"team": team.pk, "organization": team.organization_id, "kind": _kind_of_team(team)}
    form = ActivityForm(request.POST or None, instance=activity, user=request.user, initial=initial)
    participants = ParticipantsForm(activity, request.user, request.POST or None, require_someone=False)
    if request.method == "POST":
        form_ok = form.is_valid()
        rows_ok = participants.is_valid() if form_ok else _rows_only(participants)
        if form_ok and rows_ok and participants.check():
            saved = _save_new(form, participants)
            if saved is not None:
                count = len(saved)
                messages.success(
                    request, _("已登记活动“%(title)s”，参加人员 %(n)s 名。") % {"title": activity.title, "n": count}
                )
                return redirect("services:activity", pk=activity.pk)
    return _quick_entry(request, form, participants, activity)


def _rows_only(participants):
    """The rows' own checks when the activity's details are not yet valid (all messages at once)."""
    for row in participants.rows:
        if not row.error and row.taken and row.posted:
            row.minutes, problem = parse_hours(row.hours)
            row.error = problem or ""
    return False


def _save_new(form, participants):
    with transaction.atomic():
        activity = form.save()
        participants.activity = activity
        saved = participants.save()
        if saved is None:
            transaction.set_rollback(True)
    if saved is None:
        activity.pk = None
        activity._state.adding = True
    return saved


@login_required
def activity_edit(request, pk):
    activity = _activity_for(request, pk, write=True)
    form = ActivityForm(request.POST or None, instance=activity, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("已保存活动“%(title)s”。") % {"title": activity.title})
        return redirect("services:activity", pk=activity.pk)
    return render(request, "services/activity_form.html", {"activity": activity, "form": form})


@login_required
def activity_participants(request, pk):
    """Who took part, ticked in on a phone or from the signed sheet: new people get an entry, a
    changed figure a correction, someone unticked a reversal."""
    activity = _activity_for(request, pk, write=True)
    source = request.GET.get("source") or request.POST.get("source")
    source = source if source == ServiceEntry.Source.SIGN_IN else ServiceEntry.Source.ACTIVITY
    participants = ParticipantsForm(activity, request.user, request.POST or None, source=source)
    if request.method == "POST" and participants.is_valid():
        saved = participants.save()
        if saved is not None:
            if saved:
                messages.success(request, _("已记入服务台账 %(n)s 条。") % {"n": len(saved)})
            else:
                messages.info(request, _("没有变化，未记入新的记录。"))
            return redirect("services:activity", pk=activity.pk)
    if request.method == "GET" and source == ServiceEntry.Source.SIGN_IN:
        _expect_team(participants, activity)
    return _quick_entry(request, None, participants, activity)


def _expect_team(participants, activity):
    """The signed sheet lists the team's members: those not yet recorded are offered unticked, to
    tick those who signed."""
    if activity.team is None:
        return
    recorded = {row.member.pk for row in participants.rows}
    members = scoped(activity.team.current_members(), participants.user, write=True).current()
    hours = str(minutes_to_hours(activity.credited_minutes))
    participants.rows += [
        Participant(member, hours, taken=False) for member in members.exclude(pk__in=recorded).order_by("name_pinyin")
    ]


def _quick_entry(request, form, participants, activity):
    attach_places([row.member for row in participants.rows if row.member.organization_id])
    context = {
        "form": form,
        "participants": participants,
        "activity": activity,
        "source": participants.source,
        "sources": [(value, label) for value, label in ServiceEntry.Source.choices if value in ("activity", "sign_in")],
        "default_hours": (
            minutes_to_hours(activity.credited_minutes) if activity.pk else form["credited_hours"].value() or "2"
        ),
    }
    return render(request, "services/quick_entry.html", context)


@login_required
@require_POST  # a name typed in a search box stays out of URLs (portal/params.py)
def member_search(request):
    """Members the user may record service for, by name, pinyin or pinyin initials (zwh): the member
    list's own search (members.disclosure.search), a few at a time."""
    if not can_write_anything(request.user):
        raise PermissionDenied
    term = request.POST.get("q", "").strip()
    found = []
    if term:
        members = scoped(Member.objects.current(), request.user, write=True).select_related("organization")
        results = disclosure.search(members, term, request.user).order_by("name_pinyin", "id")
        found = attach_places(results[:SEARCH_RESULTS])
        disclosure.audit_number_search(request, term, len(found), "服务活动选人")
    chosen = {pk_or_none(value) for value in request.POST.getlist("member")}
    for member in found:
        member.chosen = member.pk in chosen
    return render(request, "services/_member_results.html", {"found": found, "term": term})


@login_required
@require_POST
def participant_row(request):
    """One participant's row for the quick-entry screen (appended to the table; nothing saved yet)."""
    if not can_write_anything(request.user):
        raise PermissionDenied
    pk = pk_or_none(request.POST.get("add"))
    member = scoped(Member.objects.current(), request.user, write=True).filter(pk=pk).first()
    if member is None:
        raise Http404
    if pk in {pk_or_none(value) for value in request.POST.getlist("member")}:
        return HttpResponse(status=204)  # already on the screen
    minutes, problem = parse_hours(request.POST.get("credited_hours") or request.POST.get("default_hours") or "2")
    hours = str(minutes_to_hours(minutes)) if not problem else "2"
    row = Participant(attach_places([member])[0], hours, posted=True)
    return render(request, "services/_participant_row.html", {"row": row, "added": True})


@login_required
def sign_in_sheet(request, pk):
    """An A4 sheet to sign at the activity: the expected participants and blank rows."""
    activity = _activity_for(request, pk)
    expected = {}
    for row in ParticipantsForm(activity, request.user).rows:
        if row.net_minutes > 0:
            expected[row.member.pk] = row.member
    if activity.team is not None:
        for member in scoped(activity.team.current_members(), request.user).current():
            expected.setdefault(member.pk, member)
    members = attach_places(sorted(expected.values(), key=lambda member: member.name_pinyin))
    context = {"activity": activity, "members": members, "blank_rows": range(SHEET_BLANK_ROWS)}
    return render(request, "services/sign_in_sheet.html", context)


def _team_param(request):
    pk = pk_or_none(request.GET.get("team"))
    if pk is None:
        return None
    return get_for_user(ServiceTeam.objects.select_related("organization"), request.user, pk=pk)


def _kind_of_team(team):
    return {
        ServiceTeam.Kind.CONVENIENCE: Activity.Kind.CONVENIENCE,
        ServiceTeam.Kind.PATROL: Activity.Kind.PATROL,
        ServiceTeam.Kind.ENVIRONMENT: Activity.Kind.ENVIRONMENT,
        ServiceTeam.Kind.PUBLICITY: Activity.Kind.PUBLICITY,
    }.get(team.kind, Activity.Kind.VOLUNTEER)
