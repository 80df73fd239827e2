"""What the members app shows on the home page (panels registered in members/portal_parts.py).

Each context function takes ``(request, org, day, today)``: ``org`` is one of the user's top
organizations (None for the panel above them), ``day`` the date the user picked for figures.
The templates keep the markup the home page had; ``panel`` is their name for the context.
"""

from typing import NamedTuple

from django.urls import reverse

from members.dashboard import BREAKDOWNS, Dashboard
from members.models import Member, MemberChange, subtree_counts
from organizations.access import can_write_anything, scoped
from organizations.models import Organization
from portal.dashboard import cached, request_version

RECENT_CHANGES = 15


class Branch(NamedTuple):
    """What the list of weak branches shows of one: cached as two values, not as a model instance
    (a district's hundreds of pickled instances cost more to load than the page to render)."""

    pk: int
    name: str


def quick_actions(request, org, day, today):
    """The usual errands, for whoever may change anything."""
    return {} if can_write_anything(request.user) else None


def weak_branches(request, org, day, today):
    """Branches breaking the size rules, listed with what needs attention; counted once per data
    change (a street-wide list counts over the whole register)."""

    def compute():
        members = scoped(Member.objects.current().under(org), request.user)
        branches = list(Organization.objects.under(org).existing().filter(kind=Organization.Kind.BRANCH))
        counts = subtree_counts(branches, members)
        weak = [(branch, branch.rule_warnings(*counts[branch.pk])) for branch in branches]
        return [(Branch(branch.pk, branch.name), warnings) for branch, warnings in weak if warnings]

    weak = cached(f"home-weak-branches:{org.pk}:{today}", compute, request_version(request))
    return {"panel": {"org": org, "weak_branches": weak}} if weak else None


def figures(request, org, day, today):
    """The dashboard's figures of the organization as of ``day``: today's from the register, a past
    day's from the log. Cached as the panel shows them: the dashboard's rows, which they come
    from, hold every community of a district."""
    version = request_version(request)

    def compute():
        overview = Dashboard(org, day, today=today, version=version).rows()[0].figures
        breakdowns = [
            (str(title), [(value, str(label), count) for value, label, count in overview.breakdown(dimension)])
            for dimension, title in BREAKDOWNS
        ]
        return {"total": overview.total, "breakdowns": breakdowns}

    return {"day": day, "panel": cached(f"home-figures:{org.pk}:{day}:{today}", compute, version)}


def month_changes(request, org, day, today):
    """This month's changes, the latest first, and a link to all of them; which ones and how many
    are worked out once per data change (a street-wide count scans the month's log)."""
    month_start = today.replace(day=1)

    def latest():
        changes = MemberChange.objects.of_period(org, month_start, today)
        ids = list(changes.order_by("-effective_date", "-id").values_list("id", flat=True)[:RECENT_CHANGES])
        return ids, changes.count()

    ids, count = cached(f"home-changes:{org.pk}:{today}", latest, request_version(request))
    changes = (
        MemberChange.objects.filter(id__in=ids)
        .select_related("member", "organization")
        .order_by("-effective_date", "-id")
    )
    url = f"{reverse('members:changes')}?org={org.pk}&start={month_start:%Y-%m-%d}&end={today:%Y-%m-%d}"
    return {"panel": {"changes": changes, "changes_url": url, "change_count": count}}
