import datetime

from members.models import Member, MemberChange, Standing
from organizations.models import Organization, OrganizationEvent
from portal.identity import make_id_number
from portal.models import AuditEntry
from tests.conftest import new_member
from tests.helpers import admin_form_data

D = datetime.date


def member_form(org, **overrides):
    data = {
        "name": "王建国",
        "gender": "M",
        "ethnicity": "汉族",
        "birth_date": "1958-03-02",
        "id_number": make_id_number("320102", D(1958, 3, 2), 11, "M").lower(),
        "phone": "139 0000 1234",
        "address": "甲社区3号楼",
        "joined_on": "1985-07-01",
        "organization": org.pk,
        "status": "full",
        "category": "retired",
        "arrival": "transfer_in",
        "effective_date": "2024-03-01",
        "external_organization": "县教育局党委",
        "letter_number": "转字〔2024〕第3号",
    }
    return {**data, **overrides}


def test_a_secretary_lists_only_their_own_community(client, users, members):
    client.force_login(users["secretary_a"])
    page = client.get("/admin/members/member/").content.decode()
    assert members["a"].name in page and members["b"].name not in page
    assert members["a"].masked_id_number in page and members["a"].id_number not in page
    assert "13812348000" in page  # the community secretary may see phones


def test_the_list_masks_numbers_for_a_branch_secretary(client, users, members):
    client.force_login(users["branch_a1"])
    page = client.get("/admin/members/member/").content.decode()
    assert "*" * 14 + members["a"].id_number[-4:] in page and members["a"].id_number[:6] not in page
    assert "138****8000" in page and "13812348000" not in page


def test_the_organization_filter_offers_only_organizations_in_scope(client, users, tree):
    client.force_login(users["secretary_a"])
    page = client.get("/admin/members/member/").content.decode()
    assert "甲第一支部" in page and "乙第一支部" not in page


def test_search_by_the_last_digits_of_the_id_number_and_phone(client, users, members):
    client.force_login(users["street"])
    tail = members["b"].id_number[-4:].lower()
    page = client.get("/admin/members/member/", {"q": tail}).content.decode()
    assert members["b"].name in page and members["a"].name not in page
    page = client.get("/admin/members/member/", {"q": "8000"}).content.decode()
    assert members["b"].name in page and members["a"].name in page


def test_a_secretary_adds_a_member_by_transfer_in(client, users, tree):
    client.force_login(users["secretary_a"])
    response = client.post("/admin/members/member/add/", member_form(tree["a1g1"]))
    assert response.status_code == 302
    member = Member.objects.get(name="王建国")
    assert member.id_number.endswith("X") or member.id_number[-1].isdigit()
    assert member.id_number == member.id_number.upper() and member.phone == "13900001234"
    entry = member.changes.get()
    assert (entry.kind, entry.letter_number, entry.recorded_by) == (
        "transfer_in",
        "转字〔2024〕第3号",
        users["secretary_a"],
    )
    assert AuditEntry.objects.filter(action="member_change", object_id=str(member.pk), username="sec_a").exists()


def test_a_bad_id_number_is_explained_next_to_the_field_and_nothing_is_saved(client, users, tree):
    client.force_login(users["secretary_a"])
    number = make_id_number("320102", D(1958, 3, 2), 11, "M")
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    response = client.post("/admin/members/member/add/", member_form(tree["a1g1"], id_number=wrong))
    assert response.status_code == 200
    assert "身份证号校验位错误" in response.content.decode()
    assert not Member.objects.exists() and not MemberChange.objects.exists()


def test_an_impossible_change_is_explained_and_nothing_is_saved(client, users, tree):
    client.force_login(users["secretary_a"])
    tomorrow = (D.today() + datetime.timedelta(days=1)).isoformat()
    response = client.post(
        "/admin/members/member/add/", member_form(tree["a1g1"], effective_date=tomorrow, letter_number="")
    )
    page = response.content.decode()
    assert "生效日期不能晚于今天。" in page and "请填写介绍信编号。" in page
    assert not Member.objects.exists()


def test_a_secretary_cannot_place_a_member_in_another_community(client, users, tree):
    client.force_login(users["secretary_a"])
    response = client.post("/admin/members/member/add/", member_form(tree["b1g1"]))
    assert response.status_code == 200 and not Member.objects.exists()


def test_logging_a_transfer_out_through_the_admin(client, users, members):
    member = members["a"]
    client.force_login(users["secretary_a"])
    response = client.post(
        "/admin/members/memberchange/add/",
        {
            "member": member.pk,
            "kind": "transfer_out",
            "effective_date": "2024-05-01",
            "external_organization": "外县党委",
            "letter_number": "转出第9号",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.standing == Standing.TRANSFERRED_OUT
    response = client.post(
        "/admin/members/memberchange/add/",
        {
            "member": member.pk,
            "kind": "confirmation",
            "effective_date": "2024-06-01",
        },
    )
    assert "该党员当前已转出" in response.content.decode()
    assert member.changes.count() == 2


def test_another_communitys_member_is_not_a_choice_for_a_change(client, users, members):
    client.force_login(users["secretary_a"])
    response = client.post(
        "/admin/members/memberchange/add/",
        {
            "member": members["b"].pk,
            "kind": "death",
            "effective_date": "2024-05-01",
        },
    )
    assert response.status_code == 200
    assert Member.objects.get(pk=members["b"].pk).standing == Standing.ACTIVE


def test_editing_details_is_audited_with_before_and_after(client, users, members):
    member = members["a"]
    client.force_login(users["secretary_a"])
    page = client.get(f"/admin/members/member/{member.pk}/change/")
    response = client.post(f"/admin/members/member/{member.pk}/change/", admin_form_data(page, phone="13900009999"))
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="member_edit", object_id=str(member.pk))
    assert entry.changes == {"phone": ["13812348000", "13900009999"]}
    assert entry.ip_address == "127.0.0.1"


def test_a_stale_edit_is_refused(client, users, members):
    member = members["a"]
    client.force_login(users["secretary_a"])
    page = client.get(f"/admin/members/member/{member.pk}/change/")
    Member.objects.get(pk=member.pk).save()  # someone else saved meanwhile
    response = client.post(f"/admin/members/member/{member.pk}/change/", admin_form_data(page, address="新地址"))
    assert "已被他人修改" in response.content.decode()
    assert Member.objects.get(pk=member.pk).address == "北门社区1号楼"


def test_the_change_form_holds_the_id_only_after_an_audited_reveal(client, users, members):
    member = members["a"]
    client.force_login(users["secretary_a"])
    page = client.get(f"/admin/members/member/{member.pk}/change/").content.decode()
    assert member.id_number not in page and member.masked_id_number in page and "?reveal=id" in page
    assert not AuditEntry.objects.filter(action="reveal_id").exists()
    page = client.get(f"/admin/members/member/{member.pk}/change/?reveal=id").content.decode()
    assert f'value="{member.id_number}"' in page
    assert AuditEntry.objects.filter(action="reveal_id", username="sec_a", object_id=str(member.pk)).count() == 1
    client.force_login(users["branch_a1"])
    page = client.get(f"/admin/members/member/{member.pk}/change/?reveal=id").content.decode()
    assert member.id_number not in page and member.id_number[-4:] in page and "13812348000" not in page
    assert not AuditEntry.objects.filter(action="reveal_id", username="branch_a1").exists()


def test_saving_without_touching_the_numbers_keeps_them(client, users, members):
    member = members["a"]
    for role in ("secretary_a", "branch_a1"):
        client.force_login(users[role])
        page = client.get(f"/admin/members/member/{member.pk}/change/")
        response = client.post(f"/admin/members/member/{member.pk}/change/", admin_form_data(page, address=role))
        assert response.status_code == 302
        saved = Member.objects.get(pk=member.pk)
        assert (saved.address, saved.id_number, saved.phone) == (role, member.id_number, member.phone)


def test_a_branch_secretary_types_a_new_phone_in_the_admin(client, users, members):
    member = members["a"]
    client.force_login(users["branch_a1"])
    page = client.get(f"/admin/members/member/{member.pk}/change/")
    assert page.context["adminform"].form["phone"].value() == "138****8000"
    response = client.post(f"/admin/members/member/{member.pk}/change/", admin_form_data(page, phone="13900009999"))
    assert response.status_code == 302 and Member.objects.get(pk=member.pk).phone == "13900009999"
    assert AuditEntry.objects.get(action="member_edit").changes == {"phone": ["138****8000", "13900009999"]}


def test_a_reveal_role_changes_the_id_number_in_the_admin(client, users, members):
    member = members["a"]
    client.force_login(users["secretary_a"])
    number = make_id_number("320102", member.birth_date, 77, member.gender)
    page = client.get(f"/admin/members/member/{member.pk}/change/?reveal=id")
    response = client.post(
        f"/admin/members/member/{member.pk}/change/?reveal=id", admin_form_data(page, id_number=number)
    )
    assert response.status_code == 302 and Member.objects.get(pk=member.pk).id_number == number


def test_nobody_can_edit_or_add_audit_entries_and_only_a_superuser_prunes(client, users, members):
    entry = AuditEntry.objects.first()
    client.force_login(users["superuser"])
    assert client.get(f"/admin/portal/auditentry/{entry.pk}/change/").status_code == 200
    assert client.post(f"/admin/portal/auditentry/{entry.pk}/change/", {"summary": "x"}).status_code == 403
    assert client.get("/admin/portal/auditentry/add/").status_code == 403
    response = client.post(f"/admin/portal/auditentry/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not AuditEntry.objects.filter(pk=entry.pk).exists()


def test_a_secretary_creates_renames_and_moves_a_group(client, users, tree):
    client.force_login(users["secretary_a"])
    response = client.post(
        "/admin/organizations/organization/add/",
        {
            "parent": tree["a1"].pk,
            "name": "甲5号楼小组",
            "kind": "group",
            "established_on": "2024-01-01",
        },
    )
    assert response.status_code == 302
    group = Organization.objects.get(name="甲5号楼小组")
    assert Organization.objects.get_parent(group) == tree["a1"]
    page = client.get(f"/admin/organizations/organization/{group.pk}/change/")
    response = client.post(
        f"/admin/organizations/organization/{group.pk}/change/",
        admin_form_data(
            page,
            parent=tree["a2"].pk,
            name="甲五号楼小组",
            effective_date="2024-06-01",
        ),
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name == "甲五号楼小组" and Organization.objects.get_parent(group) == tree["a2"]
    kinds = list(OrganizationEvent.objects.filter(organization=group).values_list("kind", flat=True))
    assert kinds == ["established", "renamed", "moved"]


def test_a_group_under_a_community_is_refused_next_to_the_parent(client, users, tree):
    client.force_login(users["secretary_a"])
    response = client.post(
        "/admin/organizations/organization/add/",
        {
            "parent": tree["a"].pk,
            "name": "错位小组",
            "kind": "group",
        },
    )
    assert "党小组的上级必须是党支部。" in response.content.decode()
    assert not Organization.objects.filter(name="错位小组").exists()


def test_a_secretary_cannot_move_a_branch_into_another_community(client, users, tree):
    client.force_login(users["secretary_a"])
    page = client.get(f"/admin/organizations/organization/{tree['a2'].pk}/change/")
    response = client.post(
        f"/admin/organizations/organization/{tree['a2'].pk}/change/",
        admin_form_data(page, parent=tree["b"].pk, effective_date="2024-06-01"),
    )
    assert response.status_code == 200  # B is not a choice for A's secretary
    assert "parent" in response.context["adminform"].form.errors
    assert Organization.objects.get_parent(Organization.objects.get(pk=tree["a2"].pk)) == tree["a"]


def test_the_organization_list_shows_counts_and_warnings(client, users, tree):
    new_member(tree["a1g1"])
    client.force_login(users["secretary_a"])
    page = client.get("/admin/organizations/organization/").content.decode()
    assert "1（1）" in page and "正式党员仅1名" in page


def test_organization_changes_are_audited(client, users, tree):
    client.force_login(users["secretary_a"])
    client.post(
        "/admin/organizations/organization/add/", {"parent": tree["a1"].pk, "name": "甲9号楼小组", "kind": "group"}
    )
    entry = AuditEntry.objects.get(action="organization")
    assert entry.username == "sec_a" and "甲9号楼小组" in entry.summary


def test_granting_a_role_is_audited(client, users, tree):
    client.force_login(users["superuser"])
    response = client.post(
        "/admin/organizations/role/add/", {"user": users["street"].pk, "organization": tree["b"].pk, "kind": "viewer"}
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="role", username="root", summary__contains="只读查看").exists()


def test_a_role_on_the_wrong_kind_of_organization_is_refused(client, users, tree):
    client.force_login(users["superuser"])
    response = client.post(
        "/admin/organizations/role/add/",
        {"user": users["street"].pk, "organization": tree["a1"].pk, "kind": "community_secretary"},
    )
    assert "只能设在社区党组织上" in response.content.decode()


def test_autocomplete_offers_only_members_in_scope(client, users, members):
    client.force_login(users["secretary_b"])
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "members", "model_name": "memberchange", "field_name": "member", "term": ""},
    )
    names = {result["text"] for result in response.json()["results"]}
    assert names == {members["b"].name}


def test_another_communitys_member_history_is_not_found(client, users, members):
    client.force_login(users["secretary_b"])
    assert client.get(f"/admin/members/member/{members['a'].pk}/history/").status_code == 404
