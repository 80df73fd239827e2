"""First run of a new district: the street, its first account's role, and the communities."""

import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from organizations.models import Organization, Role

# A community's level is in its name: 北门社区党委, 西上社区党总支, 南湖社区党支部.
LEVEL_BY_SUFFIX = [
    ("党委", Organization.Level.COMMITTEE),
    ("党总支", Organization.Level.GENERAL_BRANCH),
    ("党支部", Organization.Level.BRANCH),
]


class Command(BaseCommand):
    help = (
        "第一次使用：建立街道党工委，让指定账号成为街道工作人员，并可按名单建立社区党组织。"
        "可重复运行：已有的街道、社区和角色不会重复建立。"
    )

    def add_arguments(self, parser):
        parser.add_argument("street", help="街道党工委的名称，例如“某某街道党工委”")
        parser.add_argument("--admin", required=True, help="成为街道工作人员的账号（先用 createsuperuser 建立）")
        parser.add_argument(
            "--communities",
            nargs="+",
            default=[],
            metavar="名单文件或社区名称",
            help="社区党组织：一个文本文件（每行一个名称，# 开头的行忽略）或直接写出名称；"
            "级别按名称结尾判断（党委、党总支、党支部）。",
        )
        parser.add_argument(
            "--established",
            type=datetime.date.fromisoformat,
            default=None,
            help="成立日期（YYYY-MM-DD）；不填则视为一直存在，历史统计不受影响。",
        )

    def handle(self, *args, street, admin, communities, established, **options):
        user = get_user_model().objects.filter(username=admin).first()
        if user is None:
            raise CommandError(f"没有账号“{admin}”。请先运行 python manage.py createsuperuser 建立账号，再运行本命令。")
        names = self._community_names(communities)
        try:
            with transaction.atomic():
                top, created = self._street(street.strip(), established)
                role, role_created = Role.objects.get_or_create(
                    user=user, organization=top, kind=Role.Kind.STREET_STAFF
                )
                made, existing = self._communities(top, names, established)
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from None
        self.stdout.write(f"{'已建立' if created else '已有'}{top.name}。")
        self.stdout.write(
            f"{'已让' if role_created else '已是'}账号 {user.username} {'成为' if role_created else ''}街道工作人员。"
        )
        for community in made:
            self.stdout.write(f"  已建立 {community.name}（{community.get_level_display()}）")
        if existing:
            self.stdout.write(f"  已有，未重复建立：{'、'.join(existing)}")
        self.stdout.write("下一步：登录网站，在“组织”中为各社区建立支部和党小组，或在“党员”中导入各社区的花名册。")

    def _community_names(self, values):
        names = []
        for value in values:
            path = Path(value)
            if path.is_file():
                try:
                    lines = path.read_text(encoding="utf-8-sig").splitlines()
                except UnicodeDecodeError:
                    raise CommandError(f"名单文件“{value}”不是 UTF-8 编码的文本文件，请另存为 UTF-8 后再试。") from None
                names += [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
            else:
                names.append(value.strip())
        return list(dict.fromkeys(name for name in names if name))

    def _street(self, name, established):
        if not name:
            raise CommandError("请写出街道党工委的名称。")
        existing = Organization.objects.filter(depth=1, name=name).first()
        if existing:
            return existing, False
        return Organization.establish(None, name=name, kind=Organization.Kind.STREET, established_on=established), True

    def _communities(self, street, names, established):
        made, existing = [], []
        have = set(
            Organization.objects.under(street).filter(kind=Organization.Kind.COMMUNITY).values_list("name", flat=True)
        )
        for name in names:
            if name in have:
                existing.append(name)
                continue
            level = next(
                (level for suffix, level in LEVEL_BY_SUFFIX if name.endswith(suffix)), Organization.Level.BRANCH
            )
            street.refresh_from_db()  # treebeard needs the parent's current child count
            made.append(
                Organization.establish(
                    street, name=name, kind=Organization.Kind.COMMUNITY, level=level, established_on=established
                )
            )
            have.add(name)
        return made, existing
