"""Indexes that fit the member list at district scale, outside the models' state because they
differ by database.

- The "近→远" order (joined date, latest first, members without one last) gets an index walked from
  the top: a street-wide first page reads 50 rows, not the register. SQLite sorts NULL lowest, so
  DESC already puts them last and an index may not say NULLS LAST; PostgreSQL needs it said.
- On PostgreSQL the search (a name, pinyin initials or full pinyin anywhere in the text,
  ``LIKE '%…%'``) gets trigram indexes (pg_trgm, a trusted extension a database owner may create
  since PostgreSQL 13); without them every search reads the whole register. Where the extension
  cannot be created, the migration says so and the search keeps working, scanning.
"""

from django.db import DatabaseError, migrations, transaction

SEARCHED = ("name", "name_initials", "name_pinyin")
JOINED = "members_member_joined_on_desc"


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {JOINED} ON members_member (joined_on DESC, id)")
        return
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {JOINED} ON members_member (joined_on DESC NULLS LAST, id)")
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as error:
        print(f"\n  无法创建 pg_trgm 扩展（{error}）：党员搜索仍可用，但会逐行查找。请数据库管理员执行 CREATE EXTENSION pg_trgm。")
        return
    for column in SEARCHED:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS members_member_{column}_trgm ON members_member USING gin ({column} gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {JOINED}")
    if schema_editor.connection.vendor == "postgresql":
        for column in SEARCHED:
            schema_editor.execute(f"DROP INDEX IF EXISTS members_member_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("members", "0009_import_task")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
