import datetime

import pytest
from django.core.exceptions import ValidationError

from members.changes import register_member
from members.models import Category, Gender, ManagementType, Member, MemberChange, Standing, Status
from portal.identity import make_id_number
from portal.models import AuditEntry
from tests.conftest import change, new_member

K = MemberChange.Kind
D = datetime.date


def refused(member, kind, on, **fields):
    before = (Member.objects.get(pk=member.pk).__dict__.copy(), MemberChange.objects.count())
    with pytest.raises(ValidationError) as error:
        change(member, kind, on, **fields)
    after = Member.objects.get(pk=member.pk).__dict__
    assert {k: v for k, v in after.items() if k != "_state"} == {k: v for k, v in before[0].items() if k != "_state"}
    assert MemberChange.objects.count() == before[1]
    return error.value.message_dict


def test_registration_creates_the_record_its_first_entry_and_audit(tree, users):
    member = new_member(tree["a1g1"])
    entry = member.changes.get()
    assert (entry.kind, entry.standing, entry.organization) == (K.REGISTRATION, Standing.ACTIVE, tree["a1g1"])
    assert member.standing == Standing.ACTIVE and member.management_type == ManagementType.SELF_MANAGED
    actions = set(AuditEntry.objects.filter(object_id=str(member.pk)).values_list("action", flat=True))
    assert actions == {AuditEntry.Action.MEMBER_CREATE, AuditEntry.Action.MEMBER_CHANGE}


def test_transfer_out_then_no_second_transfer_out(tree, users):
    member = new_member(tree["a1g1"])
    change(
        member,
        K.TRANSFER_OUT,
        D(2023, 3, 1),
        users["secretary_a"],
        external_organization="县教育局党委",
        letter_number="转出第8号",
    )
    assert member.standing == Standing.TRANSFERRED_OUT
    entry = member.changes.latest("id")
    assert entry.recorded_by == users["secretary_a"] and entry.from_organization == tree["a1g1"]
    errors = refused(member, K.TRANSFER_OUT, D(2023, 4, 1), external_organization="x", letter_number="y")
    assert errors["kind"] == ["该党员当前已转出，不能登记“组织关系转出”。"]


def test_transfer_out_needs_destination_and_letter(tree):
    member = new_member(tree["a1g1"])
    errors = refused(member, K.TRANSFER_OUT, D(2023, 3, 1))
    assert errors["external_organization"] == ["请填写转往单位（接收党组织）。"]
    assert errors["letter_number"] == ["请填写介绍信编号。"]


def test_dates_in_the_future_before_joining_or_before_the_last_change_are_refused(tree):
    member = new_member(tree["a1g1"], joined=D(1990, 7, 1), on=D(2020, 1, 1))
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    assert refused(member, K.MOVE, tomorrow, organization=tree["a1g2"])["effective_date"] == ["生效日期不能晚于今天。"]
    assert "最近一次变动" in refused(member, K.MOVE, D(2019, 12, 1), organization=tree["a1g2"])["effective_date"][0]
    other = new_member(tree["a1g1"], "赵二", joined=D(2010, 7, 1), on=D(2011, 1, 1))
    with pytest.raises(ValidationError) as error:
        new_member(tree["a1g1"], "钱三", joined=D(2021, 7, 1), on=D(2021, 1, 1))
    assert "入党时间" in error.value.message_dict["effective_date"][0]
    assert other.standing == Standing.ACTIVE


def test_confirmation_only_for_probationary_members_after_a_year(tree):
    full = new_member(tree["a1g1"])
    assert refused(full, K.CONFIRMATION, D(2023, 1, 1))["kind"] == ["该党员已是正式党员。"]
    probationary = new_member(
        tree["a1g1"], "孙四", D(1995, 1, 1), kind=K.ADMISSION, on=D(2023, 5, 1), joined=D(2023, 5, 1)
    )
    assert probationary.status == Status.PROBATIONARY
    assert "2024-05-01" in refused(probationary, K.CONFIRMATION, D(2024, 4, 30))["effective_date"][0]
    change(probationary, K.CONFIRMATION, D(2024, 5, 1))
    assert probationary.status == Status.FULL and probationary.confirmed_on == D(2024, 5, 1)


def test_move_stays_inside_the_street(tree):
    from tests.conftest import make_org

    member = new_member(tree["a1g1"])
    change(member, K.MOVE, D(2022, 1, 1), organization=tree["b1g1"])
    assert member.organization == tree["b1g1"]
    assert refused(member, K.MOVE, D(2022, 2, 1), organization=tree["b1g1"])["organization"] == ["新组织与原组织相同。"]
    elsewhere = make_org(make_org(make_org(None, "外街道", "street"), "外社区", "community"), "外支部", "branch")
    assert "本街道" in refused(member, K.MOVE, D(2022, 2, 1), organization=elsewhere)["organization"][0]
    assert refused(member, K.MOVE, D(2022, 2, 1), organization=tree["b"])["organization"] == [
        "党员只能编入党支部或党小组。"
    ]


def test_mobile_out_and_return(tree):
    member = new_member(tree["a1g1"])
    assert refused(member, K.MOBILE_RETURN, D(2022, 1, 1))["kind"] == ["该党员不是流出党员。"]
    change(
        member, K.MOBILE_OUT, D(2022, 1, 1), place="广东省深圳市", mobile_card_number="LD001", contact_person="王书记"
    )
    assert member.management_type == ManagementType.MOBILE_OUT
    assert (member.mobile_card_number, member.mobile_place, member.last_contact_on) == (
        "LD001",
        "广东省深圳市",
        D(2022, 1, 1),
    )
    change(member, K.MOBILE_RETURN, D(2023, 1, 1))
    assert member.management_type == ManagementType.SELF_MANAGED


def test_mobile_in_and_leave(tree):
    member = new_member(tree["b1"], kind=K.MOBILE_IN, on=D(2022, 1, 1))
    assert member.management_type == ManagementType.MOBILE_IN
    assert (
        "离开本社区"
        in refused(member, K.TRANSFER_OUT, D(2022, 6, 1), external_organization="x", letter_number="1")["kind"][0]
    )
    change(member, K.LEAVE, D(2023, 1, 1))
    assert member.standing == Standing.LEFT


def test_category_change_death_and_removal(tree):
    member = new_member(tree["a1g1"], category=Category.IN_SERVICE)
    assert refused(member, K.CATEGORY_CHANGE, D(2022, 1, 1), category=Category.IN_SERVICE)["category"]
    change(member, K.CATEGORY_CHANGE, D(2022, 1, 1), category=Category.RETIRED)
    assert member.category == Category.RETIRED
    change(member, K.DEATH, D(2023, 1, 1))
    assert member.standing == Standing.DECEASED
    assert refused(
        member, K.TRANSFER_IN, D(2023, 2, 1), organization=tree["a1g1"], external_organization="x", letter_number="1"
    )["kind"][0].startswith("该党员当前已逝世")
    other = new_member(tree["a1g1"], "周五")
    change(other, K.REMOVAL, D(2023, 1, 1), note="除名")
    assert other.standing == Standing.REMOVED


def test_a_member_who_left_can_transfer_back_in(tree):
    member = new_member(tree["a1g1"])
    change(member, K.TRANSFER_OUT, D(2021, 1, 1), external_organization="外单位", letter_number="1")
    change(
        member,
        K.TRANSFER_IN,
        D(2023, 1, 1),
        organization=tree["b1g1"],
        external_organization="外单位",
        letter_number="2",
    )
    assert (member.standing, member.organization) == (Standing.ACTIVE, tree["b1g1"])


def test_probation_extended_needs_a_reason_and_a_probationary_member(tree):
    member = new_member(tree["a1g1"], "吴六", D(1995, 1, 1), kind=K.ADMISSION, on=D(2023, 5, 1), joined=D(2023, 5, 1))
    assert refused(member, K.PROBATION_EXTENDED, D(2024, 5, 1))["note"] == ["请填写延长预备期的原因和期限。"]
    change(member, K.PROBATION_EXTENDED, D(2024, 5, 1), note="延长半年")
    assert member.status == Status.PROBATIONARY


def test_a_correction_reverses_the_latest_entry_without_editing_it(tree):
    member = new_member(tree["a1g1"])
    wrong = change(member, K.MOVE, D(2022, 1, 1), organization=tree["b1g1"])
    assert refused(member, K.CORRECTION, D(2022, 1, 5))["note"] == ["请填写更正原因。"]
    fix = change(member, K.CORRECTION, D(2022, 1, 5), note="误录")
    assert fix.reverses == wrong and member.organization == tree["a1g1"]
    assert MemberChange.objects.get(pk=wrong.pk).kind == K.MOVE  # the mistake is still there, reversed
    assert list(member.valid_changes().values_list("kind", flat=True)) == [K.REGISTRATION]


def test_correcting_the_only_entry_voids_the_registration(tree):
    member = new_member(tree["a1g1"])
    change(member, K.CORRECTION, D(2022, 1, 5), note="重复建档")
    assert member.standing == Standing.VOID
    assert refused(member, K.CORRECTION, D(2022, 1, 6), note="再次")["kind"] == ["该党员没有可更正的变动记录。"]


def test_entries_cannot_be_edited_or_deleted(tree):
    entry = new_member(tree["a1g1"]).changes.get()
    entry.note = "改一下"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    assert MemberChange.objects.get(pk=entry.pk).note == ""


@pytest.mark.parametrize(
    "actor, message",
    [
        (None, "该身份证号已在其他社区登记，请联系街道党工委"),
        ("secretary_b", "该身份证号已在其他社区登记，请联系街道党工委"),  # the record is outside B's scope
        ("branch_a1", "该身份证号已登记在册：张卫华（甲1号楼小组）。"),
    ],
)
def test_the_same_id_number_cannot_be_on_the_register_twice(tree, users, actor, message):
    member = new_member(tree["a1g1"])
    twin = Member(
        name="重复",
        gender=member.gender,
        birth_date=member.birth_date,
        id_number=member.id_number.lower(),
        joined_on=member.joined_on,
        status=Status.FULL,
        category=Category.RETIRED,
    )
    with pytest.raises(ValidationError) as error:
        register_member(
            twin,
            MemberChange(
                kind=K.REGISTRATION,
                effective_date=D(2021, 1, 1),
                organization=tree["a1g2"],
                management_type=ManagementType.SELF_MANAGED,
            ),
            users[actor] if actor else None,
        )
    assert error.value.message_dict["id_number"] == [message]
    assert Member.objects.count() == 1


def test_birth_date_gender_and_age_at_joining_are_checked_against_the_id(tree):
    number = make_id_number("320102", D(1980, 1, 1), 3, Gender.MALE)
    member = Member(
        name="错",
        gender=Gender.FEMALE,
        birth_date=D(1980, 1, 2),
        id_number=number,
        joined_on=D(1990, 1, 1),
        status=Status.FULL,
        category=Category.RETIRED,
    )
    with pytest.raises(ValidationError) as error:
        register_member(
            member,
            MemberChange(
                kind=K.REGISTRATION,
                effective_date=D(2021, 1, 1),
                organization=tree["a1g1"],
                management_type=ManagementType.SELF_MANAGED,
            ),
        )
    errors = error.value.message_dict
    assert errors["birth_date"] == ["出生日期与身份证号不符（身份证号为1980-01-01）。"]
    assert errors["gender"] == ["性别与身份证号不符（身份证号为男）。"]
    assert errors["joined_on"] == ["入党时应年满18周岁。"]
    assert not Member.objects.exists()
