"""The background worker's heartbeat: how pages and /health/ tell a running job from one whose
worker died (a restart, an out-of-memory kill), without any state but the database."""

import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from portal.models import WorkerHeartbeat


def beat_seconds():
    return settings.WORKER_HEARTBEAT_SECONDS


def alive_workers():
    # A worker silent for eight beats is gone; generous, because on SQLite a large import holds
    # the write lock for a while and the beat waits for it.
    since = timezone.now() - timedelta(seconds=8 * beat_seconds())
    return WorkerHeartbeat.objects.filter(last_seen__gte=since)


def is_alive(worker_id):
    return alive_workers().filter(worker_id=worker_id).exists()


class Heartbeat(threading.Thread):
    """Writes the worker's last-seen time every few seconds while the worker runs."""

    def __init__(self, worker_id):
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id, self.stopped = worker_id, threading.Event()

    def run(self):
        try:
            while True:
                self.beat()
                if self.stopped.wait(beat_seconds()):
                    break
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        except DatabaseError:  # the database is going away with the worker: the beat goes stale
            pass
        finally:
            connection.close()

    def beat(self):
        close_old_connections()
        try:
            WorkerHeartbeat.objects.update_or_create(
                worker_id=self.worker_id,
                defaults={"host": socket.gethostname()[:255], "pid": os.getpid(), "last_seen": timezone.now()},
            )
        except DatabaseError:  # the database is busy, restarting or the connection broke: beat again later
            pass

    def stop(self):
        self.stopped.set()
        self.join(timeout=beat_seconds())
