"""``/health/`` for the load balancer and monitoring: 200 when this server can do its work, 503 when not.

The answer names each check and whether it passed, nothing else (no versions, no hosts, no errors).
"""

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from portal.worker import alive_workers


def database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def unapplied_migrations():
    """Migrations this code has and the database has not (a deploy that forgot ``migrate``)."""
    executor = MigrationExecutor(connection)
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


def worker_heartbeat_ok():
    """Whether some background worker (``manage.py worker``, on any machine) beat recently: without
    one, large imports would wait forever."""
    try:
        return alive_workers().exists()
    except DatabaseError:
        return False


@never_cache
def health(request):
    checks = {"database": database_ok()}
    if checks["database"]:
        try:
            checks["migrations"] = not unapplied_migrations()
        except DatabaseError:
            checks["migrations"] = False
    else:
        checks["migrations"] = False
    checks["worker"] = checks["database"] and worker_heartbeat_ok()
    healthy = all(checks.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": {k: "ok" if v else "failed" for k, v in checks.items()},
    }
    return JsonResponse(body, status=200 if healthy else 503)
