"""Pairings (结对帮扶): a member paired with a household in need, its start and end, the agreed contact
frequency, the visits logged against it, and the household's page that shows them."""

import datetime
import re

import pytest

from members.models import Gender, MemberChange
from services.models import CareVisit, Household, Pairing
from tests.conftest import change, new_member

D = datetime.date
TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def household(tree):
    return Household.objects.create(
        organization=tree["a"], name="孙桂兰", address="甲社区3号楼201", phone="13912345678", kinds=["elderly_alone"]
    )


@pytest.fixture
def pairing(members, household):
    return Pairing.objects.create(
        member=members["a"], household=household, started_on=TODAY - 100 * DAY, frequency_days=60
    )


def pairing_post(household, member, **fields):
    data = {"household": household.pk, "member": member.pk, "started_on": f"{TODAY:%Y-%m-%d}", "frequency_days": "60"}
    data.update(fields)
    return data


def test_it_pairs_a_member_with_a_household(client, users, members, household):
    client.force_login(users["secretary_a"])
    response = client.post("/services/pairings/new/", pairing_post(household, members["a"], frequency_days="30"))
    assert response.status_code == 302 and response["Location"] == f"/services/households/{household.pk}/"
    saved = Pairing.objects.get()
    assert (saved.member, saved.household, saved.started_on, saved.frequency_days, saved.ended_on) == (
        members["a"],
        household,
        TODAY,
        30,
        None,
    )
    page = client.get(f"/services/households/{household.pk}/").content.decode()
    assert "张卫华" in page and "每30天" in page


def test_the_form_opens_with_the_household_chosen(client, users, household):
    client.force_login(users["secretary_a"])
    form = client.get(f"/services/pairings/new/?household={household.pk}").context["form"]
    assert form["household"].value() == household.pk


def test_a_helper_must_be_chosen_on_the_register_and_in_the_households_community(
    client, users, tree, members, household
):
    client.force_login(users["street"])
    response = client.post("/services/pairings/new/", {**pairing_post(household, members["a"]), "member": ""})
    assert response.context["form"]["member"].errors == ["请输入姓名或拼音首字母搜索，选择帮扶党员。"]
    response = client.post("/services/pairings/new/", pairing_post(household, members["b"]))
    assert response.context["form"]["member"].errors == ["帮扶党员与困难家庭不在同一社区。"]
    gone = new_member(tree["a2"], "王芳", D(1940, 1, 1), Gender.FEMALE)
    change(gone, MemberChange.Kind.DEATH, TODAY)
    response = client.post("/services/pairings/new/", pairing_post(household, gone))
    assert response.context["form"]["member"].errors == ["所选党员不在您管理的范围内或已不在册，请重新搜索选择。"]
    client.force_login(users["secretary_a"])
    response = client.post("/services/pairings/new/", pairing_post(household, members["b"]))
    assert response.status_code == 200 and not Pairing.objects.exists()


def test_a_frequency_out_of_range_is_refused(client, users, members, household):
    client.force_login(users["secretary_a"])
    response = client.post("/services/pairings/new/", pairing_post(household, members["a"], frequency_days="400"))
    assert response.status_code == 200 and not Pairing.objects.exists()
    assert "联系周期应在1到366天之间。" in response.content.decode()


def test_the_same_pair_twice_is_refused(client, users, members, household, pairing):
    client.force_login(users["secretary_a"])
    response = client.post("/services/pairings/new/", pairing_post(household, members["a"]))
    assert response.context["form"]["household"].errors == ["该党员已与这户结对。"]
    assert Pairing.objects.count() == 1


def test_a_pairing_ending_before_it_starts_is_refused_next_to_the_end_date(client, users, members, pairing):
    client.force_login(users["secretary_a"])
    early = f"{pairing.started_on - DAY:%Y-%m-%d}"
    response = client.post(f"/services/pairings/{pairing.pk}/end/", {"ended_on": early, "end_reason": "搬离"})
    assert response.status_code == 200
    assert response.context["form"]["ended_on"].errors == ["结束日期不能早于开始日期。"]
    assert re.search(r'id="id_ended_on".*?结束日期不能早于开始日期。', response.content.decode(), re.S)
    data = pairing_post(pairing.household, members["a"], started_on=f"{pairing.started_on:%Y-%m-%d}")
    response = client.post(f"/services/pairings/{pairing.pk}/edit/", {**data, "ended_on": early, "end_reason": "搬离"})
    assert response.context["form"]["ended_on"].errors == ["结束日期不能早于开始日期。"]
    pairing.refresh_from_db()
    assert pairing.ended_on is None and pairing.end_reason == ""


def test_ending_a_pairing_needs_a_reason_and_keeps_its_visits(client, users, tree, pairing):
    CareVisit.objects.create(
        organization=tree["a"], household=pairing.household, pairing=pairing, reason="other", visited_on=TODAY - DAY
    )
    client.force_login(users["secretary_a"])
    response = client.post(f"/services/pairings/{pairing.pk}/end/", {"ended_on": f"{TODAY:%Y-%m-%d}"})
    assert response.context["form"]["end_reason"].errors == ["请填写结束原因。"]
    response = client.post(
        f"/services/pairings/{pairing.pk}/end/", {"ended_on": f"{TODAY:%Y-%m-%d}", "end_reason": "老人迁往子女家"}
    )
    assert response.status_code == 302
    pairing.refresh_from_db()
    assert (pairing.ended_on, pairing.end_reason) == (TODAY, "老人迁往子女家")
    assert pairing.visits.count() == 1
    assert not Pairing.objects.current(TODAY + DAY).exists() and Pairing.objects.current(TODAY).exists()


def test_a_visit_is_logged_against_the_pairing(client, users, tree, pairing):
    client.force_login(users["secretary_a"])
    form = client.get(f"/services/visits/new/?pairing={pairing.pk}").context["form"]
    assert (form["household"].value(), form["pairing"].value(), form["target"].value()) == (
        pairing.household_id,
        pairing.pk,
        "household",
    )
    data = {
        "organization": tree["a"].pk,
        "target": "household",
        "household": pairing.household_id,
        "pairing": pairing.pk,
        "reason": "other",
        "visited_on": f"{TODAY:%Y-%m-%d}",
        "amount": "0",
    }
    assert client.post("/services/visits/new/", data).status_code == 302
    assert CareVisit.objects.get().pairing == pairing
    page = client.get(f"/services/households/{pairing.household_id}/").content.decode()
    assert f"{TODAY:%Y-%m-%d}" in page and "1 次" in page


def test_a_pairing_visit_must_be_to_its_household_and_within_its_dates(client, users, tree, members, pairing):
    client.force_login(users["secretary_a"])
    base = {"organization": tree["a"].pk, "pairing": pairing.pk, "reason": "other", "amount": "0"}
    response = client.post(
        "/services/visits/new/",
        {**base, "target": "member", "member": members["a"].pk, "visited_on": f"{TODAY:%Y-%m-%d}"},
    )
    assert response.context["form"]["pairing"].errors == ["结对帮扶走访的对象应为该结对的困难家庭。"]
    before = f"{pairing.started_on - DAY:%Y-%m-%d}"
    response = client.post(
        "/services/visits/new/",
        {**base, "target": "household", "household": pairing.household_id, "visited_on": before},
    )
    assert response.context["form"]["visited_on"].errors[0].startswith("走访日期不在结对帮扶期间")
    assert not CareVisit.objects.exists()


def test_the_household_page_lists_pairings_visits_and_what_is_due(client, users, tree, members, household, pairing):
    ended = Pairing.objects.create(
        member=new_member(tree["a2"], "王芳", D(1965, 1, 1), Gender.FEMALE),
        household=household,
        started_on=TODAY - 400 * DAY,
        ended_on=TODAY - 200 * DAY,
        end_reason="帮扶人搬家",
    )
    from services.visits import record_visit

    record_visit(
        CareVisit(
            organization=tree["a"],
            household=household,
            reason="hardship",
            visited_on=TODAY - DAY,
            follow_up_needed=True,
            follow_up_due=TODAY + 3 * DAY,
        )
    )
    client.force_login(users["viewer_a"])
    page = client.get(f"/services/households/{household.pk}/").content.decode()
    assert "张卫华" in page and "王芳" in page and ended.end_reason in page
    assert "已超期" in page  # 100 days without a visit, every 60 agreed
    assert "家庭困难" in page and "待走访" in page
    assert "登记走访" not in page and "安排结对" not in page  # a viewer only reads


def test_households_are_listed_registered_and_edited(client, users, tree, household):
    client.force_login(users["secretary_a"])
    page = client.get(f"/services/households/?org={tree['a'].pk}").content.decode()
    assert "孙桂兰" in page and "共 <strong>1</strong> 户" in page
    data = {
        "name": "周建国",
        "organization": tree["a2"].pk,
        "kinds": ["disabled", "entitled"],
        "address": "甲社区9号楼",
    }
    response = client.post("/services/households/new/", data)
    created = Household.objects.get(name="周建国")
    assert response.status_code == 302 and created.organization == tree["a2"]
    assert created.kinds == ["disabled", "entitled"]
    filtered = client.get(f"/services/households/?org={tree['a'].pk}&kind=disabled").content.decode()
    assert "周建国" in filtered and "孙桂兰" not in filtered
    edit = {"name": "孙桂兰", "kinds": ["elderly_alone"], "phone": "13912345678", "closed_on": f"{TODAY:%Y-%m-%d}"}
    assert client.post(f"/services/households/{household.pk}/edit/", edit).status_code == 302
    household.refresh_from_db()
    assert household.closed_on == TODAY
    client.get(f"/services/households/{household.pk}/")  # the message "已保存…" shown
    assert "孙桂兰" not in client.get(f"/services/households/?org={tree['a'].pk}").content.decode()
    assert "孙桂兰" in client.get(f"/services/households/?org={tree['a'].pk}&closed=1").content.decode()


def test_a_masked_phone_left_as_shown_keeps_the_stored_number(client, users, tree):
    household = Household.objects.create(organization=tree["a1"], name="钱老", phone="13912345678", kinds=["poor"])
    client.force_login(users["branch_a1"])
    form = client.get(f"/services/households/{household.pk}/edit/")
    assert "13912345678" not in form.content.decode() and "139****5678" in form.content.decode()
    data = {"name": "钱老", "kinds": ["poor", "disabled"], "phone": "139****5678"}
    assert client.post(f"/services/households/{household.pk}/edit/", data).status_code == 302
    household.refresh_from_db()
    assert household.phone == "13912345678" and household.kinds == ["poor", "disabled"]


def test_another_communitys_household_and_pairing_answer_404_and_a_viewer_403(client, users, pairing):
    household = pairing.household
    client.force_login(users["secretary_b"])
    for url in (
        f"/services/households/{household.pk}/",
        f"/services/households/{household.pk}/edit/",
        f"/services/pairings/{pairing.pk}/edit/",
        f"/services/pairings/{pairing.pk}/end/",
        f"/services/pairings/new/?household={household.pk}",
        f"/services/visits/new/?pairing={pairing.pk}",
    ):
        assert client.get(url).status_code == 404, url
    client.force_login(users["viewer_a"])
    assert client.get(f"/services/households/{household.pk}/").status_code == 200
    for url in (f"/services/households/{household.pk}/edit/", f"/services/pairings/{pairing.pk}/end/"):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(
            f"/services/pairings/{pairing.pk}/end/", {"ended_on": f"{TODAY:%Y-%m-%d}", "end_reason": "x"}
        ).status_code
        == 403
    )
    pairing.refresh_from_db()
    assert pairing.ended_on is None


def test_the_pairing_list_shows_current_and_ended_ones(client, users, tree, members, household, pairing):
    Pairing.objects.create(
        member=members["a"],
        household=Household.objects.create(organization=tree["a"], name="吴奶奶", kinds=["poor"]),
        started_on=TODAY - 300 * DAY,
        ended_on=TODAY - 10 * DAY,
        end_reason="已脱困",
    )
    client.force_login(users["secretary_a"])
    current = client.get(f"/services/pairings/?org={tree['a'].pk}").content.decode()
    ended = client.get(f"/services/pairings/?org={tree['a'].pk}&status=ended").content.decode()
    assert "孙桂兰" in current and "吴奶奶" not in current
    assert "吴奶奶" in ended and "孙桂兰" not in ended


def test_a_far_off_start_is_refused_with_a_message_and_the_lists_still_open(client, users, members, household):
    client.force_login(users["secretary_a"])
    post = pairing_post(household, members["a"], started_on="9999-12-01", frequency_days="366")
    response = client.post("/services/pairings/new/", post)
    assert response.status_code == 200 and "请填写 1921-07-01 至 2099-12-31 之间的日期。" in response.content.decode()
    assert not Pairing.objects.exists()
    assert client.get("/services/pairings/?status=all").status_code == 200
    assert client.get(f"/services/households/{household.pk}/").status_code == 200
