"""In-service members registered in their home community (双报到): the registrations, the yearly
target the street committee sets, the members below it, and the annual feedback letters to their
employers' Party organizations (在职党员社区表现反馈)."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members import disclosure
from members.views import attach_places
from organizations.access import (
    can_write_anything,
    covers,
    get_for_user,
    holds_role,
    organization_param,
    scope_paths,
    scoped,
)
from organizations.models import Organization
from portal.exports import XlsxExport, add_sheet
from portal.params import pk_or_none
from services import inservice
from services.inservice_forms import (
    STREET_STAFF,
    EndRegistrationForm,
    LetterForm,
    RegistrationForm,
    TargetForm,
    candidates,
    target_organizations,
)
from services.models import FeedbackLetter, InServiceRegistration, ServiceTarget

PAGE_SIZE = 50
SEARCH_RESULTS = 10
FIRST_YEAR = 2000
STATES = ("current", "ended", "all")


def _registration_for(request, pk, write=False):
    registrations = InServiceRegistration.objects.select_related(
        "member", "member__organization", "organization", "created_by"
    )
    return get_for_user(registrations, request.user, write, pk=pk)


def _letter_for(request, pk):
    letters = FeedbackLetter.objects.select_related(
        "organization", "issued_by", "registration", "registration__member", "registration__organization"
    )
    return get_for_user(letters, request.user, pk=pk)


def _year_param(request, default):
    """(the ``?year=`` year or ``default``, a message when one was given but is not usable)."""
    text = request.GET.get("year", "").strip()
    if not text:
        return default, None
    year = pk_or_none(text)
    last = datetime.date.today().year
    if year is None or not FIRST_YEAR <= year <= last:
        message = _("年度“%(text)s”无效：请填写 %(first)s 至 %(last)s 之间的年份。") % {
            "text": text[:10],
            "first": FIRST_YEAR,
            "last": last,
        }
        return default, message
    return year, None


def _in_year(registrations, year):
    """Registrations in force at some time in ``year``."""
    start, end = inservice.year_span(year)
    return registrations.filter(Q(registered_on__lte=end), Q(ended_on__isnull=True) | Q(ended_on__gte=start))


def _attach_standings(registrations, year):
    """Each registration of a page gets its ``standing`` in ``year`` (four queries for the page)."""
    registrations = list(registrations)
    today = datetime.date.today()
    found = inservice.standings(
        InServiceRegistration.objects.filter(pk__in=[r.pk for r in registrations]), year, until=today
    )
    by_pk = {standing.registration.pk: standing for standing in found}
    for registration in registrations:
        registration.standing = by_pk.get(registration.pk)
    return registrations


# -- registrations --------------------------------------------------------------------------------


@login_required
def registration_list(request):
    organization = organization_param(request)
    today = datetime.date.today()
    year, problem = _year_param(request, today.year)
    state = request.GET.get("state", "current")
    state = state if state in STATES else "current"
    registrations = _in_year(InServiceRegistration.objects.under(organization), year)
    if state == "current":
        registrations = registrations.filter(ended_on__isnull=True)
    elif state == "ended":
        registrations = registrations.filter(ended_on__isnull=False)
    registrations = registrations.select_related("member", "organization").order_by(
        "organization__path", "member__name_pinyin", "id"
    )
    page = Paginator(registrations, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _attach_standings(page.object_list, year)
    context = {
        "organization": organization,
        "year": year,
        "years": range(today.year, FIRST_YEAR - 1, -1),
        "state": state,
        "states": [("current", _("在册报到")), ("ended", _("已结束")), ("all", _("全部"))],
        "page": page,
        "query": f"org={organization.pk}&year={year}&state={state}",
        "problems": [problem] if problem else [],
        "target": ServiceTarget.in_force(organization, year),
        "can_write": can_write_anything(request.user),
    }
    return render(request, "services/inservice/registration_list.html", context)


@login_required
def registration_new(request):
    if not can_write_anything(request.user):
        raise PermissionDenied
    searching = request.method == "POST" and "search" in request.POST
    initial = None
    if searching:  # what was typed so far, shown again with the members found
        initial = {**request.POST.dict(), "posts": request.POST.getlist("posts")}
    data = request.POST if request.method == "POST" and not searching else None
    form = RegistrationForm(data, initial=initial, user=request.user)
    if request.method == "POST" and not searching and form.is_valid():
        try:
            with transaction.atomic():
                registration = form.save()
        except IntegrityError:  # the same registration saved by someone else a moment ago
            form.add_error("member", _("该党员刚刚已在本社区报到，不能重复报到。"))
        else:
            words = {"name": registration.member.name, "org": registration.organization.name}
            messages.success(request, _("已登记%(name)s到%(org)s报到。") % words)
            return redirect("services:in_service_registration", pk=registration.pk)
    term = request.POST.get("q", "").strip() if searching else ""
    chosen = _chosen(request)
    context = {"form": form, "term": term, "choices": _member_choices(request, term, chosen)}
    return render(request, "services/inservice/registration_form.html", context)


def _chosen(request):
    pk = pk_or_none(request.POST.get("member"))
    return candidates(request.user).select_related("organization").filter(pk=pk).first() if pk else None


def _member_choices(request, term, chosen):
    """The members to pick from: the one already picked (ticked), then those the term finds."""
    found = []
    if term:
        members = candidates(request.user).select_related("organization")
        found = list(disclosure.search(members, term, request.user).order_by("name_pinyin", "id")[:SEARCH_RESULTS])
        disclosure.audit_number_search(request, term, len(found), "在职党员报到选人")
    choices = ([chosen] if chosen else []) + [member for member in found if chosen is None or member.pk != chosen.pk]
    for member in attach_places(choices):
        member.chosen = chosen is not None and member.pk == chosen.pk
    return choices


@login_required
@require_POST  # a name or number typed in a search box stays out of URLs (portal/params.py)
def member_search(request):
    """The members a registration may be for, by name, pinyin initials (zwh) or number: the member
    list's own search, within the user's scope, a few at a time, to pick one."""
    if not can_write_anything(request.user):
        raise PermissionDenied
    term = request.POST.get("q", "").strip()
    context = {"term": term, "choices": _member_choices(request, term, _chosen(request))}
    return render(request, "services/inservice/_member_choices.html", context)


@login_required
def registration_detail(request, pk):
    registration = _registration_for(request, pk)
    today = datetime.date.today()
    last = today.year if registration.ended_on is None else min(today.year, registration.ended_on.year)
    years = list(range(last, max(registration.registered_on.year, last - 5) - 1, -1))
    context = {
        "registration": registration,
        "place": attach_places([registration.member])[0].place,
        "years": inservice.standing_by_year(registration, years, today),
        "letters": registration.letters.select_related("issued_by").order_by("-year", "-number")[:20],
        "can_write": covers(request.user, registration.organization, write=True),
    }
    return render(request, "services/inservice/registration_detail.html", context)


@login_required
def registration_edit(request, pk):
    registration = _registration_for(request, pk, write=True)
    form = RegistrationForm(request.POST or None, instance=registration, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("已保存%(name)s的报到信息。") % {"name": registration.member.name})
        return redirect("services:in_service_registration", pk=registration.pk)
    return render(request, "services/inservice/registration_form.html", {"form": form, "registration": registration})


@login_required
def registration_end(request, pk):
    registration = _registration_for(request, pk, write=True)
    if registration.ended_on is not None:
        messages.info(request, _("该报到已于%(day)s结束。") % {"day": registration.ended_on})
        return redirect("services:in_service_registration", pk=registration.pk)
    form = EndRegistrationForm(request.POST or None, registration=registration)
    if request.method == "POST":
        if form.is_valid():
            registration.save(update_fields=["ended_on", "end_reason", "updated_at"])
            messages.success(request, _("已结束%(name)s的报到。") % {"name": registration.member.name})
            return redirect("services:in_service_registration", pk=registration.pk)
        registration.refresh_from_db()  # the form tried its dates on it
    context = {"form": form, "registration": registration}
    return render(request, "services/inservice/registration_end.html", context)


@login_required
def below_target(request):
    """Registered members below the target in force, or with no service, in a year (this one by
    default): the list behind the home page's attention item."""
    organization = organization_param(request)
    today = datetime.date.today()
    year, problem = _year_param(request, today.year)
    registrations = InServiceRegistration.objects.under(organization)
    found = inservice.below_target(registrations, year, today)
    found.sort(key=lambda standing: (standing.minutes, standing.registration.member.name_pinyin))
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    attach_places([standing.registration.member for standing in page.object_list])
    context = {
        "organization": organization,
        "year": year,
        "years": range(today.year, FIRST_YEAR - 1, -1),
        "day": inservice.year_end_or(today, year),
        "page": page,
        "query": f"org={organization.pk}&year={year}",
        "problems": [problem] if problem else [],
        "target": ServiceTarget.in_force(organization, year),
        "shown_from": datetime.date(today.year, *inservice.ATTENTION_FROM),
    }
    return render(request, "services/inservice/below_target.html", context)


# -- yearly targets -------------------------------------------------------------------------------


def _visible_targets(user):
    """Targets set on an organization the user may see, or on one above it (a community's secretary
    sees the street's target that applies to the community)."""
    paths = scope_paths(user)
    if paths is None:
        return ServiceTarget.objects.all()
    steplen = Organization.steplen
    ancestors = {path[:end] for path in paths for end in range(steplen, len(path) + 1, steplen)}
    condition = Q(organization__path__in=ancestors)
    for path in paths:
        condition |= Q(organization__path__startswith=path)
    return ServiceTarget.objects.filter(condition) if paths else ServiceTarget.objects.none()


def _target_for(request, pk):
    target = _visible_targets(request.user).select_related("organization", "set_by").filter(pk=pk).first()
    if target is None:
        raise Http404
    if not holds_role(request.user, target.organization, STREET_STAFF):
        raise PermissionDenied
    return target


@login_required
def target_list(request):
    targets = _visible_targets(request.user).select_related("organization", "set_by")
    targets = targets.order_by("organization__path", "-effective_year", "-id")
    page = Paginator(targets, PAGE_SIZE).get_page(request.GET.get("page"))
    year = datetime.date.today().year
    in_force = ServiceTarget.in_force_for({target.organization for target in page.object_list}, year)
    for target in page.object_list:
        target.current = in_force[target.organization_id] == target
        target.editable = target.effective_year >= year and holds_role(request.user, target.organization, STREET_STAFF)
    context = {"page": page, "query": "", "year": year, "can_set": bool(target_organizations(request.user))}
    return render(request, "services/inservice/target_list.html", context)


@login_required
def target_new(request):
    organizations = target_organizations(request.user)
    if not organizations:
        raise PermissionDenied  # the street committee sets the target, not a community
    form = TargetForm(request.POST or None, user=request.user, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        target = form.save()
        messages.success(request, _("已设定%(org)s%(year)s年起的目标。") % _target_words(target))
        return redirect("services:in_service_targets")
    return render(request, "services/inservice/target_form.html", {"form": form})


@login_required
def target_edit(request, pk):
    target = _target_for(request, pk)
    if target.effective_year < datetime.date.today().year:
        messages.error(request, _("往年起执行的目标不能修改；如需调整，请设定新的年度目标。"))
        return redirect("services:in_service_targets")
    form = TargetForm(request.POST or None, instance=target, user=request.user, organizations=[target.organization])
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("已修改%(org)s%(year)s年起的目标。") % _target_words(target))
        return redirect("services:in_service_targets")
    return render(request, "services/inservice/target_form.html", {"form": form, "target": target})


def _target_words(target):
    return {"org": target.organization.name, "year": target.effective_year}


# -- feedback letters -----------------------------------------------------------------------------


@login_required
def letter_new(request, pk):
    """Issue a feedback letter for a registration: the year's figures shown, the assessment drafted."""
    registration = _registration_for(request, pk, write=True)
    form = LetterForm(request.POST or None, registration=registration)
    choices = [value for value, _label in form.fields["year"].choices]
    if not choices:
        raise Http404  # registered after today: nothing to report yet
    today = datetime.date.today()
    default = today.year if today >= datetime.date(today.year, *inservice.ATTENTION_FROM) else today.year - 1
    year = pk_or_none(request.POST.get("year") or request.GET.get("year"))
    year = year if year in choices else (default if default in choices else choices[0])
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data
        letter = inservice.issue_letter(registration, chosen["year"], request.user, chosen["assessment"])
        messages.success(request, _("已出具反馈函：%(letter)s。") % {"letter": letter})
        return redirect("services:in_service_letter", pk=letter.pk)
    standing = inservice.standings(InServiceRegistration.objects.filter(pk=registration.pk), year, until=today)[0]
    if request.method == "GET":
        form.initial.update(year=year, assessment=inservice.default_assessment(standing))
    rows, _minutes, _times = inservice.letter_rows(inservice.letter_entries(registration, year))
    context = {
        "registration": registration,
        "form": form,
        "year": year,
        "years": choices,
        "standing": standing,
        "rows": rows,
        "earlier": registration.letters.filter(year=year).order_by("-number"),
    }
    return render(request, "services/inservice/letter_form.html", context)


def _letter_context(letter):
    registration = letter.registration
    rows, _minutes, _times = inservice.letter_rows(
        inservice.letter_entries(registration, letter.year, recorded_by=letter.created_at)
    )
    return {
        "letter": letter,
        "registration": registration,
        "member": registration.member,
        "rows": rows,
        "target": ServiceTarget.in_force(letter.organization, letter.year),
        "rows_cut": len(rows) >= inservice.LETTER_ROWS,
    }


@login_required
def letter_detail(request, pk):
    letter = _letter_for(request, pk)
    context = _letter_context(letter)
    context["can_write"] = covers(request.user, letter.organization, write=True)
    return render(request, "services/inservice/letter_detail.html", context)


@login_required
def letter_print(request, pk):
    """The letter on one A4 sheet, as issued."""
    return render(request, "services/inservice/letter_print.html", _letter_context(_letter_for(request, pk)))


class LetterExport(XlsxExport):
    """The letter as a workbook: the letter itself, then the services it counts."""

    columns = [("项目", 18), ("内容", 60)]
    detail_columns = [("服务日期", 12), ("服务内容", 44), ("时长（小时）", 12)]

    def __init__(self, context):
        self.context = context
        letter = context["letter"]
        self.title = f"在职党员社区表现反馈（{letter}）"

    def rows(self):
        letter, registration, target = self.context["letter"], self.context["registration"], self.context["target"]
        yield ["编号", str(letter)]
        yield ["出具社区", letter.organization.name]
        yield ["出具日期", letter.issued_on]
        yield ["姓名", registration.member.name]
        yield ["工作单位", registration.employer]
        yield ["单位党组织", registration.employer_party_organization]
        yield ["报到日期", registration.registered_on]
        yield ["认领岗位", registration.get_posts_display()]
        yield ["年度", letter.year]
        yield ["服务次数", letter.activities]
        yield ["服务时长（小时）", float(letter.hours)]
        if target is not None:
            yield ["年度目标", _target_text(target)]
        yield ["社区评价", letter.assessment]
        yield ["社区党组织书记（签字）", ""]
        yield ["（盖章）", ""]

    def build(self):
        book, count = super().build()
        detail = ([row.served_on, row.what, float(row.hours)] for row in self.context["rows"])
        add_sheet(book, "服务明细", self.subtitle(), self.detail_columns, detail)
        return book, count


def _target_text(target):
    parts = []
    if target.hours_target is not None:
        hours = target.hours_target
        parts.append(f"服务{int(hours) if hours == int(hours) else hours}小时")
    if target.activities_target is not None:
        parts.append(f"参加活动{target.activities_target}次")
    return "、".join(parts)


@login_required
def letter_xlsx(request, pk):
    letter = _letter_for(request, pk)
    name = f"在职党员社区表现反馈-{letter.registration.member.name}-{letter.year}年第{letter.number}号.xlsx"
    return LetterExport(_letter_context(letter)).response(request, name)


@login_required
def letter_list(request):
    organization = organization_param(request)
    year, problem = _year_param(request, None)
    letters = scoped(FeedbackLetter.objects.all(), request.user).filter(
        organization__in=Organization.objects.under(organization).values("pk")
    )
    if year is not None:
        letters = letters.filter(year=year)
    letters = letters.select_related("organization", "issued_by", "registration__member").order_by(
        "-year", "organization__path", "-number"
    )
    page = Paginator(letters, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "organization": organization,
        "year": year,
        "years": range(datetime.date.today().year, FIRST_YEAR - 1, -1),
        "page": page,
        "query": f"org={organization.pk}&year={year or ''}",
        "problems": [problem] if problem else [],
    }
    return render(request, "services/inservice/letter_list.html", context)
