from django.core.management.base import BaseCommand, CommandError

from portal.backups import ENGINE_NAMES, BackupError, make_backup


class Command(BaseCommand):
    help = "备份整个数据库（含审计日志、变动记录、上传的花名册）到一个文件；系统运行中也可以备份。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件的路径，例如 /var/backups/portal/portal-20260101.tar")

    def handle(self, *args, file, **options):
        try:
            manifest = make_backup(file)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"已备份 {ENGINE_NAMES[manifest.engine]} 数据库到 {file}"
            f"（{len(manifest.migrations)} 个数据库迁移，{manifest.media_files} 个媒体文件）。"
        )
        self.stdout.write(f"恢复：python manage.py restore {file}")
