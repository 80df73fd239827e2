"""The services sections of a member's page (members/hooks.py): the services the member gave and
the care visits paid to them, newest first and bounded, each through the scoping helper."""

import datetime

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

from organizations.access import scoped
from services.models import CareVisit, ServiceEntry, minutes_to_hours

RECENT = 20


def services_section(request, member):
    """The member's service in the user's scope: this year's hours and times, the last services
    (each net of its corrections) and the member's in-service registrations. Four queries."""
    entries = scoped(ServiceEntry.objects.filter(member=member), request.user)
    today = datetime.date.today()
    this_year = entries.served_between(today.replace(month=1, day=1), today)
    year_nets = [net for _root, net in this_year.net_by_original("member")]
    recent = list(
        entries.originals().select_related("activity", "organization").order_by("-served_on", "-id")[: RECENT + 1]
    )
    more, recent = len(recent) > RECENT, recent[:RECENT]
    nets = {}
    if recent:
        ids = [entry.pk for entry in recent]
        nets = dict(
            entries.filter(Q(pk__in=ids) | Q(corrects__in=ids))
            .order_by()
            .values_list(Coalesce("corrects_id", "id"))
            .annotate(net=Sum("minutes"))
        )
    for entry in recent:
        net = nets.get(entry.pk, entry.minutes)
        entry.net_hours, entry.corrected = minutes_to_hours(net), net != entry.minutes
    registrations = scoped(member.in_service_registrations.select_related("organization"), request.user)
    return {
        "member": member,
        "year": today.year,
        "year_hours": minutes_to_hours(sum(year_nets)),
        "year_times": sum(1 for net in year_nets if net > 0),
        "recent": recent,
        "more": more,
        "registrations": registrations.order_by("-registered_on", "-id")[:10],
    }


def visits_section(request, member):
    """Care visits paid to the member in the user's scope, the last ones; a sensitive visit's notes
    only for those ``CareVisit.notes_visible_to`` lets read them."""
    visits = scoped(CareVisit.objects.filter(member=member), request.user)
    recent = list(
        visits.select_related("organization").prefetch_related("visitors").order_by("-visited_on", "-id")[: RECENT + 1]
    )
    more, recent = len(recent) > RECENT, recent[:RECENT]
    for visit in recent:
        visit.notes_shown = visit.notes_visible_to(request.user)
    return {"member": member, "visits": recent, "more": more}
