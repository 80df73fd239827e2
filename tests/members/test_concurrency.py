"""Two people saving the same member at the same moment: one wins, the other is told, nothing is lost.

On PostgreSQL the races are real: each side runs in its own thread with its own connection and a
barrier releases them together. SQLite serializes writers on one file lock (and the test database
lives in memory), so there the same interleaving is played deterministically: both sides prepare
on the version the other sees, then they save one after the other.
"""

import datetime
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.test import Client

from members.changes import MEMBER_BUSY, apply_change, register_member
from members.forms import MemberDetailsForm, StaleEdit
from members.imports import CHANGED, RosterImport
from members.models import Member, MemberChange, Standing
from organizations.models import Organization
from portal.identity import make_id_number
from portal.models import AuditEntry, User
from tests.conftest import new_member
from tests.members.test_import import ID, good, messy_roster

D = datetime.date
K = MemberChange.Kind
RACE = pytest.mark.django_db(transaction=True)
DAY, BORN = D(2024, 5, 1), D(1960, 5, 1)


def race(*contenders):
    """Run each ``(prepare, act)``: all prepare, then all act at once; the acts' results in order."""
    if connection.vendor == "sqlite":
        states = [prepare() for prepare, _act in contenders]
        return [act(state) for (_prepare, act), state in zip(contenders, states, strict=True)]
    barrier = threading.Barrier(len(contenders), timeout=30)
    results, crashes = [None] * len(contenders), []

    def run(index, prepare, act):
        try:
            state = prepare()
            barrier.wait()
            results[index] = act(state)
        except BaseException as error:  # shown by the assertion below, not lost in the thread
            barrier.abort()
            crashes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, *c)) for i, c in enumerate(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not crashes, crashes
    return results


def details_post(member, **changes):
    """What A's secretary's edit page posts: the values and snapshot it was shown with, and ``changes``."""
    form = MemberDetailsForm(instance=member, user=User.objects.get(username="sec_a"))
    data = {name: form[name].value() for name in form.fields}
    return {name: "" if value is None else value for name, value in data.items()} | changes


def replayed_state(member):
    """The member's state as its change log says it is."""
    last = member.valid_changes().last()
    return {name: getattr(last, name) for name in MemberChange.STATE_FIELDS}


def state_of(member):
    member = Member.objects.get(pk=member.pk)
    return {name: getattr(member, name) for name in MemberChange.STATE_FIELDS}


def transfer_out(member, version=None, on=DAY):
    change = MemberChange(
        member=member,
        kind=K.TRANSFER_OUT,
        effective_date=on,
        organization_id=member.organization_id,
        external_organization="外县教育局党委",
        letter_number="转出第9号",
    )
    return change, version


def move(member, to, version=None):
    return MemberChange(member=member, kind=K.MOVE, effective_date=D(2024, 5, 1), organization=to), version


# -- details: the form and save_audited ---------------------------------------------------------


def save_details(member, user, data):
    def prepare():
        form = MemberDetailsForm(data, instance=Member.objects.get(pk=member.pk), user=user)
        assert form.is_valid(), form.errors  # both pass the check before either saves
        return form

    def act(form):
        try:
            form.save_audited(user)
        except StaleEdit:
            return "refused", form
        return "saved", form

    return prepare, act


@RACE
def test_two_detail_edits_at_the_same_moment_one_wins_and_the_other_is_told(members, users):
    member, user = members["a"], users["secretary_a"]
    version = member.version
    first, second = details_post(member, phone="13700000001"), details_post(member, phone="13700000002")
    results = race(save_details(member, user, first), save_details(member, user, second))

    assert sorted(outcome for outcome, _form in results) == ["refused", "saved"]
    (_, winner), (_, loser) = sorted(results, key=lambda result: result[0] != "saved")
    saved = Member.objects.get(pk=member.pk)
    assert saved.phone == winner.cleaned_data["phone"] and saved.version == version + 1
    assert loser.others_changes == [f"联系电话：13812348000 → {saved.phone}"]
    assert "已被他人修改" in str(loser.non_field_errors())
    assert AuditEntry.objects.filter(action="member_edit", object_id=str(member.pk)).count() == 1


def test_a_save_landing_between_the_check_and_the_write_is_not_overwritten(members, users, monkeypatch):
    member = members["a"]
    form = MemberDetailsForm(
        details_post(member, address="新地址"), instance=Member.objects.get(pk=member.pk), user=users["secretary_a"]
    )
    assert form.is_valid()
    Member.objects.filter(pk=member.pk).update(phone="13700000000", version=F("version") + 1)  # the other save
    with pytest.raises(StaleEdit):
        form.save_audited(users["secretary_a"])
    saved = Member.objects.get(pk=member.pk)
    assert (saved.phone, saved.address) == ("13700000000", "北门社区1号楼")
    assert form.others_changes == ["联系电话：13812348000 → 13700000000"]
    assert not AuditEntry.objects.filter(action="member_edit").exists()


def test_the_edit_page_refuses_a_save_that_lost_the_race_saying_what_changed(client, members, users, monkeypatch):
    member = members["a"]
    client.force_login(users["secretary_a"])
    original = MemberDetailsForm.save_audited

    def after_another_save(form, actor):  # the other save lands after this one's check, before its write
        Member.objects.filter(pk=member.pk).update(phone="13700000000", version=F("version") + 1)
        return original(form, actor)

    monkeypatch.setattr(MemberDetailsForm, "save_audited", after_another_save)
    response = client.post(f"/members/{member.pk}/edit/", details_post(member, address="新地址"))
    assert response.status_code == 409
    assert "已被他人修改" in response.content.decode() and "13812348000 → 13700000000" in response.content.decode()
    saved = Member.objects.get(pk=member.pk)
    assert (saved.phone, saved.address) == ("13700000000", "北门社区1号楼")


@RACE
def test_two_admin_saves_at_the_same_moment_one_wins_the_other_is_shown_the_change(members, users):
    from tests.helpers import admin_form_data

    member = members["a"]
    url = f"/admin/members/member/{member.pk}/change/"

    def admin_post(phone):
        def prepare():
            client = Client()
            client.force_login(users["secretary_a"])
            return client, admin_form_data(client.get(url), phone=phone)

        def act(state):
            client, data = state
            return client.post(url, data)

        return prepare, act

    results = race(admin_post("13700000001"), admin_post("13700000002"))
    assert sorted(response.status_code for response in results) == [200, 302]
    loser = next(response for response in results if response.status_code == 200).content.decode()
    saved = Member.objects.get(pk=member.pk)
    assert "已被他人修改" in loser and f"13812348000 → {saved.phone}" in loser
    assert AuditEntry.objects.filter(action="member_edit").count() == 1


@RACE
def test_two_detail_posts_at_the_same_moment_answer_302_and_409(members, users):
    member = members["a"]
    url = f"/members/{member.pk}/edit/"
    results = race(
        *(post_from_page(users["secretary_a"], url, {"phone": phone}) for phone in ("13700000001", "13700000002"))
    )
    assert sorted(response.status_code for response in results) == [302, 409]
    loser = next(response for response in results if response.status_code == 409).content.decode()
    saved = Member.objects.get(pk=member.pk)
    assert "已被他人修改" in loser and f"13812348000 → {saved.phone}" in loser
    assert AuditEntry.objects.filter(action="member_edit").count() == 1


def post_from_page(user, url, changes):
    """Open the page (prepare), then post its form back with ``changes`` (act)."""

    def prepare():
        client = Client()
        client.force_login(user)
        form = client.get(url).context["form"]
        data = {name: form[name].value() for name in form.fields}
        return client, {name: "" if value is None else value for name, value in data.items()} | changes

    def act(state):
        client, data = state
        return client.post(url, data)

    return prepare, act


# -- changes: apply_change and the change forms ----------------------------------------------------


def apply(change_and_version, user):
    def prepare():
        return change_and_version

    def act(state):
        change, version = state
        try:
            apply_change(change, user, expected_version=version)
        except Exception as error:  # noqa: BLE001 - the assertion says which kind
            return error
        return "applied"

    return prepare, act


@RACE
def test_a_transfer_out_and_a_move_at_the_same_moment_one_applies_the_other_is_told(tree, members, users):
    member, user = members["a"], users["secretary_a"]
    version = member.version
    results = race(apply(transfer_out(member, version), user), apply(move(member, tree["a2"], version), user))

    assert results.count("applied") == 1
    loser = next(result for result in results if result != "applied")
    assert loser.code == "stale" and loser.messages == [str(MEMBER_BUSY)]
    assert member.changes.count() == 2  # the registration and the winner
    assert state_of(member) == replayed_state(member)
    assert Member.objects.get(pk=member.pk).version == version + 1


@RACE
def test_two_transfer_outs_without_a_version_one_applies_the_other_is_refused_by_the_rules(members, users):
    member, user = members["a"], users["secretary_a"]
    results = race(apply(transfer_out(member), user), apply(transfer_out(member), user))

    assert results.count("applied") == 1
    loser = next(result for result in results if result != "applied")
    assert loser.message_dict == {"kind": ["该党员当前已转出，不能登记“组织关系转出”。"]}
    assert member.changes.filter(kind=K.TRANSFER_OUT).count() == 1
    assert state_of(member)["standing"] == Standing.TRANSFERRED_OUT == replayed_state(member)["standing"]


def test_a_database_error_while_applying_a_change_is_a_message_not_a_500(members, monkeypatch):
    from django.db import OperationalError

    def locked(*args, **kwargs):
        raise OperationalError("could not obtain lock")

    monkeypatch.setattr("members.changes.check_change", locked)
    change, _version = transfer_out(members["a"])
    with pytest.raises(Exception) as error:
        apply_change(change)
    assert error.value.code == "busy" and error.value.messages == [str(MEMBER_BUSY)]
    assert Member.objects.get(pk=members["a"].pk).standing == Standing.ACTIVE


def change_post(user, member, kind, fields):
    """Open a change form, then post its values with ``fields`` straight to the confirm step."""
    url = f"/members/{member.pk}/changes/{kind}/"
    return post_from_page(user, url, {**fields, "confirm": "1"})


@RACE
def test_two_change_posts_at_the_same_moment_answer_302_and_409(tree, members, users):
    member, user = members["a"], users["secretary_a"]
    out = {"effective_date": "2024-05-01", "external_organization": "外县教育局党委", "letter_number": "转出第9号"}
    moved = {"effective_date": "2024-05-01", "community": tree["a"].pk, "branch": tree["a2"].pk, "group": ""}
    results = race(change_post(user, member, K.TRANSFER_OUT, out), change_post(user, member, K.MOVE, moved))

    assert sorted(response.status_code for response in results) == [302, 409]
    loser = next(response for response in results if response.status_code == 409)
    assert "该党员信息刚被他人修改，请刷新后重试" in loser.content.decode()
    assert member.changes.count() == 2
    assert state_of(member) == replayed_state(member)


def test_a_change_form_shown_before_another_change_is_refused(client, tree, members, users):
    member = members["a"]
    client.force_login(users["secretary_a"])
    url = f"/members/{member.pk}/changes/{K.CATEGORY_CHANGE}/"
    version = client.get(url).context["form"]["version"].value()
    apply_change(move(member, tree["a2"])[0], users["secretary_b"])  # someone else, meanwhile
    response = client.post(url, {"effective_date": "2024-05-01", "category": "other", "version": version})
    assert response.status_code == 409 and "该党员信息刚被他人修改，请刷新后重试" in response.content.decode()
    assert not member.changes.filter(kind=K.CATEGORY_CHANGE).exists()


def test_the_confirm_step_carries_the_version_the_form_was_shown_with(client, members, users):
    member = members["a"]
    client.force_login(users["secretary_a"])
    url = f"/members/{member.pk}/changes/{K.CATEGORY_CHANGE}/"
    page = client.post(url, {"effective_date": "2024-05-01", "category": "other", "version": member.version})
    assert "请核对后保存" in page.content.decode()
    assert f'name="version" value="{member.version}"' in page.content.decode()
    assert [label for label, _value in page.context["fields"]] == ["生效日期", "新的人员类别"]  # not the version


def test_a_change_saved_in_the_admin_after_another_won_is_a_message_not_a_500(client, members, users, monkeypatch):
    member = members["a"]
    client.force_login(users["secretary_a"])
    calls = []

    def second_call_loses(change, actor=None):
        calls.append(change)
        if len(calls) > 1:  # the form's check passed; then another change was saved first
            raise ValidationError(MEMBER_BUSY, code="busy")
        return apply_change(change, actor)

    monkeypatch.setattr("members.admin.apply_change", second_call_loses)
    data = {"member": member.pk, "kind": K.CATEGORY_CHANGE, "effective_date": "2024-05-01", "category": "other"}
    response = client.post("/admin/members/memberchange/add/", data, follow=True)
    assert response.status_code == 200 and str(MEMBER_BUSY) in response.content.decode()
    assert not member.changes.filter(kind=K.CATEGORY_CHANGE).exists()


def register(number, name, hold=0, birth=BORN, on=DAY):
    """Register a new member with ``number``; ``hold``: seconds to keep the transaction open after."""

    def prepare():
        org = Organization.objects.get(name="甲第一支部")
        gender = "M" if int(number[16]) % 2 else "F"
        person = Member(name=name, gender=gender, birth_date=birth, joined_on=D(1985, 7, 1), id_number=number)
        entry = MemberChange(kind=K.REGISTRATION, effective_date=on, organization=org)
        entry.management_type, entry.status, entry.category = "self_managed", "full", "retired"
        return person, entry

    def act(state):
        try:
            with transaction.atomic():
                register_member(*state)
                time.sleep(hold if connection.vendor != "sqlite" else 0)
        except ValidationError as error:
            return error
        return "registered"

    return prepare, act


@RACE
def test_two_registrations_of_one_id_number_at_the_same_moment_one_is_refused(tree):
    number = make_id_number("320102", D(1960, 5, 1), 777, "M")
    # The first keeps its insert uncommitted a moment, so the second passes the duplicate check and
    # its insert meets the unique index: what two secretaries pressing "save" together do.
    results = race(register(number, "王一", hold=0.5), register(number, "王二"))
    assert results.count("registered") == 1
    loser = next(result for result in results if result != "registered")
    assert list(loser.message_dict) == ["id_number"]
    assert Member.objects.filter(id_number=number).count() == 1
    assert MemberChange.objects.filter(member__id_number=number).count() == 1


# -- the roster import against changes made while it runs -----------------------------------------


def roster(*rows):
    return messy_roster(list(rows), merge_branch=False)


def first_import(tree, user, *numbers):
    """The register after an earlier import of ``numbers``: {n: member}."""
    RosterImport(roster(*(good(n) for n in numbers)), "上次.xlsx", tree["a"], user).commit()
    return {n: Member.objects.get(id_number=ID[n]) for n in numbers}


def second_import(tree, user):
    """Row 4 changes member 1's phone, row 5 member 2's category, row 6 adds member 3."""
    rows = roster(good(1, 联系电话="13900001111"), good(2, 人员类别="其他"), good(3))
    job = RosterImport(rows, "本次.xlsx", tree["a"], user)
    return job, job.analyse()


def rejected(plan):
    return {entry["row"]: (entry["cells"][1], entry["problems"]) for entry in plan.rejected}


def test_a_member_transferred_out_during_an_import_stays_transferred_out(tree, users):
    user = users["secretary_a"]
    before = first_import(tree, user, 1, 2)
    job, plan = second_import(tree, user)
    assert plan.counts == (1, 2, 0, 0)
    apply_change(transfer_out(before[1], on=datetime.date.today())[0], user)  # while the import runs

    assert job.write(plan, valid_only=True)
    one, two = (Member.objects.get(pk=before[n].pk) for n in (1, 2))
    assert one.standing == Standing.TRANSFERRED_OUT and one.phone == "13812348000"
    assert rejected(plan) == {4: (good(1)["姓名"], [("身份证号", CHANGED)])}
    assert plan.counts == (1, 1, 0, 1)
    assert two.category == "other" and Member.objects.filter(id_number=ID[3], standing="active").exists()
    for member in (one, two):
        assert state_of(member) == replayed_state(member)
    assert AuditEntry.objects.filter(action="import", summary__contains="新增1、更新1、未变0、未导入1").exists()


def test_all_or_nothing_writes_nothing_when_a_member_changed_since_the_preview(tree, users):
    user = users["secretary_a"]
    before = first_import(tree, user, 1, 2)
    job, plan = second_import(tree, user)
    apply_change(transfer_out(before[1], on=datetime.date.today())[0], user)
    changes = MemberChange.objects.count()

    assert not job.write(plan)
    assert rejected(plan) == {4: (good(1)["姓名"], [("身份证号", CHANGED)])}
    assert Member.objects.get(pk=before[2].pk).category == "retired"
    assert not Member.objects.filter(id_number=ID[3]).exists() and MemberChange.objects.count() == changes
    one = Member.objects.get(pk=before[1].pk)
    assert one.standing == Standing.TRANSFERRED_OUT and state_of(one) == replayed_state(one)


def test_a_new_row_whose_id_number_was_registered_meanwhile_is_rejected_not_an_error(tree, users):
    user = users["secretary_a"]
    first_import(tree, user, 1, 2)
    job, plan = second_import(tree, user)
    _prepare, act = register(ID[3], "别处登记", birth=D(1953, 4, 4), on=datetime.date.today())
    assert act(_prepare()) == "registered"  # someone registers member 3 by hand meanwhile

    assert job.write(plan, valid_only=True)
    assert rejected(plan) == {6: (good(3)["姓名"], [("身份证号", CHANGED)])}
    assert list(Member.objects.filter(id_number=ID[3]).values_list("name", flat=True)) == ["别处登记"]
    assert Member.objects.get(id_number=ID[1]).phone == "13900001111"


def import_write_a_moment_later(tree, user):
    """The second import as a contender: analysed first, its write starting just after the other
    side's (which by then holds its lock or its uncommitted row)."""

    def write(state):
        job, plan = state
        pause(0.1)
        return job.write(plan, valid_only=True), plan

    return (lambda: second_import(tree, user)), write


def pause(seconds):
    if connection.vendor != "sqlite":  # SQLite plays the interleaving one after another anyway
        time.sleep(seconds)


@RACE
def test_an_import_writing_while_a_transfer_out_holds_the_member_leaves_it_transferred_out(tree, users):
    user = users["secretary_a"]
    one = first_import(tree, user, 1, 2)[1]
    entry = transfer_out(one, on=datetime.date.today())[0]

    def transfer_and_hold(_state):  # the import's lock waits for this transaction, then sees its change
        with transaction.atomic():
            apply_change(entry, user)
            pause(0.5)
        return "applied"

    transferred, (written, plan) = race((lambda: None, transfer_and_hold), import_write_a_moment_later(tree, user))
    assert transferred == "applied" and written
    assert rejected(plan) == {4: (good(1)["姓名"], [("身份证号", CHANGED)])}
    one = Member.objects.get(pk=one.pk)
    assert one.standing == Standing.TRANSFERRED_OUT and one.phone == "13812348000"
    assert state_of(one) == replayed_state(one)
    assert Member.objects.get(id_number=ID[2]).category == "other"


@RACE
def test_an_import_adding_a_number_registered_by_hand_a_moment_before_rejects_that_row(tree, users):
    user = users["secretary_a"]
    first_import(tree, user, 1, 2)
    # The registration keeps its insert uncommitted a moment: the import's look-up cannot see it
    # yet, its insert waits on the unique index and then fails; that row is rejected, the rest written.
    by_hand = register(ID[3], "别处登记", hold=0.5, birth=D(1953, 4, 4), on=datetime.date.today())
    registered, (written, plan) = race(by_hand, import_write_a_moment_later(tree, user))
    assert registered == "registered" and written
    assert rejected(plan) == {6: (good(3)["姓名"], [("身份证号", CHANGED)])}
    assert list(Member.objects.filter(id_number=ID[3]).values_list("name", flat=True)) == ["别处登记"]
    assert Member.objects.get(id_number=ID[1]).phone == "13900001111"
    assert plan.counts == (0, 2, 0, 1)


# -- every save of a member moves its version on ----------------------------------------------------


def test_a_details_form_built_before_a_change_or_an_import_is_refused_after_it(client, tree, users):
    user = users["secretary_a"]
    member = first_import(tree, user, 1)[1]
    client.force_login(user)
    url = f"/members/{member.pk}/edit/"
    shown = details_post(member, address="新地址")
    moved = MemberChange(member=member, kind=K.MOVE, effective_date=datetime.date.today(), organization=tree["a2"])
    apply_change(moved, user)
    response = client.post(url, shown)
    assert response.status_code == 409 and "办理了党员变动" in response.content.decode()

    shown = details_post(Member.objects.get(pk=member.pk), address="新地址")
    RosterImport(roster(good(1, 联系电话="13900001111")), "又一次.xlsx", tree["a"], user).commit()
    response = client.post(url, shown)
    assert response.status_code == 409 and "联系电话：13812348000 → 13900001111" in response.content.decode()
    assert Member.objects.get(pk=member.pk).address == "甲社区3号楼"


def test_a_former_member_cannot_come_back_while_a_newer_record_holds_the_number(tree, users):
    old = new_member(tree["a1g1"], "张卫华")
    apply_change(transfer_out(old)[0])
    newer = Member.objects.get(pk=old.pk)
    newer.pk = None  # registered again as a new record
    arrival = MemberChange(kind=K.REGISTRATION, effective_date=DAY, organization=tree["a2"])
    arrival.management_type = "self_managed"
    register_member(newer, arrival)
    back = MemberChange(member=old, kind=K.TRANSFER_IN, effective_date=DAY, organization=tree["a1g1"])
    back.external_organization, back.letter_number = "外县教育局党委", "转入第2号"
    with pytest.raises(ValidationError) as error:
        apply_change(back)
    expected = "该身份证号已登记在册：张卫华（甲第二支部），不能再登记“组织关系转入”。"
    assert error.value.message_dict["kind"] == [expected]
