"""The meeting pages: what each request writes (or refuses to write) and what it shows."""

import datetime
import re
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from councils.models import (
    ATTACHMENT_MAX_BYTES,
    Attachment,
    Attendance,
    Decision,
    Meeting,
    MinutesRevision,
    MonthlyTheme,
)
from members.models import MemberChange
from tests.conftest import new_member

D = datetime.date
K = MemberChange.Kind
DAY = D(2024, 6, 15)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64


@pytest.fixture
def people(tree, members):
    """Branch A1: 张卫华 (from the shared fixture) and four more full members, one probationary."""
    found = {"张卫华": members["a"]}
    for name in ("王芳", "刘强", "陈静", "赵建国"):
        found[name] = new_member(tree["a1g2"], name)
    found["预备"] = new_member(tree["a1"], "预备", kind=K.ADMISSION, on=D(2024, 1, 5), joined=D(2024, 1, 5))
    return found


@pytest.fixture
def meeting(tree, people):
    meeting = Meeting.objects.create(organization=tree["a1"], kind="general", held_on=DAY, place="活动室")
    meeting.freeze_attendance()
    return meeting


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def row_of(meeting, member):
    return meeting.attendances.get(member=member)


def test_it_creates_a_meeting_and_freezes_its_list(client, users, tree, people):
    client.force_login(users["branch_a1"])
    page = client.get("/councils/meetings/new/")
    assert page.status_code == 200
    response = client.post(
        "/councils/meetings/new/",
        {"organization": tree["a1"].pk, "kind": "general", "held_on": "2024-06-15", "topics": "学习"},
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/councils/meetings/{meeting.pk}/attendance/"
    assert meeting.created_by == users["branch_a1"] and meeting.entered_late
    assert meeting.attendances.filter(expected=True).count() == 6
    assert meeting.attendances.filter(voting=True).count() == 5


def test_it_refuses_a_future_held_date_and_saves_nothing(client, users, tree, people):
    client.force_login(users["branch_a1"])
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    response = client.post(
        "/councils/meetings/new/", {"organization": tree["a1"].pk, "kind": "general", "held_on": f"{tomorrow}"}
    )
    assert response.status_code == 200
    assert "召开日期不能晚于今天" in response.content.decode()
    assert Meeting.objects.count() == 0 and Attendance.objects.count() == 0


def test_it_offers_only_organizations_the_user_may_write(client, users, tree):
    client.force_login(users["branch_a1"])
    response = client.post("/councils/meetings/new/", {"organization": tree["b1"].pk, "kind": "general"})
    assert response.status_code == 200 and Meeting.objects.count() == 0
    assert "选择一个有效的选项" in response.content.decode()


def test_a_committee_meeting_asks_for_its_members_first(client, users, tree, people):
    client.force_login(users["branch_a1"])
    response = client.post(
        "/councils/meetings/new/", {"organization": tree["a1"].pk, "kind": "committee", "held_on": "2024-06-15"}
    )
    meeting = Meeting.objects.get()
    assert response["Location"] == f"/councils/meetings/{meeting.pk}/expected/"
    assert client.get(f"/councils/meetings/{meeting.pk}/attendance/")["Location"].endswith("/expected/")
    refused = client.post(f"/councils/meetings/{meeting.pk}/expected/", {})
    assert "请选择应参加会议的人员" in refused.content.decode() and meeting.attendances.count() == 0
    chosen = [people[name].pk for name in ("张卫华", "王芳", "刘强")]
    client.post(f"/councils/meetings/{meeting.pk}/expected/", {"chosen": chosen})
    assert set(meeting.attendances.values_list("member", flat=True)) == set(chosen)


def test_one_tap_marks_a_person_and_the_quorum_follows(client, users, meeting, people):
    client.force_login(users["branch_a1"])
    url = f"/councils/meetings/{meeting.pk}/attendance/"
    page = client.get(url)
    assert page.status_code == 200 and "有表决权的应到 <strong>5</strong> 人" in page.content.decode()
    for name in ("张卫华", "王芳"):
        client.post(url, {"row": row_of(meeting, people[name]).pk, "status": "present"})
    fragment = client.post(
        url, {"row": row_of(meeting, people["刘强"]).pk, "status": "present"}, headers={"HX-Request": "true"}
    )
    text = fragment.content.decode()
    assert fragment.status_code == 200 and 'hx-swap-oob="true"' in text
    assert "到会人数过半，会议有效" in text
    assert row_of(meeting, people["刘强"]).status == "present"


def test_leave_without_a_reason_is_refused_with_a_message(client, users, meeting, people):
    client.force_login(users["branch_a1"])
    url = f"/councils/meetings/{meeting.pk}/attendance/"
    row = row_of(meeting, people["陈静"])
    response = client.post(url, {"row": row.pk, "status": "leave"}, headers={"HX-Request": "true"})
    assert "请填写请假事由" in response.content.decode()
    assert row_of(meeting, people["陈静"]).status == ""
    client.post(url, {"row": row.pk, "status": "leave", "leave_reason": "住院"})
    assert (row_of(meeting, people["陈静"]).status, row_of(meeting, people["陈静"]).leave_reason) == ("leave", "住院")


def test_the_rest_are_marked_present_at_once(client, users, meeting, people):
    client.force_login(users["branch_a1"])
    url = f"/councils/meetings/{meeting.pk}/attendance/"
    client.post(url, {"row": row_of(meeting, people["陈静"]).pk, "status": "absent"})
    client.post(url, {"rest": "present"})
    statuses = dict(meeting.attendances.values_list("member__name", "status"))
    assert statuses["陈静"] == "absent" and list(statuses.values()).count("present") == 5


def test_a_person_off_the_list_is_saved_only_when_ticked_as_a_guest(client, users, tree, meeting):
    outsider = new_member(tree["a2"], "邻支部")
    client.force_login(users["secretary_a"])
    url = f"/councils/meetings/{meeting.pk}/guests/"
    refused = client.post(url, {"member": outsider.pk})
    assert refused.status_code == 200
    assert "邻支部不在本次会议的应到名单上；如列席会议，请勾选“列席”" in refused.content.decode()
    assert not meeting.attendances.filter(member=outsider).exists()
    client.post(url, {"member": outsider.pk, "guest": "on"})
    guest = meeting.attendances.get(member=outsider)
    assert (guest.expected, guest.voting, guest.status) == (False, False, "present")
    client.post(url, {"name": "街道组织委员", "note": "街道党工委", "guest": "on"})
    assert meeting.attendances.filter(member=None, name="街道组织委员", expected=False).exists()
    assert meeting.quorum().guests == 2


def test_a_decision_at_an_inquorate_meeting_is_refused(client, users, meeting, people):
    client.force_login(users["branch_a1"])
    meeting.mark(people["张卫华"], "present")
    meeting.mark(people["预备"], "present")
    page = client.get(f"/councils/meetings/{meeting.pk}/")
    assert "有表决权的到会人数未过半数" in page.content.decode()
    response = client.post(f"/councils/meetings/{meeting.pk}/decisions/", {"text": "通过", "votes_for": 1})
    assert response.status_code == 200
    assert "有表决权的应到5人，实到1人，未超过半数，会议不能作出决定" in response.content.decode()
    assert Decision.objects.count() == 0


def test_a_decision_is_recorded_and_judged_against_those_entitled(client, users, meeting, people):
    client.force_login(users["branch_a1"])
    for name in ("张卫华", "王芳", "刘强", "预备"):
        meeting.mark(people[name], "present")
    response = client.post(
        f"/councils/meetings/{meeting.pk}/decisions/",
        {"text": "同意王芳为入党联系人", "votes_for": 2, "votes_against": 1, "votes_abstain": 0},
    )
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert (decision.votes_for, decision.recorded_by) == (2, users["branch_a1"])
    page = client.get(f"/councils/meetings/{meeting.pk}/").content.decode()
    # 2 of 5 entitled: a majority of the votes cast, not more than half of those entitled.
    assert "有表决权的党员 5 人，通过须至少 3 票赞成" in page and "未通过" in page


def test_attachments_are_checked_by_their_content_and_size(client, users, meeting, media):
    client.force_login(users["branch_a1"])
    url = f"/councils/meetings/{meeting.pk}/attachments/"
    fake = SimpleUploadedFile("签到表.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    response = client.post(url, {"file": fake}, follow=True)
    assert "只能上传图片（JPG、PNG、GIF、WEBP）或PDF文件" in response.content.decode()
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * ATTACHMENT_MAX_BYTES, content_type="image/png")
    response = client.post(url, {"file": big}, follow=True)
    assert "超过10 MB的上限" in response.content.decode()
    assert Attachment.objects.count() == 0 and not any(media.rglob("*.*"))
    scan = SimpleUploadedFile("签到表.png", PDF, content_type="image/png")  # a PDF whatever its name says
    client.post(url, {"file": scan, "caption": "签到表扫描件"})
    attachment = Attachment.objects.get()
    assert (attachment.content_type, attachment.size) == ("application/pdf", len(PDF))
    assert attachment.original_name == "签到表.png"
    assert attachment.file.name.endswith(".pdf") and (media / attachment.file.name).read_bytes() == PDF
    served = client.get(f"/councils/meetings/{meeting.pk}/attachments/{attachment.pk}/")
    assert served["Content-Type"] == "application/pdf" and b"".join(served.streaming_content) == PDF


def test_another_communitys_attachment_is_not_found(client, users, meeting, media):
    attachment = Attachment(meeting=meeting, content_type="image/png", size=len(PNG))
    attachment.file = SimpleUploadedFile("a.png", PNG)
    attachment.save()
    client.force_login(users["secretary_b"])
    assert client.get(f"/councils/meetings/{meeting.pk}/attachments/{attachment.pk}/").status_code == 404


def test_after_locking_the_minutes_change_only_with_a_reason(client, users, meeting, people):
    client.force_login(users["branch_a1"])
    edit = f"/councils/meetings/{meeting.pk}/edit/"
    client.post(edit, {"held_on": "2024-06-15", "minutes": "初稿", "place": "活动室"})
    client.post(f"/councils/meetings/{meeting.pk}/lock/")
    meeting.refresh_from_db()
    assert meeting.is_locked and meeting.minutes == "初稿"
    refused = client.post(f"/councils/meetings/{meeting.pk}/edit/", {"minutes": "改稿"})
    assert refused.status_code == 200 and "这个字段是必填项" in refused.content.decode()
    meeting.refresh_from_db()
    assert meeting.minutes == "初稿" and MinutesRevision.objects.count() == 0
    client.post(f"/councils/meetings/{meeting.pk}/edit/", {"minutes": "改稿", "reason": "补记发言"})
    meeting.refresh_from_db()
    revision = MinutesRevision.objects.get()
    assert meeting.minutes == "改稿"
    assert (revision.previous_minutes, revision.reason, revision.changed_by) == ("初稿", "补记发言", users["branch_a1"])
    # Attendance and votes are closed once locked.
    row = row_of(meeting, people["张卫华"])
    client.post(f"/councils/meetings/{meeting.pk}/attendance/", {"row": row.pk, "status": "present"})
    assert row_of(meeting, people["张卫华"]).status == ""
    client.post(f"/councils/meetings/{meeting.pk}/decisions/", {"text": "x", "votes_for": 0})
    assert Decision.objects.count() == 0
    page = client.get(f"/councils/meetings/{meeting.pk}/").content.decode()
    assert "补记发言" in page and "初稿" in page


def test_another_community_gets_404_and_a_viewer_403_on_writes(client, users, meeting):
    client.force_login(users["secretary_b"])
    for path in ("", "edit/", "attendance/", "print/", "sign-in-sheet/"):
        assert client.get(f"/councils/meetings/{meeting.pk}/{path}").status_code == 404
    client.force_login(users["viewer_a"])
    assert client.get(f"/councils/meetings/{meeting.pk}/").status_code == 200
    assert client.get(f"/councils/meetings/{meeting.pk}/edit/").status_code == 403
    assert client.post(f"/councils/meetings/{meeting.pk}/lock/").status_code == 403
    assert not Meeting.objects.get().is_locked


def test_the_list_filters_by_organization_kind_and_period(client, users, tree, meeting):
    Meeting.objects.create(organization=tree["a1g1"], kind="group", held_on=D(2024, 3, 1))
    Meeting.objects.create(organization=tree["a1"], kind="lesson", held_on=D(2023, 3, 1))
    Meeting.objects.create(organization=tree["b1"], kind="general", held_on=DAY)
    client.force_login(users["secretary_a"])

    def listed(query):
        page = client.get(f"/councils/meetings/?{query}").content.decode()
        return len(re.findall(r'href="/councils/meetings/\d+/"', page))

    assert listed(f"org={tree['a'].pk}&start=2024-01-01&end=2024-12-31") == 2
    assert listed(f"org={tree['a'].pk}&start=2023-01-01&end=2024-12-31") == 3
    assert listed(f"org={tree['a'].pk}&start=2023-01-01&end=2024-12-31&kind=group") == 1
    assert listed(f"org={tree['a1g1'].pk}&start=2024-01-01&end=2024-12-31") == 1
    assert client.get(f"/councils/meetings/?org={tree['b'].pk}").status_code == 404


def test_the_minutes_print_shows_attendance_and_votes(client, users, meeting, people):
    for name in ("张卫华", "王芳", "刘强"):
        meeting.mark(people[name], "present")
    meeting.mark(people["陈静"], "leave", leave_reason="外出")
    Decision.objects.create(meeting=meeting, text="同意发展对象", votes_for=3)
    client.force_login(users["viewer_a"])
    page = client.get(f"/councils/meetings/{meeting.pk}/print/").content.decode()
    assert "应到 6 人，实到 3 人，请假 1 人" in page and "陈静（外出）" in page
    assert "同意发展对象" in page and "通过" in page and "记录人（签字）" in page
    sheet = client.get(f"/councils/meetings/{meeting.pk}/sign-in-sheet/").content.decode()
    assert all(name in sheet for name in people) and "本人签名" in sheet


def test_the_yearly_book_holds_the_years_meetings_in_order(client, users, tree, meeting):
    Meeting.objects.create(organization=tree["a1g1"], kind="group", held_on=D(2024, 3, 1), minutes="三月小组会")
    Meeting.objects.create(organization=tree["a1"], kind="lesson", held_on=D(2024, 9, 1), minutes="九月党课")
    Meeting.objects.create(organization=tree["a1"], kind="lesson", held_on=D(2023, 9, 1), minutes="去年党课")
    Meeting.objects.create(organization=tree["a2"], kind="lesson", held_on=D(2024, 9, 2), minutes="别的支部")
    client.force_login(users["branch_a1"])
    page = client.get(f"/councils/meetings/book/?org={tree['a1'].pk}&year=2024").content.decode()
    assert "2024年组织生活记录本" in page
    assert page.index("三月小组会") < page.index("活动室") < page.index("九月党课")
    assert "去年党课" not in page and "别的支部" not in page
    assert client.get(f"/councils/meetings/book/?org={tree['a1'].pk}&year=abc").status_code == 400


def test_the_ledgers_list_the_meetings_and_everyones_attendance(client, users, tree, meeting, people):
    meeting.mark(people["张卫华"], "present")
    meeting.mark(None, "present", guest=True, name="街道来人")
    Meeting.objects.create(organization=tree["b1"], kind="general", held_on=DAY)
    client.force_login(users["secretary_a"])
    query = f"org={tree['a'].pk}&start=2024-01-01&end=2024-12-31"
    book = load_workbook(BytesIO(client.get(f"/councils/meetings/ledger.xlsx?{query}").content))
    rows = list(book.active.iter_rows(min_row=4, values_only=True))
    assert len(rows) == 1
    assert rows[0][1:4] == ("甲第一支部", "支部党员大会", "支部党员大会")
    assert rows[0][8:13] == (6, 1, 0, 5, 1)
    book = load_workbook(BytesIO(client.get(f"/councils/meetings/attendance.xlsx?{query}").content))
    rows = list(book.active.iter_rows(min_row=4, values_only=True))
    assert len(rows) == 7
    assert ("张卫华", "应到", "有", "出席") in [row[3:7] for row in rows]
    assert ("街道来人", "列席", "无", "出席") in [row[3:7] for row in rows]
    assert client.get(f"/councils/meetings/ledger.xlsx?{query}&end=bad").status_code == 400


def test_a_lecturer_is_refused_for_a_meeting_that_is_not_a_lesson(client, users, tree):
    client.force_login(users["branch_a1"])
    data = {"organization": tree["a1"].pk, "kind": "general", "planned_on": "2024-06-15", "lecturer_name": "李老师"}
    response = client.post("/councils/meetings/new/", data)
    assert response.status_code == 200 and "只有党课需要填写授课人" in response.content.decode()
    assert Meeting.objects.count() == 0
    client.post("/councils/meetings/new/", {**data, "kind": "lesson"})
    assert Meeting.objects.get().lecturer_name == "李老师"


def test_host_and_recorder_are_picked_from_the_meetings_own_list(client, users, tree, meeting, people):
    outsider = new_member(tree["a2"], "外支部")
    client.force_login(users["branch_a1"])
    edit = f"/councils/meetings/{meeting.pk}/edit/"
    refused = client.post(edit, {"held_on": "2024-06-15", "host": outsider.pk})
    assert refused.status_code == 200 and Meeting.objects.get().host is None
    client.post(edit, {"held_on": "2024-06-15", "host": people["王芳"].pk, "recorder_name": "社区干事小李"})
    meeting.refresh_from_db()
    assert (meeting.person("host"), meeting.person("recorder")) == ("王芳", "社区干事小李")


def test_a_theme_party_day_takes_the_streets_theme_of_the_month(client, users, tree, people):
    theme = MonthlyTheme.objects.create(organization=tree["street"], month=D(2024, 7, 1), title="学习党章")
    MonthlyTheme.objects.create(organization=tree["street"], month=D(2020, 7, 1), title="太早的主题")
    day = Meeting.objects.create(organization=tree["a1"], kind="theme_day", held_on=D(2024, 7, 5))
    client.force_login(users["branch_a1"])
    form = client.get(f"/councils/meetings/{day.pk}/edit/").content.decode()
    assert "学习党章" in form and "太早的主题" not in form
    client.post(f"/councils/meetings/{day.pk}/edit/", {"held_on": "2024-07-05", "theme": theme.pk})
    day.refresh_from_db()
    assert day.theme == theme


def test_the_pages_cost_the_same_queries_for_few_or_many(
    client, users, tree, meeting, people, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(users["branch_a1"])
    pages = [f"/councils/meetings/{meeting.pk}/", f"/councils/meetings/{meeting.pk}/attendance/"]
    pages.append(f"/councils/meetings/?org={tree['a1'].pk}&start=2024-01-01&end=2024-12-31")

    def costs():
        found = []
        for url in pages:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        return found

    few = costs()
    bigger = Meeting.objects.create(organization=tree["a1"], kind="general", held_on=D(2024, 6, 20))
    for index in range(12):
        new_member(tree["a1g1"], f"新党员{index}")
    for day in range(1, 15):
        Meeting.objects.create(organization=tree["a1g1"], kind="group", held_on=D(2024, 5, day)).freeze_attendance()
    bigger.freeze_attendance()
    for row in bigger.attendances.all()[:6]:
        bigger.mark(row.member, "present")
    pages[:2] = [f"/councils/meetings/{bigger.pk}/", f"/councils/meetings/{bigger.pk}/attendance/"]
    assert costs() == few


def test_minutes_locked_with_no_account_on_record_show_when_they_were_locked(client, users, meeting):
    client.force_login(users["branch_a1"])
    client.post(f"/councils/meetings/{meeting.pk}/lock/")
    Meeting.objects.filter(pk=meeting.pk).update(locked_by=None)  # as data brought in from elsewhere may be
    page = client.get(f"/councils/meetings/{meeting.pk}/").content.decode()
    locked = re.search(r"<dt>锁定</dt><dd>([^<]*)</dd>", page).group(1)
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}", locked), locked
