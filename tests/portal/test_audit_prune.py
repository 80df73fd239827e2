"""Pruning the audit log leaves a record of who pruned which period and how much (issue 10)."""

import datetime

from django.utils import timezone

from portal.models import AuditEntry


def entries(day, count, user):
    made = [AuditEntry.record(user, AuditEntry.Action.EXPORT, summary=f"导出{n}") for n in range(count)]
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
    AuditEntry.objects.filter(pk__in=[entry.pk for entry in made]).update(at=at)
    return made


def test_pruning_a_period_records_who_what_and_how_many(client, users):
    staff = users["street"]
    old = entries(datetime.date(2020, 1, 2), 3, staff) + entries(datetime.date(2020, 3, 4), 2, staff)
    kept = entries(datetime.date.today(), 1, users["street"])
    client.force_login(users["superuser"])
    response = client.post(
        "/admin/portal/auditentry/",
        {"action": "delete_selected", "_selected_action": [entry.pk for entry in old], "post": "yes"},
    )
    assert response.status_code == 302
    assert not AuditEntry.objects.filter(pk__in=[entry.pk for entry in old]).exists()
    assert AuditEntry.objects.filter(pk=kept[0].pk).exists()
    prune = AuditEntry.objects.get(action=AuditEntry.Action.AUDIT_PRUNE)
    assert prune.username == "root" and prune.ip_address == "127.0.0.1"
    assert prune.summary == "清理审计日志：删除2020-01-02 09:00至2020-03-04 09:00的5条记录"
    assert prune.changes["count"] == 5 and prune.changes["first"].startswith("2020-01-02T09:00")


def test_deleting_one_entry_is_recorded_too_and_the_record_stays(client, users):
    entry = entries(datetime.date(2021, 5, 6), 1, users["street"])[0]
    client.force_login(users["superuser"])
    assert client.post(f"/admin/portal/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 302
    prune = AuditEntry.objects.get(action=AuditEntry.Action.AUDIT_PRUNE)
    assert "的1条记录" in prune.summary
    assert client.post(f"/admin/portal/auditentry/{prune.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [prune.pk], "post": "yes"}
    client.post("/admin/portal/auditentry/", bulk)
    assert AuditEntry.objects.filter(pk=prune.pk).exists()


def test_only_a_superuser_prunes(client, users):
    entry = entries(datetime.date(2021, 5, 6), 1, users["street"])[0]
    client.force_login(users["street"])
    client.post(f"/admin/portal/auditentry/{entry.pk}/delete/", {"post": "yes"})
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.AUDIT_PRUNE).exists()
