"""``manage.py worker``: django-tasks-db's ``db_worker`` with a heartbeat (see portal/worker.py)."""

from django.core.management.base import CommandError
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

from portal.worker import Heartbeat


class HeartbeatWorker(Worker):
    def run(self):
        heartbeat = Heartbeat(self.worker_id)
        heartbeat.start()
        try:
            return super().run()
        finally:
            heartbeat.stop()


class Command(DbWorkerCommand):
    help = "后台任务程序：执行花名册导入等较长的任务。每台服务器可运行一个或多个，均连接同一数据库。"

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay, max_tasks, **options):
        # Never the autoreloader: the heartbeat must come from the process that runs the jobs.
        self.configure_logging(verbosity)
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_name.split(","):
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = HeartbeatWorker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        worker.configure_signals()
        worker.run()
