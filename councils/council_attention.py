"""What of the council needs attention on the home page, counted per organization in a bounded number
of queries: items stuck in one step, implementation tasks past their due date, residents' comments
waiting for moderation. Each count opens a list of exactly those rows (the querysets here are what
both use)."""

from django.db.models import Count

from councils.models import AgendaItem, Comment, ImplementationTask, Step
from services.visits import counts_by_scope


def stuck_items(day):
    return AgendaItem.objects.stuck(day)


def overdue_tasks(day):
    """Tasks of items being carried out, not done, due before ``day``."""
    return ImplementationTask.objects.filter(done_on__isnull=True, due_on__lt=day, item__step=Step.IMPLEMENT)


def pending_comments(day=None):
    return Comment.objects.filter(status=Comment.Status.PENDING)


# key: (the rows counted on a day, how they reach their organization)
ATTENTION = {
    "council_items_stuck": (stuck_items, "organization"),
    "council_tasks_overdue": (overdue_tasks, "item__organization"),
    "council_comments_pending": (pending_comments, "item__organization"),
}


def count_attention(scopes, day):
    """{organization id: {item key: count}} under each of ``scopes`` on ``day``: per item one query per
    depth among the scopes."""
    found = {scope.pk: {} for scope in scopes}
    for key, (rows, lookup) in ATTENTION.items():
        queryset = rows(day)
        counted = queryset.model.objects.filter(pk__in=queryset.values("pk"))
        for pk, values in counts_by_scope(counted, lookup, {key: Count("pk")}, scopes).items():
            found[pk].update(values)
    return found
