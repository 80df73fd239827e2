import datetime
import time

from django.core.management.base import BaseCommand, CommandError

from portal import demo


class Command(BaseCommand):
    help = "建立演示数据：容城街道、十个社区、党员及其多年变动记录、各角色演示账号。"

    def add_arguments(self, parser):
        # None: not given. Given on a database that already holds the demo, they cannot take effect,
        # and the command says so instead of passing over them.
        parser.add_argument("--seed", type=int, default=None, help="随机种子；相同种子得到相同数据（默认 2026）。")
        parser.add_argument(
            "--scale",
            choices=sorted(demo.SCALES),
            default=None,
            help="street：10个社区约3000名党员（默认）；district：约75个社区、25000名党员（性能测试用）。",
        )
        parser.add_argument("--password", default=None, help=f"演示账号的密码（默认 {demo.PASSWORD}）。")
        parser.add_argument(
            "--today", type=datetime.date.fromisoformat, default=None, help="历史截止日期（YYYY-MM-DD），默认今天。"
        )
        parser.add_argument("--communities", type=int, default=None, help=argparse_hidden())
        parser.add_argument("--per-community", type=int, default=None, help=argparse_hidden())

    def handle(self, *args, **options):
        if options["communities"] is not None and not 1 <= options["communities"] <= 75:
            raise CommandError("--communities 应在 1 到 75 之间。")
        building = ("seed", "scale", "password", "today", "communities", "per_community")
        asked = [f"--{name.replace('_', '-')}" for name in building if options[name] is not None]
        if demo.exists():
            self._already_there(asked)
            return
        started = time.perf_counter()
        password = options["password"] or demo.PASSWORD
        created, accounts, holds = demo.seed(
            seed=options["seed"] if options["seed"] is not None else 2026,
            scale=options["scale"] or "street",
            password=password,
            today=options["today"],
            communities=options["communities"],
            per_community=options["per_community"],
        )
        if not created:  # built by someone else a moment ago
            self._already_there(asked)
            return
        self.stdout.write(f"已建立{demo.STREET_NAME}：{holds}，用时 {time.perf_counter() - started:.1f} 秒。")
        self._accounts(accounts, password)

    def _already_there(self, asked):
        holds = demo.holds()
        if asked:
            raise CommandError(
                f"演示数据已存在（{demo.STREET_NAME}，{holds}），{'、'.join(asked)} 只在第一次建库时生效，"
                f"这次什么也没有改动。\n{REBUILD}"
            )
        self.stdout.write(f"演示数据已存在（{demo.STREET_NAME}，{holds}），未重复创建。")
        accounts = demo.existing_accounts()
        password = demo.PASSWORD if demo.default_password_works() else "建库时用 --password 指定的密码"
        self._accounts(accounts, password)
        self.stdout.write(REBUILD)

    def _accounts(self, accounts, password):
        self.stdout.write("演示账号（用户名或手机号均可登录）：")
        for username, phone, title in accounts:
            self.stdout.write(f"  {username:<10} {phone}  {title}")
        self.stdout.write(f"密码：{password}")


REBUILD = (
    "如需从头重建：停止 bin/demo，删除 db.sqlite3，再运行 bin/demo。要换密码或规模：删除后运行 "
    ".venv/bin/python manage.py migrate 和 .venv/bin/python manage.py seed_demo --password … --scale …。"
    "使用 PostgreSQL（设置了 DATABASE_URL）时，用 manage.py flush --noinput 代替删除 db.sqlite3。"
)


def argparse_hidden():
    import argparse

    return argparse.SUPPRESS
