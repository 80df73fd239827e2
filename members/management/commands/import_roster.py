from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from members.imports import RosterImport
from members.management.commands._organization import organization_named
from members.roster import RosterError


class Command(BaseCommand):
    help = "导入花名册（.xlsx/.xls）到某个组织；先检查全部行，默认全部无误才导入。"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--org", required=True, help="导入到的组织：名称或编号")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        parser.add_argument("--valid-only", action="store_true", help="跳过有问题的行，只导入无误的行")
        parser.add_argument("--user", help="记为导入人的账号（默认第一个超级管理员）")

    def handle(self, *args, **options):
        organization = organization_named(options["org"])
        user = self._user(options["user"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件 {path}")
        job = RosterImport(path.read_bytes(), path.name, organization, user)
        try:
            if options["dry_run"]:
                plan, committed = job.analyse(), False
            else:
                plan, committed = job.commit(valid_only=options["valid_only"])
        except RosterError as error:
            raise CommandError(str(error)) from None
        for entry in plan.rejected:
            for column, reason in entry["problems"]:
                self.stdout.write(f"第{entry['row']}行\t{column}\t{reason}")
        new, updated, unchanged, rejected = plan.counts
        self.stdout.write(f"新增 {new}，更新 {updated}，未变 {unchanged}，有问题 {rejected}")
        if plan.extra_columns:
            self.stdout.write(f"未使用的列：{'、'.join(plan.extra_columns)}")
        if not committed:
            reason = (
                "只检查未写入（--dry-run）"
                if options["dry_run"]
                else "有问题的行未改正，全部未导入（可加 --valid-only 只导入无误的行）"
            )
            raise CommandError(reason)
        self.stdout.write(self.style.SUCCESS("已导入。"))

    def _user(self, username):
        users = get_user_model().objects
        user = users.filter(username=username).first() if username else users.filter(is_superuser=True).first()
        if user is None:
            raise CommandError("找不到导入人账号，请用 --user 指定。")
        return user
