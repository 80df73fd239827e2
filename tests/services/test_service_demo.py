"""seed_demo adds three years of believable services to the demo street (services/demo.py)."""

import datetime
from collections import Counter

import pytest
from django.db import transaction
from django.db.models import Count, F, Q, Sum

from members.models import MemberChange, Standing
from organizations.models import Organization, TreeAsOf
from portal import demo
from portal.models import AuditEntry
from services.dashboard import figures_by_node
from services.models import (
    Activity,
    CareVisit,
    CoBuildingAgreement,
    Household,
    InServiceRegistration,
    Pairing,
    ResidentUnit,
    ServiceEntry,
    ServiceTarget,
    ServiceTeam,
    TeamMembership,
)

TODAY = datetime.date(2026, 11, 1)


@pytest.fixture
def seeded(db):
    demo.seed(seed=5, today=TODAY, communities=3, per_community=60)
    return Organization.objects.get(depth=1)


def test_three_years_of_teams_weekly_and_festival_activities_with_their_ledger(seeded):
    years = {day.year for day in Activity.objects.values_list("starts_at__date", flat=True)}
    assert years >= {2024, 2025, 2026}
    assert ServiceTeam.objects.count() == 9 and TeamMembership.objects.count() > 30
    kinds = Counter(Activity.objects.values_list("kind", flat=True))
    assert kinds["festival"] >= 3 * 3 * 4 and kinds["patrol"] > 100 and kinds["convenience"] > 100
    assert Activity.objects.filter(starts_at__date__gt=TODAY).exists()  # announced, nobody served yet
    assert not ServiceEntry.objects.filter(served_on__gt=TODAY).exists()
    assert not ServiceEntry.objects.filter(activity__starts_at__date__gt=TODAY).exists()
    entries = ServiceEntry.objects.count()
    assert entries > 3000
    sources = set(ServiceEntry.objects.values_list("source", flat=True))
    assert {"activity", "sign_in", "manual"} <= sources
    # A few corrected, each by the ledger's own rule: never below zero, nothing over a day.
    corrected = ServiceEntry.objects.filter(corrects__isnull=False)
    assert corrected.exists()
    nets = ServiceEntry.objects.values("member", "served_on").annotate(total=Sum("minutes"))
    assert not nets.filter(total__gt=24 * 60).exists()
    for correction in corrected.select_related("corrects"):
        assert correction.corrects.corrects_id is None and correction.corrects.net_minutes() >= 0
        assert correction.served_on == correction.corrects.served_on
        assert correction.recorded_at >= correction.corrects.recorded_at
    # A participant was on the register when they served.
    for entry in ServiceEntry.objects.originals().select_related("member")[:200]:
        first = entry.member.changes.order_by("effective_date").first().effective_date
        assert first <= entry.served_on or first <= TODAY - datetime.timedelta(days=400 + 3 * 366)


def test_in_service_members_are_registered_with_varied_hours_some_below_the_target(seeded):
    assert InServiceRegistration.objects.filter(ended_on__isnull=True).count() >= 6
    target = ServiceTarget.in_force(seeded, TODAY.year)
    assert target is not None and target.organization == seeded and target.hours_target > 0
    tree = TreeAsOf(TODAY, under=seeded)
    row = figures_by_node(seeded, {seeded.pk: tree.subtree_ids(seeded.pk)}, TODAY.replace(month=1, day=1), TODAY, tree)[
        seeded.pk
    ]
    assert row.registered >= 6 and 0 < row.met < row.registered


def test_visits_include_a_death_recorded_through_the_change_log_and_its_must_visit(seeded):
    death = MemberChange.objects.get(
        kind=MemberChange.Kind.DEATH, effective_date=TODAY - datetime.timedelta(days=12), note="因病逝世"
    )
    assert death.member.standing == Standing.DECEASED and death.recorded_by.username == "beimen"
    assert AuditEntry.objects.filter(action=AuditEntry.Action.MEMBER_CHANGE, object_id=str(death.member_id)).exists()
    visit = CareVisit.objects.get(reason="death", member=death.member)
    assert visit.visited_on == death.effective_date + datetime.timedelta(days=2)
    assert MemberChange.objects.filter(kind="death", effective_date=TODAY - datetime.timedelta(days=3)).exists()
    reasons = set(CareVisit.objects.values_list("reason", flat=True))
    assert {"ill", "discontented", "hardship", "death", "festival"} <= reasons
    assert CareVisit.objects.filter(sensitive=True).exists()
    assert CareVisit.objects.filter(follow_up_needed=True, follow_up_due__gt=TODAY).exists()
    assert not CareVisit.objects.filter(visited_on__gt=TODAY).exists()


def test_pairings_with_a_household_waiting_and_a_helper_with_too_many(seeded):
    assert Pairing.objects.filter(visits__isnull=False).distinct().count() > 5
    assert Household.objects.filter(pairings__isnull=True).count() >= 3  # one per community
    busiest = Pairing.objects.values("member").annotate(n=Count("id")).order_by("-n").first()
    assert busiest["n"] >= 6
    assert not Pairing.objects.filter(ended_on__lt=F("started_on")).exists()


def test_resident_units_and_agreements_with_one_ending_within_60_days_and_projects(seeded):
    assert ResidentUnit.objects.count() >= 9
    soon = CoBuildingAgreement.objects.filter(ends_on__range=(TODAY, TODAY + datetime.timedelta(days=60)))
    assert soon.filter(organization__name="北门社区党委").exists()
    assert Activity.objects.filter(agreement__isnull=False).count() >= 3
    for agreement in CoBuildingAgreement.objects.all():
        agreement.full_clean()
        assert not agreement.activities.filter(
            Q(starts_at__date__lt=agreement.starts_on) | Q(starts_at__date__gt=agreement.ends_on)
        ).exists()


def test_the_command_says_what_the_services_hold(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("seed_demo", "--communities", "2", "--per-community", "30", "--today", "2026-11-01", stdout=out)
    text = out.getvalue()
    assert "次服务活动" in text and "条服务记录" in text and "次走访" in text
    assert ServiceEntry.objects.exists() and CareVisit.objects.exists() and ResidentUnit.objects.exists()


class Rollback(Exception):
    pass


def services_fingerprint(seed):
    try:
        with transaction.atomic():
            demo.seed(seed=seed, today=TODAY, communities=2, per_community=30)
            found = (
                list(Activity.objects.order_by("starts_at", "title").values_list("title", "starts_at")),
                sorted(ServiceEntry.objects.values_list("member__id_number", "served_on", "minutes")),
                sorted(CareVisit.objects.values_list("reason", "visited_on")),
            )
            raise Rollback
    except Rollback:
        return found


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_services():
    assert services_fingerprint(3) == services_fingerprint(3)


@pytest.mark.django_db
def test_more_communities_than_the_street_has_names_for_work_too():
    demo.seed(seed=2, today=TODAY, communities=12, per_community=12)
    with_services = Activity.objects.values("organization").distinct().count()
    assert with_services == 12
    assert ResidentUnit.objects.values("name").distinct().count() == ResidentUnit.objects.count()
