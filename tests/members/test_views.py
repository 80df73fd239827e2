import datetime
import re
from io import BytesIO

import pytest
from openpyxl import load_workbook

from members.changes import apply_change
from members.models import Gender, Member, MemberChange, Standing
from portal.models import AuditEntry
from tests.conftest import new_member

D = datetime.date


@pytest.fixture
def logged_in(client, users):
    client.force_login(users["secretary_a"])
    return client


def test_the_list_shows_only_the_secretarys_community_masked(logged_in, members):
    page = logged_in.get("/members/").content.decode()
    assert members["a"].name in page and members["b"].name not in page
    assert members["a"].masked_id_number in page and members["a"].id_number not in page
    assert "共 <strong>1</strong> 名党员" in page


@pytest.mark.parametrize("term", ["zwh", "ZWH", "zw", "zhangwei", "张卫", "卫华", "8000"])
def test_search_by_name_pinyin_and_digits(logged_in, tree, term):
    new_member(tree["a1g1"], "张卫华")
    other = new_member(tree["a1g2"], "王芳", D(1962, 1, 1), Gender.FEMALE)
    Member.objects.filter(pk=other.pk).update(phone="13900001111")
    page = logged_in.post("/members/", {"q": term}, follow=True).content.decode()
    assert "张卫华" in page and "王芳" not in page


def test_pinyin_is_matched_from_the_surname_on(logged_in, tree):
    new_member(tree["a1g1"], "张卫华")
    page = logged_in.post("/members/", {"q": "wh"}, follow=True).content.decode()
    assert "张卫华" not in page and "共 <strong>0</strong> 名党员" in page


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("", ["张二", "章三", "张一"]),  # zhanger, zhangsan, zhangyi
        ("-joined_on", ["张一", "张二", "章三"]),
        ("organization", ["张二", "张一", "章三"]),  # 甲1号楼小组 before 甲2号楼小组
    ],
)
def test_a_searchs_matches_come_in_the_order_chosen(logged_in, tree, sort, expected):
    new_member(tree["a1g1"], "张一", joined=D(2020, 1, 1))
    new_member(tree["a1g1"], "张二", joined=D(2010, 1, 1))
    new_member(tree["a1g2"], "章三", joined=None)  # no date: last when sorted by it
    new_member(tree["a1g2"], "王五")
    page = logged_in.post("/members/", {"q": "zhang", "sort": sort}, follow=True).content.decode()
    names = re.findall(r'<a href="/members/\d+/">([^<]+)</a>', page)
    assert names == expected


def test_the_lists_count_moves_at_once_with_a_change(client, users, tree, members):
    """The count of a list without a search term is kept per data version: never a stale figure."""
    client.force_login(users["street"])

    def count(url="/members/"):
        return re.search(r"共 <strong>(\d+)</strong> 名党员", client.get(url).content.decode()).group(1)

    assert count() == "2" and count("/members/?category=retired") == "2"
    arrived = new_member(tree["a1g2"], "王芳", D(1962, 1, 1), Gender.FEMALE)
    assert count() == "3"
    leaving = MemberChange(member=arrived, kind=MemberChange.Kind.TRANSFER_OUT, effective_date=D(2024, 5, 1))
    leaving.organization_id, leaving.external_organization = arrived.organization_id, "外县教育局党委"
    leaving.letter_number = "转出第9号"
    apply_change(leaving, users["street"])
    assert count() == "2"
    Member.objects.get(pk=members["a"].pk).save()  # a detail edited: the register's version moves
    member = Member.objects.get(pk=members["b"].pk)
    member.category = "in_service"
    member.save()
    assert count("/members/?category=retired") == "1"


def test_a_district_wide_scope_chooses_a_community_then_its_branches(client, users, tree, monkeypatch):
    """A district has thousands of branches: the select offers its communities, and the branches
    and groups of the community chosen (swapped in with the results)."""
    monkeypatch.setattr("members.forms.ORG_CHOICES_LIMIT", 3)
    client.force_login(users["street"])
    page = client.get("/members/").content.decode()
    assert "甲社区党支部" in page and "乙社区党支部" in page and "甲第一支部" not in page
    page = client.get(f"/members/?org={tree['a'].pk}").content.decode()
    assert "甲第一支部" in page and "甲1号楼小组" in page and "乙第一支部" not in page
    results = client.post(
        "/members/", {"org": tree["a1"].pk}, headers={"HX-Request": "true", "HX-Target": "results"}
    ).content.decode()
    assert 'hx-swap-oob="true"' in results and "甲第二支部" in results and "乙第一支部" not in results


def test_search_by_the_last_digits_of_the_id_number(logged_in, tree):
    member = new_member(tree["a1g1"], "张卫华")
    new_member(tree["a1g1"], "王芳", D(1962, 1, 1), Gender.FEMALE)
    page = logged_in.post("/members/", {"q": member.id_number[-6:].lower()}, follow=True).content.decode()
    assert "张卫华" in page and "王芳" not in page


def test_filters_and_partial_results_for_search_as_you_type(logged_in, tree):
    new_member(tree["a1g1"], "甲一")
    new_member(tree["a2"], "甲二", category="in_service")
    response = logged_in.get("/members/", {"org": tree["a2"].pk}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    page = response.content.decode()
    assert "甲二" in page and "甲一" not in page and "<form" not in page  # only the results part
    page = logged_in.get("/members/", {"category": "retired"}).content.decode()
    assert "甲一" in page and "甲二" not in page


def test_an_organization_outside_scope_is_not_a_filter(logged_in, tree, members):
    page = logged_in.get("/members/", {"org": tree["b"].pk}).content.decode()
    assert members["b"].name not in page


def test_departed_members_are_listed_only_when_asked(logged_in, tree, members):
    from tests.conftest import change

    change(members["a"], MemberChange.Kind.TRANSFER_OUT, D(2024, 1, 1), external_organization="外", letter_number="1")
    assert members["a"].name not in logged_in.get("/members/").content.decode()
    assert members["a"].name in logged_in.get("/members/", {"standing": "all"}).content.decode()


def test_a_list_of_fifty_costs_no_more_queries_than_a_list_of_five(logged_in, tree, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(5):
        new_member(tree["a1g1"], f"甲{i}", D(1950, 1, i + 1))
    with CaptureQueriesContext(connection) as five:
        assert "共 <strong>5</strong>" in logged_in.get("/members/").content.decode()
    for i in range(45):
        new_member(tree["a1g2"] if i % 2 else tree["a2"], f"乙{i}", D(1951, 1 + i % 12, 1 + i // 12))
    with CaptureQueriesContext(connection) as fifty:
        assert "共 <strong>50</strong>" in logged_in.get("/members/").content.decode()
    assert len(fifty) == len(five)


def test_the_member_page_costs_a_bounded_number_of_queries(logged_in, tree, django_assert_max_num_queries):
    from tests.conftest import change

    member = new_member(tree["a1g1"])
    # The record, its log and the sections the apps above add (services, visits, appraisals).
    with django_assert_max_num_queries(20) as few:
        logged_in.get(f"/members/{member.pk}/")
    for day in range(1, 10):
        change(member, MemberChange.Kind.MOVE, D(2021, 1, day), organization=tree["a1g2" if day % 2 else "a1g1"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = logged_in.get(f"/members/{member.pk}/").content.decode()
    assert page.count("街道内调整") >= 9


def test_the_export_holds_exactly_the_filtered_list_and_is_audited(logged_in, tree):
    new_member(tree["a1g1"], "甲一")
    new_member(tree["a2"], '=HYPERLINK("x")', category="in_service")
    response = logged_in.get("/members/export.xlsx", {"category": "in_service"})
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert [row[0] for row in rows] == ['\'=HYPERLINK("x")']
    assert len(rows[0][4]) == 18  # a community secretary gets the full ID number
    assert sheet.print_title_rows == "$3:$3"
    entry = AuditEntry.objects.get(action="export")
    assert entry.username == "sec_a" and "1行" in entry.summary


def test_the_branch_secretary_exports_masked_numbers(client, users, tree):
    new_member(tree["a1g1"], "甲一")
    client.force_login(users["branch_a1"])
    sheet = load_workbook(BytesIO(client.get("/members/export.xlsx").content)).active
    assert "********" in sheet.cell(row=4, column=5).value and "****" in sheet.cell(row=4, column=6).value


def test_revealing_the_id_number_is_audited_and_only_for_roles_that_may(client, users, members):
    member = members["a"]
    client.force_login(users["secretary_a"])
    response = client.post(f"/members/{member.pk}/reveal-id/")
    assert member.id_number in response.content.decode()
    assert AuditEntry.objects.filter(action="reveal_id", object_id=str(member.pk), username="sec_a").exists()
    client.force_login(users["branch_a1"])
    assert client.post(f"/members/{member.pk}/reveal-id/").status_code == 403
    assert member.id_number not in client.get(f"/members/{member.pk}/").content.decode()
    client.force_login(users["secretary_b"])
    assert client.post(f"/members/{member.pk}/reveal-id/").status_code == 404


def test_the_member_page_offers_the_actions_that_fit(logged_in, tree, members):
    page = logged_in.get(f"/members/{members['a'].pk}/").content.decode()
    assert "组织关系转出" in page and "外出流动" in page and "预备党员转正" not in page and "流动返回" not in page
    assert logged_in.get(f"/members/{members['a'].pk}/changes/confirmation/").status_code == 302


def test_a_viewer_sees_no_actions_and_cannot_open_a_change_form(client, users, members):
    client.force_login(users["viewer_a"])
    page = client.get(f"/members/{members['a'].pk}/").content.decode()
    assert "登记变动" not in page
    assert client.get(f"/members/{members['a'].pk}/changes/transfer_out/").status_code == 403


def test_a_transfer_out_is_summarised_then_saved(logged_in, members):
    member = members["a"]
    url = f"/members/{member.pk}/changes/transfer_out/"
    data = {"effective_date": "2024-05-01", "external_organization": "外县教育局党委", "letter_number": "转出第9号"}
    page = logged_in.post(url, data).content.decode()
    assert "请核对后保存" in page and "在册状态：在册 → <strong>已转出</strong>" in page
    assert Member.objects.get(pk=member.pk).standing == Standing.ACTIVE  # nothing written yet
    response = logged_in.post(url, {**data, "confirm": "1"})
    assert response.status_code == 302 and response["Location"] == f"/members/{member.pk}/"
    assert Member.objects.get(pk=member.pk).standing == Standing.TRANSFERRED_OUT
    page = logged_in.get(f"/members/{member.pk}/").content.decode()
    assert "外县教育局党委" in page and "转出第9号" in page


def test_change_errors_are_shown_next_to_the_fields_in_chinese(logged_in, members):
    tomorrow = (D.today() + datetime.timedelta(days=1)).isoformat()
    response = logged_in.post(
        f"/members/{members['a'].pk}/changes/transfer_out/",
        {"effective_date": tomorrow, "external_organization": "", "confirm": "1"},
    )
    form = response.context["form"]
    assert form.errors["effective_date"] == ["生效日期不能晚于今天。"]
    assert form.errors["external_organization"] == ["请填写转往单位（接收党组织）。"]
    assert MemberChange.objects.filter(member=members["a"]).count() == 1


def test_a_move_to_another_branch_uses_the_picker(logged_in, tree, members):
    member = members["a"]
    url = f"/members/{member.pk}/changes/move/"
    data = {
        "effective_date": "2024-05-01",
        "community": tree["a"].pk,
        "branch": tree["a2"].pk,
        "group": "",
        "confirm": "1",
    }
    assert logged_in.post(url, data).status_code == 302
    assert Member.objects.get(pk=member.pk).organization == tree["a2"]
    wrong = {**data, "branch": tree["a1"].pk, "group": tree["b1g1"].pk, "effective_date": "2024-06-01"}
    response = logged_in.post(url, wrong)
    assert "group" in response.context["form"].errors  # not a choice for A's secretary
    assert Member.objects.get(pk=member.pk).organization == tree["a2"]


def test_the_picker_offers_the_chosen_communitys_branches(logged_in, tree):
    html = logged_in.get("/organizations/options/", {"level": "branch", "community": tree["a"].pk}).content.decode()
    assert "甲第一支部" in html and "甲第二支部" in html and "乙第一支部" not in html
    html = logged_in.get("/organizations/options/", {"level": "branch", "community": tree["b"].pk}).content.decode()
    assert "乙第一支部" not in html


def new_member_data(tree, **overrides):
    from portal.identity import make_id_number

    return {
        "arrival": "transfer_in",
        "name": "王建国",
        "id_number": make_id_number("320102", D(1958, 3, 2), 5, "M"),
        "gender": "M",
        "birth_date": "1958-03-02",
        "ethnicity": "汉族",
        "joined_on": "1985-07-01",
        "category": "retired",
        "effective_date": "2024-03-01",
        "community": tree["a"].pk,
        "branch": tree["a1"].pk,
        "group": tree["a1g2"].pk,
        "external_organization": "县教育局党委",
        "letter_number": "转字第3号",
        "status": "full",
        **overrides,
    }


def test_a_new_member_by_transfer_in(logged_in, tree):
    data = new_member_data(tree)
    page = logged_in.post("/members/new/", data).content.decode()
    assert "请核对后保存" in page and not Member.objects.exists()
    response = logged_in.post("/members/new/", {**data, "confirm": "1"})
    member = Member.objects.get(name="王建国")
    assert response["Location"] == f"/members/{member.pk}/"
    assert member.organization == tree["a1g2"]
    assert member.changes.get().kind == "transfer_in"


def test_a_new_member_with_a_bad_id_is_refused_next_to_the_field(logged_in, tree):
    data = new_member_data(tree, id_number="320102195803020051", confirm="1")
    response = logged_in.post("/members/new/", data)
    assert "校验位错误" in response.context["form"].errors["id_number"][0]
    assert not Member.objects.exists()


def test_the_id_check_fills_birth_and_gender_and_finds_duplicates(logged_in, tree, members):
    from portal.identity import make_id_number

    html = logged_in.post(
        "/members/check-id/", {"id_number": make_id_number("320102", D(1958, 3, 2), 5, "F")}
    ).content.decode()
    assert 'value="1958-03-02"' in html and '<option value="F" selected>' in html
    html = logged_in.post("/members/check-id/", {"id_number": members["a"].id_number.lower()}).content.decode()
    assert "已登记在册" in html and f'href="/members/{members["a"].pk}/"' in html
    html = logged_in.post("/members/check-id/", {"id_number": members["b"].id_number}).content.decode()
    assert "其他社区" in html and members["b"].name not in html
    html = logged_in.post("/members/check-id/", {"id_number": "110105194912310021"}).content.decode()
    assert "校验位错误" in html


def test_a_stale_edit_is_refused_showing_what_changed(logged_in, members):
    member = members["a"]
    form = logged_in.get(f"/members/{member.pk}/edit/").context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    other = Member.objects.get(pk=member.pk)
    other.phone = "13700000000"
    other.save()
    response = logged_in.post(f"/members/{member.pk}/edit/", {**data, "address": "新地址"})
    text = response.content.decode()
    assert "已被他人修改" in text and "13812348000 → 13700000000" in text
    assert Member.objects.get(pk=member.pk).address == "北门社区1号楼"


def test_an_edit_is_saved_and_audited(logged_in, members):
    member = members["a"]
    form = logged_in.get(f"/members/{member.pk}/edit/").context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    assert logged_in.post(f"/members/{member.pk}/edit/", {**data, "address": "新地址"}).status_code == 302
    assert AuditEntry.objects.get(action="member_edit").changes == {"address": ["北门社区1号楼", "新地址"]}


def test_print_views(logged_in, tree, members):
    page = logged_in.get(f"/members/{members['a'].pk}/print/").content.decode()
    assert "党员基本信息" in page and members["a"].id_number in page
    page = logged_in.get(f"/organizations/{tree['a1'].pk}/roster/print/").content.decode()
    assert "党员花名册" in page and members["a"].name in page


def test_the_new_member_form_reports_every_problem_in_one_submit(client, users, tree):
    client.force_login(users["secretary_a"])
    data = {"arrival": "transfer_in", "name": "某某", "id_number": "320102195803020050", "category": "retired"}
    page = client.post("/members/new/", data).content.decode()
    # The wrong check digit, the missing branch and the transfer's letter: all at once, beside
    # their fields and in the summary at the top.
    for message in ("校验位错误", "请填写介绍信编号", "请填写转出单位（原党组织）"):
        assert page.count(message) == 2, message
    assert "请修改以下" in page and page.count('class="req"') >= 6
    assert '<a href="#id_branch">党支部</a>' in page


def probationary(tree, joined):
    from tests.conftest import new_member

    return new_member(tree["a1g1"], "预备某", D(1995, 5, 5), kind=MemberChange.Kind.ADMISSION, on=joined, joined=joined)


def test_the_member_page_shows_when_probation_ends_and_offers_confirmation_only_then(logged_in, tree):
    today = D.today()
    young = probationary(tree, today - datetime.timedelta(days=100))
    page = logged_in.get(f"/members/{young.pk}/").content.decode()
    ends = young.joined_on.replace(year=young.joined_on.year + 1)
    assert f"至{ends.year}年{ends.month}月{ends.day}日满" in page and f"还有 {(ends - today).days} 天" in page
    assert 'id="confirm-not-yet"' in page and f"{ends.year}年{ends.month}月{ends.day}日起可办理" in page
    assert f"/members/{young.pk}/changes/confirmation/" not in page
    for kind in ("probation_extended", "probation_cancelled"):
        assert f"/members/{young.pk}/changes/{kind}/" in page


def test_an_overdue_probation_is_said_and_confirmation_is_offered(logged_in, tree):
    old = probationary(tree, D.today() - datetime.timedelta(days=400))
    page = logged_in.get(f"/members/{old.pk}/").content.decode()
    assert "请及时讨论转正" in page and f"/members/{old.pk}/changes/confirmation/" in page


def test_cancelling_a_probation_takes_the_member_off_the_register(logged_in, tree):
    young = probationary(tree, D.today() - datetime.timedelta(days=100))
    url = f"/members/{young.pk}/changes/probation_cancelled/"
    page = logged_in.post(url, {"effective_date": D.today().isoformat(), "confirm": "1"}).content.decode()
    assert "请填写取消预备党员资格的原因和支部大会决议" in page
    data = {"effective_date": D.today().isoformat(), "note": "支部大会决议", "confirm": "1"}
    assert logged_in.post(url, data).status_code == 302
    young.refresh_from_db()
    assert young.standing == "disqualified" and young.get_standing_display() == "已取消预备党员资格"
    assert not Member.objects.current().filter(pk=young.pk).exists()


def test_each_row_of_the_member_list_opens_its_change_menu(client, users, members):
    member = members["a"]
    client.force_login(users["secretary_a"])
    page = client.get("/members/").content.decode()
    assert '<details class="menu">' in page and f"/members/{member.pk}/changes/transfer_out/" in page
    page = client.get("/members/?action=transfer_out").content.decode()
    assert "请找到要办理“组织关系转出”的党员" in page and 'name="action" value="transfer_out"' in page
    assert f'href="/members/{member.pk}/changes/transfer_out/">组织关系转出</a>' in page
    client.force_login(users["viewer_a"])
    page = client.get("/members/").content.decode()
    assert '<details class="menu">' not in page and "/changes/" not in page


def test_a_change_form_with_a_forged_version_is_a_message_not_a_500(logged_in, members):
    url = f"/members/{members['a'].pk}/changes/transfer_out/"
    response = logged_in.post(url, {"effective_date": D.today().isoformat(), "version": "abc", "confirm": "1"})
    assert response.status_code in (200, 409) and "请填写转往单位" in response.content.decode()
