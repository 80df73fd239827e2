"""The services' figures on the street committee's dashboard: for the selected organization and each
child, over the board's period (``board.start``..``board.day``), as the ledger stood at the end of
``board.day``:

- hours served, person-times and active members (served at least once, corrections netted);
- care visits made;
- registered in-service members (a registration in force on the day) and how many of them met the
  yearly target in force (``ServiceTarget``) with the service they gave in their community during
  the period.

A child's figures are those of its subtree as the tree stood on the day (``board.outline.tree``),
so a group that moved between branches counts where it was then. Everything comes from six
queries whatever the number of organizations, members or activities, and is computed once per
board (``board.shared``); the portal caches the page until the data version moves
(``services/portal_parts.py`` registers what that version reads).
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from organizations.models import Organization
from services.ledgers import corrected_nets
from services.models import CareVisit, InServiceRegistration, ServiceEntry, ServiceTarget, minutes_to_hours


@dataclass
class ServiceRow:
    """The services' figures of one organization's subtree over the period."""

    minutes: int = 0
    person_times: int = 0
    members: int = 0
    visits: int = 0
    registered: int = 0
    met: int = 0
    with_target: int = 0  # registered members whose community has a target in force

    @property
    def hours(self):
        return minutes_to_hours(self.minutes)

    @property
    def met_text(self):
        return f"{self.met}/{self.with_target}" if self.with_target else "—"


def service_rows(board):
    """{organization id: ServiceRow} of the board's organization and of each child, once per board."""
    return board.shared("services.rows", lambda: compute_rows(board))


def compute_rows(board):
    tree = board.outline.tree
    nodes = [board.outline.node.pk, *(child.pk for child in board.outline.children)]
    subtrees = {pk: tree.subtree_ids(pk) for pk in nodes}
    return figures_by_node(board.scope, subtrees, board.start, board.day, tree)


def figures_by_node(scope, subtrees, start, day, tree=None):
    """{node id: ServiceRow} for ``subtrees`` ({node id: ids of the organizations under it}: first
    ``scope``'s whole subtree, then parts of it) over ``start``..``day``; the in-service members'
    figures only with ``tree`` (the ``TreeAsOf`` the subtrees come from).

    The ledger is read once, summed per organization and member (a few tens of thousands of rows
    for a district's year); the corrections, which are few, once more; the rest is small.
    """
    whole = subtrees[scope.pk]
    rows = {pk: ServiceRow() for pk in subtrees}
    owners = defaultdict(list)  # organization id → the nodes whose subtree holds it
    for pk, ids in subtrees.items():
        for org_id in ids:
            owners[org_id].append(pk)
    # The organizations under the scope now, and any that were under it on the day and have moved
    # out since (rows of organizations outside ``whole`` are left aside below).
    moved_out = [
        org_id for org_id in whole if tree is not None and not tree.node[org_id]["path"].startswith(scope.path)
    ]
    place = Q(organization__in=Organization.objects.filter(path__startswith=scope.path).values("pk"))
    if moved_out:
        place |= Q(organization__in=moved_out)
    entries = ServiceEntry.objects.period(start, day, as_of=day).filter(place).order_by()

    # 1. Net minutes and original entries per organization and member.
    pairs = entries.values_list("organization", "member").annotate(
        net=Sum("minutes"), originals=Count("id", filter=Q(corrects__isnull=True))
    )
    served = defaultdict(int)  # (node, member) → net minutes
    by_pair = {}
    for org_id, member, net, originals in pairs:
        if org_id not in owners:
            continue
        by_pair[org_id, member] = [net, originals]
        for pk in owners[org_id]:
            rows[pk].minutes += net
            rows[pk].person_times += originals
            served[pk, member] += net
    for (pk, _member), net in served.items():
        rows[pk].members += net > 0  # served at least once, corrections netted
    # 2. Corrections (rare): the originals they bring to nothing no longer count as a person-time.
    for (org_id, member, _root), net in corrected_nets(entries, "organization", "member").items():
        if net <= 0 and (org_id, member) in by_pair:
            by_pair[org_id, member][1] -= 1
            for pk in owners[org_id]:
                rows[pk].person_times -= 1
    # 3. Care visits made in the period.
    for org_id, n in (
        CareVisit.objects.filter(place, visited_on__range=(start, day))
        .values_list("organization")
        .annotate(n=Count("id"))
        .order_by()
    ):
        for pk in owners.get(org_id, ()):
            rows[pk].visits += n
    if tree is not None:
        _in_service(rows, owners, place, tree, by_pair, day)
    return rows


def _in_service(rows, owners, place, tree, by_pair, day):
    """Registrations in force on ``day``, and whether each member's service in the registering
    community over the period (``by_pair``: net minutes and standing entries per organization and
    member) reaches the yearly target in force."""
    registrations = (
        InServiceRegistration.objects.filter(place).active_on(day).values_list("organization", "member").order_by()
    )
    pairs = {(org_id, member) for org_id, member in registrations if org_id in owners}
    if not pairs:
        return
    communities = {org_id for org_id, _member in pairs}
    targets = _targets(tree, communities, day.year)
    community_of = {below: org_id for org_id in communities for below in tree.subtree_ids(org_id)}
    registered = {member for _org_id, member in pairs}
    minutes, times = defaultdict(int), defaultdict(int)
    for (org_id, member), (net, standing) in by_pair.items():
        if member in registered and org_id in community_of:
            minutes[community_of[org_id], member] += net
            times[community_of[org_id], member] += standing
    seen = defaultdict(set)
    for org_id, member in sorted(pairs):
        target = targets.get(org_id)
        met = target is not None and _meets(target, minutes[org_id, member], times[org_id, member])
        for pk in owners[org_id]:
            if member in seen[pk]:
                continue  # a member registered in two communities counts once above them
            seen[pk].add(member)
            rows[pk].registered += 1
            if target is not None:
                rows[pk].with_target += 1
                rows[pk].met += met


def _meets(target, minutes, times):
    """As the below-target list judges (``inservice.Standing``): no service at all never meets a
    target, even one of zero hours."""
    if minutes <= 0:
        return False
    hours_ok = target.hours_target is None or minutes >= target.minutes_target
    times_ok = target.activities_target is None or times >= target.activities_target
    return hours_ok and times_ok


def _targets(tree, communities, year):
    """{community id: the ServiceTarget in force in ``year``} by ``ServiceTarget.in_force_for``'s rule."""
    organizations = [Organization(pk=pk, path=tree.node[pk]["path"]) for pk in communities if pk in tree.node]
    return {pk: target for pk, target in ServiceTarget.in_force_for(organizations, year).items() if target}


def value(read):
    """A column's value: ``read(row)`` of the services' row of that organization."""
    return lambda board, pk: read(service_rows(board)[pk])


def period_title(board):
    return f"服务情况（{board.start:%Y-%m-%d}至{board.day:%Y-%m-%d}）"


def summary_rows(board):
    row = service_rows(board)[board.scope.pk]
    return [
        ("服务时长（小时）", row.hours),
        ("服务人次", row.person_times),
        ("参与服务党员", row.members),
        ("走访慰问（次）", row.visits),
        ("双报到登记（人）", row.registered),
        ("其中达到服务目标", row.met_text),
    ]


def sheet_rows(board):
    yield ("统计期间", f"{board.start:%Y-%m-%d} 至 {board.day:%Y-%m-%d}")
    yield from summary_rows(board)
