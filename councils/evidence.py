"""The evidence of a member's year, shown next to their democratic appraisal: meetings attended out
of those they were expected at, service hours (the services ledger) and care visits made. Each
figure is a query over its own ledger, narrowed to what the user may see."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q

from councils.models import Attendance
from organizations.access import scoped
from services.models import CareVisit, ServiceEntry, minutes_to_hours


@dataclass(frozen=True)
class Evidence:
    expected: int = 0
    attended: int = 0
    minutes: int = 0
    visits: int = 0

    @property
    def hours(self):
        return minutes_to_hours(self.minutes)

    @property
    def attendance_text(self):
        return f"{self.attended}/{self.expected}"


def year_evidence(member_ids, year, user):
    """{member id: Evidence} for ``year``, in three queries whatever the number of members."""
    member_ids = list(member_ids)
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    figures = defaultdict(dict)
    meetings = (
        scoped(Attendance.objects.all(), user)
        .filter(member__in=member_ids, expected=True, meeting__held_on__range=(start, end))
        .order_by()
        .values("member")
        .annotate(expected=Count("id"), attended=Count("id", filter=Q(status=Attendance.Status.PRESENT)))
    )
    for row in meetings:
        figures[row["member"]].update(expected=row["expected"], attended=row["attended"])
    service = scoped(ServiceEntry.objects.all(), user).filter(member__in=member_ids).served_between(start, end)
    for member_id, minutes in service.minutes_by_member().items():
        figures[member_id]["minutes"] = minutes
    visits = (
        CareVisit.visitors.through.objects.filter(
            member__in=member_ids,
            carevisit__in=scoped(CareVisit.objects.all(), user).filter(visited_on__range=(start, end)).values("pk"),
        )
        .order_by()
        .values("member")
        .annotate(n=Count("carevisit", distinct=True))
    )
    for row in visits:
        figures[row["member"]]["visits"] = row["n"]
    return {pk: Evidence(**figures.get(pk, {})) for pk in member_ids}
