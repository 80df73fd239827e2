"""Resident units (驻区单位) and their co-building agreements (共建协议), and the services' ledgers
(台账) of an organization and a period as xlsx.

A unit or agreement of another community answers 404, a read-only role 403 on any change
(``organizations.access.get_for_user``). The projects done together are the service activities
that point to an agreement.
"""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from organizations.access import can_write_anything, covers, get_for_user, organization_param
from organizations.models import Organization
from portal.params import BadParameter, date_param, strict_date_param
from services.activity_views import _attach_figures
from services.home import ENDING_DAYS, ending_soon
from services.ledgers import LEDGERS
from services.models import Activity, CoBuildingAgreement, ResidentUnit
from services.unit_forms import AgreementForm, ResidentUnitForm, community_choices

PAGE_SIZE = 50


def _unit_for(request, pk, write=False):
    return get_for_user(ResidentUnit.objects.select_related("organization"), request.user, write, pk=pk)


def _agreement_for(request, pk, write=False):
    return get_for_user(
        CoBuildingAgreement.objects.select_related("unit", "unit__organization", "organization"),
        request.user,
        write,
        pk=pk,
    )


def _under(organization):
    return Organization.objects.under(organization).values("pk")


# -- resident units -------------------------------------------------------------------------------


@login_required
def unit_list(request):
    organization = organization_param(request)
    today = datetime.date.today()
    term = " ".join(request.GET.get("q", "").split())[:50]
    units = ResidentUnit.objects.filter(organization__in=_under(organization))
    if term:
        units = units.filter(Q(name__icontains=term) | Q(party_organization__icontains=term))
    in_force = Q(agreements__starts_on__lte=today) & (
        Q(agreements__ends_on__isnull=True) | Q(agreements__ends_on__gte=today)
    )
    units = (
        units.select_related("organization")
        .annotate(in_force=Count("agreements", filter=in_force))
        .order_by("organization__path", "name", "id")
    )
    page = Paginator(units, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "organization": organization,
        "page": page,
        "term": term,
        "query": urlencode({"org": organization.pk, "q": term}),  # a unit's name may hold & or #
        "can_write": can_write_anything(request.user),
        "ending": ending_soon(CoBuildingAgreement.objects.filter(organization__in=_under(organization)), today).count(),
        "ending_days": ENDING_DAYS,
    }
    return render(request, "services/units/unit_list.html", context)


@login_required
def unit_new(request):
    if not can_write_anything(request.user) or not community_choices(request.user):
        raise PermissionDenied  # a branch's secretary registers no unit: units belong to a community
    form = ResidentUnitForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        unit = form.save()
        messages.success(request, _("已登记驻区单位“%(name)s”。") % {"name": unit.name})
        return redirect("services:unit", pk=unit.pk)
    return render(request, "services/units/unit_form.html", {"form": form})


@login_required
def unit_detail(request, pk):
    unit = _unit_for(request, pk)
    today = datetime.date.today()
    agreements = list(
        unit.agreements.select_related("organization")
        .annotate(projects=Count("activities"))
        .order_by("-starts_on", "-id")[:PAGE_SIZE]
    )
    soon = today + datetime.timedelta(days=ENDING_DAYS)
    for agreement in agreements:
        agreement.is_in_force = agreement.in_force(today)
        agreement.ending_soon = agreement.ends_on is not None and today <= agreement.ends_on <= soon
    recent = _projects_of(unit.agreements.values("pk")).select_related("organization", "agreement")[:10]
    recent = _attach_figures(recent) if agreements else []
    context = {
        "unit": unit,
        "agreements": agreements,
        "recent": recent,
        "can_write": covers(request.user, unit.organization, write=True),
    }
    return render(request, "services/units/unit_detail.html", context)


@login_required
def unit_edit(request, pk):
    unit = _unit_for(request, pk, write=True)
    form = ResidentUnitForm(request.POST or None, instance=unit, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("已保存驻区单位“%(name)s”。") % {"name": unit.name})
        return redirect("services:unit", pk=unit.pk)
    context = {"form": form, "unit": unit}
    return render(request, "services/units/unit_form.html", context)


# -- co-building agreements -----------------------------------------------------------------------


def _projects_of(agreements):
    return Activity.objects.filter(agreement__in=agreements).order_by("-starts_at", "-id")


@login_required
def agreement_list(request):
    """The agreements under an organization; ``?ending=1``: exactly those the home page counts as
    ending within ENDING_DAYS days."""
    organization = organization_param(request)
    today = datetime.date.today()
    only_ending = request.GET.get("ending") == "1"
    agreements = CoBuildingAgreement.objects.filter(organization__in=_under(organization))
    if only_ending:
        agreements = ending_soon(agreements, today)
    agreements = agreements.select_related("unit", "organization").annotate(projects=Count("activities"))
    agreements = agreements.order_by("ends_on", "id") if only_ending else agreements.order_by("-starts_on", "-id")
    page = Paginator(agreements, PAGE_SIZE).get_page(request.GET.get("page"))
    for agreement in page.object_list:
        agreement.is_in_force = agreement.in_force(today)
    context = {
        "organization": organization,
        "page": page,
        "only_ending": only_ending,
        "ending_days": ENDING_DAYS,
        "query": f"org={organization.pk}&ending={'1' if only_ending else ''}",
    }
    return render(request, "services/units/agreement_list.html", context)


@login_required
def agreement_new(request, pk):
    unit = _unit_for(request, pk, write=True)
    form = AgreementForm(request.POST or None, unit=unit, user=request.user)
    if request.method == "POST" and form.is_valid():
        agreement = form.save()
        messages.success(request, _("已登记共建协议“%(title)s”。") % {"title": agreement.title})
        return redirect("services:agreement", pk=agreement.pk)
    context = {"form": form, "unit": unit}
    return render(request, "services/units/agreement_form.html", context)


@login_required
def agreement_detail(request, pk):
    agreement = _agreement_for(request, pk)
    today = datetime.date.today()
    projects = _projects_of([agreement.pk]).select_related("organization", "team")
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    _attach_figures(page.object_list)
    soon = today + datetime.timedelta(days=ENDING_DAYS)
    context = {
        "agreement": agreement,
        "unit": agreement.unit,
        "page": page,
        "query": "",
        "is_in_force": agreement.in_force(today),
        "ending_soon": agreement.ends_on is not None and today <= agreement.ends_on <= soon,
        "can_write": covers(request.user, agreement.organization, write=True),
    }
    return render(request, "services/units/agreement_detail.html", context)


@login_required
def agreement_edit(request, pk):
    agreement = _agreement_for(request, pk, write=True)
    form = AgreementForm(request.POST or None, instance=agreement, unit=agreement.unit, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("已保存共建协议“%(title)s”。") % {"title": agreement.title})
        return redirect("services:agreement", pk=agreement.pk)
    context = {"form": form, "unit": agreement.unit, "agreement": agreement}
    return render(request, "services/units/agreement_form.html", context)


# -- ledgers (台账) ---------------------------------------------------------------------------------

LEDGER_TITLES = [
    ("activities", _lazy("服务活动台账"), _lazy("每次活动的时间、地点、组织单位、参加人数、服务时长和服务群众人次。")),
    (
        "hours",
        _lazy("党员服务时长台账"),
        _lazy("每名党员在本组织服务的次数和时长（党员调动后，时长仍计在服务所在的组织）。"),
    ),
    (
        "visits",
        _lazy("走访慰问台账"),
        _lazy("每次走访的对象、原因、走访人和慰问物品；标记为敏感的走访情况不导出，只计次数。"),
    ),
    ("pairings", _lazy("结对帮扶台账"), _lazy("期间内有效的结对关系、约定联系周期和期间内的走访次数。")),
    (
        "units",
        _lazy("驻区单位台账"),
        _lazy("驻区单位的联系方式、可提供资源、需求、期间内有效的共建协议和共建项目次数。"),
    ),
]


def _period(request, strict=False):
    """(start, end, problems): the period asked for, this year up to today by default."""
    today = datetime.date.today()
    problems = []
    if strict:
        start, end = strict_date_param(request, "start"), strict_date_param(request, "end")
    else:
        (start, start_problem), (end, end_problem) = date_param(request, "start"), date_param(request, "end")
        problems = [problem for problem in (start_problem, end_problem) if problem]
    end = min(end or today, today)
    start = start or end.replace(month=1, day=1)
    if start > end:
        if strict:
            raise BadParameter(_("起始日期不能晚于截止日期。"))
        problems.append(_("起始日期不能晚于截止日期，已改为截止日期所在年份的1月1日。"))
        start = end.replace(month=1, day=1)
    return start, end, problems


@login_required
def ledgers(request):
    organization = organization_param(request)
    start, end, problems = _period(request)
    query = f"org={organization.pk}&start={start:%Y-%m-%d}&end={end:%Y-%m-%d}"
    context = {
        "organization": organization,
        "start": start,
        "end": end,
        "today": datetime.date.today(),
        "problems": problems,
        "ledgers": [(kind, title, hint, query) for kind, title, hint in LEDGER_TITLES],
    }
    return render(request, "services/ledgers.html", context)


@login_required
def ledger_download(request, kind):
    ledger = LEDGERS.get(kind)
    if ledger is None:
        raise Http404
    organization = organization_param(request)
    start, end, _problems = _period(request, strict=True)
    export = ledger(organization, start, end)
    return export.response(request, export.filename())
