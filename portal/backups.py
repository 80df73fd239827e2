"""Backups with the databases' own tools, in one file that says what it is.

A backup is a tar file holding:

- ``manifest.json``: ``{"format": "portal-backup", "version": 1, "engine": "sqlite" | "postgresql",
  "created": ..., "migrations": [...], "media_files": n}``;
- ``database.sqlite3`` (SQLite's online backup API: a consistent copy while the portal runs) or
  ``database.pgdump`` (``pg_dump -Fc``: one consistent snapshot; ``pg_restore`` reads it directly);
- ``media/...``: the files under ``MEDIA_ROOT``, if one is configured. Uploaded rosters are kept in
  the database itself (``ImportBatch.file_data``), so they are in the database part.

``restore`` checks everything it can before it touches anything: that the file is such a tar, that
its manifest is ours, that it comes from the same kind of database, that its database part is
readable (SQLite's integrity check, ``pg_restore --list``), and that this code knows every migration
it was made with. Only then does it replace the database (in one transaction on PostgreSQL) and the
media files.
"""

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

FORMAT = "portal-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class BackupError(Exception):
    """Something the person running the command must hear, in Chinese; nothing was changed."""


@dataclass
class Manifest:
    engine: str
    created: str
    migrations: list
    media_files: int

    @property
    def database_member(self):
        return DATABASE_MEMBER[self.engine]


def current_engine():
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBER:
        raise BackupError(f"不支持备份 {vendor} 数据库（只支持 SQLite 和 PostgreSQL）。")
    return vendor


# -- backup ------------------------------------------------------------------------------------------


def make_backup(path):
    """Write a backup of the database (and media files) to ``path``; returns its manifest."""
    path = Path(path)
    engine = current_engine()
    with tempfile.TemporaryDirectory(prefix="portal-backup-") as work:
        dump = Path(work) / DATABASE_MEMBER[engine]
        if engine == "sqlite":
            _sqlite_backup(dump)
        else:
            _pg_dump(dump)
        media = _media_files()
        manifest = Manifest(
            engine=engine,
            created=timezone.localtime().isoformat(timespec="seconds"),
            migrations=_applied_migrations(),
            media_files=len(media),
        )
        partial = path.with_name(f".{path.name}.partial")
        try:
            # Readable by its owner only: the file holds every member's personal data.
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
                _add_bytes(tar, MANIFEST, json.dumps({"format": FORMAT, "version": VERSION, **vars(manifest)}).encode())
                tar.add(dump, arcname=dump.name)
                for relative, absolute in media:
                    tar.add(absolute, arcname=f"media/{relative}")
            os.replace(partial, path)  # a half-written file never carries the backup's name
        finally:
            partial.unlink(missing_ok=True)
    return manifest


def _add_bytes(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


def _sqlite_backup(target):
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)  # SQLite's online backup: consistent while others write
    finally:
        copy.close()


def _pg_environment():
    params = connection.settings_dict
    env = {**os.environ, "PGDATABASE": params["NAME"]}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if params.get(key):
            env[variable] = str(params[key])
    return env


def _run(args, env, failure):
    tool = shutil.which(args[0])
    if tool is None:
        raise BackupError(f"找不到 {args[0]}：请安装 PostgreSQL 客户端（Debian：apt install postgresql-client）。")
    result = subprocess.run([tool, *args[1:]], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{failure}：{result.stderr.strip()}")
    return result.stdout


def _pg_dump(target):
    _run(
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"],
        _pg_environment(),
        "pg_dump 失败",
    )


def _applied_migrations():
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [f"{app}.{name}" for app, name in cursor.fetchall()]


def _media_root():
    root = getattr(settings, "MEDIA_ROOT", "")
    return Path(root) if root else None


def _media_files():
    root = _media_root()
    if root is None or not root.is_dir():
        return []
    return sorted((p.relative_to(root).as_posix(), p) for p in root.rglob("*") if p.is_file())


# -- checking a file ---------------------------------------------------------------------------------

NOT_A_BACKUP = "“{name}”不是本系统的备份文件（应为 manage.py backup 生成的文件），未做任何改动。"


def read_manifest(path):
    """The manifest of the backup at ``path``; BackupError when it is not one of ours."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"找不到文件“{path}”，未做任何改动。")
    if not tarfile.is_tarfile(path):
        raise BackupError(NOT_A_BACKUP.format(name=path.name))
    try:
        with tarfile.open(path) as tar:
            member = tar.getmember(MANIFEST)
            data = json.loads(tar.extractfile(member).read())
            names = set(tar.getnames())
    except (KeyError, tarfile.TarError, ValueError, AttributeError):
        raise BackupError(NOT_A_BACKUP.format(name=path.name)) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("engine") not in DATABASE_MEMBER:
        raise BackupError(NOT_A_BACKUP.format(name=path.name))
    if data.get("version") != VERSION:
        raise BackupError(
            f"“{path.name}”是第 {data.get('version')} 版格式的备份，本系统只能恢复第 {VERSION} 版，未做任何改动。"
        )
    manifest = Manifest(
        engine=data["engine"],
        created=str(data.get("created", "")),
        migrations=list(data.get("migrations", [])),
        media_files=int(data.get("media_files", 0)),
    )
    if manifest.database_member not in names:
        raise BackupError(f"“{path.name}”缺少数据库部分，可能不完整，未做任何改动。")
    return manifest


def check_backup(path, work):
    """Everything that can be checked without touching the database; returns the manifest and the
    extracted database part (in ``work``)."""
    manifest = read_manifest(path)
    engine = current_engine()
    if manifest.engine != engine:
        raise BackupError(
            f"这是 {ENGINE_NAMES[manifest.engine]} 数据库的备份，当前数据库是 {ENGINE_NAMES[engine]}，"
            "不能直接恢复，未做任何改动。"
        )
    known = {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}
    unknown = sorted(set(manifest.migrations) - known)
    if unknown:
        raise BackupError(
            f"备份来自较新版本的系统（本系统没有其中的数据库迁移 {', '.join(unknown[:3])}…），"
            "请先把系统更新到备份时的版本，未做任何改动。"
        )
    dump = Path(work) / manifest.database_member
    with tarfile.open(path) as tar, open(dump, "wb") as out:
        shutil.copyfileobj(tar.extractfile(manifest.database_member), out)
    if engine == "sqlite":
        _check_sqlite(dump, path)
    else:
        damaged = f"“{Path(path).name}”的数据库部分已损坏，未做任何改动"
        contents = _run(["pg_restore", "--list", str(dump)], os.environ, damaged)
        if " TABLE public django_migrations " not in contents:
            raise BackupError(f"{damaged}。")
    return manifest, dump


def _check_sqlite(dump, path):
    try:
        copy = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
        try:
            ok = copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            copy.close()
    except sqlite3.DatabaseError:
        ok, tables = False, set()
    if not ok or "django_migrations" not in tables:
        raise BackupError(f"“{Path(path).name}”的数据库部分已损坏，未做任何改动。")


# -- restore -----------------------------------------------------------------------------------------


def restore_backup(path):
    """Replace the database (and media files) with the backup at ``path``; returns its manifest."""
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as work:
        manifest, dump = check_backup(path, work)
        if manifest.engine == "sqlite":
            _sqlite_restore(dump)
        else:
            _pg_restore(dump)
        _restore_media(path)
    return manifest


def _sqlite_restore(dump):
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)  # page by page, under the database's own lock
    finally:
        source.close()


def _pg_restore(dump):
    env = _pg_environment()
    # Wait at most 30 s for the tables' locks: a running app server or worker should be stopped first.
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c lock_timeout=30s".strip()
    connection.close()
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={env['PGDATABASE']}",
            str(dump),
        ],
        env,
        "pg_restore 失败（数据库未改动）",
    )


def _restore_media(path):
    root = _media_root()
    if root is None:
        return
    with tarfile.open(path) as tar:
        members = [m for m in tar.getmembers() if m.isfile() and m.name.startswith("media/")]
        wanted = set()
        for member in members:
            relative = PurePosixPath(member.name).relative_to("media")
            if relative.is_absolute() or ".." in relative.parts:
                continue  # never write outside MEDIA_ROOT
            target = root.joinpath(*relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)
            wanted.add(target)
    for existing in root.rglob("*") if root.is_dir() else []:
        if existing.is_file() and existing not in wanted:
            existing.unlink()


def unapplied_after_restore():
    """Migrations this code has that the restored database lacks (run ``migrate``)."""
    loader = MigrationLoader(connection)
    return sorted(set(loader.disk_migrations) - set(loader.applied_migrations))
