"""The monthly theme Party day and follow-up tasks: the street publishes, every branch of the street
sees it with who has recorded their day; a branch records its day as a meeting linked to the theme;
decisions are followed up as tasks until done, overdue ones on the home page."""

import datetime

import pytest

from councils.models import Decision, FollowUpTask, Meeting, MonthlyTheme
from organizations.models import Organization
from tests.conftest import make_org

D = datetime.date
TODAY = datetime.date.today()
THEME = {
    "month_text": "2025-03",
    "title": "学雷锋志愿服务进楼栋",
    "materials": "《关于推进新时代文明实践的意见》",
    "report_by": "2025-03-28",
}


@pytest.fixture
def theme(tree, users):
    return MonthlyTheme.objects.create(
        organization=tree["street"],
        month=D(2025, 3, 1),
        title="学雷锋志愿服务进楼栋",
        materials="《关于推进新时代文明实践的意见》",
        report_by=D(2025, 3, 28),
        published_by=users["street"],
    )


def test_the_street_publishes_a_theme(client, users, tree):
    client.force_login(users["street"])
    response = client.post("/councils/themes/new/", THEME)
    assert response.status_code == 302
    theme = MonthlyTheme.objects.get()
    assert (theme.organization, theme.month, theme.report_by, theme.published_by) == (
        tree["street"],
        D(2025, 3, 1),
        D(2025, 3, 28),
        users["street"],
    )
    assert response["Location"] == f"/councils/themes/?org={tree['street'].pk}&month=2025-03"


@pytest.mark.parametrize("role", ["secretary_a", "viewer_a", "branch_a1"])
def test_only_the_street_publishes_and_edits_themes(client, users, tree, theme, role):
    client.force_login(users[role])
    assert client.post("/councils/themes/new/", {**THEME, "month_text": "2025-04"}).status_code == 403
    assert client.post(f"/councils/themes/{theme.pk}/edit/", {**THEME, "title": "改"}).status_code == 403
    theme.refresh_from_db()
    assert MonthlyTheme.objects.count() == 1 and theme.title == "学雷锋志愿服务进楼栋"


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"month_text": "2025-13"}, "month_text", "请按“2025-03”的格式填写月份。"),
        ({"month_text": "三月"}, "month_text", "请按“2025-03”的格式填写月份。"),
        ({"title": "  "}, "title", "这个字段是必填项。"),
        ({"report_by": "2025-02-20"}, "report_by", "报送截止日期不能早于该月。"),
        ({"report_by": "2025-02-30"}, "report_by", "输入一个有效的日期。"),
    ],
)
def test_a_bad_theme_is_refused_in_chinese(client, users, tree, changes, field, message):
    client.force_login(users["street"])
    response = client.post("/councils/themes/new/", {**THEME, **changes})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and any(message in error for error in errors[field]), errors
    assert not MonthlyTheme.objects.exists()


def test_a_month_has_one_theme(client, users, tree, theme):
    client.force_login(users["street"])
    response = client.post("/councils/themes/new/", THEME)
    assert "2025年3月的主题已经发布，请修改原主题。" in response.content.decode()
    assert MonthlyTheme.objects.count() == 1
    response = client.post(f"/councils/themes/{theme.pk}/edit/", {**THEME, "title": "学雷锋，树新风"})
    assert response.status_code == 302
    theme.refresh_from_db()
    assert theme.title == "学雷锋，树新风"


def test_every_branch_sees_the_theme_and_the_street_sees_who_has_not_recorded(client, users, tree, theme):
    a1, a2 = tree["a1"], tree["a2"]
    on_time = Meeting.objects.create(organization=a1, kind="theme_day", held_on=D(2025, 3, 12), theme=theme)
    Meeting.objects.filter(pk=on_time.pk).update(entered_at=datetime.datetime(2025, 3, 13, 9, tzinfo=datetime.UTC))
    Meeting.objects.create(organization=tree["b1"], kind="theme_day", held_on=D(2025, 3, 20))  # entered now: late
    client.force_login(users["branch_a1"])
    page = client.get("/councils/themes/", {"month": "2025-03"}).content.decode()
    assert "学雷锋志愿服务进楼栋" in page and "《关于推进新时代文明实践的意见》" in page
    assert "甲第一支部" in page and "甲第二支部" not in page and "乙第一支部" not in page
    client.force_login(users["street"])
    page = client.get("/councils/themes/", {"month": "2025-03"}).content.decode()
    assert '已登记 <strong id="recorded">2</strong> / 3 个支部' in page
    assert "逾期未登记" in page and "逾期登记" in page and "未关联本月主题" in page
    missing = client.get("/councils/themes/", {"month": "2025-03", "state": "missing"}).content.decode()
    assert "甲第二支部" in missing and "乙第一支部" in missing and "甲第一支部" not in missing
    assert a2.name in missing


def test_a_month_without_a_theme_says_so(client, users, tree):
    client.force_login(users["secretary_b"])
    page = client.get("/councils/themes/", {"month": "2025-05"}).content.decode()
    assert "街道党工委尚未发布这个月的主题" in page and "乙第一支部" in page


def test_a_bad_month_is_said_and_this_month_shown(client, users, tree):
    client.force_login(users["secretary_a"])
    page = client.get("/councils/themes/", {"month": "2025-99"}).content.decode()
    assert "月份“2025-99”无效" in page and f"{TODAY.year}年{TODAY.month}月主题党日" in page


def test_a_branch_records_its_theme_day_as_a_meeting_linked_to_the_theme(client, users, tree, members, theme):
    client.force_login(users["branch_a1"])
    page = client.get(f"/councils/themes/{theme.pk}/record/").content.decode()
    assert "学雷锋志愿服务进楼栋" in page
    response = client.post(
        f"/councils/themes/{theme.pk}/record/",
        {"organization": tree["a1"].pk, "held_on": "2025-03-15", "title": theme.title, "place": "活动室"},
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/councils/meetings/{meeting.pk}/attendance/"
    assert (meeting.kind, meeting.theme, meeting.organization, meeting.created_by) == (
        "theme_day",
        theme,
        tree["a1"],
        users["branch_a1"],
    )
    assert meeting.attendances.filter(member=members["a"]).exists()  # the frozen list


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"held_on": "2099-03-15"}, "召开日期不能晚于今天"),
        ({"held_on": "", "planned_on": ""}, "请填写计划日期或召开日期。"),
        ({"organization": "b1"}, "选择一个有效的选项"),
    ],
)
def test_a_bad_theme_day_is_refused_in_chinese(client, users, tree, theme, changes, message):
    client.force_login(users["branch_a1"])
    data = {"organization": tree["a1"].pk, "held_on": "2025-03-15", "place": "活动室", **changes}
    if data["organization"] == "b1":
        data["organization"] = tree["b1"].pk
    response = client.post(f"/councils/themes/{theme.pk}/record/", data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Meeting.objects.exists()


def test_another_streets_theme_is_not_found(client, users, tree):
    other = make_org(None, "外街道", Organization.Kind.STREET)
    foreign = MonthlyTheme.objects.create(organization=other, month=D(2025, 3, 1), title="外")
    client.force_login(users["secretary_a"])
    assert client.get(f"/councils/themes/{foreign.pk}/record/").status_code == 404
    client.force_login(users["street"])
    assert client.post(f"/councils/themes/{foreign.pk}/edit/", THEME).status_code == 404


def test_a_viewer_may_not_record_a_theme_day(client, users, tree, theme):
    client.force_login(users["viewer_a"])
    assert client.get(f"/councils/themes/{theme.pk}/record/").status_code == 403


# -- follow-up tasks ----------------------------------------------------------------------------------


@pytest.fixture
def meeting(tree):
    return Meeting.objects.create(organization=tree["a1"], kind="general", held_on=D(2025, 3, 5))


TASK = {"text": "清理楼道杂物，张贴文明公约", "due_on": "2025-04-30", "responsible_name": "王芳"}


def test_a_decision_is_followed_up_as_a_task(client, users, tree, meeting):
    decision = Decision.objects.create(meeting=meeting, text="同意楼道环境整治方案", votes_for=3)
    client.force_login(users["branch_a1"])
    response = client.post(f"/councils/meetings/{meeting.pk}/tasks/new/", {**TASK, "decision": decision.pk})
    assert response.status_code == 302
    task = FollowUpTask.objects.get()
    assert (task.meeting, task.decision, task.due_on, task.created_by) == (
        meeting,
        decision,
        D(2025, 4, 30),
        users["branch_a1"],
    )
    assert "清理楼道杂物" in client.get(f"/councils/meetings/{meeting.pk}/").content.decode()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"due_on": "2025-03-01"}, "完成期限不能早于会议日期。"),
        ({"text": ""}, "这个字段是必填项。"),
        ({"due_on": ""}, "这个字段是必填项。"),
        ({"decision": "999"}, "选择一个有效的选项"),
    ],
)
def test_a_bad_task_is_refused_in_chinese(client, users, tree, meeting, changes, message):
    client.force_login(users["branch_a1"])
    response = client.post(f"/councils/meetings/{meeting.pk}/tasks/new/", {**TASK, **changes})
    assert response.status_code == 200 and message in response.content.decode()
    assert not FollowUpTask.objects.exists()


def test_a_meeting_not_yet_held_has_no_tasks(client, users, tree):
    planned = Meeting.objects.create(organization=tree["a1"], kind="general", planned_on=TODAY)
    client.force_login(users["branch_a1"])
    response = client.post(f"/councils/meetings/{planned.pk}/tasks/new/", {**TASK, "due_on": f"{TODAY}"})
    assert "会议尚未召开，不能登记跟进任务。" in response.content.decode()
    assert not FollowUpTask.objects.exists()


def test_tasks_of_another_community_are_not_found_and_a_viewer_may_not_add(client, users, meeting):
    client.force_login(users["secretary_b"])
    assert client.post(f"/councils/meetings/{meeting.pk}/tasks/new/", TASK).status_code == 404
    client.force_login(users["viewer_a"])
    assert client.post(f"/councils/meetings/{meeting.pk}/tasks/new/", TASK).status_code == 403
    assert not FollowUpTask.objects.exists()


def test_open_tasks_are_listed_marked_done_and_overdue_ones_are_on_the_home_page(client, users, tree, meeting):
    overdue = FollowUpTask.objects.create(meeting=meeting, text="走访困难党员", due_on=D(2025, 4, 1))
    FollowUpTask.objects.create(meeting=meeting, text="下季度任务", due_on=TODAY + datetime.timedelta(days=30))
    client.force_login(users["secretary_a"])
    home = client.get("/").content.decode().replace("&amp;", "&")
    overdue_link = f'<a href="/councils/tasks/?org={tree["a"].pk}&state=overdue">'
    assert f"{overdue_link}会议决定的跟进任务已逾期：<strong>1</strong> 项</a>" in home
    listing = client.get("/councils/tasks/", {"org": tree["a"].pk, "state": "overdue"}).content.decode()
    assert "走访困难党员" in listing and "下季度任务" not in listing and "已逾期" in listing
    assert "下季度任务" in client.get("/councils/tasks/").content.decode()
    response = client.post(f"/councils/tasks/{overdue.pk}/done/", {"done_on": f"{TODAY}", "done_note": "已走访3户"})
    assert response.status_code == 302
    overdue.refresh_from_db()
    assert (overdue.done_on, overdue.done_note) == (TODAY, "已走访3户")
    assert "会议决定的跟进任务已逾期：0" in client.get("/").content.decode()
    assert "走访困难党员" in client.get("/councils/tasks/", {"state": "done"}).content.decode()


def test_marking_a_task_done_refuses_a_future_day_and_others(client, users, tree, meeting):
    task = FollowUpTask.objects.create(meeting=meeting, text="走访困难党员", due_on=D(2025, 4, 1))
    client.force_login(users["branch_a1"])
    response = client.post(f"/councils/tasks/{task.pk}/done/", {"done_on": f"{TODAY + datetime.timedelta(days=2)}"})
    assert response.status_code == 200 and "完成日期不能晚于今天。" in response.content.decode()
    response = client.post(f"/councils/tasks/{task.pk}/done/", {"done_on": "2025-03-01"})
    assert response.status_code == 200 and "完成日期不能早于会议日期。" in response.content.decode()
    client.force_login(users["viewer_a"])
    assert client.post(f"/councils/tasks/{task.pk}/done/", {"done_on": f"{TODAY}"}).status_code == 403
    client.force_login(users["secretary_b"])
    assert client.post(f"/councils/tasks/{task.pk}/done/", {"done_on": f"{TODAY}"}).status_code == 404
    task.refresh_from_db()
    assert task.done_on is None
