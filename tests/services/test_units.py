"""Resident units (驻区单位) and co-building agreements (共建协议): registered, edited, their projects
shown, the agreements ending within 60 days on the home page; another community's answers 404, a
viewer 403 on any change."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError

from services.home import count_agreements_ending
from services.models import Activity, CoBuildingAgreement, ResidentUnit, ServiceEntry

D = datetime.date
TODAY = datetime.date.today()


def days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def unit(tree):
    return ResidentUnit.objects.create(
        organization=tree["a"],
        name="县人民医院",
        contact_name="林主任",
        contact_phone="0591-22223333",
        party_organization="县人民医院党委",
        offers=["hall", "volunteers"],
        asks="希望社区协助健康宣传。",
    )


@pytest.fixture
def agreement(tree, unit):
    return CoBuildingAgreement.objects.create(
        unit=unit, organization=tree["a"], title="甲社区与县人民医院共建协议", starts_on=D(2024, 1, 1), ends_on=days(30)
    )


def test_it_registers_a_unit_with_what_it_offers_and_asks(client, users, tree):
    client.force_login(users["secretary_a"])
    data = {
        "name": "  县第一中学 ",
        "organization": tree["a"].pk,
        "contact_name": "陈老师",
        "contact_phone": "13800001111",
        "party_organization": "县第一中学党总支",
        "offers": ["sports", "meeting_room"],
        "offers_note": "周末开放运动场",
        "asks": "学生社会实践岗位",
    }
    response = client.post("/services/units/new/", data)
    unit = ResidentUnit.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/services/units/{unit.pk}/"
    assert (unit.name, unit.organization, unit.offers) == ("县第一中学", tree["a"], ["sports", "meeting_room"])
    page = client.get(f"/services/units/{unit.pk}/").content.decode()
    assert "运动场地、会议室" in page and "学生社会实践岗位" in page and "县第一中学党总支" in page


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"name": "  "}, "name", "请填写单位名称。"),
        ({"contact_phone": "打电话给我"}, "contact_phone", "请填写正确的联系电话"),
        ({"offers": ["castle"]}, "offers", "castle"),
    ],
)
def test_bad_input_is_said_next_to_the_field_and_nothing_is_saved(client, users, tree, change, field, message):
    client.force_login(users["secretary_a"])
    data = {"name": "县第一中学", "organization": tree["a"].pk, "contact_phone": "", **change}
    response = client.post("/services/units/new/", data)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert ResidentUnit.objects.count() == 0


def test_a_unit_goes_only_into_a_community_the_user_may_write_to(client, users, tree):
    client.force_login(users["secretary_a"])
    response = client.post("/services/units/new/", {"name": "乙社区超市", "organization": tree["b"].pk})
    assert response.status_code == 200 and "organization" in response.context["form"].errors
    assert ResidentUnit.objects.count() == 0
    client.force_login(users["viewer_a"])
    assert client.get("/services/units/new/").status_code == 403
    client.force_login(users["branch_a1"])  # a branch registers no unit: units belong to a community
    assert client.get("/services/units/new/").status_code == 403


def test_another_communitys_unit_and_agreement_answer_404_and_a_viewer_may_not_change_them(
    client, users, unit, agreement
):
    client.force_login(users["secretary_b"])
    for url in (
        f"/services/units/{unit.pk}/",
        f"/services/units/{unit.pk}/edit/",
        f"/services/units/{unit.pk}/agreements/new/",
        f"/services/agreements/{agreement.pk}/",
        f"/services/agreements/{agreement.pk}/edit/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/services/units/{unit.pk}/edit/", {"name": "改名"}).status_code == 404
    client.force_login(users["viewer_a"])
    assert client.get(f"/services/units/{unit.pk}/").status_code == 200
    assert client.post(f"/services/units/{unit.pk}/edit/", {"name": "改名"}).status_code == 403
    assert client.post(f"/services/agreements/{agreement.pk}/edit/", {"title": "改名"}).status_code == 403
    unit.refresh_from_db()
    agreement.refresh_from_db()
    assert (unit.name, agreement.title) == ("县人民医院", "甲社区与县人民医院共建协议")


def test_it_edits_a_unit_but_not_its_community(client, users, tree, unit):
    client.force_login(users["street"])
    data = {"name": "县人民医院（新院区）", "organization": tree["b"].pk, "offers": ["funds"], "contact_phone": ""}
    assert client.post(f"/services/units/{unit.pk}/edit/", data).status_code == 302
    unit.refresh_from_db()
    assert (unit.name, unit.organization, unit.offers) == ("县人民医院（新院区）", tree["a"], ["funds"])


def test_an_agreement_ending_before_it_starts_is_refused_next_to_the_end_date(client, users, tree, unit):
    client.force_login(users["secretary_a"])
    data = {"title": "共建协议", "organization": tree["a"].pk, "starts_on": "2025-03-01", "ends_on": "2025-02-28"}
    response = client.post(f"/services/units/{unit.pk}/agreements/new/", data)
    assert response.status_code == 200
    assert response.context["form"].errors["ends_on"] == ["结束日期不能早于开始日期。"]
    assert '<a href="#id_ends_on">' in response.content.decode()
    assert CoBuildingAgreement.objects.count() == 0
    data["ends_on"] = "2027-02-28"
    response = client.post(f"/services/units/{unit.pk}/agreements/new/", data)
    agreement = CoBuildingAgreement.objects.get()
    assert response["Location"] == f"/services/agreements/{agreement.pk}/"
    assert (agreement.unit, agreement.organization, agreement.ends_on) == (unit, tree["a"], D(2027, 2, 28))


def test_an_agreement_is_signed_by_the_units_community_or_one_of_its_branches(client, users, tree, unit):
    client.force_login(users["street"])
    data = {"title": "共建协议", "organization": tree["b1"].pk, "starts_on": "2025-03-01"}
    response = client.post(f"/services/units/{unit.pk}/agreements/new/", data)
    assert response.status_code == 200 and "organization" in response.context["form"].errors
    data["organization"] = tree["a1"].pk
    assert client.post(f"/services/units/{unit.pk}/agreements/new/", data).status_code == 302
    assert CoBuildingAgreement.objects.get().organization == tree["a1"]


def test_the_agreement_page_shows_the_projects_done_together(client, users, tree, members, agreement):
    project = Activity.objects.create(
        organization=tree["a"],
        title="联合义诊",
        kind="convenience",
        convenience_kind="free_clinic",
        starts_at=datetime.datetime(2024, 5, 1, 9, tzinfo=datetime.UTC),
        beneficiaries=80,
        agreement=agreement,
    )
    Activity.objects.create(
        organization=tree["a"], title="楼道清扫", starts_at=datetime.datetime(2024, 5, 2, 9, tzinfo=datetime.UTC)
    )
    ServiceEntry.objects.create(
        member=members["a"], organization=tree["a"], activity=project, served_on=D(2024, 5, 1), minutes=150
    )
    client.force_login(users["secretary_a"])
    page = client.get(f"/services/agreements/{agreement.pk}/").content.decode()
    assert "联合义诊" in page and "楼道清扫" not in page
    cells = re.search(r"联合义诊</a></td>\s*<td>(\d+)</td><td>([\d.]+)</td>", page)
    assert cells.groups() == ("1", "2.5")
    assert "即将到期" in page
    unit_page = client.get(f"/services/units/{agreement.unit_id}/").content.decode()
    assert "联合义诊" in unit_page and agreement.title in unit_page


def test_agreements_ending_within_60_days_are_counted_per_organization_in_one_query(
    tree, unit, agreement, django_assert_num_queries
):
    b_unit = ResidentUnit.objects.create(organization=tree["b"], name="乙社区超市")
    CoBuildingAgreement.objects.create(
        unit=b_unit, organization=tree["b1"], title="乙", starts_on=D(2024, 1, 1), ends_on=days(60)
    )
    for ends_on in (days(61), days(-1), None):  # later, already over, open-ended: not counted
        CoBuildingAgreement.objects.create(
            unit=unit, organization=tree["a"], title="其他", starts_on=D(2024, 1, 1), ends_on=ends_on
        )
    scopes = [tree["street"], tree["a"], tree["b"], tree["a1"]]
    with django_assert_num_queries(1):
        counts = count_agreements_ending(scopes, TODAY)
    assert {pk: found["services.agreements_ending"] for pk, found in counts.items()} == {
        tree["street"].pk: 2,
        tree["a"].pk: 1,
        tree["b"].pk: 1,
        tree["a1"].pk: 0,
    }


def test_the_home_page_lists_the_agreements_ending_soon_and_its_link_shows_exactly_those(
    client, users, tree, unit, agreement
):
    CoBuildingAgreement.objects.create(
        unit=unit, organization=tree["a"], title="长期协议", starts_on=D(2024, 1, 1), ends_on=days(200)
    )
    client.force_login(users["secretary_a"])
    page = client.get("/").content.decode().replace("&amp;", "&")
    link = re.search(r'<a href="([^"]+)">共建协议即将到期：<strong>(\d+)</strong> 份</a>', page)
    assert link.groups() == (f"/services/agreements/?org={tree['a'].pk}&ending=1", "1")
    listed = client.get(link.group(1)).content.decode()
    assert agreement.title in listed and "长期协议" not in listed
    assert client.get(f"/services/agreements/?org={tree['a'].pk}").content.decode().count("长期协议") == 1
    client.force_login(users["secretary_b"])
    assert "共建协议即将到期：0" in client.get("/").content.decode()
    assert client.get(link.group(1)).status_code == 404


def test_a_changed_end_date_moves_the_home_pages_count_at_once(client, users, tree, agreement):
    client.force_login(users["secretary_a"])
    assert "共建协议即将到期：<strong>1</strong>" in client.get("/").content.decode()
    client.post(
        f"/services/agreements/{agreement.pk}/edit/",
        {"title": agreement.title, "organization": tree["a"].pk, "starts_on": "2024-01-01", "ends_on": "2030-12-31"},
    )
    assert "共建协议即将到期：0" in client.get("/").content.decode()


def test_the_unit_list_is_scoped_searchable_and_counts_agreements_in_force(client, users, tree, unit, agreement):
    ResidentUnit.objects.create(organization=tree["b"], name="乙社区超市")
    ResidentUnit.objects.create(organization=tree["a"], name="甲社区幼儿园")
    client.force_login(users["secretary_a"])
    page = client.get("/services/units/").content.decode()
    assert "县人民医院" in page and "甲社区幼儿园" in page and "乙社区超市" not in page
    found = client.get("/services/units/", {"q": "医院"}).content.decode()
    assert "县人民医院" in found and "甲社区幼儿园" not in found
    assert re.search(r"县人民医院</a></td><td>1</td>", page)
    assert client.get("/services/units/", {"org": tree["b"].pk}).status_code == 404


def test_the_next_page_keeps_a_search_term_that_holds_an_ampersand(client, users, tree):
    for n in range(51):
        ResidentUnit.objects.create(organization=tree["a"], name=f"A&B公司{n:02d}")
    ResidentUnit.objects.create(organization=tree["a"], name="A公司")
    client.force_login(users["secretary_a"])
    first = client.get("/services/units/", {"q": "A&B"}).content.decode()
    link = re.search(r'href="\?([^"]*page=2)"', first).group(1).replace("&amp;", "&")
    second = client.get(f"/services/units/?{link}").content.decode()
    assert "A&amp;B公司50" in second and "A公司</a>" not in second


def test_the_unit_itself_refuses_a_phone_that_is_not_one_so_the_admin_does_too(tree):
    unit = ResidentUnit(organization=tree["a"], name="县医院", contact_phone="打电话给我")
    with pytest.raises(ValidationError) as refused:
        unit.full_clean()
    assert "请填写正确的联系电话" in refused.value.message_dict["contact_phone"][0]
    unit.contact_phone = " 0591-2222 3333 "
    unit.full_clean()
    assert unit.contact_phone == "0591-2222 3333"
