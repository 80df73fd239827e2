"""In-service members registered in their home community (双报到): what each served in a year against
the target in force, who is below it, and the annual feedback letters to their employers.

Every figure here is a query over the ledger (``ServiceEntry``), grouped by member and community:
the number of queries does not grow with the number of members. A registration's service is what
the member served in the registration's community (its whole subtree) — hours stay where they were
served — from 1 January of the year.
"""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Coalesce, ExtractYear, Substr
from django.utils.translation import gettext as _

from organizations.models import Organization
from services.models import FeedbackLetter, InServiceRegistration, ServiceEntry, ServiceTarget, minutes_to_hours

ATTENTION_KEY = "services.in_service_below_target"
# The home page names the members below target from the fourth quarter on: early enough to serve
# before the year ends, late enough that a year's service has had time to add up.
ATTENTION_FROM = (10, 1)
LETTER_NUMBER_ATTEMPTS = 5
LETTER_ROWS = 500  # a member's year is far less; the printed list stays bounded all the same


def year_span(year):
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def attention_shown_on(day):
    return day >= datetime.date(day.year, *ATTENTION_FROM)


def year_end_or(day, year):
    """The day a year's standing is looked at: its last day, or ``day`` while the year runs."""
    return min(year_span(year)[1], day)


def _community_length():
    return 2 * Organization.steplen


def net_service(entries, fields=(), **expressions):
    """{(group values…): [net minutes, person-times]} of ``entries`` grouped by ``fields`` and
    ``expressions``, in two queries whatever their number: sums and originals per group, then the
    few originals that corrections brought to nothing (no longer a person-time)."""
    entries = entries.order_by().annotate(**expressions)
    keys = [*fields, *expressions]
    found = {}
    rows = entries.values(*keys).annotate(net=Sum("minutes"), originals=Count("id", filter=Q(corrects__isnull=True)))
    for row in rows:
        found[tuple(row[key] for key in keys)] = [row["net"], row["originals"]]
    corrected = entries.filter(
        Q(corrects__isnull=False) | Q(pk__in=entries.filter(corrects__isnull=False).values("corrects"))
    )
    gone = corrected.values(*keys, root=Coalesce("corrects_id", "id")).annotate(net=Sum("minutes")).filter(net__lte=0)
    for row in gone:
        found[tuple(row[key] for key in keys)][1] -= 1
    return found


def service_by_member_and_community(entries):
    """{(member id, community path): [net minutes, person-times]} of ``entries``."""
    return net_service(entries, ["member"], community=Substr("organization__path", 1, _community_length()))


@dataclass
class Standing:
    """A registration's service in a year, against the target in force."""

    registration: InServiceRegistration
    year: int
    minutes: int
    times: int  # person-times: services that still stand, corrections netted
    target: ServiceTarget | None

    @property
    def hours(self):
        return minutes_to_hours(self.minutes)

    @property
    def no_service(self):
        return self.minutes <= 0

    @property
    def below_hours(self):
        return (
            self.target is not None
            and self.target.hours_target is not None
            and (self.minutes < self.target.minutes_target)
        )

    @property
    def below_activities(self):
        return (
            self.target is not None
            and self.target.activities_target is not None
            and (self.times < self.target.activities_target)
        )

    @property
    def below_target(self):
        return self.below_hours or self.below_activities

    @property
    def needs_attention(self):
        return self.no_service or self.below_target

    @property
    def met_target(self):
        return self.target is not None and not self.below_target and not self.no_service

    def summary(self):
        """A few words for a list: 未达目标（时长） / 本年度尚无服务 / 已达目标 / 未设目标."""
        if self.no_service:
            return _("本年度尚无服务记录")
        if self.below_target:
            what = [_("时长")] * self.below_hours + [_("次数")] * self.below_activities
            return _("未达目标（%(what)s）") % {"what": "、".join(what)}
        return _("已达目标") if self.target is not None else _("未设目标")


def standings(registrations, year, until=None):
    """The ``Standing`` of each of ``registrations`` (a queryset) in ``year``, service counted from
    1 January to ``until`` (default: the year's end). Four queries: the registrations, the ledger
    (two), the targets."""
    start, end = year_span(year)
    if until is not None:
        end = min(end, until)
    chosen = list(registrations.select_related("organization", "member", "member__organization"))
    if not chosen:
        return []
    entries = ServiceEntry.objects.filter(member__in=registrations.values("member"), served_on__range=(start, end))
    served = service_by_member_and_community(entries)
    targets = ServiceTarget.in_force_for({r.organization for r in chosen}, year)
    length = _community_length()
    result = []
    for registration in chosen:
        minutes, times = served.get((registration.member_id, registration.organization.path[:length]), (0, 0))
        result.append(Standing(registration, year, minutes, times, targets[registration.organization_id]))
    return result


def standing_by_year(registration, years, today):
    """The registration's ``Standing`` in each of ``years`` (this year's up to ``today``): three
    queries however many years."""
    if not years:
        return []
    start, end = year_span(min(years))[0], min(year_span(max(years))[1], today)
    entries = ServiceEntry.objects.filter(member_id=registration.member_id, served_on__range=(start, end))
    served = net_service(entries.under(registration.organization), year=ExtractYear("served_on"))
    targets = ServiceTarget.in_force_by_year(registration.organization, years)
    return [Standing(registration, year, *served.get((year,), (0, 0)), targets[year]) for year in years]


def registered_on_day(day):
    """Registrations looked at for a year: those in force on ``day`` (the year's end, or today)."""
    return InServiceRegistration.objects.active_on(day)


def below_target(registrations, year, day):
    """The standings, for ``year``, of ``registrations`` in force on ``day`` that are below the
    target in force or have no service at all (served up to ``day``)."""
    day = year_end_or(day, year)
    active = registrations.filter(pk__in=registered_on_day(day).values("pk"))
    return [standing for standing in standings(active, year, until=day) if standing.needs_attention]


def count_below_target(scopes, day):
    """The home page's attention counter: {scope id: {ATTENTION_KEY: registrations below target}}
    under each of ``scopes`` — zero before the fourth quarter. One pass for all scopes."""
    counts = {scope.pk: {ATTENTION_KEY: 0} for scope in scopes}
    if not scopes or not attention_shown_on(day):
        return counts
    under_any = Q()
    for scope in scopes:
        under_any |= Q(path__startswith=scope.path)
    registrations = InServiceRegistration.objects.filter(
        organization__in=Organization.objects.filter(under_any).values("pk")
    )
    for standing in below_target(registrations, day.year, day):
        path = standing.registration.organization.path
        for scope in scopes:
            if path.startswith(scope.path):
                counts[scope.pk][ATTENTION_KEY] += 1
    return counts


# -- feedback letters -----------------------------------------------------------------------------


def letter_entries(registration, year, recorded_by=None):
    """The ledger a letter reports: the member's service in the registration's community in
    ``year``, as recorded by ``recorded_by`` (a moment; None: now)."""
    entries = (
        ServiceEntry.objects.filter(member_id=registration.member_id)
        .under(registration.organization)
        .served_between(*year_span(year))
    )
    if recorded_by is not None:
        entries = entries.filter(recorded_at__lte=recorded_by)
    return entries


@dataclass
class LetterRow:
    served_on: datetime.date
    what: str
    minutes: int
    corrected: bool

    @property
    def hours(self):
        return minutes_to_hours(self.minutes)


def letter_rows(entries):
    """(rows, minutes, times): each service that still stands (net of its corrections), oldest first,
    and the totals over all of them. Two queries."""
    by_root = entries.order_by().values(root=Coalesce("corrects_id", "id")).annotate(net=Sum("minutes"), n=Count("id"))
    nets = {row["root"]: (row["net"], row["n"]) for row in by_root}
    standing = [root for root, (net, _n) in nets.items() if net > 0]
    minutes = sum(nets[root][0] for root in standing)
    originals = (
        entries.originals()
        .filter(pk__in=standing)
        .select_related("activity", "organization")
        .order_by("served_on", "id")[:LETTER_ROWS]
    )
    rows = []
    for entry in originals:
        net, count = nets[entry.pk]
        what = entry.activity.title if entry.activity_id else (entry.note or entry.get_source_display())
        rows.append(LetterRow(entry.served_on, what, net, count > 1))
    return rows, minutes, len(standing)


def default_assessment(standing):
    """A first draft of the community's assessment, for the secretary to edit."""
    member = standing.registration.member
    words = {"name": member.name, "year": standing.year, "times": standing.times, "hours": standing.hours}
    text = _("%(name)s同志%(year)s年在我社区参加志愿服务%(times)s次，累计服务%(hours)s小时") % words
    if standing.target is not None:
        met = standing.met_target
        text += _("，达到街道党工委规定的年度服务目标") if met else _("，未达到街道党工委规定的年度服务目标")
    return text + "。"


def issue_letter(registration, year, user, assessment):
    """Issue and record the letter: the next number of the community's year, the figures as the
    ledger stands at the moment it is recorded (kept as printed).

    Numbers are unique per community and year (a constraint); two secretaries issuing at once both
    read the same last number, one insert fails on the constraint and that one takes the next."""
    for _attempt in range(LETTER_NUMBER_ATTEMPTS):
        try:
            with transaction.atomic():
                taken = FeedbackLetter.objects.filter(organization_id=registration.organization_id, year=year)
                number = (taken.aggregate(last=Max("number"))["last"] or 0) + 1
                letter = FeedbackLetter.objects.create(
                    organization_id=registration.organization_id,
                    registration=registration,
                    year=year,
                    number=number,
                    issued_by=user,
                    assessment=assessment,
                )
                _rows, minutes, times = letter_rows(letter_entries(registration, year, letter.created_at))
                letter.minutes, letter.activities = minutes, times
                letter.save(update_fields=["minutes", "activities"])
                return letter
        except IntegrityError:
            continue
    raise IntegrityError("no free letter number after several attempts")
