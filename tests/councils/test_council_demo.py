"""The demo's councils: "莫让社区变农庄" finished with its real dates and resolution, and items in every
step across the communities, each taken through the same step machine as the pages."""

import datetime

import pytest

from councils.models import (
    SEQUENCE,
    AgendaItem,
    AgendaStep,
    Comment,
    ConsultationOutcome,
    Council,
    Meeting,
    Resolution,
    Step,
)
from portal import demo

TODAY = datetime.date(2026, 11, 1)
D = datetime.date


@pytest.fixture
def street(db):
    demo.seed(seed=3, today=TODAY, communities=2, per_community=15)


def test_the_farm_item_is_finished_with_its_real_dates_and_resolution(street):
    item = AgendaItem.objects.get(title="莫让社区变农庄")
    assert item.organization.name == "北门社区党委" and item.step == Step.DONE
    dates = dict(item.steps.values_list("step", "on"))
    assert dates == {
        "raise": D(2026, 3, 5),
        "draft": D(2026, 3, 18),
        "adopt": D(2026, 3, 26),
        "consult": D(2026, 3, 27),
        "implement": D(2026, 4, 8),
        "done": D(2026, 5, 12),
    }
    resolution = Resolution.objects.get(item=item)
    meeting = resolution.decision.meeting
    assert resolution.number == "〔2026〕第1号" and meeting.held_on == D(2026, 3, 26) and meeting.kind == "council"
    assert meeting.quorum().is_quorate and resolution.decision.passed_with(meeting.quorum())
    for words in ("除食用菊花外", "清除公共绿地上的全部蔬菜", "不得施肥", "分步清理", "党员家庭率先", "种花"):
        assert words in resolution.decision.text
    assert "食用菊花" in meeting.minutes and meeting.is_locked
    outcome = ConsultationOutcome.objects.get(item=item)
    assert outcome.result == "approved" and outcome.decided_on == D(2026, 4, 6)
    shown = item.comments.filter(status=Comment.Status.SHOWN).count()
    hidden = item.comments.get(status=Comment.Status.HIDDEN)
    assert shown == 3 and hidden.hidden_reason and hidden.moderations.get().reason == hidden.hidden_reason
    assert not item.tasks.filter(done_on__isnull=True).exists() and item.progress() == 100
    assert item.is_public and item.by_station and item.units.exists()


def test_there_are_items_in_every_step_across_the_communities(street):
    steps = set(AgendaItem.objects.values_list("step", flat=True))
    assert steps == set(Step.values)
    for council in Council.objects.all():
        assert council.seats.filter(unit__isnull=False).exists() and council.seats.filter(role="chair").exists()
        assert len(set(council.organization.agenda_items.values_list("step", flat=True))) >= 7
    assert AgendaItem.objects.public().filter(step=Step.CONSULT).count() == 2
    assert Comment.objects.filter(status=Comment.Status.PENDING).exists()
    assert not Meeting.objects.filter(kind="council", agenda_entries__outcome="").exists()


def test_every_demo_item_went_through_the_steps_in_order(street):
    for item in AgendaItem.objects.prefetch_related("steps"):
        rows = sorted(item.steps.all(), key=lambda row: row.id)
        taken = [row.step for row in rows]
        ordered = [step for step in taken if step in SEQUENCE]
        assert ordered == SEQUENCE[: len(ordered)], item
        assert [row.on for row in rows] == sorted(row.on for row in rows), item
        assert taken[-1] == item.step
    assert AgendaStep.objects.filter(step=Step.ADOPT, meeting__isnull=True).count() == 0
    numbers = list(Resolution.objects.values_list("organization", "year", "sequence"))
    assert len(numbers) == len(set(numbers))
