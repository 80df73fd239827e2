"""Two secretaries at once: the same step taken twice is taken once (the item's row is locked while a
step is taken), and two resolutions recorded at once get two numbers (the community's row is locked
while the next number is taken; the unique constraint would refuse a shared one)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from councils.models import AgendaEntry, AgendaItem, AgendaStep, Resolution, Step
from tests.councils.council_fixtures import DRAFTED, council_meeting, drafted_item, raised_item
from tests.members.test_concurrency import RACE, race


def attempt(call):
    try:
        return call()
    except ValidationError as error:
        return " ".join(error.messages)


@RACE
def test_the_same_step_taken_twice_at_once_is_taken_once(tree, users):
    item = raised_item(tree["a"], users["secretary_a"])

    def draft(text):
        return (
            lambda: AgendaItem.objects.get(pk=item.pk),
            lambda fresh: attempt(lambda: fresh.advance(Step.DRAFT, by=None, on=DRAFTED, draft=text) and "ok"),
        )

    results = race(draft("甲稿"), draft("乙稿"))
    assert sorted(results, key=len) == ["ok", "该议题已经过“制订”环节，不能重复。"]
    assert AgendaStep.objects.filter(item=item, step=Step.DRAFT).count() == 1


@RACE
def test_two_resolutions_recorded_at_once_get_two_numbers(council, users):
    meeting = council_meeting(council)
    entries = [
        AgendaEntry.add(meeting, drafted_item(council.community, users["secretary_a"], title), None)
        for title in ("莫让社区变农庄", "楼道堆物清理")
    ]

    def adopt(entry):
        return (
            lambda: AgendaEntry.objects.get(pk=entry.pk),
            lambda fresh: fresh.adopt(None, "同意", 4, 0, 0).number,
        )

    numbers = race(*(adopt(entry) for entry in entries))
    assert sorted(numbers) == ["〔2024〕第1号", "〔2024〕第2号"]


@pytest.mark.django_db
def test_the_database_refuses_a_number_twice(council, users):
    meeting = council_meeting(council)
    item = drafted_item(council.community, users["secretary_a"])
    resolution = AgendaEntry.add(meeting, item, None).adopt(None, "同意", 4, 0, 0)
    other = drafted_item(council.community, users["secretary_a"], "楼道堆物清理")
    decision = resolution.decision
    decision.pk = None
    decision.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Resolution.objects.create(
            decision=decision,
            item=other,
            organization=council.community,
            year=2024,
            sequence=1,
            quorum_held=True,
        )
