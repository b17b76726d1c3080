"""Files sent to a browser: the one place that writes ``Content-Disposition``.

A header value is latin-1 on the wire, so a Vietnamese file name ("Tờ trình 123-TTr-BKHCN.pdf")
cannot go into ``filename="…"`` as it is. RFC 6266 with RFC 5987 gives the answer used here:
an ASCII fallback in ``filename`` (diacritics stripped, unsafe characters replaced) for old
clients, and the real name, UTF-8 and percent-encoded, in ``filename*``, which every current
browser prefers."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from fastapi.responses import Response

# the characters kept as they are in the ASCII fallback (RFC 6266 token-safe plus space)
_FALLBACK_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._- ()")
_VIETNAMESE_D = str.maketrans({"đ": "d", "Đ": "D"})


def ascii_filename(name: str, default: str = "download") -> str:
    """The file name with diacritics stripped and anything unsafe in a quoted header replaced
    by ``_`` ("Tờ trình 123.pdf" → "To trinh 123.pdf")."""
    base = unicodedata.normalize("NFKD", name.translate(_VIETNAMESE_D))
    base = "".join(c for c in base if not unicodedata.combining(c))
    cleaned = "".join(c if c in _FALLBACK_SAFE else "_" for c in base).strip(" .")
    return cleaned or default


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """``attachment; filename="ascii"; filename*=UTF-8''percent-encoded`` (RFC 6266 §4.3).

    The real name is taken only as far as its last path separator (a name is never a path)."""
    if disposition not in ("attachment", "inline"):
        raise ValueError(f"unknown disposition {disposition!r}")
    name = unicodedata.normalize("NFC", filename.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C") or "download"
    fallback = ascii_filename(name)
    value = f'{disposition}; filename="{fallback}"'
    if fallback != name:
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return value


def download(content: bytes, filename: str, media_type: str,
             disposition: str = "attachment", headers: dict[str, str] | None = None) -> Response:
    """A file response named ``filename`` (any characters) that the browser saves as such."""
    all_headers = {"Content-Disposition": content_disposition(filename, disposition),
                   "X-Content-Type-Options": "nosniff", **(headers or {})}
    return Response(content, media_type=media_type, headers=all_headers)
