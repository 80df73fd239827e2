"""Member figures "as of" any date, computed from the change log, never from the current state.

A member's state on a day is the state recorded by their latest valid change effective on or
before that day; the organization tree is taken as it stood that day (``TreeAsOf``), so moving a
branch to another community does not rewrite the past.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber

from members.models import (
    AGE_BANDS,
    Category,
    ManagementType,
    MemberChange,
    Standing,
    Status,
    years_before,
)
from organizations.models import TreeAsOf

DIMENSIONS = {
    "management_type": ManagementType,
    "category": Category,
    "status": Status,
}


@dataclass
class Figures:
    """Counts of members on the register: in total and broken down by each dimension."""

    day: object
    total: int = 0
    counts: Counter = field(default_factory=Counter)

    def count(self, dimension, value):
        return self.counts[(dimension, value)]

    def breakdown(self, dimension):
        """[(value, label, count)] in the order of the choices."""
        if dimension == "age_band":
            return [(key, label, self.counts[("age_band", key)]) for key, label, _low, _high in AGE_BANDS]
        return [(value, label, self.counts[(dimension, value)]) for value, label in DIMENSIONS[dimension].choices]

    @property
    def self_managed(self):
        return self.count("management_type", ManagementType.SELF_MANAGED)

    @property
    def share_60_plus(self):
        return self.counts[("age_band", "60_plus")] / self.total if self.total else 0.0

    @property
    def share_60_plus_text(self):
        return f"{self.share_60_plus:.1%}"


def aggregates(day, birth_date="member__birth_date"):
    """Count expressions for every figure; ``birth_date`` is the path to it from the rows counted."""
    aggregates = {"total": Count("id")}
    for dimension, choices in DIMENSIONS.items():
        for value in choices.values:
            aggregates[f"{dimension}-{value}"] = Count("id", filter=Q(**{dimension: value}))
    for key, _label, low, high in AGE_BANDS:
        condition = Q()
        if low is not None:
            condition &= Q(**{f"{birth_date}__lte": years_before(day, low)})
        if high is not None:
            condition &= Q(**{f"{birth_date}__gt": years_before(day, high)})
        aggregates[f"age_band-{key}"] = Count("id", filter=condition)
    return aggregates


def figures_from_row(day, row):
    figures = Figures(day, total=row["total"])
    for key, value in row.items():
        if "-" in key:
            dimension, choice = key.split("-", 1)
            figures.counts[(dimension, choice)] = value
    return figures


MAX_LISTED_ORGANIZATIONS = 500  # more, and the figures are counted for all of them


def states_on(day, organization_ids=None):
    """The change entries holding each member's state at the end of ``day``, on the register.

    With ``organization_ids``, only members whose state then lay in those organizations; the
    candidates come from the change log's organization index, so a community's figures do not
    cost a scan of the whole district.

    Each member's latest entry is picked in one pass over the log (a window numbering each
    member's entries, latest first), not looked up member by member: at district scale the
    look-ups were hundreds of thousands of index scans, and PostgreSQL's estimate of them ran
    into millions.
    """
    latest_first = {"partition_by": F("member_id"), "order_by": [F("effective_date").desc(), F("id").desc()]}
    entries = MemberChange.objects.valid().filter(effective_date__lte=day)
    if organization_ids is not None:
        been_there = MemberChange.objects.filter(organization_id__in=organization_ids, effective_date__lte=day)
        entries = entries.filter(member_id__in=been_there.values("member_id"))
    latest = entries.annotate(rank=Window(RowNumber(), **latest_first)).filter(rank=1)
    # Picked first, then counted: an aggregate over a window-filtered queryset would count inside it.
    states = MemberChange.objects.filter(pk__in=latest.values("pk"), standing=Standing.ACTIVE)
    if organization_ids is not None:
        states = states.filter(organization_id__in=organization_ids)
    return states


def figures_by_organization(day, organizations, tree=None):
    """{organization id: Figures} for each organization's subtree as it stood on ``day``; one query."""
    tree = tree or TreeAsOf(day)
    subtrees = {org.pk: tree.subtree_ids(org.pk) for org in organizations}
    wanted = set().union(*subtrees.values()) if subtrees else set()
    # A street's communities hold most of the tree: its thousands of ids would cost more to send
    # and plan than counting every organization's members and summing only the wanted ones.
    everything = all(org.depth == 1 for org in organizations) or len(wanted) > MAX_LISTED_ORGANIZATIONS
    rows = states_on(day, None if everything else wanted).values("organization_id")
    per_node = {row.pop("organization_id"): row for row in rows.annotate(**aggregates(day)).order_by()}
    result = {}
    for org_id, subtree in subtrees.items():
        total = Counter()
        for node_id in subtree & per_node.keys():
            total.update(per_node[node_id])  # plain sums; one Figures per organization at the end
        result[org_id] = figures_from_row(day, {"total": 0, **total})
    return result


def figures_as_of(day, organization=None):
    """Figures for ``organization``'s subtree on ``day``; every street when ``organization`` is None."""
    if organization is not None:
        return figures_by_organization(day, [organization])[organization.pk]
    row = states_on(day).aggregate(**aggregates(day))
    return figures_from_row(day, row)
