"""The services models refuse the bad inputs the issue lists, with a message next to the field."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from organizations.access import scoped
from services.models import (
    Activity,
    CareVisit,
    Household,
    InServiceRegistration,
    Pairing,
    ServiceEntry,
    ServiceTarget,
    ServiceTeam,
)

D = datetime.date
MAY_DAY = D(2024, 5, 1)


def errors_of(obj):
    with pytest.raises(ValidationError) as caught:
        obj.full_clean()
    return caught.value.message_dict


def entry(member, org, minutes, on=MAY_DAY, **fields):
    return ServiceEntry(member=member, organization=org, served_on=on, minutes=minutes, **fields)


def test_it_refuses_negative_or_more_than_a_day_of_service(tree, members):
    assert "minutes" in errors_of(entry(members["a"], tree["a"], -30))
    assert "minutes" in errors_of(entry(members["a"], tree["a"], 24 * 60 + 1))
    entry(members["a"], tree["a"], 20 * 60).save()
    assert "超过一天24小时" in errors_of(entry(members["a"], tree["a"], 5 * 60))["minutes"][0]
    entry(members["a"], tree["a"], 4 * 60).full_clean()  # exactly 24 hours in the day


def test_it_never_edits_or_deletes_an_entry_but_corrects_it(tree, members):
    original = entry(members["a"], tree["a"], 120)
    original.save()
    original.minutes = 90
    with pytest.raises(ValidationError):
        original.save()
    with pytest.raises(ValidationError):
        original.delete()
    original.refresh_from_db()
    fix = original.correction(90)
    fix.full_clean()
    fix.save()
    assert (fix.minutes, fix.served_on, fix.organization_id) == (-30, original.served_on, tree["a"].pk)
    assert original.net_minutes() == 90
    assert "minutes" in errors_of(original.correction(-10))  # below zero after the correction
    assert "corrects" in errors_of(entry(members["a"], tree["a"], -5, corrects=fix))  # not a correction of a correction


def test_it_refuses_a_second_original_entry_for_one_activity(tree, members):
    activity = Activity.objects.create(
        organization=tree["a"], title="清理楼道", starts_at=datetime.datetime(2024, 5, 1, 9, tzinfo=datetime.UTC)
    )
    entry(members["a"], tree["a"], 60, activity=activity).save()
    assert "member" in errors_of(entry(members["a"], tree["a"], 60, activity=activity))
    with pytest.raises(IntegrityError), transaction.atomic():
        entry(members["a"], tree["a"], 60, activity=activity).save()


def test_it_asks_for_the_convenience_service_and_a_sane_end(tree):
    start = datetime.datetime(2024, 5, 1, 9, tzinfo=datetime.UTC)
    activity = Activity(organization=tree["a"], title="义诊", kind=Activity.Kind.CONVENIENCE, starts_at=start)
    assert "convenience_kind" in errors_of(activity)
    activity.convenience_kind = Activity.ConvenienceKind.FREE_CLINIC
    activity.ends_at = start - datetime.timedelta(hours=1)
    assert "ends_at" in errors_of(activity)


def test_it_refuses_a_duplicate_in_service_registration(tree, members):
    InServiceRegistration.objects.create(member=members["a"], organization=tree["a"], registered_on=D(2024, 1, 1))
    again = InServiceRegistration(member=members["a"], organization=tree["a"], registered_on=D(2024, 3, 1))
    assert "不能重复报到" in errors_of(again)["member"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        again.save()
    assert "organization" in errors_of(InServiceRegistration(member=members["a"], organization=tree["a1"]))
    assert "posts" in errors_of(InServiceRegistration(member=members["b"], organization=tree["b"], posts=["nope"]))


def test_it_refuses_a_visit_in_the_future_and_a_pairing_ending_before_it_starts(tree, members):
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    visit = CareVisit(organization=tree["a"], member=members["a"], reason=CareVisit.Reason.ILL, visited_on=tomorrow)
    assert "visited_on" in errors_of(visit)
    household = Household.objects.create(organization=tree["a"], name="王大妈", kinds=["elderly_alone"])
    both = CareVisit(organization=tree["a"], member=members["a"], household=household, reason="festival")
    assert "member" in errors_of(both)
    pairing = Pairing(member=members["a"], household=household, started_on=D(2024, 5, 1), ended_on=D(2024, 4, 1))
    assert "ended_on" in errors_of(pairing)
    amount = CareVisit(organization=tree["a"], household=household, reason="festival", amount=Decimal("-1"))
    assert "amount" in errors_of(amount)


def test_the_target_in_force_is_the_latest_set_up_to_the_year(tree):
    ServiceTarget.objects.create(organization=tree["street"], effective_year=2022, hours_target=Decimal("12"))
    ServiceTarget.objects.create(organization=tree["street"], effective_year=2024, activities_target=4)
    assert ServiceTarget.in_force(tree["a"], 2021) is None
    assert ServiceTarget.in_force(tree["a"], 2023).hours_target == 12
    assert ServiceTarget.in_force(tree["a1"], 2025).activities_target == 4
    assert "hours_target" in errors_of(ServiceTarget(organization=tree["street"], effective_year=2026))


def test_every_model_is_scoped_to_the_users_subtree(tree, members, users):
    ServiceTeam.objects.create(organization=tree["b"], name="乙社区党员志愿服务队")
    entry(members["b"], tree["b"], 60).save()
    assert scoped(ServiceTeam.objects.all(), users["secretary_a"]).count() == 0
    assert scoped(ServiceEntry.objects.all(), users["secretary_b"]).count() == 1
    assert scoped(ServiceEntry.objects.all(), users["secretary_a"]).count() == 0
