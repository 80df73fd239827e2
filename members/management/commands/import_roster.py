from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from members.imports import RosterImport
from members.management.commands._organization import organization_named
from members.models import Category, Status
from members.roster import LABELS, MAPPABLE, RosterError, read_roster
from organizations.models import Organization

# What --map accepts: the field's code name, its Chinese label, or "ignore".
FIELD_NAMES = {name: name for name in MAPPABLE} | {LABELS[name]: name for name in MAPPABLE} | {"ignore": "", "忽略": ""}


class Command(BaseCommand):
    help = "导入花名册（.xlsx/.xls）到某个组织；先检查全部行，默认全部无误才导入。"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--org", required=True, help="导入到的组织：名称或编号")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        parser.add_argument("--valid-only", action="store_true", help="跳过有问题的行，只导入无误的行")
        parser.add_argument("--user", help="记为导入人的账号（默认第一个超级管理员）")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="列名=字段",
            help='指定某列导入为什么（如 "工作岗位=category"；字段也可写中文，如 "人员类别"；写 ignore 表示忽略）',
        )
        parser.add_argument(
            "--default",
            action="append",
            default=[],
            metavar="字段=值",
            help="表格未写明时整份表格的取值：branch=支部名称、status=正式/预备、category=retired（或 离退休）等",
        )

    def handle(self, *args, **options):
        organization = organization_named(options["org"])
        user = self._user(options["user"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件 {path}")
        data = path.read_bytes()
        try:
            mapping = self._mapping(data, options["map"])
            decisions = self._decisions(organization, options["default"])
            job = RosterImport(data, path.name, organization, user, mapping=mapping, decisions=decisions)
            if options["dry_run"]:
                plan, committed = job.analyse(), False
            else:
                plan, committed = job.commit(valid_only=options["valid_only"])
        except RosterError as error:
            raise CommandError(str(error)) from None
        for name, rows in plan.pending.items():
            self.stdout.write(f"{rows} 行未写明{LABELS[name]}：请用 --default {name}=… 为整份表格指定")
        for entry in plan.rejected:
            for column, reason in entry["problems"]:
                self.stdout.write(f"第{entry['row']}行\t{column}\t{reason}")
        new, updated, unchanged, rejected = plan.counts
        self.stdout.write(f"新增 {new}，更新 {updated}，未变 {unchanged}，有问题 {rejected}")
        if plan.extra_columns:
            self.stdout.write(f"未使用的列：{'、'.join(plan.extra_columns)}")
        if not committed:
            if options["dry_run"]:
                reason = "只检查未写入（--dry-run）"
            elif plan.pending:
                reason = "有需要决定的事项（见上），全部未导入"
            else:
                reason = "有问题的行未改正，全部未导入（可加 --valid-only 只导入无误的行）"
            raise CommandError(reason)
        self.stdout.write(self.style.SUCCESS("已导入。"))

    def _mapping(self, data, pairs):
        """{"position": field} from "列名=字段" pairs, by the header names of the file itself."""
        if not pairs:
            return None
        report = read_roster(data).report
        mapping = {}
        for pair in pairs:
            header, _sep, target = pair.partition("=")
            field = FIELD_NAMES.get(target.strip())
            if field is None:
                raise CommandError(f"不认识的字段“{target}”，可用：{'、'.join(MAPPABLE)} 或 ignore")
            column = next((c for c in report if c.header == header.strip()), None)
            if column is None:
                raise CommandError(f"表格中没有“{header}”列；有：{'、'.join(c.header for c in report)}")
            mapping[str(column.position)] = field
        return mapping

    def _decisions(self, organization, pairs):
        decisions = {}
        for pair in pairs:
            name, _sep, value = (part.strip() for part in pair.partition("="))
            if name == "branch":
                branch = Organization.objects.under(organization).filter(name=value).first()
                if branch is None:
                    raise CommandError(f"{organization.name}下没有“{value}”")
                decisions["branch"] = branch.pk
            elif name in ("status", "category"):
                choices = Status if name == "status" else Category
                found = {c.value: c.value for c in choices} | {str(c.label): c.value for c in choices}
                found |= {str(c.label).removesuffix("党员"): c.value for c in choices}
                if value not in found:
                    raise CommandError(f"{name} 的取值应为：{'、'.join(found)}")
                decisions[name] = found[value]
            else:
                raise CommandError("--default 只能指定 branch、status、category")
        return decisions

    def _user(self, username):
        users = get_user_model().objects
        user = users.filter(username=username).first() if username else users.filter(is_superuser=True).first()
        if user is None:
            raise CommandError("找不到导入人账号，请用 --user 指定。")
        return user
