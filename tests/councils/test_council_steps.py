"""The five steps of an agenda item, taken only by ``AgendaItem.advance``: in order, each once, with
its gates (a draft and a council meeting that adopted it; a recorded consultation before anything is
carried out; no end with tasks open) and a clear refusal that saves nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from councils.models import (
    AgendaEntry,
    AgendaItem,
    AgendaStep,
    ConsultationOutcome,
    Decision,
    ImplementationTask,
    Meeting,
    ProgressNote,
    Resolution,
    Step,
)
from tests.councils.council_fixtures import (
    DRAFTED,
    MET,
    approved,
    consulting_item,
    council_meeting,
    drafted_item,
    raised_item,
)

D = datetime.date


def refused(call, *words):
    with pytest.raises(ValidationError) as error:
        call()
    text = " ".join(error.value.messages)
    for word in words:
        assert word in text, text
    return text


def steps_of(item):
    return list(AgendaStep.objects.filter(item=item).order_by("id").values_list("step", flat=True))


def test_it_raises_an_item_with_the_first_row_of_its_step_table(tree, users):
    item = raised_item(tree["a"], users["secretary_a"])
    assert (item.step, item.step_on, item.created_by) == (Step.RAISE, D(2024, 3, 1), users["secretary_a"])
    row = AgendaStep.objects.get(item=item)
    assert (row.step, row.on, row.by) == (Step.RAISE, D(2024, 3, 1), users["secretary_a"])
    assert "种菜" in row.decided


def test_a_skipped_step_is_refused_and_nothing_is_saved(tree, users):
    item = raised_item(tree["a"], users["secretary_a"])
    refused(
        lambda: item.advance(Step.CONSULT, by=users["secretary_a"], public_title="x", public_text="y"),
        "不能跳过“制订”环节",
        "目前处于“确立”环节",
    )
    refused(lambda: item.advance(Step.DONE, by=users["secretary_a"], result="x", public_result="y"), "不能跳过")
    item.refresh_from_db()
    assert item.step == Step.RAISE and steps_of(item) == ["raise"] and item.public_text == ""


def test_a_repeated_step_is_refused(tree, users):
    item = drafted_item(tree["a"], users["secretary_a"])
    refused(lambda: item.advance(Step.DRAFT, by=users["secretary_a"], draft="又一稿"), "已经过“制订”环节，不能重复")
    refused(lambda: item.advance(Step.RAISE, by=users["secretary_a"]), "不能重复")
    item.refresh_from_db()
    assert item.draft == "清除绿地上的蔬菜，恢复绿化。" and steps_of(item) == ["raise", "draft"]


def test_the_database_refuses_a_step_twice_too(tree, users):
    item = drafted_item(tree["a"], users["secretary_a"])
    with pytest.raises(IntegrityError), transaction.atomic():
        AgendaStep.objects.create(item=item, step=Step.DRAFT, on=DRAFTED)


def test_a_step_back_is_refused(council, users):
    item = consulting_item(council, users["secretary_a"])
    refused(
        lambda: item.advance(Step.DRAFT, by=users["secretary_a"], draft="x"),
        "已经过“制订”环节，不能重复或退回",
        "目前处于“评估”环节",
    )


def test_a_draft_needs_its_text(tree, users):
    item = raised_item(tree["a"], users["secretary_a"])
    refused(lambda: item.advance(Step.DRAFT, by=users["secretary_a"], draft="  "), "请填写议案")
    assert steps_of(item) == ["raise"]


def test_adoption_without_a_meeting_is_refused(tree, users):
    item = drafted_item(tree["a"], users["secretary_a"])
    refused(lambda: item.advance(Step.ADOPT, by=users["secretary_a"]), "采纳须经议事会会议集体讨论")
    item.refresh_from_db()
    assert item.step == Step.DRAFT and steps_of(item) == ["raise", "draft"]


def test_adoption_by_a_meeting_that_did_not_have_it_on_its_agenda_is_refused(council, users):
    item = drafted_item(council.community, users["secretary_a"])
    meeting = council_meeting(council)
    refused(lambda: item.advance(Step.ADOPT, by=users["secretary_a"], meeting=meeting), "不在这次会议的议程上")
    AgendaEntry.add(meeting, item, users["secretary_a"])
    refused(lambda: item.advance(Step.ADOPT, by=users["secretary_a"], meeting=meeting), "没有通过该议题的决议")
    assert steps_of(item) == ["raise", "draft"]


def test_an_item_not_yet_drafted_cannot_go_on_an_agenda(council, users):
    item = raised_item(council.community, users["secretary_a"])
    meeting = council_meeting(council)
    refused(lambda: AgendaEntry.add(meeting, item, users["secretary_a"]), "只有已制订议案")
    assert not AgendaEntry.objects.exists()


def test_a_general_meeting_has_no_agenda(tree, users, members):
    item = drafted_item(tree["a"], users["secretary_a"])
    meeting = Meeting.objects.create(organization=tree["a"], kind="general", held_on=MET)
    refused(lambda: AgendaEntry.add(meeting, item, users["secretary_a"]), "才有议程")


def test_the_whole_path_from_raise_to_done(council, users):
    user = users["secretary_a"]
    item = consulting_item(council, user)
    assert item.is_public and item.published_at is not None
    refused(lambda: item.advance(Step.IMPLEMENT, by=user, by_station=True), "还没有登记居民评议结果")
    approved(item, user)
    refused(lambda: item.advance(Step.IMPLEMENT, by=user, on=D(2024, 4, 5)), "请写明由谁实施")
    item.advance(Step.IMPLEMENT, by=user, on=D(2024, 4, 5), by_station=True, units=[council.unit])
    task = ImplementationTask(item=item, text="清除3号楼前绿地的蔬菜", responsible="党员服务站", due_on=D(2024, 4, 20))
    task.full_clean()
    task.save()
    refused(lambda: item.advance(Step.DONE, by=user, result="已清理", public_result="已清理"), "1项实施任务未完成")
    task.done_on = D(2024, 4, 18)
    task.save()
    note = ProgressNote(item=item, on=D(2024, 4, 18), percent=100, text="绿地蔬菜已全部清除，补种了花卉。")
    note.full_clean()
    note.save()
    item.advance(Step.DONE, by=user, on=D(2024, 4, 30), result="全部清理，补种花卉。", public_result="已完成。")
    assert steps_of(item) == ["raise", "draft", "adopt", "consult", "implement", "done"]
    dates = list(item.steps.order_by("id").values_list("on", flat=True))
    assert dates == sorted(dates) and dates[2] == MET
    adopt = item.steps.get(step=Step.ADOPT)
    assert adopt.meeting.held_on == MET and "食用菊花" in adopt.decided
    assert "党员服务站" in item.steps.get(step=Step.IMPLEMENT).decided
    refused(lambda: item.advance(Step.WITHDRAWN, by=user, reason="x"), "该议题已办结，不能再变更")


def test_implementation_is_refused_after_the_residents_said_no(council, users):
    user = users["secretary_a"]
    item = consulting_item(council, user)
    outcome = ConsultationOutcome(
        result=ConsultationOutcome.Result.REJECTED,
        decided_on=D(2024, 4, 3),
        summary="多数居民希望保留菜地。",
        paper_vote=True,
        votes_for=12,
        votes_against=30,
        votes_abstain=2,
    )
    item.record_consultation(outcome, user)
    item.refresh_from_db()
    assert item.step == Step.REJECTED and "保留菜地" in item.steps.get(step=Step.REJECTED).reason
    refused(lambda: item.advance(Step.IMPLEMENT, by=user, by_station=True), "已否决，不能再变更")


def test_a_paper_vote_must_agree_with_the_result(council, users):
    item = consulting_item(council, users["secretary_a"])
    outcome = ConsultationOutcome(
        result=ConsultationOutcome.Result.APPROVED,
        decided_on=D(2024, 4, 3),
        summary="x",
        paper_vote=True,
        votes_for=3,
        votes_against=9,
        votes_abstain=0,
    )
    refused(lambda: item.record_consultation(outcome, users["secretary_a"]), "与“同意”的结果不符")
    assert not ConsultationOutcome.objects.exists()


def test_approved_with_changes_replaces_the_public_plan(council, users):
    item = consulting_item(council, users["secretary_a"])
    outcome = ConsultationOutcome(
        result=ConsultationOutcome.Result.CHANGED,
        decided_on=D(2024, 4, 3),
        summary="有居民建议保留食用菊花以外的葱。",
        changes="分两批清理。",
        public_text="分两批清除蔬菜；不得施肥；鼓励种花。",
    )
    item.record_consultation(outcome, users["secretary_a"])
    item.refresh_from_db()
    assert item.public_text == "分两批清除蔬菜；不得施肥；鼓励种花。" and item.step == Step.CONSULT


def test_withdrawal_needs_a_reason_and_ends_the_item(tree, users):
    item = raised_item(tree["a"], users["secretary_a"])
    refused(lambda: item.advance(Step.WITHDRAWN, by=users["secretary_a"], reason=" "), "请填写撤回原因")
    item.advance(Step.WITHDRAWN, by=users["secretary_a"], reason="反映人已自行解决")
    refused(lambda: item.advance(Step.DRAFT, by=users["secretary_a"], draft="x"), "已撤回")
    assert steps_of(item) == ["raise", "withdrawn"]


def test_dates_run_forward_and_never_past_today(tree, users):
    item = raised_item(tree["a"], users["secretary_a"])
    refused(lambda: item.advance(Step.DRAFT, by=users["secretary_a"], on=D(2024, 2, 1), draft="x"), "不能早于上一环节")
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    refused(lambda: item.advance(Step.DRAFT, by=users["secretary_a"], on=tomorrow, draft="x"), "不能晚于今天")


def test_the_step_table_is_append_only(tree, users):
    item = raised_item(tree["a"], users["secretary_a"])
    row = item.steps.get()
    row.decided = "改写"
    refused(row.save, "不可更改")
    refused(row.delete, "不可删除")


def test_a_public_plan_with_a_phone_number_is_refused(council, users):
    from councils.models import Step as S

    item = drafted_item(council.community, users["secretary_a"])
    meeting = council_meeting(council)
    AgendaEntry.add(meeting, item, users["secretary_a"]).adopt(users["secretary_a"], "同意", 4, 0, 0)
    item.refresh_from_db()
    refused(
        lambda: item.advance(
            S.CONSULT, by=users["secretary_a"], public_title="清理绿地", public_text="联系13812345678"
        ),
        "不能有电话号码",
    )
    item.refresh_from_db()
    assert item.step == S.ADOPT and not item.is_public


def test_stuck_items_are_those_without_a_step_for_too_long(council, users, settings):
    settings.COUNCIL_STUCK_DAYS = 30
    user = users["secretary_a"]
    old = raised_item(council.community, user, "老问题", on=D(2024, 1, 1))
    fresh = raised_item(council.community, user, "新问题", on=D(2024, 3, 1))
    doing = consulting_item(council, user, title="在实施")
    approved(doing, user)
    doing.advance(Step.IMPLEMENT, by=user, on=D(2024, 4, 5), by_station=True)
    stuck = set(AgendaItem.objects.stuck(D(2024, 3, 15)).values_list("title", flat=True))
    assert stuck == {"老问题"}
    day = D(2024, 6, 1)
    assert set(AgendaItem.objects.stuck(day).values_list("title", flat=True)) == {"老问题", "新问题", "在实施"}
    ProgressNote.objects.create(item=doing, on=D(2024, 5, 20), percent=40, text="清理了一半。")
    assert set(AgendaItem.objects.stuck(day).values_list("title", flat=True)) == {"老问题", "新问题"}
    fresh.advance(Step.WITHDRAWN, by=user, on=D(2024, 3, 2), reason="重复")
    assert set(AgendaItem.objects.stuck(day).values_list("title", flat=True)) == {"老问题"}
    assert old.step == Step.RAISE


def test_an_item_on_an_open_agenda_cannot_go_on_another(council, users):
    user = users["secretary_a"]
    item = drafted_item(council.community, user)
    first, second = council_meeting(council), council_meeting(council, D(2024, 4, 2))
    AgendaEntry.add(first, item, user)
    refused(lambda: AgendaEntry.add(second, item, user), "已列入2024-03-26的会议议程")
    AgendaEntry.objects.get(meeting=first).conclude(user, AgendaEntry.Outcome.DEFERRED, "再征求楼栋意见")
    item.refresh_from_db()
    assert item.step == Step.DRAFT
    AgendaEntry.add(second, item, user).adopt(user, "同意", 4, 0, 0)
    item.refresh_from_db()
    assert item.step == Step.ADOPT and item.steps.get(step=Step.ADOPT).meeting == second
    assert Resolution.objects.get(item=item).decision.meeting == second
    assert Decision.objects.count() == 1
