"""In-service members' registrations (双报到): picked by pinyin initials within the user's scope,
refused when the member is already registered with the community, edited, ended."""

import datetime

import pytest

from organizations.models import Organization
from services.models import InServiceRegistration
from tests.conftest import new_member
from tests.services.inservice_data import D, register

TODAY = datetime.date.today()


def new_registration(client, who, org, **changes):
    data = {
        "member": who.pk,
        "organization": org.pk,
        "registered_on": "2024-03-01",
        "employer": "县财政局",
        "employer_party_organization": "县财政局机关党支部",
        "posts": ["environment", "safety"],
        **changes,
    }
    return client.post("/services/in-service/new/", data)


def test_a_secretary_finds_the_member_by_pinyin_initials_and_registers_them(client, users, tree, members):
    client.force_login(users["secretary_a"])
    found = client.post("/services/in-service/member-search/", {"q": "zwh"}).content.decode()
    assert f'value="{members["a"].pk}"' in found and "张卫华" in found
    assert "李秀英" not in client.post("/services/in-service/member-search/", {"q": "lxy"}).content.decode()
    response = new_registration(client, members["a"], tree["a"])
    registration = InServiceRegistration.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/services/in-service/{registration.pk}/"
    assert (registration.member, registration.organization, registration.registered_on) == (
        members["a"],
        tree["a"],
        D(2024, 3, 1),
    )
    assert registration.posts == ["environment", "safety"] and registration.created_by == users["secretary_a"]
    page = client.get(response["Location"]).content.decode()
    assert "县财政局机关党支部" in page and "环境卫生、平安建设" in page


def test_without_javascript_the_search_button_shows_the_members_to_pick(client, users, tree, members):
    client.force_login(users["secretary_a"])
    page = client.post(
        "/services/in-service/new/", {"search": "1", "q": "zwh", "employer": "县财政局", "posts": ["safety"]}
    )
    text = page.content.decode()
    assert page.status_code == 200 and InServiceRegistration.objects.count() == 0
    assert f'name="member" value="{members["a"].pk}"' in text
    assert 'value="县财政局"' in text and 'value="safety" id="id_posts_1" checked' in text


def test_a_duplicate_active_registration_is_refused_next_to_the_member(client, users, tree, members):
    register(members["a"], tree["a"], D(2023, 3, 1))
    client.force_login(users["secretary_a"])
    page = new_registration(client, members["a"], tree["a"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "该党员已在本社区报到（2023-03-01），不能重复报到。" in text
    assert 'class="field member-pick has-error"' in text
    assert InServiceRegistration.objects.count() == 1
    # Once that registration has ended, the member may register again.
    InServiceRegistration.objects.update(ended_on=D(2024, 1, 31), end_reason="工作调动")
    assert new_registration(client, members["a"], tree["a"]).status_code == 302
    assert InServiceRegistration.objects.count() == 2


def test_a_member_or_community_outside_the_users_scope_is_refused(client, users, tree, members):
    client.force_login(users["secretary_a"])
    text = new_registration(client, members["b"], tree["a"]).content.decode()
    assert "请选择党员（只能选择您管理范围内的在册党员）。" in text
    text = new_registration(client, members["a"], tree["b"]).content.decode()
    assert "请选择报到社区。" in text
    text = new_registration(client, members["a"], tree["a1"]).content.decode()  # a branch is no community
    assert "请选择报到社区。" in text
    assert InServiceRegistration.objects.count() == 0


@pytest.mark.parametrize(
    "changes, field, message",
    [
        (
            {"registered_on": f"{TODAY + datetime.timedelta(days=1):%Y-%m-%d}"},
            "registered_on",
            "报到日期不能晚于今天。",
        ),
        ({"posts": ["flying"]}, "posts", "flying"),
        ({"member": ""}, "member", "请先查找并选择党员。"),
    ],
)
def test_bad_input_is_explained_and_nothing_saved(client, users, tree, members, changes, field, message):
    client.force_login(users["secretary_a"])
    page = new_registration(client, members["a"], tree["a"], **changes)
    assert page.status_code == 200 and message in page.content.decode()
    assert field in page.context["form"].errors
    assert InServiceRegistration.objects.count() == 0


def test_the_employer_defaults_to_the_members_record(client, users, tree, members):
    members["a"].employer = "县第一中学"
    members["a"].save()
    client.force_login(users["secretary_a"])
    new_registration(client, members["a"], tree["a"], employer="")
    assert InServiceRegistration.objects.get().employer == "县第一中学"


def test_a_registration_is_edited_and_ended_with_a_reason(client, users, tree, members):
    registration = register(members["a"], tree["a"], D(2023, 3, 1))
    client.force_login(users["secretary_a"])
    data = {
        "registered_on": "2023-03-02",
        "employer": "县税务局",
        "employer_party_organization": "",
        "posts": ["publicity"],
    }
    assert client.post(f"/services/in-service/{registration.pk}/edit/", data).status_code == 302
    registration.refresh_from_db()
    assert (registration.employer, registration.posts, registration.registered_on) == (
        "县税务局",
        ["publicity"],
        D(2023, 3, 2),
    )
    early = client.post(
        f"/services/in-service/{registration.pk}/end/", {"ended_on": "2023-01-01", "end_reason": "调动"}
    )
    assert "结束日期不能早于报到日期。" in early.content.decode()
    no_reason = client.post(
        f"/services/in-service/{registration.pk}/end/", {"ended_on": "2024-06-30", "end_reason": " "}
    )
    assert "end_reason" in no_reason.context["form"].errors
    registration.refresh_from_db()
    assert registration.ended_on is None
    done = client.post(
        f"/services/in-service/{registration.pk}/end/", {"ended_on": "2024-06-30", "end_reason": "工作调动"}
    )
    assert done.status_code == 302
    registration.refresh_from_db()
    assert (registration.ended_on, registration.end_reason) == (D(2024, 6, 30), "工作调动")


def test_an_ended_registration_cannot_be_edited_to_start_after_its_end(client, users, tree, members):
    registration = register(members["a"], tree["a"], D(2023, 3, 1))
    registration.ended_on, registration.end_reason = D(2024, 6, 30), "工作调动"
    registration.save()
    client.force_login(users["secretary_a"])
    data = {"registered_on": "2024-07-01", "employer": "县税务局", "employer_party_organization": "", "posts": []}
    response = client.post(f"/services/in-service/{registration.pk}/edit/", data)
    assert response.status_code == 200
    assert response.context["form"].errors["registered_on"] == ["结束日期不能早于报到日期。"]
    assert "结束日期不能早于报到日期。" in response.content.decode()
    registration.refresh_from_db()
    assert (registration.registered_on, registration.employer) == (D(2023, 3, 1), "县财政局")


def test_the_list_is_scoped_and_filtered_by_year_and_state(client, users, tree, members):
    ended = new_member(tree["a2"], "王芳")
    register(members["a"], tree["a"], D(2023, 3, 1))
    register(ended, tree["a"], D(2022, 5, 1), ended_on=D(2023, 6, 30), end_reason="搬离本社区")
    register(members["b"], tree["b"], D(2024, 2, 1))
    client.force_login(users["secretary_a"])
    page = client.get("/services/in-service/", {"year": 2024}).content.decode()
    assert "张卫华" in page and "王芳" not in page and "李秀英" not in page
    page = client.get("/services/in-service/", {"year": 2023, "state": "all"}).content.decode()
    assert "张卫华" in page and "王芳" in page
    page = client.get("/services/in-service/", {"year": 2023, "state": "ended"}).content.decode()
    assert "张卫华" not in page and "王芳" in page
    page = client.get("/services/in-service/", {"year": 2022, "state": "all"}).content.decode()
    assert "张卫华" not in page and "王芳" in page  # registered only in 2023
    bad = client.get("/services/in-service/", {"year": "abc"})
    assert bad.status_code == 200 and "年度“abc”无效" in bad.content.decode()
    assert client.get("/services/in-service/", {"org": tree["b"].pk}).status_code == 404
    client.force_login(users["street"])
    page = client.get("/services/in-service/", {"year": 2024}).content.decode()
    assert "张卫华" in page and "李秀英" in page


def test_the_list_costs_the_same_queries_for_a_page_of_any_size(client, users, tree, django_assert_max_num_queries):
    client.force_login(users["street"])
    community = Organization.objects.get(pk=tree["a"].pk)
    register(new_member(tree["a1"], "甲一"), community)
    with django_assert_max_num_queries(30) as few:
        client.get("/services/in-service/")
    for index in range(8):
        register(new_member(tree["a1"], f"甲{index + 2}"), community)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/services/in-service/")


def test_another_communitys_registration_answers_404_and_a_viewer_may_not_change_it(client, users, tree, members):
    registration = register(members["a"], tree["a"])
    client.force_login(users["secretary_b"])
    for url in ("", "edit/", "end/", "letter/"):
        assert client.get(f"/services/in-service/{registration.pk}/{url}").status_code == 404
    client.force_login(users["viewer_a"])
    assert client.get(f"/services/in-service/{registration.pk}/").status_code == 200
    for url in ("edit/", "end/", "letter/"):
        assert (
            client.post(f"/services/in-service/{registration.pk}/{url}", {"ended_on": "2024-01-01"}).status_code == 403
        )
    assert client.get("/services/in-service/new/").status_code == 403
    assert client.post("/services/in-service/member-search/", {"q": "zwh"}).status_code == 403
    registration.refresh_from_db()
    assert registration.ended_on is None


def test_a_registration_saved_by_someone_else_meanwhile_is_refused_not_a_server_error(
    client, users, tree, members, monkeypatch
):
    """Both forms passed their check before either was saved: the database's constraint decides."""
    client.force_login(users["secretary_a"])
    monkeypatch.setattr(InServiceRegistration, "clean", lambda self: None)  # the other check came first
    register(members["a"], tree["a"], D(2023, 3, 1))
    page = new_registration(client, members["a"], tree["a"])
    assert page.status_code == 200 and "该党员刚刚已在本社区报到，不能重复报到。" in page.content.decode()
    assert InServiceRegistration.objects.count() == 1
