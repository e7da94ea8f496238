"""Create and manage the web map's accounts (roles: viewer, editor, admin).

    python scripts/manage_users.py add lan --role editor --name "Nguyễn Thị Lan"
    python scripts/manage_users.py list
    python scripts/manage_users.py password lan
    python scripts/manage_users.py role lan admin
    python scripts/manage_users.py disable lan
    python scripts/manage_users.py unlock lan                 # after too many failed logins
    python scripts/manage_users.py unlock --address 10.0.0.7
    python scripts/manage_users.py key-add qgis-phong-dia-chinh   # prints the key, once
    python scripts/manage_users.py key-list
    python scripts/manage_users.py key-revoke qgis-phong-dia-chinh

A key reads /ogc and the tiles (header X-API-Key or ?api_key=) and nothing else: no editing.

A new password or disabling an account logs every session of it out; enabling it also lifts a
lock left by failed logins.

The password is asked for at the prompt (or read from LANDGIS_NEW_PASSWORD for scripts and
tests), never given on the command line where other users could see it.
"""

from __future__ import annotations

import getpass
import os

from landgis.accounts import ROLES, open_accounts
from landgis_scripts import _cli


def new_password() -> str:
    given = os.environ.get("LANDGIS_NEW_PASSWORD")
    if given:
        return given
    first = getpass.getpass("Mật khẩu / password: ")
    if first != getpass.getpass("Nhập lại / again: "):
        raise ValueError("hai lần nhập không khớp / the two passwords differ")
    return first


def main() -> int:
    p = _cli.parser(__doc__.splitlines()[0])
    common = _cli.parser("", add_help=False)
    sub = p.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", parents=[common], help="create an account")
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, default="viewer")
    add.add_argument("--name", help="full name")
    sub.add_parser("list", parents=[common], help="list the accounts")
    pw = sub.add_parser("password", parents=[common], help="set a new password")
    pw.add_argument("username")
    role = sub.add_parser("role", parents=[common], help="change the role")
    role.add_argument("username")
    role.add_argument("role", choices=ROLES)
    for name in ("disable", "enable"):
        sub.add_parser(name, parents=[common], help=f"{name} an account").add_argument("username")
    unlock = sub.add_parser("unlock", parents=[common],
                            help="lift the lock left by failed logins of a name or an address")
    unlock.add_argument("username", nargs="?")
    unlock.add_argument("--address", help="a client address locked by failed logins")
    sub.add_parser("key-add", parents=[common],
                   help="a read-only key for /ogc and the tiles (QGIS, GDAL)").add_argument("name")
    sub.add_parser("key-list", parents=[common], help="list the read-only keys")
    sub.add_parser("key-revoke", parents=[common], help="revoke a key").add_argument("name")
    args = p.parse_args()
    settings = _cli.settings(args)
    accounts = open_accounts(settings.database_url, settings.instance_dir)

    if args.command == "add":
        account = accounts.create(args.username, new_password(), args.role, args.name)
        print(f"đã tạo / created {account.username} ({account.role})")
    elif args.command == "list":
        for a in accounts.list():
            state = "" if a.active else "  (khóa / disabled)"
            if accounts.locked_until(a.username):
                state += "  (tạm khóa đăng nhập / login locked)"
            print(f"{a.username:<24}{a.role:<8}{a.full_name or ''}{state}")
    elif args.command == "password":
        accounts.update(args.username, password=new_password())
        print(f"đã đổi mật khẩu / password changed: {args.username}")
    elif args.command == "role":
        accounts.update(args.username, role=args.role)
        print(f"{args.username}: {args.role}")
    elif args.command == "key-add":
        key = accounts.add_key(args.name)
        print(f"khóa chỉ đọc / read-only key {args.name} (shown once, keep it): {key}")
    elif args.command == "key-list":
        for name, created, active in accounts.list_keys():
            print(f"{name:<32}{created:<28}{'' if active else '(thu hồi / revoked)'}")
    elif args.command == "key-revoke":
        accounts.revoke_key(args.name)
        print(f"đã thu hồi / revoked: {args.name}")
    elif args.command == "unlock":
        if not (args.username or args.address):
            p.error("unlock: a user name or --address")
        accounts.unlock(args.username, args.address)
        print(f"đã mở khóa / unlocked: {args.username or args.address}")
    else:
        accounts.update(args.username, active=args.command == "enable")
        print(f"{args.username}: {args.command}d")
    return 0


def cli() -> None:
    """The ``landgis-users`` command."""
    _cli.run(main)


if __name__ == "__main__":
    cli()
