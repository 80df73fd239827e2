"""What the councils app shows on the home page (registered in councils/portal_parts.py): the
meetings a period still needs once two thirds of it are gone, the periods already missed this
year, overdue follow-up tasks and the month's theme Party day.

Warnings come before a period ends, not after: "本季度支部党员大会 0/1，还剩12天" for each branch
and group under the user's organization whose requirement is not yet met; the line goes as soon as
the meeting is recorded (the data version moves with every meeting saved).
"""

from collections import defaultdict

from django.db.models import Count
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from councils.compliance import judge
from councils.models import FollowUpTask, MonthlyTheme
from organizations.models import Organization
from portal.dashboard import cached, data_version, request_version

MISSED = "councils.missed"
OVERDUE_TASKS = "councils.overdue_tasks"
SHOWN_PER_GROUP = 50
UNITS = {
    Organization.Kind.COMMUNITY: _lazy("社区党组织"),
    Organization.Kind.BRANCH: _lazy("支部"),
    Organization.Kind.GROUP: _lazy("党小组"),
}


def compliance_summary(scope, today, version):
    """This year's missed periods under ``scope`` and the lines of the requirements due soon,
    judged on ``today``; worked out once per data change (a street-wide judgement reads the whole
    year), and kept as the page shows them: a district's hundreds of requirements due soon are a
    few lines of at most ``SHOWN_PER_GROUP`` names each."""

    def compute():
        judgement = judge(scope, today.year, today)
        due = sorted(judgement.due_soon(), key=lambda r: (r.period.end, r.meeting_kind, judgement.paths[r.org_id]))
        named = [(judgement.names[r.org_id], judgement.kinds[r.org_id], r) for r in due]
        return {"missed": len(judgement.missed()), "due_lines": _due_lines(named, today)}

    return cached(f"councils-home-lines:{scope.pk}:{today}", compute, version)


def _due_lines(due, today):
    """One line per organization, or one line per requirement listing the organizations when several."""
    groups = {}
    for name, kind, result in due:
        groups.setdefault((result.period, result.meeting_kind), []).append((name, kind, result))
    lines = []
    for entries in groups.values():
        name, _kind, first = entries[0]
        if len(entries) == 1:
            lines.append({"text": f"{name}：{first.warning_text(today)}", "entries": []})
            continue
        kinds = {kind for _name, kind, _result in entries}
        left = first.period.days_left(today)
        text = _("%(period)s%(kind)s：%(n)d个%(orgs)s尚未达标，%(when)s") % {
            "period": first.period.this_label(),
            "kind": first.kind_label,
            "n": len(entries),
            "orgs": UNITS.get(kinds.pop(), _("组织")) if len(kinds) == 1 else _("组织"),
            "when": _("今天截止") if left == 0 else _("还剩%(n)d天") % {"n": left},
        }
        lines.append(
            {
                "text": str(text),
                "entries": [(name, f"{r.held}/{r.required}") for name, _kind, r in entries[:SHOWN_PER_GROUP]],
                "more": max(len(entries) - SHOWN_PER_GROUP, 0),
            }
        )
    return lines


def count_missed(scopes, day):
    """The attention counter: periods of this year that ended without the meetings required."""
    version = data_version()
    return {scope.pk: {MISSED: compliance_summary(scope, day, version)["missed"]} for scope in scopes}


def count_overdue_tasks(scopes, day):
    """Follow-up tasks past their due date and not done, under each scope: one query per depth."""
    tasks = FollowUpTask.objects.filter(done_on__isnull=True, due_on__lt=day)
    by_length = defaultdict(list)
    for scope in scopes:
        by_length[len(scope.path)].append(scope)
    found = {scope.pk: {OVERDUE_TASKS: 0} for scope in scopes}
    for length, group in by_length.items():
        rows = (
            tasks.annotate(prefix=Substr("meeting__organization__path", 1, length))
            .filter(prefix__in=[scope.path for scope in group])
            .values("prefix")
            .annotate(n=Count("id"))
            .order_by()
        )
        counts = {row["prefix"]: row["n"] for row in rows}
        for scope in group:
            found[scope.pk][OVERDUE_TASKS] = counts.get(scope.path, 0)
    return found


def compliance_url(org, year=None):
    query = f"?org={org.pk}" + (f"&year={year}" if year else "")
    return reverse("councils:compliance") + query


def due_soon(request, org, day, today):
    """The requirements of the running periods not yet met, two thirds of the period gone."""
    lines = compliance_summary(org, today, request_version(request))["due_lines"]
    if not lines:
        return None
    return {"panel": {"lines": lines, "url": compliance_url(org, today.year), "new_url": reverse("councils:new")}}


def month_theme(request, org, day, today):
    """The street's theme of this month, with the page of who has recorded their theme day."""
    theme = MonthlyTheme.objects.filter(organization__path=org.street_path, month=today.replace(day=1)).first()
    if theme is None:
        return None
    url = f"{reverse('councils:themes')}?org={org.pk}&month={theme.month:%Y-%m}"
    return {"panel": {"theme": theme, "url": url, "today": today}}
