"""The content-addressed store of electronic documents' bytes, and their text.

Bytes are kept in a folder under their SHA-256: ``<store>/<office id>/ab/cdef...``
(the first two hex digits name a sub-folder). Identical bytes are stored once,
however many documents have them; destroying a document deletes its bytes only
when no other document of the office that is not destroyed has them. Files are
written to a temporary name and renamed, so a reader never sees half a file.

Each office has a folder of its own: its operations are serialised by its office
row's lock, so two of them never write and delete the same file at once.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import tempfile
from pathlib import Path

__all__ = ["STORE_ENV", "TEXT_MEDIA_TYPES", "FileStore", "extract_text"]

STORE_ENV = "OFFICEKIT_FILING_STORE"
"""The environment variable that names the store's folder, over the profile's."""

TEXT_MEDIA_TYPES = (
    "application/json",
    "application/xml",
    "application/x-yaml",
    "application/yaml",
    "application/csv",
)
"""Media types besides ``text/*`` whose text is extracted for search."""

_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.IGNORECASE | re.DOTALL)
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def extract_text(data: bytes, media_type: str) -> str | None:
    """The text of a document, for the search index; None for media types without one.

    ``text/*`` and the structured text types of
    [`TEXT_MEDIA_TYPES`][officekit.plugins.clerk.filing.filestore.TEXT_MEDIA_TYPES]
    are decoded as UTF-8 (with or without a byte-order mark), else as Windows-1252;
    HTML loses its tags. Control characters a database cannot keep become spaces.
    """
    kind = media_type.split(";", 1)[0].strip().lower()
    if not (kind.startswith("text/") or kind in TEXT_MEDIA_TYPES):
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if kind in ("text/html", "application/xhtml+xml"):
        text = html.unescape(_TAG.sub(" ", text))
    return _UNSTORABLE.sub(" ", text)


class FileStore:
    """One office's folder of electronic documents' bytes, by SHA-256.

    Args:
        root: The office's folder (created when the first file is written).
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    @staticmethod
    def digest(data: bytes) -> str:
        """The SHA-256 of ``data``, in hex: the name it is stored under."""
        return hashlib.sha256(data).hexdigest()

    def path(self, sha256: str) -> Path:
        """Where the bytes with this SHA-256 are (or would be) kept."""
        return self.root / sha256[:2] / sha256[2:]

    def has(self, sha256: str) -> bool:
        """Whether the bytes are in the store."""
        return self.path(sha256).is_file()

    def read(self, sha256: str) -> bytes:
        """The bytes with this SHA-256.

        Raises:
            FileNotFoundError: They are not in the store.
        """
        return self.path(sha256).read_bytes()

    def put(self, data: bytes) -> tuple[str, bool]:
        """Store ``data``; return its SHA-256 and whether it was new to the store."""
        sha = self.digest(data)
        target = self.path(sha)
        if target.is_file():
            return sha, False
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return sha, True

    def remove(self, sha256: str) -> None:
        """Delete the bytes (nothing happens if they are not there)."""
        self.path(sha256).unlink(missing_ok=True)

    def set_aside(self, sha256: str) -> Path | None:
        """Move the bytes to a name of their own, to delete once a transaction commits.

        Returns:
            Where they are now (None: they were not in the store). Give it to
            ``restore`` if the transaction fails, else delete it.
        """
        source = self.path(sha256)
        if not source.is_file():
            return None
        aside = source.with_name(f".destroying-{source.name}")
        os.replace(source, aside)
        return aside

    def restore(self, sha256: str, aside: Path) -> None:
        """Put back bytes that ``set_aside`` moved."""
        os.replace(aside, self.path(sha256))
