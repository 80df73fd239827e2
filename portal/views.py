import datetime

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from members.figures import figures_by_organization
from organizations.models import TreeAsOf
from portal.access import top_organizations

BREAKDOWNS = [
    ("management_type", _("管理方式")),
    ("category", _("人员类别")),
    ("status", _("党员类别")),
    ("age_band", _("年龄")),
]


def _day_from(request):
    """The ``?date=`` the user picked, within reason; today otherwise."""
    today = datetime.date.today()
    try:
        day = parse_date(request.GET.get("date", ""))
    except ValueError:  # well-formed but impossible, e.g. 2024-02-30
        day = None
    return min(day, today) if day else today


@login_required
def home(request):
    day = _day_from(request)
    organizations = top_organizations(request.user)
    figures = figures_by_organization(day, organizations, TreeAsOf(day))
    panels = [
        (org, figures[org.pk], [(title, figures[org.pk].breakdown(dimension)) for dimension, title in BREAKDOWNS])
        for org in organizations
    ]
    return render(request, "portal/home.html", {"day": day, "panels": panels, "today": datetime.date.today()})
