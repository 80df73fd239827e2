"""Democratic appraisal of members (民主评议党员): a yearly round per branch, and what each member's
page shows of it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from councils.evidence import year_evidence
from councils.forms import AppraisalRoundForm, AppraisalRowsForm
from councils.models import Appraisal, AppraisalRound
from organizations.access import can_write_anything, covers, get_for_user, organization_param, scoped
from organizations.models import Organization

PAGE_SIZE = 50
HISTORY_YEARS = 10  # a member's page shows this many years of appraisals


@login_required
def round_list(request):
    organization = organization_param(request)
    rounds = (
        AppraisalRound.objects.filter(organization__in=Organization.objects.under(organization).values("pk"))
        .select_related("organization", "meeting")
        .order_by("-year", "organization__path")
    )
    page = Paginator(rounds, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "organization": organization,
        "page": page,
        "query": f"org={organization.pk}",
        "can_write": can_write_anything(request.user),
    }
    return render(request, "councils/appraisal_list.html", context)


@login_required
def round_new(request):
    if not can_write_anything(request.user):
        raise PermissionDenied
    appraisal_round = AppraisalRound(created_by=request.user)
    form = AppraisalRoundForm(request.POST or None, instance=appraisal_round, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            appraisal_round = form.save()
            appraisal_round.enrol()
        messages.success(
            request,
            _("已建立%(round)s，参加评议 %(n)d 人。")
            % {"round": appraisal_round, "n": appraisal_round.appraisals.count()},
        )
        return redirect("councils:appraisal", pk=appraisal_round.pk)
    return render(request, "councils/appraisal_new.html", {"form": form})


@login_required
def round_detail(request, pk):
    """Every member of the round on one form, with the evidence of their year beside them."""
    appraisal_round = get_for_user(
        AppraisalRound.objects.select_related("organization", "meeting"), request.user, request.method == "POST", pk=pk
    )
    may_write = covers(request.user, appraisal_round.organization, write=True)
    appraisals = list(appraisal_round.appraisals.select_related("member").order_by("member__name_pinyin", "id"))
    form = AppraisalRowsForm(request.POST if request.method == "POST" else None, appraisals=appraisals)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            for appraisal in appraisals:
                appraisal.save(update_fields=["self_assessment", "peer_summary", "grade", "updated_at"])
        messages.success(request, _("已保存民主评议结果。"))
        warning = appraisal_round.excellent_warning(appraisals)
        if warning:
            messages.warning(request, warning)
        return redirect("councils:appraisal", pk=appraisal_round.pk)
    evidence = year_evidence([a.member_id for a in appraisals], appraisal_round.year, request.user)
    saved = list(Appraisal.objects.filter(round=appraisal_round)) if request.method == "POST" else appraisals
    context = {
        "round": appraisal_round,
        "form": form,
        "rows": [(row, evidence[row[0].member_id]) for row in form.rows()],
        "can_write": may_write,
        "warning": appraisal_round.excellent_warning(saved),
        "graded": sum(1 for a in saved if a.grade),
        "counts": [(label, sum(1 for a in saved if a.grade == grade)) for grade, label in Appraisal.Grade.choices],
    }
    return render(request, "councils/appraisal_round.html", context)


def member_section(request, member):
    """The member page's appraisal section: each year's grade with that year's evidence beside it."""
    appraisals = list(
        scoped(Appraisal.objects.filter(member=member), request.user)
        .select_related("round__organization")
        .order_by("-round__year")[:HISTORY_YEARS]
    )
    years = [appraisal.round.year for appraisal in appraisals]
    history = [
        (appraisal, year_evidence([member.pk], appraisal.round.year, request.user)[member.pk])
        for appraisal in appraisals
    ]
    this_year = timezone.localdate().year
    current = None if this_year in years else year_evidence([member.pk], this_year, request.user)[member.pk]
    if not history and not (current and (current.expected or current.minutes or current.visits)):
        return None
    return {"member": member, "history": history, "current": current, "this_year": this_year}
