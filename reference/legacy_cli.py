"""``python -m reference.legacy``: check, import and list legacy-divisions files."""

from __future__ import annotations

import argparse
import sys

from reference import legacy
from reference.legacy_schema import LegacyFileError


def _count(number: int, one: str, many: str | None = None) -> str:
    return f"{number} {one if number == 1 else many or one + 's'}"


def _describe(legacy_file) -> str:
    return (f"{legacy_file.province_name} ({legacy_file.province_code}), "
            f"{legacy_file.valid_from}-{legacy_file.valid_until}, "
            f"{_count(len(legacy_file.districts), 'district')}, "
            f"{_count(legacy_file.commune_count, 'commune entry', 'commune entries')}, "
            f"{legacy_file.coverage} coverage, {legacy_file.status}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m reference.legacy",
                                     description="Pre-2025 districts and their communes, by province.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate a file without installing it")
    check.add_argument("file")
    install = commands.add_parser("import", help="validate a file and install it")
    install.add_argument("file")
    install.add_argument("--replace", action="store_true",
                         help="overwrite the province's installed file")
    install.add_argument("--data-dir", default=None,
                         help=f"install here instead of {legacy.DATA_DIR}")
    listing = commands.add_parser("list", help="show the installed files")
    listing.add_argument("--data-dir", default=None)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "check":
            print(f"valid: {_describe(legacy.check_file(args.file))}")
        elif args.command == "import":
            target, legacy_file = legacy.import_file(args.file, args.data_dir, args.replace)
            print(f"installed {_describe(legacy_file)} -> {target}")
        else:
            for path in legacy.installed_paths(args.data_dir):
                print(f"{path.name}: {_describe(legacy.check_file(path))}")
    except LegacyFileError as exc:
        print(exc, file=sys.stderr)
        if args.command == "import":
            print("Nothing was installed.", file=sys.stderr)
        return 1
    return 0
