import datetime
import time

from django.core.management.base import BaseCommand, CommandError

from portal import demo


class Command(BaseCommand):
    help = "建立演示数据：容城街道、十个社区、党员及其多年变动记录、各角色演示账号。"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="随机种子；相同种子得到相同数据。")
        parser.add_argument(
            "--scale",
            choices=sorted(demo.SCALES),
            default="street",
            help="street：10个社区约3000名党员；district：约75个社区、25000名党员（性能测试用）。",
        )
        parser.add_argument("--password", default=demo.PASSWORD, help="演示账号的密码。")
        parser.add_argument(
            "--today", type=datetime.date.fromisoformat, default=None, help="历史截止日期（YYYY-MM-DD），默认今天。"
        )
        parser.add_argument("--communities", type=int, default=None, help=argparse_hidden())
        parser.add_argument("--per-community", type=int, default=None, help=argparse_hidden())

    def handle(self, *args, **options):
        if options["communities"] is not None and not 1 <= options["communities"] <= 75:
            raise CommandError("--communities 应在 1 到 75 之间。")
        started = time.perf_counter()
        created, accounts, holds = demo.seed(
            seed=options["seed"],
            scale=options["scale"],
            password=options["password"],
            today=options["today"],
            communities=options["communities"],
            per_community=options["per_community"],
        )
        if not created:
            self.stdout.write(f"演示数据已存在（{demo.STREET_NAME}，{holds}），未重复创建。")
            self.stdout.write("如需重建，请删除数据库后重新运行 migrate 和 seed_demo。")
            return
        self.stdout.write(f"已建立{demo.STREET_NAME}：{holds}，用时 {time.perf_counter() - started:.1f} 秒。")
        self.stdout.write("演示账号（用户名或手机号均可登录）：")
        for username, phone, title in accounts:
            self.stdout.write(f"  {username:<10} {phone}  {title}")
        self.stdout.write(f"密码：{options['password']}")


def argparse_hidden():
    import argparse

    return argparse.SUPPRESS
