from django.core.management.base import BaseCommand

from members.retention import KEEP_UPLOADS, purge_import_files


class Command(BaseCommand):
    help = (
        f"删除不再需要的花名册上传文件：已导入、未导入或出错的批次，以及上传超过{KEEP_UPLOADS.days}天仍未导入的批次。"
        "可重复运行；生产环境每天运行一次。"
    )

    def handle(self, *args, **options):
        count = purge_import_files()
        self.stdout.write(f"已删除{count}个导入批次的上传文件。")
