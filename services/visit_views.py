"""Care visits (走访慰问), the visits falling due, households in need and pairings (结对帮扶).

Every list is scoped (``organization_param``: the user's own organization or one under it, else
404) and paginated; the lists behind the home page's counts (``?attention=``) show exactly the rows
``services.visits`` counts. Another community's visit, household or pairing answers 404; a viewer
gets 403 on every write.
"""

import datetime
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members import disclosure
from members.models import Member
from members.views import attach_places
from organizations.access import can_reveal_id, can_write_anything, covers, get_for_user, organization_param
from organizations.models import Organization
from portal.identity import mask_phone
from portal.params import date_param, pk_or_none
from services import visits as rules
from services.models import CareVisit, Household, Pairing, VisitDue
from services.visit_forms import (
    EndPairingForm,
    HouseholdForm,
    PairingForm,
    VisitForm,
    helper_members,
    visit_members,
)

PAGE_SIZE = 50
SEARCH_RESULTS = 10


def _under(organization):
    return Organization.objects.under(organization).values("pk")


def _visit_for(request, pk, write=False):
    visits = CareVisit.objects.select_related(
        "organization", "member", "member__organization", "household", "pairing", "pairing__member", "created_by"
    )
    return get_for_user(visits, request.user, write, pk=pk)


def _household_for(request, pk, write=False):
    return get_for_user(Household.objects.select_related("organization"), request.user, write, pk=pk)


def _pairing_for(request, pk, write=False):
    pairings = Pairing.objects.select_related("member", "member__organization", "household__organization")
    return get_for_user(pairings, request.user, write, pk=pk)


def _may_write(user, organization):
    return covers(user, organization, write=True)


def _attention_param(request, choices):
    """The ``?attention=`` filter if it is one of ``choices``, else ''."""
    value = request.GET.get("attention", "")
    return value if value in choices else ""


def show_phone(household, user):
    """A household's phone as ``user`` may see it: as a member's phone is shown (members/disclosure.py)."""
    return household.phone if can_reveal_id(user, household.organization) else mask_phone(household.phone)


def attach_notes(visits, user):
    """Each visit's ``shown_notes``: its notes, or None when they are sensitive and ``user`` may not read them."""
    for visit in visits:
        visit.shown_notes = visit.notes if visit.notes_visible_to(user) else None
    return visits


# -- care visits ----------------------------------------------------------------------------------


@login_required
def visit_list(request):
    organization = organization_param(request)
    today = datetime.date.today()
    start, start_problem = date_param(request, "start")
    end, end_problem = date_param(request, "end")
    start = start or today.replace(month=1, day=1)
    end = end or today
    reason = request.GET.get("reason", "")
    reason = reason if reason in CareVisit.Reason.values or reason == "must" else ""
    follow_up = request.GET.get("follow_up") == "1"
    visits = CareVisit.objects.filter(organization__in=_under(organization), visited_on__range=(start, end))
    if reason == "must":
        visits = visits.filter(reason__in=CareVisit.MUST_VISITS)
    elif reason:
        visits = visits.filter(reason=reason)
    if follow_up:
        visits = visits.filter(follow_up_needed=True)
    visits = (
        visits.select_related("organization", "member", "household", "pairing")
        .prefetch_related("visitors")
        .order_by("-visited_on", "-id")
    )
    page = Paginator(visits, PAGE_SIZE).get_page(request.GET.get("page"))
    attach_notes(page.object_list, request.user)
    query = (
        f"org={organization.pk}&start={start:%Y-%m-%d}&end={end:%Y-%m-%d}&reason={reason}"
        f"&follow_up={'1' if follow_up else ''}"
    )
    context = {
        "organization": organization,
        "start": start,
        "end": end,
        "reason": reason,
        "reasons": CareVisit.Reason.choices,
        "follow_up": follow_up,
        "page": page,
        "query": query,
        "problems": [problem for problem in (start_problem, end_problem) if problem],
        "can_write": can_write_anything(request.user),
    }
    return render(request, "services/visits/list.html", context)


@login_required
def visit_detail(request, pk):
    visit = _visit_for(request, pk)
    attach_notes([visit], request.user)
    if visit.household_id:
        visit.household.shown_phone = show_phone(visit.household, request.user)
    context = {
        "visit": visit,
        "visitors": attach_places(list(visit.visitors.select_related("organization").order_by("name_pinyin"))),
        "settled": visit.dues_done.select_related("change", "follow_up_of").order_by("due_on"),
        "follow_up": VisitDue.objects.filter(follow_up_of=visit).select_related("visit").first(),
        "can_write": _may_write(request.user, visit.organization),
    }
    return render(request, "services/visits/detail.html", context)


@login_required
def visit_new(request):
    if not can_write_anything(request.user):
        raise PermissionDenied
    visit = CareVisit(created_by=request.user)
    form = VisitForm(request.POST or None, instance=visit, user=request.user, preset=_preset(request))
    if request.method == "POST" and form.is_valid():
        visit = form.save()
        messages.success(request, _("已登记走访：%(visit)s。") % {"visit": visit})
        return redirect("services:visit", pk=visit.pk)
    return _visit_form(request, form)


def _preset(request):
    """What ``?member=``, ``?household=``, ``?pairing=`` or ``?due=`` (a visit falling due) fill in."""
    user = request.user
    due_pk, pairing_pk = pk_or_none(request.GET.get("due")), pk_or_none(request.GET.get("pairing"))
    member_pk, household_pk = pk_or_none(request.GET.get("member")), pk_or_none(request.GET.get("household"))
    if due_pk:
        due = get_for_user(VisitDue.objects.select_related("organization"), user, pk=due_pk)
        member_pk, household_pk = due.member_id, due.household_id
        preset = {"reason": due.reason, "target_organization": due.organization}
    else:
        preset = {"reason": request.GET.get("reason") if request.GET.get("reason") in CareVisit.Reason.values else None}
    if pairing_pk:
        pairing = get_for_user(Pairing.objects.select_related("household__organization"), user, pk=pairing_pk)
        household_pk = pairing.household_id
        preset.update(pairing=pairing.pk, reason=preset.get("reason") or CareVisit.Reason.OTHER)
    if member_pk:
        member = get_for_user(visit_members(user).select_related("organization"), user, pk=member_pk)
        preset.update(target=VisitForm.Target.MEMBER, member=member.pk)
        preset.setdefault("target_organization", member.organization)
    elif household_pk:
        household = get_for_user(Household.objects.select_related("organization"), user, pk=household_pk)
        preset.update(target=VisitForm.Target.HOUSEHOLD, household=household.pk)
        preset.setdefault("target_organization", household.organization)
    return preset


@login_required
def visit_edit(request, pk):
    visit = _visit_for(request, pk, write=True)
    form = VisitForm(request.POST or None, instance=visit, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("已保存走访记录。"))
        return redirect("services:visit", pk=visit.pk)
    return _visit_form(request, form, visit)


def _visit_form(request, form, visit=None):
    member = form.chosen_member()
    context = {
        "form": form,
        "visit": visit,
        "chosen_member": attach_places([member])[0] if member else None,
        "chosen_visitors": attach_places(form.chosen_visitors()),
    }
    return render(request, "services/visits/form.html", context)


PURPOSES = ("member", "visitor", "helper")


@login_required
@require_POST  # a name or number typed in a search box stays out of URLs (portal/params.py)
def member_search(request):
    """Members to pick for a visit (``purpose`` "member": anyone in the user's write scope, on the
    register or not), as a visitor or a helper (on the register): the member list's own search."""
    if not can_write_anything(request.user):
        raise PermissionDenied
    purpose = request.POST.get("purpose") if request.POST.get("purpose") in PURPOSES else "member"
    term = request.POST.get(f"q_{purpose}", request.POST.get("q", "")).strip()  # the pickers' boxes share a form
    found = []
    if term:
        members = (visit_members if purpose == "member" else helper_members)(request.user)
        results = disclosure.search(members.select_related("organization"), term, request.user)
        found = attach_places(results.order_by("name_pinyin", "id")[:SEARCH_RESULTS])
        disclosure.audit_number_search(request, term, len(found), "走访慰问选人")
    chosen = {pk_or_none(value) for value in request.POST.getlist("visitors")}
    for member in found:
        member.chosen = purpose == "visitor" and member.pk in chosen
    context = {"found": found, "term": term, "purpose": purpose}
    return render(request, "services/visits/_member_results.html", context)


@login_required
@require_POST
def member_pick(request):
    """The member picked from the results: the chosen person (``member``/``helper``) or one more visitor."""
    if not can_write_anything(request.user):
        raise PermissionDenied
    purpose = request.POST.get("purpose") if request.POST.get("purpose") in PURPOSES else "member"
    members = (visit_members if purpose == "member" else helper_members)(request.user)
    member = members.select_related("organization").filter(pk=pk_or_none(request.POST.get("pick"))).first()
    if member is None:
        raise Http404
    attach_places([member])
    if purpose == "visitor":
        if member.pk in {pk_or_none(value) for value in request.POST.getlist("visitors")}:
            return HttpResponse(status=204)  # already added
        return render(request, "services/visits/_visitor_chip.html", {"member": member})
    return render(request, "services/visits/_chosen_member.html", {"member": member, "purpose": purpose})


# -- visits falling due ---------------------------------------------------------------------------

DUE_STATUSES = {
    "open": lambda dues: dues.open(),
    "done": lambda dues: dues.filter(visit__isnull=False),
    "cancelled": lambda dues: dues.filter(cancelled=True),
    "all": lambda dues: dues,
}
DUE_ATTENTION = {"overdue": rules.overdue_dues, "must": rules.must_visits_due}


@login_required
def due_list(request):
    """Visits falling due; ``?attention=overdue|must`` is exactly what the home page counts."""
    organization = organization_param(request)
    today = datetime.date.today()
    attention = _attention_param(request, DUE_ATTENTION)
    status = request.GET.get("status", "open")
    status = status if status in DUE_STATUSES else "open"
    if attention:
        dues = DUE_ATTENTION[attention](today)
    else:
        dues = DUE_STATUSES[status](VisitDue.objects.all())
    dues = (
        dues.filter(organization__in=_under(organization))
        .select_related("organization", "member", "household", "change", "follow_up_of", "visit")
        .order_by("due_on", "id")
    )
    page = Paginator(dues, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "organization": organization,
        "attention": attention,
        "status": status,
        "statuses": [
            ("open", _("待走访")),
            ("done", _("已走访")),
            ("cancelled", _("已取消")),
            ("all", _("全部")),
        ],
        "page": page,
        "today": today,
        "query": f"org={organization.pk}&attention={attention}&status={status}",
        "can_write": can_write_anything(request.user),
    }
    return render(request, "services/visits/due_list.html", context)


@login_required
def due_cancel(request, pk):
    """A visit no longer due (the family moved away, nobody left to visit): kept, marked cancelled."""
    due = get_for_user(VisitDue.objects.select_related("member", "household", "organization"), request.user, pk=pk)
    if not _may_write(request.user, due.organization):
        raise PermissionDenied
    if not due.open:
        raise Http404
    if request.method == "POST":
        due.cancelled = True
        due.save(update_fields=["cancelled", "updated_at"])
        messages.success(request, _("已取消：%(due)s。") % {"due": due})
        return redirect(f"{reverse('services:visits_due')}?org={due.organization_id}")
    return render(request, "services/visits/due_cancel.html", {"due": due})


# -- households -----------------------------------------------------------------------------------

HOUSEHOLD_ATTENTION = {"without_helper": rules.households_without_helper}


@login_required
def household_list(request):
    organization = organization_param(request)
    today = datetime.date.today()
    attention = _attention_param(request, HOUSEHOLD_ATTENTION)
    kind = request.GET.get("kind", "")
    kind = kind if kind in Household.Kind.values else ""
    show_closed = request.GET.get("closed") == "1"
    if attention:
        households = HOUSEHOLD_ATTENTION[attention](today)
    else:
        households = Household.objects.all()
        if not show_closed:
            households = households.filter(closed_on__isnull=True)
    households = households.filter(organization__in=_under(organization))
    if kind:
        # A JSON list: the kinds' own values are plain words, quoted as JSON writes them.
        households = households.filter(kinds__icontains=f'"{kind}"')
    households = households.select_related("organization").order_by("name", "id")
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
    _attach_household_facts(page.object_list, request.user, today)
    context = {
        "organization": organization,
        "attention": attention,
        "kind": kind,
        "kinds": Household.Kind.choices,
        "show_closed": show_closed,
        "page": page,
        "query": f"org={organization.pk}&attention={attention}&kind={kind}&closed={'1' if show_closed else ''}",
        "can_write": can_write_anything(request.user),
    }
    return render(request, "services/visits/household_list.html", context)


def _attach_household_facts(households, user, today):
    """Each household's helpers in force, last visit and phone as ``user`` may see it: two queries a page."""
    households = list(households)
    helpers = defaultdict(list)
    pairings = Pairing.objects.current(today).with_helper_on_register().filter(household__in=households)
    for pairing in pairings.select_related("member").order_by("member__name_pinyin"):
        helpers[pairing.household_id].append(pairing.member)
    last = dict(
        CareVisit.objects.filter(household__in=households)
        .order_by()
        .values("household")
        .annotate(last=Max("visited_on"))
        .values_list("household", "last")
    )
    for household in households:
        household.helpers = helpers[household.pk]
        household.last_visit = last.get(household.pk)
        household.shown_phone = show_phone(household, user)
    return households


@login_required
def household_new(request):
    if not can_write_anything(request.user):
        raise PermissionDenied
    form = HouseholdForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        household = form.save()
        messages.success(request, _("已登记困难家庭“%(name)s”。") % {"name": household.name})
        return redirect("services:household", pk=household.pk)
    return render(request, "services/visits/household_form.html", {"form": form})


@login_required
def household_detail(request, pk):
    household = _household_for(request, pk)
    today = datetime.date.today()
    household.shown_phone = show_phone(household, request.user)
    pairings = rules.with_next_contact(household.pairings.select_related("member", "member__organization"))
    pairings = list(pairings.order_by("-started_on", "-id")[:PAGE_SIZE])
    for pairing in pairings:
        pairing.in_force_now = pairing.in_force(today)
        pairing.behind = pairing.in_force_now and pairing.next_contact < today
    visits = household.visits.select_related("organization", "pairing", "pairing__member").prefetch_related("visitors")
    page = Paginator(visits.order_by("-visited_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    attach_notes(page.object_list, request.user)
    context = {
        "household": household,
        "pairings": pairings,
        "page": page,
        "query": "",
        "dues": household.visits_due.open().order_by("due_on", "id")[:PAGE_SIZE],
        "today": today,
        "can_write": _may_write(request.user, household.organization),
    }
    return render(request, "services/visits/household_detail.html", context)


@login_required
def household_edit(request, pk):
    household = _household_for(request, pk, write=True)
    form = HouseholdForm(request.POST or None, instance=household, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("已保存困难家庭“%(name)s”。") % {"name": household.name})
        return redirect("services:household", pk=household.pk)
    context = {"form": form, "household": household}
    return render(request, "services/visits/household_form.html", context)


# -- pairings -------------------------------------------------------------------------------------

PAIRING_ATTENTION = {"behind": rules.pairings_behind}
PAIRING_STATUSES = {
    "current": lambda pairings, today: pairings.current(today),
    "ended": lambda pairings, today: pairings.filter(ended_on__lt=today),
    "all": lambda pairings, today: pairings,
}


@login_required
def pairing_list(request):
    organization = organization_param(request)
    today = datetime.date.today()
    attention = _attention_param(request, PAIRING_ATTENTION)
    status = request.GET.get("status", "current")
    status = status if status in PAIRING_STATUSES else "current"
    if attention:
        pairings = PAIRING_ATTENTION[attention](today)
    else:
        pairings = rules.with_next_contact(PAIRING_STATUSES[status](Pairing.objects.all(), today))
    pairings = (
        pairings.filter(household__organization__in=_under(organization))
        .select_related("member", "member__organization", "household")
        .order_by("household__name", "household_id", "-started_on", "-id")
    )
    page = Paginator(pairings, PAGE_SIZE).get_page(request.GET.get("page"))
    for pairing in page.object_list:
        pairing.in_force_now = pairing.in_force(today)
        pairing.behind = pairing.in_force_now and pairing.next_contact < today
    attach_places([pairing.member for pairing in page.object_list])
    context = {
        "organization": organization,
        "attention": attention,
        "status": status,
        "statuses": [("current", _("进行中")), ("ended", _("已结束")), ("all", _("全部"))],
        "page": page,
        "today": today,
        "query": f"org={organization.pk}&attention={attention}&status={status}",
        "can_write": can_write_anything(request.user),
    }
    return render(request, "services/visits/pairing_list.html", context)


HELPER_ATTENTION = {"overloaded": rules.helpers_overloaded}


@login_required
def helper_list(request):
    """Members helping households now, with how many; ``?attention=overloaded``: more than five."""
    organization = organization_param(request)
    today = datetime.date.today()
    attention = _attention_param(request, HELPER_ATTENTION)
    current = Q(pairings__started_on__lte=today) & (
        Q(pairings__ended_on__isnull=True) | Q(pairings__ended_on__gte=today)
    )
    if attention:
        helpers = HELPER_ATTENTION[attention](today)
    else:
        helpers = helper_members_with_pairings(today)
    helpers = (
        helpers.filter(organization__in=_under(organization))
        .annotate(households=Count("pairings", filter=current))
        .select_related("organization")
        .order_by("-households", "name_pinyin", "id")
    )
    page = Paginator(helpers, PAGE_SIZE).get_page(request.GET.get("page"))
    attach_places(page.object_list)
    names = defaultdict(list)
    for pairing in Pairing.objects.current(today).filter(member__in=page.object_list).select_related("household"):
        names[pairing.member_id].append(pairing.household)
    for member in page.object_list:
        member.paired = sorted(names[member.pk], key=lambda household: household.name)
    context = {
        "organization": organization,
        "attention": attention,
        "page": page,
        "limit": rules.MAX_HOUSEHOLDS_PER_HELPER,
        "query": f"org={organization.pk}&attention={attention}",
    }
    return render(request, "services/visits/helper_list.html", context)


def helper_members_with_pairings(day):
    return Member.objects.current().filter(pk__in=Pairing.objects.current(day).values("member"))


@login_required
def pairing_new(request):
    if not can_write_anything(request.user):
        raise PermissionDenied
    initial = {}
    household_pk = pk_or_none(request.GET.get("household"))
    if household_pk:
        household = get_for_user(Household.objects.all(), request.user, write=True, pk=household_pk)
        initial["household"] = household.pk
    form = PairingForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        pairing = form.save()
        messages.success(request, _("已登记结对帮扶：%(pairing)s。") % {"pairing": pairing})
        return redirect("services:household", pk=pairing.household_id)
    return _pairing_form(request, form)


@login_required
def pairing_edit(request, pk):
    pairing = _pairing_for(request, pk, write=True)
    form = PairingForm(request.POST or None, instance=pairing, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("已保存结对帮扶：%(pairing)s。") % {"pairing": pairing})
        return redirect("services:household", pk=pairing.household_id)
    return _pairing_form(request, form, pairing)


def _pairing_form(request, form, pairing=None):
    member = form.chosen_member()
    context = {"form": form, "pairing": pairing, "chosen_member": attach_places([member])[0] if member else None}
    return render(request, "services/visits/pairing_form.html", context)


@login_required
def pairing_end(request, pk):
    pairing = _pairing_for(request, pk, write=True)
    if pairing.ended_on is not None and pairing.ended_on < timezone.localdate():
        messages.info(request, _("该结对帮扶已于%(day)s结束。") % {"day": pairing.ended_on})
        return redirect("services:household", pk=pairing.household_id)
    form = EndPairingForm(request.POST or None, instance=pairing)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("已结束结对帮扶：%(pairing)s。") % {"pairing": pairing})
        return redirect("services:household", pk=pairing.household_id)
    context = {"form": form, "pairing": pairing}
    return render(request, "services/visits/pairing_end.html", context)
