"""The schedule rules applied: for each branch, group and community under an organization and each
month, quarter and year of a year, how many meetings the rule version in force required, how many
were held, and whether the period is met, missed, in progress, exempt or yet to come.

How a period is judged, in the order the rules are read:

- **Which rule.** A rule's identity is (organization kind, branch kind, meeting kind). The version
  in force on the **first day** of a period judges the whole period: a version that starts in the
  middle of a quarter first judges the next quarter, one that ends in the middle of a quarter still
  judges the quarter it began in. Once a street has a version of its own for an identity, the
  regulation's default (``street`` empty) no longer applies there from that version's first day,
  and a gap between the street's versions means no requirement. A rule for one kind of branch
  (``branch_kind``) comes before the rule for every branch.
- **Which organizations.** Those under the organization in the tree as it stood at the end of the
  period (``TreeAsOf``: a branch moved to another community is judged where it then was), of the
  rule's organization kind and branch kind, that existed for the whole period (a group established
  on 1 July is judged from July; a branch dissolved in November is not judged for November).
  ``with_committee`` rules apply to branches that have a committee (as recorded now: the flag
  has no history); ``with_groups`` rules to branches that had a group for the whole period (in
  that period's tree).
- **Which meetings.** Those of the rule's meeting kind held (``held_on``) in the period by the
  organization itself, up to the day judged on (a group's meeting is the group's, not its
  branch's).
- **Exemptions.** An exemption of the organization or of one above it (a branch's covers its
  groups) excuses the rule, or every rule of its meeting kind, for periods it covers entirely.
- **Status.** met when enough were held (even if exempt); else exempt; else missed once the period
  has ended; in progress while it runs; upcoming before it starts.

Everything is read in a fixed number of queries whatever the number of organizations or meetings:
the tree (``TreeAsOf.series``), the organizations with a committee, the rules, the exemptions and
one grouped count of meetings per organization × kind × month.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import ExtractMonth
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from councils.models import Exemption, Meeting, MeetingKind, ScheduleRule
from organizations.models import Organization, TreeAsOf

Period_ = ScheduleRule.Period
Condition = ScheduleRule.Condition
OrgKind = Organization.Kind
JUDGED_KINDS = (OrgKind.COMMUNITY, OrgKind.BRANCH, OrgKind.GROUP)
# A period's requirement not yet met is warned about once this share of it is gone.
WARN_SHARE = (2, 3)
QUARTER_NAMES = {1: _lazy("第一季度"), 2: _lazy("第二季度"), 3: _lazy("第三季度"), 4: _lazy("第四季度")}


class Status:
    MET = "met"
    MISSED = "missed"
    IN_PROGRESS = "in_progress"
    EXEMPT = "exempt"
    UPCOMING = "upcoming"

    LABELS = {
        MET: _lazy("已达标"),
        MISSED: _lazy("未达标"),
        IN_PROGRESS: _lazy("进行中"),
        EXEMPT: _lazy("已豁免"),
        UPCOMING: _lazy("未开始"),
    }


def _month_start(year, month):
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return datetime.date(year, month, 1)


@dataclass(frozen=True)
class Period:
    """A calendar month, quarter or year."""

    kind: str
    start: datetime.date
    end: datetime.date

    MONTHS = {Period_.MONTH: 1, Period_.QUARTER: 3, Period_.YEAR: 12}

    @classmethod
    def containing(cls, kind, day):
        months = cls.MONTHS[kind]
        first = (day.month - 1) // months * months + 1
        start = datetime.date(day.year, first, 1)
        return cls(kind, start, _month_start(day.year, first + months) - datetime.timedelta(days=1))

    @classmethod
    def of_year(cls, kind, year):
        months = cls.MONTHS[kind]
        return [cls.containing(kind, datetime.date(year, month, 1)) for month in range(1, 13, months)]

    @property
    def months(self):
        """The months the period covers, as a slice of a year's twelve monthly figures."""
        return slice(self.start.month - 1, self.end.month)

    @property
    def quarter(self):
        """The quarter (1–4) a month or quarter falls in; None for a year."""
        return None if self.kind == Period_.YEAR else (self.start.month - 1) // 3 + 1

    @property
    def length(self):
        return (self.end - self.start).days + 1

    def label(self):
        if self.kind == Period_.MONTH:
            return _("%(year)d年%(month)d月") % {"year": self.start.year, "month": self.start.month}
        if self.kind == Period_.QUARTER:
            return _("%(year)d年%(quarter)s") % {"year": self.start.year, "quarter": QUARTER_NAMES[self.quarter]}
        return _("%(year)d年") % {"year": self.start.year}

    def this_label(self):
        return {Period_.MONTH: _("本月"), Period_.QUARTER: _("本季度"), Period_.YEAR: _("本年度")}[self.kind]

    def mostly_gone(self, today):
        """Whether two thirds of the period are gone by the end of ``today``."""
        elapsed = (today - self.start).days + 1
        numerator, denominator = WARN_SHARE
        return self.start <= today <= self.end and elapsed * denominator >= self.length * numerator

    def days_left(self, today):
        """Days after ``today`` until the period ends."""
        return (self.end - today).days


@dataclass(slots=True)  # not frozen: a district's year is ~45,000 of them, and frozen ones cost twice
class Result:
    """One organization's requirement for one meeting kind in one period."""

    org_id: int
    lineage: tuple  # the organization's ancestors from the top, then itself, in that period's tree
    meeting_kind: str
    period: Period
    rule_id: int
    required: int
    held: int
    status: str
    exemption_id: int | None = None

    @property
    def kind_label(self):
        return MeetingKind(self.meeting_kind).label

    @property
    def status_label(self):
        return Status.LABELS[self.status]

    def warning_text(self, today):
        """ "本季度支部党员大会 0/1，还剩12天"."""
        left = self.period.days_left(today)
        when = _("今天截止") if left == 0 else _("还剩%(n)d天") % {"n": left}
        return _("%(period)s%(kind)s %(held)d/%(required)d，%(when)s") % {
            "period": self.period.this_label(),
            "kind": self.kind_label,
            "held": self.held,
            "required": self.required,
            "when": when,
        }


class RuleBook:
    """The rule versions one street is judged by: its own, and the regulation's defaults."""

    def __init__(self, rules, street_id):
        self.own, self.defaults = defaultdict(list), defaultdict(list)
        for rule in rules:
            identity = (rule.organization_kind, rule.branch_kind, rule.meeting_kind)
            if rule.street_id is None:
                self.defaults[identity].append(rule)
            elif rule.street_id == street_id:
                self.own[identity].append(rule)
        self.own_from = {identity: min(r.effective_from for r in versions) for identity, versions in self.own.items()}
        self.meeting_kinds = sorted({identity[2] for identity in [*self.own, *self.defaults]})
        self._found = {}

    def version(self, identity, day):
        """The version of ``identity`` in force on ``day``, or None."""
        first_own = self.own_from.get(identity)
        versions = self.own[identity] if first_own is not None and first_own <= day else self.defaults[identity]
        in_force = [rule for rule in versions if rule.in_force(day)]
        return max(in_force, key=lambda rule: (rule.effective_from, rule.pk)) if in_force else None

    def rule_for(self, org_kind, branch_kind, meeting_kind, day):
        """The rule an organization of this kind is judged by for ``meeting_kind`` from ``day``."""
        key = (org_kind, branch_kind, meeting_kind, day)
        if key not in self._found:
            rule = self.version((org_kind, branch_kind, meeting_kind), day) if branch_kind else None
            self._found[key] = rule or self.version((org_kind, "", meeting_kind), day)
        return self._found[key]

    def rules_for(self, org_kind, branch_kind, period):
        """[(meeting kind, rule)] judging organizations of this kind in ``period``."""
        found = []
        for meeting_kind in self.meeting_kinds:
            rule = self.rule_for(org_kind, branch_kind, meeting_kind, period.start)
            if rule is not None and rule.period == period.kind:
                found.append((meeting_kind, rule))
        return found


def rules_of(street):
    """The versions a street may be judged by (its own and the defaults), oldest first."""
    return ScheduleRule.objects.filter(Q(street=None) | Q(street=street)).order_by("effective_from", "id")


@dataclass
class Judgement:
    """The results of every organization under ``scope_id`` in ``year``, judged on ``today``; with
    the names and kinds (as of the last day judged) the pages show them by."""

    scope_id: int
    year: int
    today: datetime.date
    day_over: bool = False
    results: list = field(default_factory=list)
    names: dict = field(default_factory=dict)
    kinds: dict = field(default_factory=dict)
    paths: dict = field(default_factory=dict)

    def missed(self):
        return [result for result in self.results if result.status == Status.MISSED]

    def due_soon(self):
        """Requirements of the periods running today, not yet met, with two thirds of the period gone."""
        return [
            result
            for result in self.results
            if result.status == Status.IN_PROGRESS and result.period.mostly_gone(self.today)
        ]

    def current(self):
        """The results of the periods that contain ``today``."""
        return [result for result in self.results if result.period.start <= self.today <= result.period.end]

    def missed_by(self, ids):
        """{id: Counter(quarter or "year": missed periods)} for the organizations ``ids`` (each
        counting everything under it)."""
        wanted = set(ids)
        counts = {pk: Counter() for pk in ids}
        for result in self.results:
            if result.status != Status.MISSED:
                continue
            for pk in wanted.intersection(result.lineage):
                counts[pk][result.period.quarter or "year"] += 1
        return counts


def judge(scope, year, today, day_over=False):
    """The ``Judgement`` of ``scope``'s subtree in ``year`` as of ``today`` (periods after it are
    upcoming, meetings after it are not counted). A period ending on ``today`` is still running,
    unless the day is over (``day_over``: the dashboard as of a past day)."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    as_of = min(end, today)
    month_ends = [Period.containing(Period_.MONTH, datetime.date(year, month, 1)).end for month in range(1, 13)]
    trees = TreeAsOf.series(month_ends, under=scope)
    reference = trees[month_ends[as_of.month - 1]] if as_of >= start else trees[month_ends[0]]
    ids = set()
    for tree in trees.values():
        ids |= tree.subtree_ids(scope.pk)
    nodes = reference.node
    judgement = Judgement(scope.pk, year, today, day_over)
    street_path = scope.path[: Organization.steplen]
    street_id = next((pk for pk, node in nodes.items() if node["path"] == street_path), None)
    book = RuleBook(list(rules_of(street_id)), street_id)
    if not book.meeting_kinds:
        return judgement
    # Thousands of ids as query parameters cost more to send than to look up: the subtree as it
    # is now by its path, and only the few moved out of it since by id.
    moved_out = [pk for pk in ids if not nodes[pk]["path"].startswith(scope.path)]
    subtree = Organization.objects.under(scope).values("pk")
    committees = Organization.objects.filter(Q(pk__in=subtree) | Q(pk__in=moved_out), has_committee=True)
    with_committee = set(committees.values_list("pk", flat=True))
    exemptions = defaultdict(list)
    for exemption in Exemption.objects.filter(
        Q(organization__in=subtree) | Q(organization_id__in=moved_out + _ancestors(reference, scope.pk)),
        starts_on__lte=end,
        ends_on__gte=start,
    ):
        exemptions[exemption.organization_id].append(exemption)
    held = _held(Q(organization__in=subtree) | Q(organization_id__in=moved_out), book.meeting_kinds, start, as_of)
    judged = {}  # id(tree): its judged organizations, for the periods that end on the same tree
    for kind in (Period_.MONTH, Period_.QUARTER, Period_.YEAR):
        for period in Period.of_year(kind, year):
            tree = trees[period.end]
            if id(tree) not in judged:
                judged[id(tree)] = _judged(tree, scope.pk)
            _judge_period(judgement, book, judged[id(tree)], period, held, exemptions, with_committee)
    for pk in ids:
        if pk in nodes:
            judgement.names[pk] = reference.name[pk]
            judgement.kinds[pk] = nodes[pk]["kind"]
            judgement.paths[pk] = nodes[pk]["path"]
    return judgement


def _ancestors(tree, pk):
    found = []
    pk = tree.parent.get(pk)
    while pk is not None:
        found.append(pk)
        pk = tree.parent.get(pk)
    return found


def _held(organizations, meeting_kinds, start, end):
    """{(organization id, kind): [meetings held in each month 1–12]}: one grouped query."""
    rows = (
        Meeting.objects.filter(organizations, kind__in=meeting_kinds, held_on__range=(start, end))
        .annotate(month=ExtractMonth("held_on"))
        .values("organization_id", "kind", "month")
        .annotate(n=Count("id"))
        .values_list("organization_id", "kind", "month", "n")
        .order_by()
    )
    held = defaultdict(lambda: [0] * 12)
    for org_id, kind, month, n in rows:
        held[org_id, kind][month - 1] += n
    return held


def _existed(node, period):
    established, dissolved = node["established_on"], node["dissolved_on"]
    return (established is None or established <= period.start) and (dissolved is None or dissolved > period.end)


def _judged(tree, scope_id):
    """[(id, node, lineage, groups)] of the organizations under ``scope_id`` in ``tree`` that rules
    judge, in the tree's order; the lineage runs from the top down to the organization itself, the
    groups are its children that are groups (whether alive in a period, the period says)."""
    found = []
    for pk in sorted(tree.subtree_ids(scope_id), key=lambda pk: tree.node[pk]["path"]):
        node = tree.node[pk]
        if node["kind"] in JUDGED_KINDS:
            lineage = tuple(reversed([pk, *_ancestors(tree, pk)]))
            groups = [tree.node[child] for child in tree.children.get(pk, ()) if tree.kind[child] == OrgKind.GROUP]
            found.append((pk, node, lineage, groups))
    return found


def _judge_period(judgement, book, judged, period, held, exemptions, with_committee):
    # What a requirement not met is, given the day: the same for every organization of the period.
    if period.end < judgement.today or (judgement.day_over and period.end == judgement.today):
        short = Status.MISSED
    elif period.start <= judgement.today:
        short = Status.IN_PROGRESS
    else:
        short = Status.UPCOMING
    exempted = set(exemptions)
    applicable, results = {}, judgement.results
    for pk, node, lineage, groups in judged:
        if not _existed(node, period):
            continue
        key = (node["kind"], node["branch_kind"])
        if key not in applicable:
            applicable[key] = book.rules_for(*key, period)
        for meeting_kind, rule in applicable[key]:
            if not _condition_holds(rule, pk, node, groups, period, with_committee):
                continue
            counts = held.get((pk, meeting_kind))
            count = sum(counts[period.months]) if counts else 0
            exemption = _exemption(exemptions, lineage, rule, period) if not exempted.isdisjoint(lineage) else None
            if count >= rule.min_count:
                status = Status.MET
            elif exemption is not None:
                status = Status.EXEMPT
            else:
                status = short
            results.append(
                Result(
                    org_id=pk,
                    lineage=lineage,
                    meeting_kind=meeting_kind,
                    period=period,
                    rule_id=rule.pk,
                    required=rule.min_count,
                    held=count,
                    status=status,
                    exemption_id=exemption.pk if exemption is not None else None,
                )
            )


def _condition_holds(rule, pk, node, groups, period, with_committee):
    if rule.branch_kind and node["branch_kind"] != rule.branch_kind:
        return False
    if rule.condition == Condition.WITH_COMMITTEE:
        return pk in with_committee
    if rule.condition == Condition.WITH_GROUPS:
        return any(_existed(group, period) for group in groups)
    return True


def _exemption(exemptions, lineage, rule, period):
    for pk in lineage:
        for exemption in exemptions.get(pk, ()):
            if exemption.covers(rule, period.start, period.end):
                return exemption
    return None
