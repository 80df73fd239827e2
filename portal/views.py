import datetime

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from members.attention import attention_counts
from members.figures import figures_by_organization
from members.models import Member, MemberChange, subtree_counts
from organizations.models import Organization, TreeAsOf
from portal.access import scoped, top_organizations

BREAKDOWNS = [
    ("management_type", _("管理方式")),
    ("category", _("人员类别")),
    ("status", _("党员类别")),
    ("age_band", _("年龄")),
]
RECENT_CHANGES = 15


def _day_from(request):
    """The ``?date=`` the user picked, within reason; today otherwise."""
    today = datetime.date.today()
    try:
        day = parse_date(request.GET.get("date", ""))
    except ValueError:  # well-formed but impossible, e.g. 2024-02-30
        day = None
    return min(day, today) if day else today


def _panel(request, org, figures, today):
    members = scoped(Member.objects.current().under(org), request.user)
    month_start = today.replace(day=1)
    changes = (
        MemberChange.objects.filter(member__organization__path__startswith=org.path, effective_date__gte=month_start)
        .select_related("member", "organization")
        .order_by("-effective_date", "-id")
    )
    branches = list(Organization.objects.under(org).existing().filter(kind=Organization.Kind.BRANCH))
    counts = subtree_counts(branches, members)
    weak_branches = [(branch, branch.rule_warnings(*counts[branch.pk])) for branch in branches]
    return {
        "org": org,
        "figures": figures,
        "breakdowns": [(title, figures.breakdown(dimension)) for dimension, title in BREAKDOWNS],
        "attention": attention_counts(members, today),
        "changes": changes[:RECENT_CHANGES],
        "change_count": changes.count(),
        "weak_branches": [(branch, warnings) for branch, warnings in weak_branches if warnings],
    }


@login_required
def home(request):
    day, today = _day_from(request), datetime.date.today()
    organizations = top_organizations(request.user)
    figures = figures_by_organization(day, organizations, TreeAsOf(day))
    panels = [_panel(request, org, figures[org.pk], today) for org in organizations]
    return render(request, "portal/home.html", {"day": day, "panels": panels, "today": today})
