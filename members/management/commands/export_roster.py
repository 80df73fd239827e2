from django.core.management.base import BaseCommand

from members.ledgers import RosterExport
from members.management.commands._organization import organization_named


class Command(BaseCommand):
    help = "导出某组织（含下级）的党员花名册为 .xlsx，列名与导入一致。"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--org", required=True, help="组织名称或编号")

    def handle(self, *args, **options):
        organization = organization_named(options["org"])
        count = RosterExport(organization).save(options["file"])
        self.stdout.write(f"已导出 {count} 名党员到 {options['file']}")
