"""The council's portal pages: what each request writes (or refuses to write, with a message in
Chinese next to the field) and what it shows; other communities' objects answer 404."""

import datetime
import re
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from councils.models import (
    AgendaEntry,
    AgendaItem,
    AgendaStep,
    Comment,
    CommentModeration,
    ConsultationOutcome,
    Council,
    ImplementationTask,
    Meeting,
    ProgressNote,
    ProgressPhoto,
    Resolution,
    Step,
)
from organizations.models import Role
from tests.councils.council_fixtures import (
    MET,
    approved,
    consulting_item,
    council_meeting,
    drafted_item,
    raised_item,
)

D = datetime.date
PNG = (
    b"\x89PNG\r\n\x1a\n"
    + b"\x00\x00\x00\rIHDR"
    + b"\x00" * 17
    + b"\x00\x00\x00\x0ftEXtComment\x00GPS 31.2N"
    + b"\x00" * 4
)
JPEG = (
    b"\xff\xd8"
    + b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\xff\xe1\x00\x16Exif\x00\x00GPS 31.2N 121.4E"
    + b"\xff\xda\x00\x08\x01\x01\x00\x00?\x00"
    + b"picture"
    + b"\xff\xd9"
)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def sec_a(client, users):
    client.force_login(users["secretary_a"])
    return client


def page_text(response):
    return response.content.decode()


# -- councils and seats ---------------------------------------------------------------------------


def test_it_creates_a_council_and_seats_a_member_and_a_units_representative(sec_a, tree, members):
    from services.models import ResidentUnit

    response = sec_a.post(
        "/councils/council/bodies/new/",
        {"organization": tree["a"].pk, "kind": "council", "name": "甲社区党员议事会", "established_on": "2024-01-01"},
    )
    council = Council.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/councils/council/bodies/{council.pk}/"
    assert council.created_by.username == "sec_a"
    response = sec_a.post(
        f"/councils/council/bodies/{council.pk}/seats/",
        {"member": members["a"].pk, "role": "chair", "constituency": "self_managed", "joined_on": "2024-01-01"},
    )
    assert response.status_code == 302
    unit = ResidentUnit.objects.create(organization=tree["a"], name="县供电公司")
    response = sec_a.post(
        f"/councils/council/bodies/{council.pk}/seats/",
        {"unit": unit.pk, "role": "member", "constituency": "resident_unit", "joined_on": "2024-01-01"},
    )
    assert response.status_code == 200 and "请填写驻区单位代表的姓名" in page_text(response)
    sec_a.post(
        f"/councils/council/bodies/{council.pk}/seats/",
        {
            "unit": unit.pk,
            "name": "周建华",
            "role": "member",
            "constituency": "resident_unit",
            "joined_on": "2024-01-01",
        },
    )
    assert sorted(seat.person_name for seat in council.seats.all()) == ["周建华", "张卫华"]
    page = page_text(sec_a.get(f"/councils/council/bodies/{council.pk}/"))
    assert "周建华" in page and "县供电公司" in page and "会长" in page


def test_a_member_of_another_community_cannot_be_seated(sec_a, council, members):
    response = sec_a.post(
        f"/councils/council/bodies/{council.body.pk}/seats/",
        {"member": members["b"].pk, "role": "member", "constituency": "self_managed", "joined_on": "2024-01-01"},
    )
    assert response.status_code == 200 and council.body.seats.count() == 5
    assert "不在可用的选项中" in page_text(response)


def test_a_seat_is_left_with_a_reason(sec_a, council):
    seat = council.body.seats.get(member__name="陈静")
    response = sec_a.post(
        f"/councils/council/bodies/{council.body.pk}/seats/{seat.pk}/leave/",
        {"left_on": "2024-02-01", "left_reason": "换届"},
    )
    assert response.status_code == 302
    seat.refresh_from_db()
    assert (seat.left_on, seat.left_reason) == (D(2024, 2, 1), "换届")
    meeting = council_meeting(council)
    assert "陈静" not in {row.person_name for row in meeting.attendances.all()}


def test_a_council_meeting_takes_its_list_from_the_seats(sec_a, council):
    response = sec_a.post(
        f"/councils/council/bodies/{council.body.pk}/meetings/new/",
        {"title": "议事会会议", "held_on": "2024-03-26", "place": "活动室"},
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/councils/council/meetings/{meeting.pk}/agenda/"
    assert meeting.kind == "council" and meeting.attendances.filter(expected=True, voting=True).count() == 5
    # The representative, not on the register, is marked through the meeting's own attendance page.
    row = meeting.attendances.get(name="周建华")
    response = sec_a.post(f"/councils/meetings/{meeting.pk}/attendance/", {"row": row.pk, "status": "present"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == "present"


# -- items and their steps ------------------------------------------------------------------------


def test_it_raises_an_item_with_where_it_came_from(sec_a, tree, council):
    from services.models import CareVisit

    visit = CareVisit.objects.create(
        organization=tree["a"], member=council.people["王芳"], reason="hardship", visited_on=D(2024, 2, 1)
    )
    response = sec_a.post(
        "/councils/council/items/new/",
        {
            "organization": tree["a"].pk,
            "title": "楼道堆物清理",
            "problem": "楼道堆满杂物",
            "source": "visit",
            "care_visit": visit.pk,
            "raised_on": "2024-03-01",
        },
    )
    item = AgendaItem.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/councils/council/items/{item.pk}/"
    assert (item.care_visit, item.step, item.created_by.username) == (visit, Step.RAISE, "sec_a")
    assert list(item.steps.values_list("step", flat=True)) == ["raise"]


def test_an_empty_raise_is_refused_and_nothing_saved(sec_a, tree):
    response = sec_a.post("/councils/council/items/new/", {"organization": tree["a"].pk, "source": "residents"})
    assert response.status_code == 200
    page = page_text(response)
    assert "这个字段是必填项" in page or "请填写" in page
    assert not AgendaItem.objects.exists() and not AgendaStep.objects.exists()


def test_an_item_cannot_be_raised_in_another_community(sec_a, tree):
    response = sec_a.post(
        "/councils/council/items/new/",
        {"organization": tree["b"].pk, "title": "x", "problem": "y", "source": "residents", "raised_on": "2024-03-01"},
    )
    assert response.status_code == 200 and not AgendaItem.objects.exists()


def test_a_skipped_step_is_refused_on_its_page_and_when_posted(sec_a, tree, users):
    item = raised_item(tree["a"], users["secretary_a"])
    page = page_text(sec_a.get(f"/councils/council/items/{item.pk}/steps/implement/"))
    assert "不能跳过“制订”环节" in page and "<form" not in page.split("<main", 1)[1]
    response = sec_a.post(
        f"/councils/council/items/{item.pk}/steps/consult/",
        {"on": "2024-03-10", "public_title": "清理", "public_text": "方案"},
    )
    assert response.status_code == 200 and "不能跳过“制订”环节" in page_text(response)
    item.refresh_from_db()
    assert item.step == Step.RAISE and item.public_text == "" and item.steps.count() == 1


def test_a_draft_is_recorded_and_cannot_be_repeated(sec_a, tree, users, council):
    item = raised_item(tree["a"], users["secretary_a"])
    page = page_text(sec_a.get(f"/councils/council/items/{item.pk}/steps/draft/"))
    assert 'name="draft"' in page
    response = sec_a.post(
        f"/councils/council/items/{item.pk}/steps/draft/",
        {"on": "2024-03-20", "draft": "清除蔬菜，恢复绿化", "council": council.body.pk},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.step, item.draft, item.council) == (Step.DRAFT, "清除蔬菜，恢复绿化", council.body)
    response = sec_a.post(f"/councils/council/items/{item.pk}/steps/draft/", {"on": "2024-03-21", "draft": "再改"})
    assert response.status_code == 200 and "不能重复" in page_text(response)
    item.refresh_from_db()
    assert item.draft == "清除蔬菜，恢复绿化"


def test_the_draft_needs_its_text_next_to_the_field(sec_a, tree, users):
    item = raised_item(tree["a"], users["secretary_a"])
    response = sec_a.post(f"/councils/council/items/{item.pk}/steps/draft/", {"on": "2024-03-20", "draft": ""})
    assert response.status_code == 200
    assert re.search(r'<a href="#id_draft">议案（草案）</a>：请填写议案', page_text(response))


def test_the_adoption_page_sends_to_a_meeting(sec_a, council, users):
    item = drafted_item(council.community, users["secretary_a"])
    meeting = council_meeting(council)
    page = page_text(sec_a.get(f"/councils/council/items/{item.pk}/steps/adopt/"))
    assert "采纳须经议事会会议集体讨论" in page and f"/councils/council/meetings/{meeting.pk}/agenda/" in page
    response = sec_a.post(f"/councils/council/items/{item.pk}/steps/adopt/", {"on": "2024-03-26"})
    assert response.status_code == 404


def test_the_agenda_adopts_with_a_numbered_resolution(sec_a, council, users):
    item = drafted_item(council.community, users["secretary_a"])
    meeting = council_meeting(council)
    response = sec_a.post(f"/councils/council/meetings/{meeting.pk}/agenda/", {"item": item.pk})
    assert response.status_code == 302
    entry = AgendaEntry.objects.get()
    response = sec_a.post(
        f"/councils/council/meetings/{meeting.pk}/agenda/{entry.pk}/adopt/",
        {
            f"adopt-{entry.pk}-text": "除食用菊花外清除全部蔬菜",
            f"adopt-{entry.pk}-votes_for": "4",
            f"adopt-{entry.pk}-votes_against": "0",
            f"adopt-{entry.pk}-votes_abstain": "0",
        },
        follow=True,
    )
    assert "决议〔2024〕第1号" in page_text(response)
    item.refresh_from_db()
    assert item.step == Step.ADOPT and Resolution.objects.get().decision.meeting == meeting
    page = page_text(sec_a.get(f"/councils/meetings/{meeting.pk}/"))
    assert "除食用菊花外清除全部蔬菜" in page and "议程与决议" in page


def test_an_inquorate_meeting_adopts_nothing(sec_a, council, users):
    item = drafted_item(council.community, users["secretary_a"])
    meeting = council_meeting(council, present=("张卫华",))
    entry = AgendaEntry.add(meeting, item, users["secretary_a"])
    response = sec_a.post(
        f"/councils/council/meetings/{meeting.pk}/agenda/{entry.pk}/adopt/",
        {f"adopt-{entry.pk}-text": "同意", f"adopt-{entry.pk}-votes_for": "1"},
    )
    assert response.status_code == 200 and "未超过半数，会议不能作出决定" in page_text(response)
    item.refresh_from_db()
    assert item.step == Step.DRAFT and not Resolution.objects.exists()


def test_the_minutes_cannot_be_locked_with_an_item_open(sec_a, council, users):
    item = drafted_item(council.community, users["secretary_a"])
    meeting = council_meeting(council)
    AgendaEntry.add(meeting, item, users["secretary_a"])
    response = sec_a.post(f"/councils/meetings/{meeting.pk}/lock/", follow=True)
    assert "议程中还有1项议题没有结果" in page_text(response)
    assert Meeting.objects.get(pk=meeting.pk).locked_at is None


def test_the_meeting_defers_an_item_with_a_note(sec_a, council, users):
    item = drafted_item(council.community, users["secretary_a"])
    meeting = council_meeting(council)
    entry = AgendaEntry.add(meeting, item, users["secretary_a"])
    url = f"/councils/council/meetings/{meeting.pk}/agenda/{entry.pk}/conclude/"
    response = sec_a.post(url, {f"conclude-{entry.pk}-outcome": "deferred"})
    assert response.status_code == 200 and "请写明会议的意见" in page_text(response)
    response = sec_a.post(
        url, {f"conclude-{entry.pk}-outcome": "deferred", f"conclude-{entry.pk}-outcome_note": "再听取楼栋意见"}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.outcome == "deferred" and AgendaItem.objects.get().step == Step.DRAFT


def test_the_consultation_then_implementation_then_done(sec_a, council, users, media):
    user = users["secretary_a"]
    item = consulting_item(council, user)
    implement = f"/councils/council/items/{item.pk}/steps/implement/"
    response = sec_a.post(implement, {"on": "2024-04-05", "by_station": "on"})
    assert response.status_code == 200 and "还没有登记居民评议结果" in page_text(response)
    response = sec_a.post(
        f"/councils/council/items/{item.pk}/outcome/",
        {"result": "approved", "decided_on": "2024-04-03", "summary": "居民赞成", "paper_vote": "on"},
    )
    assert response.status_code == 200 and "请填写同意、不同意和弃权票数" in page_text(response)
    response = sec_a.post(
        f"/councils/council/items/{item.pk}/outcome/",
        {
            "result": "approved",
            "decided_on": "2024-04-03",
            "summary": "居民赞成",
            "paper_vote": "on",
            "votes_for": "46",
            "votes_against": "3",
            "votes_abstain": "2",
        },
    )
    assert response.status_code == 302 and ConsultationOutcome.objects.get().votes_for == 46
    response = sec_a.post(
        f"/councils/council/items/{item.pk}/steps/implement/",
        {"on": "2024-04-05", "by_station": "on", "members": [council.people["刘强"].pk], "units": [council.unit.pk]},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.step == Step.IMPLEMENT and list(item.implementers.all()) == [council.people["刘强"]]
    response = sec_a.post(
        f"/councils/council/items/{item.pk}/tasks/",
        {"text": "清除3号楼前的蔬菜", "responsible": "党员服务站", "due_on": "2024-04-20"},
    )
    task = ImplementationTask.objects.get()
    assert response.status_code == 302 and task.created_by == user
    response = sec_a.post(
        f"/councils/council/items/{item.pk}/progress/",
        {
            "on": "2024-04-12",
            "percent": "50",
            "text": "已清理一半",
            "caption": "清理后",
            "photo": SimpleUploadedFile("a.png", PNG, content_type="image/png"),
        },
    )
    assert response.status_code == 302
    photo = ProgressPhoto.objects.get()
    stored = photo.file.read()
    assert photo.content_type == "image/png" and b"GPS" not in stored and stored.startswith(b"\x89PNG")
    response = sec_a.get(f"/councils/council/items/{item.pk}/photos/{photo.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    response = sec_a.post(f"/councils/council/items/{item.pk}/steps/done/", {"on": "2024-04-30", "result": "已清理"})
    page = page_text(response)
    assert response.status_code == 200 and "还有1项实施任务未完成" in page and "请填写向居民公开的办理结果" in page
    sec_a.post(f"/councils/council/items/{item.pk}/tasks/{task.pk}/done/", {f"task-{task.pk}-done_on": "2024-04-18"})
    task.refresh_from_db()
    assert task.done_on == D(2024, 4, 18)
    response = sec_a.post(
        f"/councils/council/items/{item.pk}/steps/done/",
        {"on": "2024-04-30", "result": "已清理", "public_result": "已全部清理"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.step == Step.DONE
    page = page_text(sec_a.get(f"/councils/council/items/{item.pk}/"))
    assert "已全部清理" in page and "〔2024〕第1号" in page and "46" in page
    printed = page_text(sec_a.get(f"/councils/council/items/{item.pk}/print/"))
    for words in ("议事议题全程记录", "确立", "制订", "采纳", "评估", "实施", "办结", "〔2024〕第1号", "已清理一半"):
        assert words in printed


def test_a_photo_with_exif_is_kept_without_it_and_a_pdf_is_refused(sec_a, council, users, media):
    user = users["secretary_a"]
    item = approved(consulting_item(council, user), user)
    item.advance(Step.IMPLEMENT, by=user, on=D(2024, 4, 5), by_station=True)
    response = sec_a.post(
        f"/councils/council/items/{item.pk}/progress/",
        {"on": "2024-04-12", "percent": "10", "text": "开始", "photo": SimpleUploadedFile("a.pdf", b"%PDF-1.4 xx")},
    )
    assert response.status_code == 200 and "只能是JPG或PNG图片" in page_text(response)
    assert not ProgressNote.objects.exists()
    sec_a.post(
        f"/councils/council/items/{item.pk}/progress/",
        {"on": "2024-04-12", "percent": "10", "text": "开始", "photo": SimpleUploadedFile("a.jpg", JPEG)},
    )
    stored = ProgressPhoto.objects.get().file.read()
    assert b"Exif" not in stored and b"JFIF" in stored and stored.endswith(b"picture\xff\xd9")


def test_progress_never_goes_back(sec_a, council, users):
    user = users["secretary_a"]
    item = approved(consulting_item(council, user), user)
    item.advance(Step.IMPLEMENT, by=user, on=D(2024, 4, 5), by_station=True)
    sec_a.post(f"/councils/council/items/{item.pk}/progress/", {"on": "2024-04-12", "percent": "60", "text": "过半"})
    response = sec_a.post(
        f"/councils/council/items/{item.pk}/progress/", {"on": "2024-04-13", "percent": "30", "text": "x"}
    )
    assert response.status_code == 200 and "进度不能低于上一次的60%" in page_text(response)
    assert ProgressNote.objects.count() == 1


def test_a_withdrawal_needs_a_reason(sec_a, tree, users):
    item = raised_item(tree["a"], users["secretary_a"])
    response = sec_a.post(f"/councils/council/items/{item.pk}/stop/", {"on": "2024-03-05", "stop": "withdrawn"})
    assert response.status_code == 200 and "请填写撤回原因" in page_text(response)
    response = sec_a.post(
        f"/councils/council/items/{item.pk}/stop/", {"on": "2024-03-05", "stop": "withdrawn", "reason": "已解决"}
    )
    assert response.status_code == 302 and AgendaItem.objects.get().step == Step.WITHDRAWN


def test_taking_an_item_off_the_public_page_and_back(sec_a, council, users):
    item = consulting_item(council, users["secretary_a"])
    sec_a.post(f"/councils/council/items/{item.pk}/publish/", {"public": "0"})
    item.refresh_from_db()
    assert not item.is_public
    sec_a.post(f"/councils/council/items/{item.pk}/publish/", {"public": "1"})
    item.refresh_from_db()
    assert item.is_public


def test_an_item_still_in_drafting_cannot_be_published(sec_a, council, users):
    item = drafted_item(council.community, users["secretary_a"])
    response = sec_a.post(f"/councils/council/items/{item.pk}/publish/", {"public": "1"}, follow=True)
    assert "进入“评估”环节后才能" in page_text(response)
    item.refresh_from_db()
    assert not item.is_public


# -- moderation -----------------------------------------------------------------------------------


def test_moderation_hides_with_a_reason_and_logs_every_decision(sec_a, council, users):
    item = consulting_item(council, users["secretary_a"])
    comment = Comment.objects.create(item=item, body="支持", phone="13912345670", name="3号楼居民")
    page = page_text(sec_a.get(f"/councils/council/comments/?org={council.community.pk}&status=pending"))
    assert "支持" in page and "13912345670" in page  # the secretary sees the phone; residents never do
    url = f"/councils/council/comments/{comment.pk}/moderate/"
    response = sec_a.post(url, {"action": "hide"}, follow=True)
    assert "不公开的意见请写明原因" in page_text(response)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING and not CommentModeration.objects.exists()
    sec_a.post(url, {"action": "hide", "reason": "与议题无关"})
    sec_a.post(url, {"action": "show"})
    comment.refresh_from_db()
    assert comment.status == Comment.Status.SHOWN and comment.moderated_by == users["secretary_a"]
    log = list(CommentModeration.objects.order_by("id").values_list("action", "reason", "by__username"))
    assert log == [("hide", "与议题无关", "sec_a"), ("show", "", "sec_a")]
    with pytest.raises(ValidationError):
        comment.delete()
    assert Comment.objects.count() == 1


def test_who_may_only_read_a_community_is_offered_no_moderation_there(client, users, council):
    item = consulting_item(council, users["secretary_a"])
    Comment.objects.create(item=item, body="支持")
    reader = users["secretary_b"]  # writes in community B, only reads community A
    Role.objects.create(user=reader, organization=council.community, kind=Role.Kind.VIEWER)
    client.force_login(reader)
    page = page_text(client.get(f"/councils/council/comments/?org={council.community.pk}&status=pending"))
    assert "支持" in page and "/moderate/" not in page
    client.force_login(users["secretary_a"])
    assert "/moderate/" in page_text(
        client.get(f"/councils/council/comments/?org={council.community.pk}&status=pending")
    )


def test_another_communitys_secretary_gets_404_everywhere(client, users, council):
    item = consulting_item(council, users["secretary_a"])
    meeting = Meeting.objects.get()
    comment = Comment.objects.create(item=item, body="支持")
    client.force_login(users["secretary_b"])
    for url in (
        f"/councils/council/items/{item.pk}/",
        f"/councils/council/items/{item.pk}/steps/draft/",
        f"/councils/council/items/{item.pk}/print/",
        f"/councils/council/bodies/{council.body.pk}/",
        f"/councils/council/meetings/{meeting.pk}/agenda/",
        f"/councils/council/comments/?org={council.community.pk}",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/councils/council/comments/{comment.pk}/moderate/", {"action": "show"}).status_code == 404
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING


def test_a_viewer_reads_but_does_not_write(client, users, council):
    item = drafted_item(council.community, users["secretary_a"])
    client.force_login(users["viewer_a"])
    assert client.get(f"/councils/council/items/{item.pk}/").status_code == 200
    page = page_text(client.get(f"/councils/council/items/{item.pk}/steps/draft/"))
    assert "清除绿地上的蔬菜" in page
    assert client.post(f"/councils/council/items/{item.pk}/stop/", {"stop": "withdrawn"}).status_code == 403
    assert AgendaItem.objects.get().step == Step.DRAFT


# -- lists behind the home page's counts, ledgers -------------------------------------------------


def test_each_attention_count_opens_a_list_of_exactly_those(sec_a, council, users, settings):
    settings.COUNCIL_STUCK_DAYS = 30
    user = users["secretary_a"]
    raised_item(council.community, user, "老问题", on=D(2024, 1, 1))
    item = approved(consulting_item(council, user, title="在实施"), user)
    item.advance(Step.IMPLEMENT, by=user, on=D(2024, 4, 5), by_station=True)
    ImplementationTask.objects.create(item=item, text="逾期任务", responsible="服务站", due_on=D(2024, 4, 10))
    ImplementationTask.objects.create(
        item=item, text="早办的任务", responsible="服务站", due_on=D(2024, 4, 10), done_on=D(2024, 4, 9)
    )
    Comment.objects.create(item=item, body="待审核意见")
    home = page_text(sec_a.get("/")).replace("&amp;", "&")
    found = dict(
        (label, (href, int(n)))
        for href, label, n in re.findall(r'<a href="(/councils/council/[^"]+)">([^<：]+)：<strong>(\d+)</strong>', home)
    )
    assert found["议题在同一环节停留过久"][1] == 2
    assert found["议题实施任务已逾期"][1] == 1
    assert found["社区议事园居民意见待审核"][1] == 1
    stuck = page_text(sec_a.get(found["议题在同一环节停留过久"][0]))
    assert "共 <strong>2</strong> 项议题" in stuck and "老问题" in stuck and "在实施" in stuck
    overdue = page_text(sec_a.get(found["议题实施任务已逾期"][0]))
    assert "共 <strong>1</strong> 项任务" in overdue and "逾期任务" in overdue and "早办的任务" not in overdue
    pending = page_text(sec_a.get(found["社区议事园居民意见待审核"][0]))
    assert "共 <strong>1</strong> 条意见" in pending and "待审核意见" in pending


def test_the_ledgers(sec_a, council, users):
    user = users["secretary_a"]
    consulting_item(council, user)
    raised_item(council.community, user, "楼道堆物清理")
    period = f"org={council.community.pk}&start=2024-01-01&end=2024-12-31"
    response = sec_a.get(f"/councils/council/items/ledger.xlsx?{period}")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "甲社区党支部议题台账" and sheet.print_title_rows == "$3:$3"
    farm = next(row for row in rows[3:] if row[1] == "莫让社区变农庄")
    assert farm[3:6] == (datetime.datetime(2024, 3, 1), datetime.datetime(2024, 3, 20), datetime.datetime(2024, 3, 26))
    assert "〔2024〕第1号" in farm and "评估" in farm
    response = sec_a.get(
        f"/councils/council/resolutions/ledger.xlsx?org={council.community.pk}&start=2024-01-01&end=2024-12-31"
    )
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[3][0] == "〔2024〕第1号" and rows[3][6:] == (4, 0, 0, 5, 4, "是")
    response = sec_a.get(f"/councils/council/resolutions/ledger.xlsx?org={council.community.pk}&start=2025-01-01")
    assert len(list(load_workbook(BytesIO(response.content)).active.iter_rows())) == 3


def test_a_bad_ledger_date_is_a_400(sec_a, council):
    response = sec_a.get(f"/councils/council/items/ledger.xlsx?org={council.community.pk}&start=abc")
    assert response.status_code == 400


def test_the_pages_keep_to_the_content_security_policy(sec_a, council, users):
    user = users["secretary_a"]
    item = consulting_item(council, user)
    meeting = Meeting.objects.get()
    for url in (
        "/councils/council/items/",
        f"/councils/council/items/{item.pk}/",
        f"/councils/council/items/{item.pk}/steps/implement/",
        f"/councils/council/items/{item.pk}/print/",
        f"/councils/council/bodies/{council.body.pk}/",
        f"/councils/council/meetings/{meeting.pk}/agenda/",
        f"/councils/council/comments/?org={council.community.pk}",
        "/councils/council/items/new/",
    ):
        page = page_text(sec_a.get(url))
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
        assert not re.search(r"\son[a-z]+=", page), url
        assert not re.search(r"\sstyle=", page), url


@pytest.mark.parametrize("day", [MET])
def test_the_meeting_list_offers_the_new_kinds(sec_a, day):
    page = page_text(sec_a.get("/councils/meetings/new/"))
    assert "党员代表大会" in page and "重大事项听证会" in page


def test_the_council_list_counts_sitting_members_and_meetings(sec_a, council):
    council_meeting(council)
    council_meeting(council, D(2024, 4, 2))
    council.body.seats.filter(member__name="陈静").update(left_on=D(2024, 1, 1), left_reason="换届")
    page = page_text(sec_a.get(f"/councils/council/bodies/?org={council.community.pk}"))
    assert re.search(r"<td>社区党员议事会</td><td>4</td><td>2</td>", page)


def test_the_minutes_show_the_resolutions_number(sec_a, council, users):
    item = drafted_item(council.community, users["secretary_a"])
    meeting = council_meeting(council)
    AgendaEntry.add(meeting, item, None).adopt(users["secretary_a"], "清除蔬菜", 4, 0, 0)
    for url in (f"/councils/meetings/{meeting.pk}/", f"/councils/meetings/{meeting.pk}/print/"):
        page = page_text(sec_a.get(url))
        assert "决议〔2024〕第1号：清除蔬菜" in page and "周建华" in page, url
