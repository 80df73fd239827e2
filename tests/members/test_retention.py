"""Keep no more than needed (issue 10): uploaded rosters are emptied once their batch is done or
has waited 7 days, and rejected rows (whole records as uploaded) download only for the uploader
and those who may change the batch's organization."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.utils import timezone

from members.models import ImportBatch
from members.retention import purge_import_files
from organizations.models import Role
from tests.conftest import make_user

S = ImportBatch.Status
DATA = b"PK\x03\x04 roster with full ID numbers"


def batch(org, user, status, days_ago=0):
    made = ImportBatch.objects.create(organization=org, file_name="花名册.xlsx", file_data=DATA, uploaded_by=user)
    at = timezone.now() - datetime.timedelta(days=days_ago)
    ImportBatch.objects.filter(pk=made.pk).update(status=status, uploaded_at=at)
    return made.pk


def held(pk):
    return bytes(ImportBatch.objects.get(pk=pk).file_data) == DATA


def test_the_command_empties_what_is_no_longer_needed_and_says_how_many(tree, users, capsys):
    user, org = users["secretary_a"], tree["a"]
    done = [batch(org, user, status) for status in (S.COMMITTED, S.REFUSED, S.FAILED)]
    waiting = batch(org, user, S.PREVIEWED, days_ago=6)
    expired = batch(org, user, S.PREVIEWED, days_ago=8)
    stuck = batch(org, user, S.ANALYSING, days_ago=30)
    call_command("purge_import_files")
    assert capsys.readouterr().out.strip() == "已删除5个导入批次的上传文件。"
    assert held(waiting) and not any(held(pk) for pk in [*done, expired, stuck])
    for pk in (expired, stuck):
        gone = ImportBatch.objects.get(pk=pk)
        assert gone.status == S.FAILED and "已超过7天" in gone.message
    assert ImportBatch.objects.get(pk=done[0]).status == S.COMMITTED
    call_command("purge_import_files")
    assert capsys.readouterr().out.strip() == "已删除0个导入批次的上传文件。"


def test_a_batch_waiting_less_than_seven_days_can_still_be_committed(tree, users):
    pk = batch(tree["a"], users["secretary_a"], S.PREVIEWED, days_ago=6)
    assert purge_import_files(now=timezone.now()) == 0 and held(pk)
    assert purge_import_files(now=timezone.now() + datetime.timedelta(days=2)) == 1 and not held(pk)


@pytest.mark.parametrize(
    "who, allowed",
    [
        ("uploader", True),
        ("secretary_a", True),
        ("street", True),
        ("superuser", True),
        ("viewer_a", False),
        ("branch_a1", False),
        ("secretary_b", False),
        ("anonymous", False),
    ],
)
def test_rejected_rows_download_for_the_uploader_and_writers_only(tree, users, who, allowed):
    uploader = make_user("uploader", Role.Kind.BRANCH_SECRETARY, tree["a2"])
    made = ImportBatch.objects.get(pk=batch(tree["a"], uploader, S.REFUSED))
    user = {"uploader": uploader, "anonymous": AnonymousUser()}.get(who) or users[who]
    assert made.may_download_rejected(user) is allowed
