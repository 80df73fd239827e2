"""Care visits and the visits falling due: what makes a visit due, what settles it, and what the home
page's attention list counts of them and of the pairings.

A visit falls due (``VisitDue``) in two ways:

- a member's death is recorded in the change log: a must-visit to the family within
  ``DEATH_VISIT_DAYS`` of the day it is recorded (``on_member_change``, connected to
  ``MemberChange``'s ``post_save`` from ``services/portal_parts.py``, so it runs in the change's own
  transaction and the members app knows nothing of it). A correction reversing the death cancels
  it;
- a visit marked "follow-up needed": the next visit, due on the date it gives.

A visit to the same member or household for the same reason, made since the need arose, settles
what was due (``record_visit``). The home page counts, per organization, in a bounded number of
queries (``count_attention``); each count opens a list of exactly those rows (the querysets here
are what both use).
"""

import datetime
import os
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, DateField, DurationField, ExpressionWrapper, F, IntegerField, OuterRef, Q, Subquery
from django.db.models import Value as V
from django.db.models.functions import Cast, Coalesce, Substr
from django.utils import timezone

from members.models import Member, MemberChange
from organizations.models import Organization
from services.models import CareVisit, Household, Pairing, VisitDue

DEATH_VISIT_DAYS = 7
MUST_VISIT_NOTICE_DAYS = 7  # an open must-visit is listed from this many days before its due date
MAX_HOUSEHOLDS_PER_HELPER = 5

# -- triggers -------------------------------------------------------------------------------------


def on_member_change(sender, instance, created, raw=False, **kwargs):
    """``post_save`` of a ``MemberChange``: a death makes a must-visit due; its correction cancels it."""
    if raw or not created:
        return
    if instance.kind == MemberChange.Kind.DEATH:
        death_recorded(instance)
    elif instance.kind == MemberChange.Kind.CORRECTION and instance.reverses_id:
        if instance.reverses.kind == MemberChange.Kind.DEATH:
            death_corrected(instance)


def death_recorded(change):
    recorded_on = timezone.localdate(change.recorded_at) if change.recorded_at else datetime.date.today()
    due = VisitDue.objects.create(
        organization_id=change.organization_id,
        member_id=change.member_id,
        reason=CareVisit.Reason.DEATH,
        due_on=max(recorded_on, change.effective_date) + datetime.timedelta(days=DEATH_VISIT_DAYS),
        source=VisitDue.Source.DEATH,
        change=change,
    )
    _settle_with_earlier_visit(due)
    return due


def death_corrected(correction):
    """The death was a mistake: its must-visit is no longer due (one already made stays made)."""
    return (
        VisitDue.objects.open()
        .filter(change_id=correction.reverses_id)
        .update(cancelled=True, updated_at=timezone.now())
    )


@transaction.atomic
def record_visit(visit, visitors=None):
    """Save ``visit`` (new or edited) with its visitors; settle what it makes done and schedule (or
    move, or cancel) the follow-up it asks for."""
    visit.save()
    if visitors is not None:
        visit.visitors.set(visitors)
    _settle_dues(visit)
    _schedule_follow_up(visit)
    return visit


def _target(obj):
    return {"member_id": obj.member_id} if obj.member_id else {"household_id": obj.household_id}


def _dues_settled_by(visit):
    """Dues ``visit`` settles: same member or household, same reason, due since before the visit."""
    day = visit.visited_on
    since = (
        Q(source=VisitDue.Source.DEATH, change__effective_date__lte=day)
        | Q(source=VisitDue.Source.FOLLOW_UP, follow_up_of__visited_on__lt=day)
        | Q(source=VisitDue.Source.FOLLOW_UP, follow_up_of__visited_on=day, follow_up_of__id__lt=visit.pk)
        | Q(source=VisitDue.Source.OTHER)
    )
    return VisitDue.objects.filter(since, reason=visit.reason, **_target(visit)).exclude(follow_up_of=visit)


def _visits_settling(due):
    """Visits that settle ``due``, earliest first (the converse of ``_dues_settled_by``)."""
    visits = CareVisit.objects.filter(reason=due.reason, **_target(due))
    if due.change_id:
        visits = visits.filter(visited_on__gte=due.change.effective_date)
    elif due.follow_up_of_id:
        earlier = due.follow_up_of
        visits = visits.filter(
            Q(visited_on__gt=earlier.visited_on) | Q(visited_on=earlier.visited_on, pk__gt=earlier.pk)
        )
    return visits.order_by("visited_on", "id")


def _settle_dues(visit):
    now = timezone.now()
    # An edited visit that no longer fits what it settled (another person, reason or an earlier day)
    # leaves it open again.
    VisitDue.objects.filter(visit=visit).exclude(pk__in=_dues_settled_by(visit).values("pk")).update(
        visit=None, updated_at=now
    )
    _dues_settled_by(visit).open().update(visit=visit, updated_at=now)


def _settle_with_earlier_visit(due):
    """A due that arises after the visit was already made and recorded (a death written down late)."""
    visit = _visits_settling(due).first()
    if visit is not None:
        due.visit = visit
        due.save(update_fields=["visit", "updated_at"])


def _schedule_follow_up(visit):
    due = VisitDue.objects.filter(follow_up_of=visit).first()
    if visit.follow_up_needed and visit.follow_up_due:
        if due is None:
            due = VisitDue(follow_up_of=visit, source=VisitDue.Source.FOLLOW_UP)
        elif due.visit_id is not None:
            return  # already made: the record stands as it was
        due.organization_id = visit.organization_id
        due.member_id, due.household_id = visit.member_id, visit.household_id
        due.reason, due.due_on, due.cancelled = visit.reason, visit.follow_up_due, False
        due.save()
        _settle_with_earlier_visit(due)
    elif due is not None and due.open:
        due.cancelled = True
        due.save(update_fields=["cancelled", "updated_at"])


# -- what needs attention -------------------------------------------------------------------------


def overdue_dues(day):
    """Visits due before ``day`` and neither made nor cancelled."""
    return VisitDue.objects.open().filter(due_on__lt=day)


def must_visits_due(day):
    """The four must-visits not yet made, due from ``day`` to ``MUST_VISIT_NOTICE_DAYS`` later (those
    already late are overdue)."""
    until = day + datetime.timedelta(days=MUST_VISIT_NOTICE_DAYS)
    return VisitDue.objects.open().filter(reason__in=CareVisit.MUST_VISITS, due_on__range=(day, until))


def households_without_helper(day):
    """Households still in need on ``day`` without a pairing in force whose helper is on the register."""
    helped = Pairing.objects.current(day).with_helper_on_register().filter(household=OuterRef("pk"))
    return Household.objects.filter(Q(closed_on__isnull=True) | Q(closed_on__gt=day)).exclude(
        pk__in=helped.values("household")
    )


def helpers_overloaded(day):
    """Members on the register with more than ``MAX_HOUSEHOLDS_PER_HELPER`` pairings in force."""
    busy = (
        Pairing.objects.current(day)
        .order_by()
        .values("member")
        .annotate(households=Count("id"))
        .filter(households__gt=MAX_HOUSEHOLDS_PER_HELPER)
        .values("member")
    )
    return Member.objects.current().filter(pk__in=busy)


def with_next_contact(pairings):
    """Annotate ``last_visit`` (the last visit logged against each pairing, or None) and
    ``next_contact``: the day by which the next is due (the last visit, or the start, plus the agreed
    frequency)."""
    last = CareVisit.objects.filter(pairing=OuterRef("pk")).order_by("-visited_on").values("visited_on")[:1]
    span = ExpressionWrapper(
        Cast("frequency_days", IntegerField()) * V(datetime.timedelta(days=1)), output_field=DurationField()
    )
    # Cast to a date: PostgreSQL's sum is a timestamp, SQLite's a "YYYY-MM-DD 00:00:00" text.
    due = Cast(
        ExpressionWrapper(Coalesce(F("last_visit"), F("started_on")) + span, output_field=DateField()), DateField()
    )
    return pairings.annotate(last_visit=Subquery(last, output_field=DateField())).annotate(next_contact=due)


def pairings_behind(day):
    """Pairings in force on ``day`` whose next contact was due before it."""
    return with_next_contact(Pairing.objects.current(day)).filter(next_contact__lt=day)


# key: (the rows counted on a day, how they reach their organization)
ATTENTION = {
    "visits_overdue": (overdue_dues, "organization"),
    "must_visits_due": (must_visits_due, "organization"),
    "households_without_helper": (households_without_helper, "organization"),
    "helpers_overloaded": (helpers_overloaded, "organization"),
    "pairings_behind": (pairings_behind, "household__organization"),
}


def attention_rows(key, day):
    return ATTENTION[key][0](day)


def count_attention(scopes, day):
    """{organization id: {item key: count}} under each of ``scopes`` on ``day``: for each item one query
    per depth among the scopes (the two kinds of dues in one), whatever their number."""
    found = {scope.pk: {} for scope in scopes}
    dues = VisitDue.objects.filter(
        Q(pk__in=overdue_dues(day).values("pk")) | Q(pk__in=must_visits_due(day).values("pk"))
    )
    overdue = Q(due_on__lt=day)  # the rest of these rows are the must-visits not yet late
    counts = {"visits_overdue": Count("pk", filter=overdue), "must_visits_due": Count("pk", filter=~overdue)}
    groups = [(dues, "organization", counts)]
    for key in ("households_without_helper", "helpers_overloaded", "pairings_behind"):
        rows, lookup = ATTENTION[key]
        model = rows(day).model
        groups.append((model.objects.filter(pk__in=rows(day).values("pk")), lookup, {key: Count("pk")}))
    for queryset, lookup, counts in groups:
        for pk, values in counts_by_scope(queryset, lookup, counts, scopes).items():
            found[pk].update(values)
    return found


def counts_by_scope(queryset, lookup, counts, scopes):
    """{scope.pk: {name: count}} of ``queryset``'s rows under each scope (``lookup`` leads from a row to
    its organization): one query for each depth among the scopes."""
    by_length = defaultdict(list)
    for scope in scopes:
        by_length[len(scope.path)].append(scope)
    found = {}
    for length, group in by_length.items():
        if len(group) == 1:
            found[group[0].pk] = under(queryset, lookup, group[0].path).aggregate(**counts)
            continue
        common = os.path.commonprefix([scope.path for scope in group])
        common = common[: len(common) // Organization.steplen * Organization.steplen]
        rows = (
            under(queryset, lookup, common)
            .annotate(prefix=Substr(f"{lookup}__path", 1, length))
            .order_by()
            .values("prefix")
            .annotate(**counts)
        )
        by_prefix = {row.pop("prefix"): row for row in rows}
        for scope in group:
            found[scope.pk] = by_prefix.get(scope.path, dict.fromkeys(counts, 0))
    return found


def under(queryset, lookup, path):
    """``queryset``'s rows whose organization (through ``lookup``) lies at or below ``path``."""
    if not path:
        return queryset
    return queryset.filter(**{f"{lookup}__in": Organization.objects.filter(path__startswith=path).values("pk")})
