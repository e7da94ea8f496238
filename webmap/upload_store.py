"""Uploaded files kept between a check and its confirmation.

Each upload lives in a private folder (mode 0700) under ``<instance>/uploads/``, named by a
random token; a ``meta.json`` beside the file says whose session uploaded it (a hash of the
server-side session token, never the token itself), when it was last used and the options of
its last check. A token is good only for the session that uploaded it and for
:data:`LIFETIME_S` after its last use; each session keeps at most :data:`PER_SESSION` uploads
(the oldest goes) and the server at most :data:`TOTAL`, so the disk used stays below
``TOTAL x max_survey_upload_mb``. A confirmation claims its folder by renaming it, so that a second
confirmation of the same token finds nothing to write.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

#: what a token looks like (secrets.token_urlsafe(24)); anything else names no folder
TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
#: seconds an upload is kept after its last check
LIFETIME_S = 3600
#: uploads one session may keep; a new one removes the oldest
PER_SESSION = 3
#: uploads the server keeps at once
TOTAL = 20
_CLAIMED = ".claimed-"
_META = "meta.json"


class UploadGone(LookupError):
    """A token that names no upload of this session: unknown, expired, confirmed already, or
    another session's."""


class UploadsFull(RuntimeError):
    """The server keeps as many uploads as it may."""


@dataclass
class Upload:
    token: str
    folder: Path
    meta: dict

    @property
    def name(self) -> str:
        return self.meta["name"]

    @property
    def path(self) -> Path:
        return self.folder / self.name


def _owner(session_token: str) -> str:
    return hashlib.sha256(session_token.encode()).hexdigest()


def _write_meta(folder: Path, meta: dict) -> None:
    tmp = folder / (_META + ".tmp")
    tmp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, folder / _META)


class Uploads:
    """The uploads folder of one app."""

    def __init__(self, root, *, lifetime_s: float = LIFETIME_S, per_session: int = PER_SESSION,
                 total: int = TOTAL):
        self.root = Path(root)
        self.lifetime_s, self.per_session, self.total = lifetime_s, per_session, total
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)

    def _read(self, folder: Path) -> dict | None:
        try:
            return json.loads((folder / _META).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _folders(self) -> list[Path]:
        return [p for p in self.root.iterdir() if p.is_dir()]

    def sweep(self, now: float | None = None) -> None:
        """Remove the uploads unused for longer than their lifetime (and folders left by a
        save or a confirmation that never finished)."""
        now = time.time() if now is None else now
        for folder in self._folders():
            meta = self._read(folder)
            used = meta["used"] if meta else folder.stat().st_mtime
            if now - used > self.lifetime_s:
                shutil.rmtree(folder, ignore_errors=True)

    def create(self, session_token: str, user: str, name: str,
               save: Callable[[Path], None]) -> Upload:
        """A new upload holding the file ``save`` writes to the path it is given."""
        self.sweep()
        owner = _owner(session_token)
        mine = sorted((m["used"], f) for f in self._folders()
                      if not f.name.startswith(_CLAIMED)
                      and (m := self._read(f)) is not None and m.get("owner") == owner)
        for _used, folder in mine[:max(0, len(mine) - self.per_session + 1)]:
            shutil.rmtree(folder, ignore_errors=True)
        if len(self._folders()) >= self.total:
            raise UploadsFull("máy chủ đang giữ quá nhiều tệp tải lên / the server holds as "
                              "many uploads as it may; try again in a while")
        token = secrets.token_urlsafe(24)
        folder = self.root / token
        folder.mkdir(mode=0o700)
        now = time.time()
        meta = {"owner": owner, "user": user, "name": name, "created": now, "used": now,
                "check": None}
        try:
            save(folder / name)
            _write_meta(folder, meta)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return Upload(token, folder, meta)

    def get(self, token: str | None, session_token: str) -> Upload:
        """The upload of ``token`` if it belongs to this session and has not expired."""
        gone = UploadGone("không tìm thấy tệp đã tải lên (hết hạn, đã ghi, hoặc của phiên "
                          "khác) / no such upload: it expired, was written already or belongs "
                          "to another session; upload the file again")
        if not token or not TOKEN.fullmatch(token):
            raise gone
        folder = self.root / token
        meta = self._read(folder)
        if meta is None or meta.get("owner") != _owner(session_token) \
                or time.time() - meta["used"] > self.lifetime_s:
            raise gone
        return Upload(token, folder, meta)

    def remember(self, upload: Upload, check: dict) -> None:
        """Keep the options of the check just made (the confirmation writes with them)."""
        upload.meta.update(check=check, used=time.time())
        _write_meta(upload.folder, upload.meta)

    def claim(self, upload: Upload) -> Upload:
        """Take the upload for writing: no other request finds it until :meth:`release`."""
        claimed = self.root / (_CLAIMED + upload.token)
        try:
            os.rename(upload.folder, claimed)
        except FileNotFoundError:
            raise UploadGone("tệp này đang được ghi hoặc đã ghi / this upload is being written "
                             "or was written already") from None
        return Upload(upload.token, claimed, upload.meta)

    def release(self, claimed: Upload) -> None:
        """Give a claimed upload back (its write was refused), for another check."""
        os.rename(claimed.folder, self.root / claimed.token)
        self.remember(Upload(claimed.token, self.root / claimed.token, claimed.meta),
                      claimed.meta["check"])

    def remove(self, upload: Upload) -> None:
        shutil.rmtree(upload.folder, ignore_errors=True)
