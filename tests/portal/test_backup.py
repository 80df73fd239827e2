"""manage.py backup / restore: every table comes back exactly as it was backed up (the change log and
the audit log included), on SQLite and on PostgreSQL; a file that is not such a backup is refused
before anything is touched."""

import io
import json
import sqlite3
import tarfile

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from members.models import ImportBatch, Member, MemberChange
from portal.models import AuditEntry, User
from tests.conftest import change

NOT_A_BACKUP = "不是本系统的备份文件"


def snapshot():
    """Every row of every table, in a comparable form."""
    tables = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in cursor.fetchall()]
            tables[table] = sorted(rows, key=repr)
    return tables


@pytest.fixture
def register(users, members, tree, client):
    AuditEntry.record(users["street"], AuditEntry.Action.REVEAL_ID, members["a"], summary="查看完整身份证号：张卫华")
    ImportBatch.objects.create(
        organization=tree["a"], uploaded_by=users["street"], file_name="花名册.xlsx", file_data=b"PK\x03\x04roster"
    )
    client.force_login(users["street"])  # a session row too
    return members


@pytest.mark.django_db(transaction=True)
def test_a_restore_brings_every_table_back_to_the_backup(register, users, tree, tmp_path, capsys):
    backup = tmp_path / "portal.tar"
    call_command("backup", str(backup))
    assert "已备份" in capsys.readouterr().out
    assert backup.stat().st_mode & 0o077 == 0  # for its owner's eyes only
    backed_up = snapshot()
    assert backed_up["members_memberchange"] and backed_up["portal_auditentry"] and backed_up["django_session"]

    # Work goes on after the backup: a change logged, a member edited, an organization renamed, an
    # upload removed, an account added, more audit entries.
    member = Member.objects.get(pk=register["a"].pk)
    change(member, MemberChange.Kind.DEATH, member.joined_on.replace(year=2024), users["street"])
    Member.objects.filter(pk=register["b"].pk).update(phone="13700000000", version=9)
    tree["b"].name = "乙社区党委（改）"
    tree["b"].save()
    ImportBatch.objects.all().delete()
    User.objects.create_user("later", password="x")
    AuditEntry.record(users["street"], AuditEntry.Action.EXPORT, summary="导出")
    assert snapshot() != backed_up

    call_command("restore", str(backup), "--noinput")
    assert "已用" in capsys.readouterr().out
    assert snapshot() == backed_up
    assert ImportBatch.objects.get().file_data == b"PK\x03\x04roster"  # the upload came back with it
    assert MemberChange.objects.filter(kind=MemberChange.Kind.DEATH).count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_portal_works_on_after_a_restore(register, users, tmp_path, client):
    backup = tmp_path / "portal.tar"
    call_command("backup", str(backup))
    call_command("restore", str(backup), "--noinput")
    # New rows get fresh ids (the sequences came back with the tables).
    AuditEntry.record(users["street"], AuditEntry.Action.EXPORT, summary="恢复后导出")
    client.force_login(users["street"])
    assert client.get(f"/members/{register['a'].pk}/").status_code == 200


def assert_refused(path, message, before):
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(path), "--noinput")
    assert message in str(refused.value) and "未做任何改动" in str(refused.value)
    assert snapshot() == before


def tar_with(path, files):
    with tarfile.open(path, "w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def manifest(**fields):
    engine = "sqlite" if connection.vendor == "sqlite" else "postgresql"
    data = {"format": "portal-backup", "version": 1, "engine": engine, "created": "x", "migrations": [], **fields}
    return json.dumps(data).encode()


def test_files_that_are_not_backups_are_refused_before_anything_is_touched(register, tmp_path):
    before = snapshot()
    (tmp_path / "noise.tar").write_bytes(b"\x00garbage" * 500)
    assert_refused(tmp_path / "noise.tar", NOT_A_BACKUP, before)
    (tmp_path / "roster.xlsx").write_bytes(b"PK\x03\x04" + b"x" * 100)
    assert_refused(tmp_path / "roster.xlsx", NOT_A_BACKUP, before)
    sqlite3.connect(tmp_path / "other.sqlite3").execute("CREATE TABLE t (x)").connection.close()
    assert_refused(tmp_path / "other.sqlite3", NOT_A_BACKUP, before)
    assert_refused(tar_with(tmp_path / "plain.tar", {"notes.txt": b"hello"}), NOT_A_BACKUP, before)
    other_format = tar_with(tmp_path / "other.tar", {"manifest.json": b'{"format": "something-else"}'})
    assert_refused(other_format, NOT_A_BACKUP, before)
    assert_refused(tmp_path / "missing.tar", "找不到文件", before)


def test_a_damaged_or_foreign_backup_is_refused_too(register, tmp_path):
    before = snapshot()
    member = "database.sqlite3" if connection.vendor == "sqlite" else "database.pgdump"
    damaged = tar_with(tmp_path / "damaged.tar", {"manifest.json": manifest(), member: b"not a database" * 100})
    assert_refused(damaged, "数据库部分", before)
    incomplete = tar_with(tmp_path / "incomplete.tar", {"manifest.json": manifest()})
    assert_refused(incomplete, "缺少数据库部分", before)
    other_engine, its_member = (
        ("postgresql", "database.pgdump") if connection.vendor == "sqlite" else ("sqlite", "database.sqlite3")
    )
    foreign = tar_with(tmp_path / "foreign.tar", {"manifest.json": manifest(engine=other_engine), its_member: b""})
    assert_refused(foreign, "不能直接恢复", before)
    newer = tar_with(
        tmp_path / "newer.tar", {"manifest.json": manifest(migrations=["members.9999_future"]), member: b""}
    )
    assert_refused(newer, "较新版本", before)


@pytest.mark.django_db(transaction=True)
def test_a_restore_asks_first_and_no_leaves_everything_as_it_was(register, tmp_path, monkeypatch):
    backup = tmp_path / "portal.tar"
    call_command("backup", str(backup))
    AuditEntry.record(None, AuditEntry.Action.EXPORT, summary="备份之后")
    before = snapshot()
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="已取消"):
        call_command("restore", str(backup))
    assert snapshot() == before
