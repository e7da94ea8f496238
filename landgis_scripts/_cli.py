"""What every landgis script shares: the --db, --config and --setting options, and clean exits.

``--setting NAME=VALUE`` (repeatable) sets any field of :class:`landgis.config.Settings` for
this run, over the TOML file and the ``LANDGIS_*`` variables; ``--db`` is short for
``--setting database_url=…`` and wins over it.

Each script parses its own arguments, calls the core, and prints or writes. Errors the user can
act on (bad input, a missing file, a contract problem) are printed as one message on stderr with
exit code 2 for bad arguments and 1 for bad data; nothing is written in either case.
"""

from __future__ import annotations

import argparse
import gc
import sys
from dataclasses import fields
from typing import Callable

from landgis.config import Settings, load_settings
from landgis.contract import ContractError
from landgis.crs import CoordinateError
from landgis.store import StoreError

_NAMES = tuple(f.name for f in fields(Settings))


def parser(description: str, *, add_help: bool = True) -> argparse.ArgumentParser:
    """A parser with the shared options. With ``add_help=False`` it is a parent for
    sub-commands, whose copies of the options leave the main parser's values alone."""
    p = argparse.ArgumentParser(description=description, add_help=add_help)
    nested = {} if add_help else {"default": argparse.SUPPRESS}
    p.add_argument("--db", **nested, help="the store: a .gpkg path or a postgresql:// URL "
                                "(default: LANDGIS_DATABASE_URL, else layers/kontum.gpkg)")
    p.add_argument("--config", **nested, help="a TOML settings file")
    # a sub-command's copy goes to its own list: argparse would replace the main parser's
    p.add_argument("--setting", action="append", type=_setting, metavar="NAME=VALUE",
                   dest="setting" if add_help else "setting_after",
                   **({"default": []} if add_help else nested),
                   help=f"set one setting for this run (repeatable): {', '.join(_NAMES)}; "
                        "see README.md, Settings")
    return p


def _setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep:
        raise argparse.ArgumentTypeError(f"{text!r}: viết / write NAME=VALUE")
    if name not in _NAMES:
        raise argparse.ArgumentTypeError(
            f"không có cài đặt / unknown setting {name!r}; known: {', '.join(_NAMES)}")
    return name, value


def settings(args: argparse.Namespace) -> Settings:
    """The settings of this run: defaults < TOML file < ``LANDGIS_*`` < --setting < --db."""
    given = [*getattr(args, "setting", []), *getattr(args, "setting_after", [])]
    overrides = dict(given)
    if getattr(args, "db", None) is not None:
        overrides["database_url"] = args.db
    return load_settings(getattr(args, "config", None), overrides=overrides)


#: the flag or command for each option the core's errors name (their ``option``), where the
#: script itself does not say it
HINTS = {
    "database_url": "make layers (the demo store), or --db FILE.gpkg|postgresql://… for another",
    "init_store": "scripts/init_db.py --db URL [--from layers/kontum.gpkg]",
    "allow_uncleared": "--allow-uncleared",
}


def recording_user(p: argparse.ArgumentParser, args: argparse.Namespace) -> str:
    """Who records what a command writes to the ledger: ``--user``, else the login name; a
    usage error when neither gives a name."""
    import getpass

    user = args.user
    if user is None:
        try:
            user = getpass.getuser()
        except Exception:  # no login name in this environment
            p.error("không biết người dùng / cannot tell who you are: give --user NAME")
    if not user.strip():
        p.error("--user: thiếu tên / a name is required")
    return user.strip()


def run(main: Callable[[], int | None], hints: dict[str, str] | None = None) -> None:
    """Run ``main`` and turn the errors a user can act on into a message and an exit code.

    An error that carries an ``option`` (what would fix it, in the core's words) is followed by
    the flag of this command that sets it: ``hints`` (the command's own) over :data:`HINTS`."""
    hints = {**HINTS, **(hints or {})}
    # what the imports made lives as long as the command: the collector need not go through
    # it again and again while a 100,000-parcel layer is read (a few per cent of a cold start)
    gc.freeze()
    try:
        code = main()
    except (ContractError, CoordinateError, StoreError, ValueError, FileNotFoundError) as exc:
        print(f"lỗi / error: {exc}", file=sys.stderr)
        option = getattr(exc, "option", None)
        if isinstance(option, str) and option in hints:
            print(f"  cách sửa / to fix: {hints[option]}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("dừng / interrupted", file=sys.stderr)
        sys.exit(130)
    sys.exit(code or 0)
