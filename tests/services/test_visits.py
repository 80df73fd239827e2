"""Care visits: recording one (a member found by pinyin initials, or a household registered on the
spot), the checks that refuse bad input with nothing saved, the visits falling due (a death in the
change log, a follow-up) and the sensitive notes only a community's secretary and the street see."""

import datetime
import re

import pytest

from members.models import Gender, MemberChange
from services.models import CareVisit, Household, VisitDue
from services.visits import DEATH_VISIT_DAYS
from tests.conftest import change, new_member

D = datetime.date
K = MemberChange.Kind
TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)


def visit_post(org, **fields):
    data = {
        "organization": org.pk,
        "target": "member",
        "reason": "ill",
        "visited_on": f"{TODAY - DAY:%Y-%m-%d}",
        "goods": "牛奶一箱",
        "amount": "200",
        "notes": "住院第三天，精神尚好。",
    }
    data.update({key: value for key, value in fields.items() if value is not None})
    return data


def visit(org, member=None, household=None, reason="ill", on=None, user=None, **fields):
    """A visit recorded the way the form records it (dues settled, follow-up scheduled)."""
    from services.visits import record_visit

    return record_visit(
        CareVisit(
            organization=org,
            member=member,
            household=household,
            reason=reason,
            visited_on=on or TODAY - DAY,
            created_by=user,
            **fields,
        )
    )


@pytest.fixture
def household(tree):
    return Household.objects.create(
        organization=tree["a"], name="孙桂兰", address="甲社区3号楼201", phone="13912345678", kinds=["elderly_alone"]
    )


# -- recording a visit -----------------------------------------------------------------------------


def test_it_records_a_visit_to_a_member_with_visitors_and_a_follow_up(client, users, tree, members):
    visitor = new_member(tree["a2"], "王芳", D(1965, 1, 1), Gender.FEMALE)
    client.force_login(users["secretary_a"])
    due = TODAY + 10 * DAY
    data = visit_post(
        tree["a"],
        member=members["a"].pk,
        visitors=[visitor.pk],
        visitor_names="社区主任刘敏",
        follow_up_needed="on",
        follow_up_due=f"{due:%Y-%m-%d}",
    )
    response = client.post("/services/visits/new/", data)
    saved = CareVisit.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/services/visits/{saved.pk}/"
    assert (saved.member, saved.household, saved.reason, saved.organization) == (members["a"], None, "ill", tree["a"])
    assert (saved.goods, saved.amount, saved.visited_on) == ("牛奶一箱", 200, TODAY - DAY)
    assert list(saved.visitors.all()) == [visitor] and saved.visitor_names == "社区主任刘敏"
    assert saved.created_by == users["secretary_a"]
    follow_up = VisitDue.objects.get()
    assert (follow_up.follow_up_of, follow_up.member, follow_up.reason, follow_up.due_on) == (
        saved,
        members["a"],
        "ill",
        due,
    )
    assert follow_up.source == VisitDue.Source.FOLLOW_UP and follow_up.open
    page = client.get(f"/services/visits/{saved.pk}/").content.decode()
    assert "王芳" in page and "社区主任刘敏" in page and "住院第三天" in page and "待走访" in page


def test_a_visit_dated_in_the_future_is_refused_next_to_the_date(client, users, tree, members):
    client.force_login(users["secretary_a"])
    data = visit_post(tree["a"], member=members["a"].pk, visited_on=f"{TODAY + DAY:%Y-%m-%d}")
    response = client.post("/services/visits/new/", data)
    assert response.status_code == 200
    field = response.context["form"]["visited_on"]
    assert field.errors == ["走访日期不能晚于今天。"]
    assert re.search(r'id="id_visited_on".*?走访日期不能晚于今天。', response.content.decode(), re.S)
    assert not CareVisit.objects.exists() and not VisitDue.objects.exists()


def test_a_follow_up_before_the_visit_or_without_a_date_is_refused(client, users, tree, members):
    client.force_login(users["secretary_a"])
    base = visit_post(tree["a"], member=members["a"].pk, follow_up_needed="on")
    response = client.post("/services/visits/new/", base)
    assert response.context["form"]["follow_up_due"].errors == ["需要再次走访时，请填写再次走访期限。"]
    response = client.post("/services/visits/new/", {**base, "follow_up_due": f"{TODAY - 5 * DAY:%Y-%m-%d}"})
    assert response.context["form"]["follow_up_due"].errors == ["再次走访期限不能早于走访日期。"]
    assert not CareVisit.objects.exists()


def test_it_registers_a_new_household_together_with_the_visit(client, users, tree):
    client.force_login(users["secretary_a"])
    data = visit_post(
        tree["a"],
        target="new_household",
        reason="hardship",
        household_name="赵 大 爷",
        household_address="甲社区5号楼102",
        household_phone="139 1234 5678",
        household_kinds=["elderly_alone", "low_income"],
    )
    response = client.post("/services/visits/new/", data)
    assert response.status_code == 302
    household = Household.objects.get()
    assert (household.name, household.organization, household.phone) == ("赵 大 爷", tree["a"], "13912345678")
    assert household.kinds == ["elderly_alone", "low_income"]
    assert CareVisit.objects.get().household == household


def test_a_new_household_without_a_name_or_kind_saves_nothing(client, users, tree):
    client.force_login(users["secretary_a"])
    response = client.post("/services/visits/new/", visit_post(tree["a"], target="new_household"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["household_name"].errors == ["请填写户主姓名。"]
    assert form["household_kinds"].errors == ["请至少选择一种困难类型。"]
    assert not Household.objects.exists() and not CareVisit.objects.exists()


def test_it_visits_a_registered_household(client, users, tree, household):
    client.force_login(users["secretary_a"])
    data = visit_post(tree["a"], target="household", household=household.pk, reason="festival")
    assert client.post("/services/visits/new/", data).status_code == 302
    assert CareVisit.objects.get().household == household


def test_a_member_must_be_chosen(client, users, tree):
    client.force_login(users["secretary_a"])
    response = client.post("/services/visits/new/", visit_post(tree["a"]))
    assert response.status_code == 200
    assert response.context["form"]["member"].errors == ["请输入姓名或拼音首字母搜索，选择走访的党员。"]
    assert 'href="#member-search"' in response.content.decode()
    assert not CareVisit.objects.exists()


def test_a_member_of_another_community_cannot_be_visited(client, users, tree, members):
    client.force_login(users["secretary_a"])
    response = client.post("/services/visits/new/", visit_post(tree["a"], member=members["b"].pk))
    assert response.status_code == 200
    assert response.context["form"]["member"].errors == ["所选党员不在您管理的范围内，请重新搜索选择。"]
    assert members["b"].name not in response.content.decode()
    assert not CareVisit.objects.exists()


def test_a_visitor_outside_the_scope_is_refused(client, users, tree, members):
    client.force_login(users["secretary_a"])
    data = visit_post(tree["a"], member=members["a"].pk, visitors=[members["b"].pk])
    response = client.post("/services/visits/new/", data)
    assert response.status_code == 200
    assert response.context["form"]["visitors"].errors == ["走访人中有不在您管理范围内或已不在册的党员，请重新添加。"]
    assert not CareVisit.objects.exists()


def test_a_street_user_must_pick_the_visited_members_community(client, users, tree, members):
    client.force_login(users["street"])
    response = client.post("/services/visits/new/", visit_post(tree["b"], member=members["a"].pk))
    assert response.context["form"]["member"].errors == ["该党员不在所选走访组织的社区。"]
    assert client.post("/services/visits/new/", visit_post(tree["a1"], member=members["a"].pk)).status_code == 302


def test_editing_a_visit_changes_it_and_its_visitors(client, users, tree, members):
    saved = visit(tree["a"], members["a"], reason="discontented")
    client.force_login(users["secretary_a"])
    response = client.get(f"/services/visits/{saved.pk}/edit/")
    assert response.status_code == 200 and "张卫华" in response.content.decode()
    data = visit_post(tree["a"], member=members["a"].pk, reason="hardship", goods="米面油")
    assert client.post(f"/services/visits/{saved.pk}/edit/", data).status_code == 302
    saved.refresh_from_db()
    assert (saved.reason, saved.goods) == ("hardship", "米面油")


def test_the_form_prefills_a_due_visit(client, users, tree, members):
    change(members["a"], K.DEATH, TODAY)
    due = VisitDue.objects.get()
    client.force_login(users["secretary_a"])
    form = client.get(f"/services/visits/new/?due={due.pk}").context["form"]
    assert form["member"].value() == members["a"].pk and form["reason"].value() == "death"
    assert form["organization"].value() == tree["a1"].pk  # the member's branch (groups are not offered)


def test_another_communitys_visit_answers_404_and_a_viewer_403_on_writes(client, users, tree, members):
    saved = visit(tree["a"], members["a"])
    client.force_login(users["secretary_b"])
    assert client.get(f"/services/visits/{saved.pk}/").status_code == 404
    assert client.get(f"/services/visits/new/?member={members['a'].pk}").status_code == 404
    client.force_login(users["viewer_a"])
    assert client.get(f"/services/visits/{saved.pk}/").status_code == 200
    assert client.get(f"/services/visits/{saved.pk}/edit/").status_code == 403
    assert client.post("/services/visits/new/", visit_post(tree["a"], member=members["a"].pk)).status_code == 403
    assert CareVisit.objects.count() == 1


# -- the member search ----------------------------------------------------------------------------


def test_the_search_finds_by_initials_in_scope_and_the_dead_only_as_the_visited(client, users, tree, members):
    gone = new_member(tree["a2"], "张伟", D(1940, 2, 2))
    change(gone, K.DEATH, TODAY)
    client.force_login(users["secretary_a"])
    found = client.post("/services/visits/member-search/", {"q": "zw", "purpose": "member"}).content.decode()
    assert "张卫华" in found and "张伟" in found and "已逝世" in found and "李秀英" not in found
    visitors = client.post("/services/visits/member-search/", {"q": "zw", "purpose": "visitor"}).content.decode()
    assert "张卫华" in visitors and "张伟" not in visitors
    assert "李秀英" not in client.post("/services/visits/member-search/", {"q": "lxy"}).content.decode()


def test_picking_a_member_answers_the_chosen_person_or_a_visitor(client, users, tree, members):
    client.force_login(users["secretary_a"])
    chosen = client.post("/services/visits/member-pick/", {"pick": members["a"].pk, "purpose": "member"})
    assert f'name="member" value="{members["a"].pk}"' in chosen.content.decode()
    chip = client.post("/services/visits/member-pick/", {"pick": members["a"].pk, "purpose": "visitor"})
    assert f'name="visitors" value="{members["a"].pk}" checked' in chip.content.decode()
    again = {"pick": members["a"].pk, "purpose": "visitor", "visitors": [members["a"].pk]}
    assert client.post("/services/visits/member-pick/", again).status_code == 204
    assert client.post("/services/visits/member-pick/", {"pick": members["b"].pk}).status_code == 404


# -- what falls due -------------------------------------------------------------------------------


def test_a_death_in_the_change_log_makes_a_must_visit_due_within_seven_days(tree, users, members):
    death = change(members["a"], K.DEATH, TODAY - 2 * DAY, users["secretary_a"])
    due = VisitDue.objects.get()
    assert (due.change, due.member, due.household, due.reason) == (death, members["a"], None, "death")
    assert due.source == VisitDue.Source.DEATH and due.open
    assert due.due_on == TODAY + DEATH_VISIT_DAYS * DAY  # seven days from when the secretary learns of it
    assert due.organization == tree["a1g1"]


def test_a_correction_of_the_death_cancels_the_due_visit(tree, members):
    change(members["a"], K.DEATH, TODAY)
    change(members["a"], K.CORRECTION, TODAY, note="误录")
    due = VisitDue.objects.get()
    assert due.cancelled and not due.open and due.visit is None
    # Recorded again (for real this time): a new must-visit, the cancelled one kept.
    change(members["a"], K.DEATH, TODAY)
    assert VisitDue.objects.open().count() == 1 and VisitDue.objects.count() == 2


def test_a_correction_of_another_change_leaves_the_due_visit_alone(tree, members):
    change(members["a"], K.CATEGORY_CHANGE, TODAY - 3 * DAY, category="other")
    change(members["a"], K.CORRECTION, TODAY - 2 * DAY, note="误录")
    change(members["a"], K.DEATH, TODAY - DAY)
    assert VisitDue.objects.get().open


def test_a_visit_to_the_family_marks_the_must_visit_done(client, users, tree, members):
    change(members["a"], K.DEATH, TODAY - DAY)
    client.force_login(users["secretary_a"])
    data = visit_post(tree["a"], member=members["a"].pk, reason="death", visited_on=f"{TODAY:%Y-%m-%d}")
    assert client.post("/services/visits/new/", data).status_code == 302
    due, made = VisitDue.objects.get(), CareVisit.objects.get()
    assert due.visit == made and not due.open
    page = client.get(f"/services/visits/{made.pk}/").content.decode()
    assert "本次走访完成的待走访事项" in page


def test_a_visit_for_another_reason_or_before_the_death_settles_nothing(tree, members):
    change(members["a"], K.DEATH, TODAY - DAY)
    visit(tree["a"], members["a"], reason="ill", on=TODAY)
    visit(tree["a"], members["a"], reason="death", on=TODAY - 2 * DAY)
    assert VisitDue.objects.get().open


def test_a_death_recorded_after_the_visit_was_recorded_is_already_done(tree, members):
    made = visit(tree["a"], members["a"], reason="death", on=TODAY)
    change(members["a"], K.DEATH, TODAY - DAY)
    assert VisitDue.objects.get().visit == made


def test_a_follow_up_is_due_and_the_next_visit_makes_it_done(tree, members):
    first = visit(tree["a"], members["a"], on=TODAY - 9 * DAY, follow_up_needed=True, follow_up_due=TODAY - 2 * DAY)
    due = VisitDue.objects.get(follow_up_of=first)
    assert due.open and due.due_on == TODAY - 2 * DAY and due.reason == "ill"
    second = visit(tree["a"], members["a"], on=TODAY, follow_up_needed=True, follow_up_due=TODAY + 30 * DAY)
    due.refresh_from_db()
    assert due.visit == second
    assert VisitDue.objects.open().get().follow_up_of == second  # and the next one after it


def test_editing_a_visit_moves_or_cancels_its_follow_up(client, users, tree, members):
    first = visit(tree["a"], members["a"], follow_up_needed=True, follow_up_due=TODAY + 5 * DAY)
    client.force_login(users["secretary_a"])
    data = visit_post(
        tree["a"], member=members["a"].pk, follow_up_needed="on", follow_up_due=f"{TODAY + 9 * DAY:%Y-%m-%d}"
    )
    client.post(f"/services/visits/{first.pk}/edit/", data)
    assert VisitDue.objects.get().due_on == TODAY + 9 * DAY
    client.post(f"/services/visits/{first.pk}/edit/", visit_post(tree["a"], member=members["a"].pk))
    due = VisitDue.objects.get()
    assert due.cancelled and not CareVisit.objects.get().follow_up_needed


def test_a_visit_edited_to_another_person_leaves_what_it_settled_open_again(client, users, tree, members):
    change(members["a"], K.DEATH, TODAY - DAY)
    made = visit(tree["a"], members["a"], reason="death", on=TODAY)
    assert VisitDue.objects.get().visit == made
    other = new_member(tree["a2"], "王芳", D(1965, 1, 1), Gender.FEMALE)
    client.force_login(users["secretary_a"])
    client.post(f"/services/visits/{made.pk}/edit/", visit_post(tree["a"], member=other.pk, reason="death"))
    assert VisitDue.objects.get().open


def test_a_due_visit_can_be_cancelled_by_a_writer_only(client, users, tree, members):
    change(members["a"], K.DEATH, TODAY)
    due = VisitDue.objects.get()
    client.force_login(users["viewer_a"])
    assert client.post(f"/services/visits/due/{due.pk}/cancel/").status_code == 403
    client.force_login(users["secretary_b"])
    assert client.post(f"/services/visits/due/{due.pk}/cancel/").status_code == 404
    client.force_login(users["secretary_a"])
    assert client.get(f"/services/visits/due/{due.pk}/cancel/").status_code == 200
    assert client.post(f"/services/visits/due/{due.pk}/cancel/").status_code == 302
    due.refresh_from_db()
    assert due.cancelled


# -- sensitive notes ------------------------------------------------------------------------------

SECRET = "家属对低保认定有意见，情绪激动"
HIDDEN = "情况敏感，仅社区书记和街道工作人员可见"


@pytest.fixture
def sensitive_visit(tree, members):
    # Recorded by the branch (so that its secretary sees the visit itself).
    return visit(tree["a1"], members["a"], reason="discontented", notes=SECRET, sensitive=True)


@pytest.mark.parametrize(
    "role, sees", [("secretary_a", True), ("street", True), ("viewer_a", False), ("branch_a1", False)]
)
def test_sensitive_notes_show_only_to_the_communitys_secretary_and_the_street(
    client, users, sensitive_visit, role, sees
):
    client.force_login(users[role])
    page = client.get(f"/services/visits/{sensitive_visit.pk}/").content.decode()
    listed = client.get(f"/services/visits/?org={users[role].roles.get().organization.pk}").content.decode()
    assert "张卫华" in listed  # the visit itself is listed for everyone in scope
    for text in (page, listed):
        assert (SECRET[:20] in text) is sees
        assert (HIDDEN in text) is not sees
    assert sensitive_visit.notes_visible_to(users[role]) is sees


def test_a_branch_secretary_edits_a_sensitive_visit_without_seeing_or_changing_its_notes(
    client, users, tree, members, sensitive_visit
):
    client.force_login(users["branch_a1"])
    url = f"/services/visits/{sensitive_visit.pk}/edit/"
    page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200 and SECRET[:6] not in text and HIDDEN in text
    assert 'name="notes"' not in text and 'name="sensitive"' not in text
    data = visit_post(tree["a1"], member=members["a"].pk, reason="discontented", goods="米一袋", notes=None)
    del data["notes"]
    assert client.post(url, data).status_code == 302
    sensitive_visit.refresh_from_db()
    assert (sensitive_visit.goods, sensitive_visit.notes, sensitive_visit.sensitive) == ("米一袋", SECRET, True)
    client.force_login(users["secretary_a"])
    text = client.get(url).content.decode()
    assert SECRET in text and 'name="sensitive"' in text


def test_notes_not_marked_sensitive_show_to_everyone_who_sees_the_visit(client, users, tree, members):
    plain = visit(tree["a1"], members["a"], notes="一切安好")
    client.force_login(users["branch_a1"])
    assert "一切安好" in client.get(f"/services/visits/{plain.pk}/").content.decode()
    assert plain.notes_visible_to(users["viewer_a"]) and plain.notes_visible_to(users["branch_a1"])


def test_a_community_secretary_does_not_read_another_communitys_sensitive_notes(users, tree, members):
    other = visit(tree["b"], members["b"], notes=SECRET, sensitive=True)
    assert not other.notes_visible_to(users["secretary_a"])
    assert other.notes_visible_to(users["secretary_b"]) and other.notes_visible_to(users["superuser"])


# -- the list -------------------------------------------------------------------------------------


def test_the_list_filters_by_period_reason_and_follow_up(client, users, tree, members, household):
    visit(tree["a"], members["a"], reason="ill", on=TODAY - DAY, follow_up_needed=True, follow_up_due=TODAY)
    visit(tree["a"], household=household, reason="festival", on=TODAY - 40 * DAY)
    visit(tree["b"], members["b"], reason="ill", on=TODAY - DAY)
    client.force_login(users["secretary_a"])

    def count(query):
        page = client.get(f"/services/visits/?org={tree['a'].pk}&{query}").content.decode()
        return int(re.search(r"共 <strong>(\d+)</strong> 次走访", page).group(1))

    start = f"start={TODAY - 60 * DAY:%Y-%m-%d}"
    assert count(start) == 2
    assert count(f"{start}&reason=festival") == 1 and count(f"{start}&reason=must") == 1
    assert count(f"{start}&follow_up=1") == 1
    assert count(f"start={TODAY - 10 * DAY:%Y-%m-%d}") == 1
    page = client.get("/services/visits/?start=nonsense").content.decode()
    assert "日期“nonsense”无效" in page
    assert client.get(f"/services/visits/?org={tree['b'].pk}").status_code == 404


def test_a_households_phone_is_masked_for_roles_without_the_reveal_right(client, users, tree, household):
    visit(tree["a1"], household=household, reason="festival")
    for role, shown in (("secretary_a", "13912345678"), ("viewer_a", "139****5678"), ("branch_a1", "139****5678")):
        client.force_login(users[role])
        detail = client.get(f"/services/households/{household.pk}/").content.decode()
        page = client.get(f"/services/visits/{CareVisit.objects.get().pk}/").content.decode()
        for text in (detail, page) if role != "branch_a1" else (page,):
            assert shown in text
            assert ("13912345678" in text) is (role == "secretary_a")
