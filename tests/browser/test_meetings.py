"""Meetings in a real Chromium: a branch secretary records a general meeting from a phone, marks
attendance with one tap per person, sees the quorum, records a decision and prints the minutes."""

import datetime

from playwright.sync_api import expect

from councils.models import Decision, Meeting
from members.models import MemberChange
from tests.browser.conftest import log_in
from tests.browser.test_accessibility import axe  # noqa: F401 (the fixture)
from tests.browser.test_service_activities import fits_the_phone, on_phone  # noqa: F401 (the fixture)
from tests.conftest import PASSWORD, new_member

D = datetime.date


def test_a_branch_secretary_records_a_general_meeting_from_a_phone(
    on_phone,  # noqa: F811
    live_server,
    users,
    tree,
    members,
    axe,  # noqa: F811
):
    voters = ["张卫华"]
    for name in ("王芳", "刘强", "陈静", "赵建国"):
        new_member(tree["a1g2"], name)
        voters.append(name)
    new_member(tree["a1"], "钱预备", kind=MemberChange.Kind.ADMISSION, on=D(2025, 1, 5), joined=D(2025, 1, 5))
    page = on_phone.page
    log_in(on_phone, live_server, "branch_a1", PASSWORD)
    page.get_by_role("link", name="组织生活", exact=True).click()
    page.get_by_role("link", name="登记会议").click()
    today = datetime.date.today()
    page.get_by_label("会议类型").select_option(label="支部党员大会")
    page.get_by_label("召开日期").fill(f"{today:%Y-%m-%d}")
    page.get_by_label("地点").fill("社区党群服务中心")
    page.get_by_label("议题").fill("讨论楼道环境整治方案")
    page.get_by_role("button", name="保存").click()

    # The attendance list: six expected, five of them entitled to vote.
    expect(page.locator("h1")).to_have_text("登记出席")
    expect(page.locator("ul.marking li.attendee")).to_have_count(6)
    quorum = page.locator("#quorum")
    expect(quorum).to_contain_text("有表决权的应到 5 人，超过半数须 3 人")
    fits_the_phone(page)
    axe.check(page, "marking attendance")
    for name in ("张卫华", "王芳"):
        page.get_by_role("button", name=f"{name}出席").click()
        expect(page.get_by_role("button", name=f"{name}出席")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="钱预备出席").click()
    expect(quorum).to_contain_text("有表决权的实到 2 人")
    expect(quorum).to_contain_text("未过半数")  # the probationary member does not count
    page.locator(f"#row-{row_pk('陈静')} summary").click()
    page.get_by_label("陈静的请假事由").fill("住院")
    page.get_by_role("button", name="登记请假").click()
    expect(page.locator(f"#state-{row_pk('陈静')}")).to_have_text("请假（住院）")
    page.get_by_role("button", name="刘强出席").click()
    expect(quorum).to_contain_text("有表决权的实到 3 人")
    expect(quorum).to_contain_text("到会人数过半，会议有效")
    page.get_by_role("button", name="赵建国缺席").click()
    expect(page.locator(f"#state-{row_pk('赵建国')}")).to_have_text("缺席")
    fits_the_phone(page)

    # The meeting's page: the computation shown, a decision recorded against the five entitled.
    page.get_by_role("link", name="完成").click()
    expect(page.locator("#quorum")).to_contain_text("应到 6 人，实到 4 人")
    page.get_by_label("决定事项").fill("同意楼道环境整治方案")
    page.get_by_label("赞成").fill("3")
    page.get_by_label("反对").fill("0")
    page.get_by_label("弃权").fill("0")
    page.get_by_role("button", name="记录表决结果").click()
    expect(page.locator(".messages")).to_contain_text("已记录表决事项：通过")
    expect(page.locator("#decisions")).to_contain_text("有表决权的党员 5 人，通过须至少 3 票赞成")
    fits_the_phone(page)
    axe.check(page, "meeting page")
    decision = Decision.objects.get()
    assert (decision.text, decision.votes_for, decision.recorded_by) == ("同意楼道环境整治方案", 3, users["branch_a1"])

    # The printable minutes.
    page.get_by_role("link", name="打印会议记录").click()
    expect(page.locator("h1")).to_contain_text("甲第一支部 支部党员大会记录")
    expect(page.locator("body")).to_contain_text("应到 6 人，实到 4 人，请假 1 人，缺席 1 人")
    expect(page.locator("body")).to_contain_text("同意楼道环境整治方案")
    expect(page.locator("body")).to_contain_text("主持人（签字）")
    assert page.pdf(format="A4")[:5] == b"%PDF-"
    meeting = Meeting.objects.get()
    assert (meeting.held_on, meeting.created_by, meeting.entered_late) == (today, users["branch_a1"], False)
    assert meeting.quorum().entitled_present == 3
    axe.assert_clean()
    on_phone.assert_clean()


def row_pk(name):
    return Meeting.objects.get().attendances.get(member__name=name).pk
