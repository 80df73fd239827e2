"""The data version every cached figure is keyed on: each app's registered reads, in one query."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Max, Sum
from django.utils import timezone

from members.models import Member
from portal import registry
from portal.dashboard import data_version, read_versions
from tests.portal.test_seed_demo import seed_small

AGGREGATES = {"MAX": Max, "COUNT": Count, "SUM": Sum}


def comparable(value):
    # SQLite hands a raw query's dates and times back as text ("2026-11-30 15:00:00.123456"), the ORM
    # as objects ("2026-11-30 15:00:00.123456+00:00"): the same instant to the second either way.
    return None if value is None else str(value).replace("T", " ")[:19]


@pytest.fixture
def street(db):
    seed_small()


def test_every_page_reads_the_version_in_one_query(street, django_assert_num_queries):
    with django_assert_num_queries(1):
        data_version()


def test_each_read_is_what_the_orm_computes_over_its_table(street):
    found = read_versions()
    assert set(found) == {read for part in registry.version_parts for read in part.reads}
    for read, value in found.items():
        expected = read.model.objects.aggregate(v=AGGREGATES[read.function](read.field))["v"]
        assert comparable(value) == comparable(expected), read
    assert sum(value is not None for value in found.values()) >= 20  # the demo fills most of them


def test_a_row_changed_in_place_moves_the_version_of_any_app(street):
    for read in {read for part in registry.version_parts for read in part.reads if read.field == "updated_at"}:
        row = read.model.objects.order_by("pk").first()
        if row is None:
            continue
        before = data_version()
        later = timezone.now() + datetime.timedelta(days=1)
        read.model.objects.filter(pk=row.pk).update(updated_at=later)
        assert data_version() != before, read.model


def test_a_read_of_an_unknown_function_is_refused():
    with pytest.raises(ImproperlyConfigured):
        registry.Read(Member, "id", "AVG")


def test_every_read_is_an_index_look_up():
    """Every page reads the version: a read that scanned a table would grow with the data."""

    def indexed(read):
        field = read.model._meta.get_field(read.field)
        first_columns = {index.fields[0] for index in read.model._meta.indexes}
        return read.function == "MAX" and (field.primary_key or field.db_index or field.name in first_columns)

    reads = {read for part in registry.version_parts for read in part.reads}
    assert [read for read in reads if not indexed(read)] == []
