import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from members.changes import MemberState, check_change
from members.models import Member, MemberChange
from organizations.models import Organization, Role
from portal import demo
from portal.models import User

TODAY = datetime.date(2026, 11, 1)


def seed_small(seed=7):
    return demo.seed(seed=seed, today=TODAY, communities=3, per_community=40)


def fingerprint():
    return [
        (m.name, m.id_number, m.organization.name, m.standing, tuple(m.changes.values_list("kind", "effective_date")))
        for m in Member.objects.select_related("organization").order_by("id_number")
    ]


class Rollback(Exception):
    pass


def fingerprint_of_a_run(seed):
    try:
        with transaction.atomic():
            seed_small(seed)
            result = fingerprint()
            raise Rollback
    except Rollback:
        return result


@pytest.mark.django_db
def test_the_command_builds_the_street_and_prints_the_accounts():
    out = StringIO()
    call_command("seed_demo", "--communities", "2", "--per-community", "30", "--password", "pw-1234", stdout=out)
    text = out.getvalue()
    assert "beimen" in text and "13800000002" in text and "pw-1234" in text
    assert Organization.objects.get(depth=1).name == "容城街道"
    assert list(Organization.objects.filter(kind="community").values_list("name", flat=True)) == [
        "北门社区党委",
        "西上社区党委",
    ]
    assert Member.objects.count() == 60
    assert User.objects.get(username="beimen").check_password("pw-1234")
    assert set(Role.objects.values_list("kind", flat=True)) == set(Role.Kind.values)


@pytest.mark.django_db
def test_running_it_twice_duplicates_nothing():
    seed_small()
    counts = (Organization.objects.count(), Member.objects.count(), MemberChange.objects.count(), User.objects.count())
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "已存在" in out.getvalue()
    assert (
        Organization.objects.count(),
        Member.objects.count(),
        MemberChange.objects.count(),
        User.objects.count(),
    ) == counts


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_street_and_another_seed_another():
    first, again, other = fingerprint_of_a_run(7), fingerprint_of_a_run(7), fingerprint_of_a_run(8)
    assert first == again
    assert first != other


@pytest.mark.django_db
def test_every_demo_history_obeys_the_portals_own_rules():
    seed_small()
    kinds = set()
    for member in Member.objects.prefetch_related("changes"):
        history = sorted(member.changes.all(), key=lambda change: (change.effective_date, change.id))
        reversed_ids = {change.reverses_id for change in history if change.reverses_id}
        state = last = None
        for change in history:
            kinds.add(change.kind)
            if change.kind == MemberChange.Kind.CORRECTION:
                continue
            check_change(change, member, state, last)  # raises on a history the forms would refuse
            if change.pk not in reversed_ids:
                state, last = MemberState.of(change), change
        assert state == MemberState.of(member), member
    assert {"registration", "transfer_in", "move", "transfer_out", "correction"} <= kinds


@pytest.mark.django_db
def test_every_start_prints_the_accounts_and_how_to_start_over():
    seed_small()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    assert "已存在" in text and "未重复创建" in text
    assert "beimen" in text and "13800000002" in text and "密码：Dangjian-2026" in text
    assert "删除 db.sqlite3" in text and "bin/demo" in text


@pytest.mark.django_db
def test_a_changed_password_is_not_printed_as_the_default():
    demo.seed(today=TODAY, communities=2, per_community=10, password="Other-pass-1")
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Dangjian-2026" not in out.getvalue() and "--password 指定的密码" in out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("option", [["--password", "New-pass-2026"], ["--scale", "district"], ["--seed", "9"]])
def test_options_on_an_existing_demo_say_that_nothing_changed(option):
    seed_small()
    before = (Member.objects.count(), User.objects.get(username="beimen").password)
    with pytest.raises(CommandError) as refused:
        call_command("seed_demo", *option)
    message = str(refused.value)
    assert option[0] in message and "什么也没有改动" in message and "删除 db.sqlite3" in message
    assert (Member.objects.count(), User.objects.get(username="beimen").password) == before
