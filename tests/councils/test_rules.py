"""The schedule rules' pages: only the street's staff keep them; a new version ends the street's
version before it; a version of the street's own can be ended; exemptions need a reason and an
approver; bad input is refused in Chinese with nothing saved."""

import datetime

import pytest

from councils.compliance import judge
from councils.models import Exemption, ScheduleRule
from organizations.models import Organization
from tests.conftest import make_org

D = datetime.date
RULE = {
    "organization_kind": "branch",
    "branch_kind": "",
    "condition": "",
    "meeting_kind": "lesson",
    "period": "month",
    "min_count": "1",
    "usual_months": "",
    "effective_from": "2024-07-01",
    "effective_to": "",
    "source_text": "街道党工委2024年第5次会议决定：党课每月1次。",
    "local_rule": "on",
}


@pytest.fixture
def street(client, users):
    client.force_login(users["street"])
    return client


def own_rules(tree):
    return ScheduleRule.objects.filter(street=tree["street"]).order_by("effective_from")


@pytest.mark.parametrize("role", ["secretary_a", "secretary_b", "viewer_a", "branch_a1"])
@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/councils/rules/"),
        ("get", "/councils/rules/new/"),
        ("post", "/councils/rules/new/"),
        ("get", "/councils/rules/exemptions/new/"),
        ("post", "/councils/rules/exemptions/new/"),
    ],
)
def test_only_the_streets_staff_keep_the_rules(client, users, tree, role, method, url):
    client.force_login(users[role])
    response = getattr(client, method)(url, RULE if method == "post" else None)
    assert response.status_code == 403
    assert not own_rules(tree).exists() and not Exemption.objects.exists()


def test_the_list_shows_the_regulations_defaults_with_their_source(street, tree):
    page = street.get("/councils/rules/").content.decode()
    assert "支部党员大会 每季度至少1次" in page
    assert "第十一条" in page and "第十七条" in page
    assert "党课 每季度至少1次" in page and "本地规定" in page
    assert page.count('class="tag current"') == 7  # each default is in force


def test_it_adds_a_version_and_ends_the_streets_version_before_it(street, tree, users):
    response = street.post("/councils/rules/new/", RULE)
    assert response.status_code == 302 and response["Location"] == "/councils/rules/"
    first = own_rules(tree).get()
    assert (first.meeting_kind, first.period, first.min_count, first.created_by) == (
        "lesson",
        "month",
        1,
        users["street"],
    )
    assert first.street == tree["street"] and first.local_rule and first.effective_to is None
    street.post("/councils/rules/new/", {**RULE, "min_count": "2", "effective_from": "2025-01-01"})
    first.refresh_from_db()
    assert first.effective_to == D(2024, 12, 31)
    assert [(r.min_count, r.effective_from, r.effective_to) for r in own_rules(tree)] == [
        (1, D(2024, 7, 1), D(2024, 12, 31)),
        (2, D(2025, 1, 1), None),
    ]
    # The default (quarterly) is untouched: it still serves other streets and this one's past.
    assert ScheduleRule.objects.get(street=None, meeting_kind="lesson").effective_to is None
    page = street.get("/councils/rules/").content.decode()
    assert "党课 每月至少2次" in page and "已失效" in page


def test_a_new_version_changes_what_the_compliance_engine_requires(street, tree):
    before = judge(tree["a"], 2024, D(2025, 1, 10))
    assert {r.period.kind for r in before.results if r.meeting_kind == "lesson"} == {"quarter"}
    street.post("/councils/rules/new/", RULE)
    after = judge(tree["a"], 2024, D(2025, 1, 10))
    lessons = sorted(
        (r.period.start, r.period.kind)
        for r in after.results
        if r.org_id == tree["a1"].pk and r.meeting_kind == "lesson"
    )
    assert lessons == [
        (D(2024, 1, 1), "quarter"),
        (D(2024, 4, 1), "quarter"),
        *[(D(2024, month, 1), "month") for month in range(7, 13)],
    ]


def test_the_form_starts_from_an_existing_version(street, tree):
    default = ScheduleRule.objects.get(street=None, meeting_kind="life_meeting")
    page = street.get(f"/councils/rules/new/?from={default.pk}").content.decode()
    assert 'value="10,11,12"' in page and "第十七条" in page
    other = make_org(None, "外街道", Organization.Kind.STREET)
    foreign = ScheduleRule.objects.create(
        street=other, organization_kind="branch", meeting_kind="lesson", period="month",
        effective_from=D(2024, 1, 1), source_text="外街道规定",
    )  # fmt: skip
    assert street.get(f"/councils/rules/new/?from={foreign.pk}").status_code == 404


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"min_count": "0"}, "min_count", "至少次数应为1次以上。"),
        ({"min_count": "40"}, "min_count", "至少次数不能超过31次。"),
        ({"organization_kind": "group", "meeting_kind": "general"}, "organization_kind", "党小组不召开支部党员大会。"),
        ({"effective_to": "2024-06-30"}, "effective_to", "失效日期不能早于生效日期。"),
        ({"effective_from": ""}, "effective_from", "这个字段是必填项。"),
        ({"source_text": "   "}, "source_text", "这个字段是必填项。"),
        ({"usual_months": "10,13"}, "usual_months", "请填写1到12之间的月份"),
        (
            {"branch_kind": "mobile", "organization_kind": "group", "meeting_kind": "group"},
            "branch_kind",
            "只有适用于党支部的规定",
        ),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_saved(street, tree, changes, field, message):
    response = street.post("/councils/rules/new/", {**RULE, **changes})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and any(message in error for error in errors[field]), errors
    assert message in response.content.decode()
    assert not own_rules(tree).exists()


def test_a_version_may_not_start_before_a_later_one_of_the_street(street, tree):
    street.post("/councils/rules/new/", {**RULE, "effective_from": "2025-01-01"})
    response = street.post("/councils/rules/new/", RULE)
    assert "本街道这项规定已有自2025-01-01起施行的版本" in response.content.decode()
    assert own_rules(tree).count() == 1


def test_it_ends_a_version_of_the_streets_own(street, tree):
    street.post("/councils/rules/new/", RULE)
    rule = own_rules(tree).get()
    response = street.post(f"/councils/rules/{rule.pk}/end/", {"effective_to": "2024-12-31"})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.effective_to == D(2024, 12, 31)
    lessons = {r.period.kind for r in judge(tree["a"], 2025, D(2026, 1, 10)).results if r.meeting_kind == "lesson"}
    assert lessons == set()  # the street's own version ended: no lesson requirement in 2025


def test_ending_a_version_before_it_began_is_refused(street, tree):
    street.post("/councils/rules/new/", RULE)
    rule = own_rules(tree).get()
    page = street.post(f"/councils/rules/{rule.pk}/end/", {"effective_to": "2024-01-31"}, follow=True)
    assert "失效日期不能早于生效日期（2024-07-01）" in page.content.decode()
    rule.refresh_from_db()
    assert rule.effective_to is None


def test_the_regulations_defaults_and_another_streets_rules_cannot_be_ended(street, tree, client, users):
    default = ScheduleRule.objects.get(street=None, meeting_kind="general")
    assert street.post(f"/councils/rules/{default.pk}/end/", {"effective_to": "2024-12-31"}).status_code == 403
    other = make_org(None, "外街道", Organization.Kind.STREET)
    foreign = ScheduleRule.objects.create(
        street=other, organization_kind="branch", meeting_kind="lesson", period="month",
        effective_from=D(2024, 1, 1), source_text="外街道规定",
    )  # fmt: skip
    assert street.post(f"/councils/rules/{foreign.pk}/end/", {"effective_to": "2024-12-31"}).status_code == 404
    assert not ScheduleRule.objects.exclude(effective_to=None).exists()
    client.force_login(users["secretary_a"])
    assert client.post(f"/councils/rules/{default.pk}/end/", {"effective_to": "2024-12-31"}).status_code == 403


EXEMPTION = {
    "rule": "",
    "meeting_kind": "general",
    "starts_on": "2024-04-01",
    "ends_on": "2024-09-30",
    "reason": "支部换届，党员分批转移组织关系",
    "approved_by_name": "街道党工委书记 王明",
}


def test_it_records_an_exemption_with_its_reason_and_approver(street, tree):
    response = street.post("/councils/rules/exemptions/new/", {**EXEMPTION, "organization": tree["a2"].pk})
    assert response.status_code == 302
    exemption = Exemption.objects.get()
    assert (exemption.organization, exemption.meeting_kind, exemption.approved_by_name) == (
        tree["a2"],
        "general",
        "街道党工委书记 王明",
    )
    assert "支部换届" in street.get("/councils/rules/").content.decode()
    statuses = {
        r.period.quarter: r.status
        for r in judge(tree["a"], 2024, D(2025, 1, 10)).results
        if r.org_id == tree["a2"].pk and r.meeting_kind == "general"
    }
    assert statuses == {1: "missed", 2: "exempt", 3: "exempt", 4: "missed"}


def test_an_exemption_from_one_rule_takes_its_meeting_kind(street, tree):
    rule = ScheduleRule.objects.get(street=None, meeting_kind="lesson")
    street.post(
        "/councils/rules/exemptions/new/",
        {**EXEMPTION, "organization": tree["a1"].pk, "rule": rule.pk, "meeting_kind": ""},
    )
    exemption = Exemption.objects.get()
    assert (exemption.rule, exemption.meeting_kind) == (rule, "lesson")


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"reason": ""}, "reason", "这个字段是必填项。"),
        ({"approved_by_name": ""}, "approved_by_name", "这个字段是必填项。"),
        ({"ends_on": "2024-03-01"}, "ends_on", "结束日期不能早于开始日期。"),
        ({"meeting_kind": ""}, "meeting_kind", "请选择免于执行的规定或会议类型。"),
        ({"organization": "999999"}, "organization", "选择一个有效的选项"),
    ],
)
def test_a_bad_exemption_is_refused_in_chinese(street, tree, changes, field, message):
    response = street.post("/councils/rules/exemptions/new/", {**EXEMPTION, "organization": tree["a2"].pk, **changes})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and any(message in error for error in errors[field]), errors
    assert not Exemption.objects.exists()


def test_an_exemption_for_a_rule_of_another_meeting_kind_is_refused(street, tree):
    rule = ScheduleRule.objects.get(street=None, meeting_kind="lesson")
    response = street.post(
        "/councils/rules/exemptions/new/", {**EXEMPTION, "organization": tree["a2"].pk, "rule": rule.pk}
    )
    assert "会议类型与所选规定不一致。" in response.content.decode()
    assert not Exemption.objects.exists()


def test_the_superuser_keeps_the_rules_of_the_first_street(client, users, tree):
    client.force_login(users["superuser"])
    assert "测试街道会议频次规定" in client.get("/councils/rules/").content.decode()
