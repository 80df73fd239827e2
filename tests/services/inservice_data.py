"""Shared data of the in-service tests (双报到): a hand-worked year of one member's ledger.

张卫华 (members["a"], group A1g1 of community A) registered with community A on 2023-03-01. In
minutes, all recorded on the day served unless said:

    2023-12-30  A     60                           last year: not in 2024
    2024-01-06  A1   120   activity 清理楼道
    2024-03-10  A2   150   by hand, corrected to 90 on 2024-03-12 (−60)
    2024-05-01  A    180   activity 义诊, reversed on 2024-05-03 (−180): not a service
    2024-07-01  B    240   served in community B: B's hours, not A's
    2025-01-02  A    120   next year

A's letter for 2024: 120 + 90 = 210 minutes = 3.5 hours, 2 services (清理楼道, the hand entry).
"""

import datetime
from zoneinfo import ZoneInfo

from services.models import Activity, InServiceRegistration, ServiceEntry, ServiceTarget

D = datetime.date
SH = ZoneInfo("Asia/Shanghai")


def at(day, hour=12):
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=SH)


def serve(member, org, day, minutes, activity=None, note=""):
    entry = ServiceEntry(
        member=member,
        organization=org,
        served_on=day,
        minutes=minutes,
        activity=activity,
        recorded_at=at(day),
        note=note,
    )
    entry.full_clean()
    entry.save()
    return entry


def correct(original, minutes, day):
    entry = original.correction(minutes, note="更正")
    entry.recorded_at = at(day)
    entry.full_clean()
    entry.save()
    return entry


def activity(org, title, day):
    return Activity.objects.create(organization=org, title=title, starts_at=at(day, 9))


REGISTERED = D(2023, 3, 1)


def register(member, org, day=REGISTERED, **fields):
    registration = InServiceRegistration(
        member=member,
        organization=org,
        registered_on=day,
        employer=fields.pop("employer", "县财政局"),
        employer_party_organization=fields.pop("employer_party_organization", "县财政局机关党支部"),
        posts=fields.pop("posts", ["environment", "elderly_care"]),
        **fields,
    )
    registration.full_clean()
    registration.save()
    return registration


def target(org, year, hours=None, activities=None, user=None):
    return ServiceTarget.objects.create(
        organization=org, effective_year=year, hours_target=hours, activities_target=activities, set_by=user
    )


def hand_worked_year(tree, member):
    serve(member, tree["a"], D(2023, 12, 30), 60)
    serve(member, tree["a1"], D(2024, 1, 6), 120, activity(tree["a1"], "清理楼道", D(2024, 1, 6)))
    by_hand = serve(member, tree["a2"], D(2024, 3, 10), 150, note="帮助独居老人买药")
    correct(by_hand, 90, D(2024, 3, 12))
    clinic = serve(member, tree["a"], D(2024, 5, 1), 180, activity(tree["a"], "义诊", D(2024, 5, 1)))
    correct(clinic, 0, D(2024, 5, 3))
    serve(member, tree["b"], D(2024, 7, 1), 240)
    serve(member, tree["a"], D(2025, 1, 2), 120)
