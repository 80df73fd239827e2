from django.core.management.base import BaseCommand, CommandError

from portal.backups import ENGINE_NAMES, BackupError, read_manifest, restore_backup, unapplied_after_restore


class Command(BaseCommand):
    help = "用 manage.py backup 生成的备份文件恢复整个数据库（当前数据全部被替换）。恢复前请停止网站和后台任务进程。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="manage.py backup 生成的备份文件")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help="不询问，直接恢复。"
        )

    def handle(self, *args, file, interactive, **options):
        try:
            manifest = read_manifest(file)  # refuse a file that is not a backup before asking anything
            if interactive:
                answer = input(
                    f"将用 {manifest.created} 的备份替换当前数据库中的全部数据，恢复后无法撤销。输入 yes 继续："
                )
                if answer.strip().lower() != "yes":
                    raise CommandError("已取消，未做任何改动。")
            manifest = restore_backup(file)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"已用 {manifest.created} 的备份恢复 {ENGINE_NAMES[manifest.engine]} 数据库。")
        missing = unapplied_after_restore()
        if missing:
            self.stdout.write(f"备份比当前代码旧（缺少 {len(missing)} 个数据库迁移），请运行：python manage.py migrate")
