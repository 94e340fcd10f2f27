"""Masking of secrets in notification URLs, before anything is printed, logged or stored.

Apprise URLs carry their credentials in every part: ``json://host/hook/TOKEN`` in the path,
``tgram://BOTTOKEN/CHAT`` and ``pover://USER@TOKEN`` in the host, ``mailto://user:PASSWORD@host``
in the userinfo, ``?token=...`` in the query. Apprise's own privacy mode masks only some
schemes, so riskcurve masks every URL itself, by one rule that needs no knowledge of schemes:

* the scheme is kept;
* the user and password are replaced by ``***``;
* the host (and port) is kept only when it looks like a network name (``example.com``,
  ``localhost``, an IP address); anything else there is a token and is masked;
* every path segment, query value and the fragment become ``***`` (query keys are kept).

This over-masks (``/hook`` becomes ``/***``) on purpose: telling which segment of an unknown
scheme is a secret is exactly what cannot be trusted.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

MASK = "***"

#: A URL in free text: ``scheme://`` up to the next blank or quote.
_URL_IN_TEXT = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]{0,31})://([^\s'\"<>`]*)")
_HOSTNAME = re.compile(
    r"localhost|(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]"
)
#: Shorter pieces are not replaced on their own in free text (they would mask ordinary words).
_MIN_BARE_SECRET = 4


def _split(rest: str) -> tuple[str, str, str, str]:
    """``netloc/path?query#fragment`` -> (netloc, path, query, fragment), without the separators."""
    rest, _, fragment = rest.partition("#")
    rest, _, query = rest.partition("?")
    netloc, slash, path = rest.partition("/")
    return netloc, path if slash else "", query, fragment


def _host_and_port(hostport: str) -> tuple[str, str | None]:
    if hostport.startswith("["):  # [IPv6]:port
        host, _, tail = hostport.partition("]")
        port = tail[1:] if tail.startswith(":") else None
        return host + "]", port
    host, colon, port = hostport.rpartition(":")
    if colon and port.isdigit():
        return host, port
    return hostport, None


def mask_url(url: str) -> str:
    """``url`` with every part that may be a secret replaced by ``***`` (see the module docstring).

    Parameters
    ----------
    url
        Any ``scheme://...`` string; text without ``://`` is masked whole.

    Examples
    --------
    >>> mask_url("json://hooks.example.com/hook/TOKEN123SECRET?token=abc&format=json")
    'json://hooks.example.com/***/***?token=***&format=***'
    >>> mask_url("mailto://me:hunter2@mail.example.org")
    'mailto://***@mail.example.org'
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return MASK if url else url
    netloc, path, query, fragment = _split(rest)
    userinfo, at, hostport = netloc.rpartition("@")
    host, port = _host_and_port(hostport)
    shown = (MASK + "@" if at else "") + (host if _HOSTNAME.fullmatch(host) else MASK if host else "")
    if port is not None:
        shown += f":{port}"
    masked = f"{scheme}://{shown}"
    if path or rest[len(netloc) : len(netloc) + 1] == "/":
        masked += "/" + "/".join(MASK if segment else "" for segment in path.split("/"))
    if query:
        items = []
        for item in query.split("&"):
            key, equals, _ = item.partition("=")
            items.append(f"{key}={MASK}" if equals else MASK if item else "")
        masked += "?" + "&".join(items)
    if fragment:
        masked += "#" + MASK
    return masked


def secret_parts(url: str) -> set[str]:
    """The pieces of ``url`` that :func:`mask_url` hides (to hide them in free text too)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return {url} if url else set()
    netloc, path, query, fragment = _split(rest)
    userinfo, _, hostport = netloc.rpartition("@")
    host, _ = _host_and_port(hostport)
    parts = {piece for piece in re.split(r"[:@]", userinfo) if piece}
    if host and not _HOSTNAME.fullmatch(host):
        parts.update(piece for piece in host.split(":") if piece)
    parts.update(segment for segment in path.split("/") if segment)
    for item in query.split("&"):
        key, equals, value = item.partition("=")
        parts.add(value if equals else key)
    parts.add(fragment)
    return {part for part in parts if len(part) >= _MIN_BARE_SECRET}


def mask_secrets(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every URL in it masked, and every string of ``secrets`` replaced by ``***``.

    Parameters
    ----------
    text
        A message, an error, a log line.
    secrets
        Pieces known to be secret (e.g. :func:`secret_parts` of the configured notify URLs),
        masked wherever they appear, inside a URL or not.
    """
    masked = _URL_IN_TEXT.sub(lambda match: mask_url(match.group(0)), text)
    # Longest first, so a secret containing another is replaced whole.
    for secret in sorted({s for s in secrets if len(s) >= _MIN_BARE_SECRET}, key=len, reverse=True):
        masked = masked.replace(secret, MASK)
    return masked


#: Secret pieces of the notify URLs this process was given (see :func:`remember_secrets`).
_known_secrets: set[str] = set()


def remember_secrets(secrets: Iterable[str]) -> None:
    """Have :class:`MaskingFilter` mask these pieces wherever a log record shows them.

    A library's own log lines quote parts of a URL without the URL around them: apprise says
    "sending Telegram:CHAT_ID notification" and names a token that stands where a host would as
    "JSON notification to TOKEN". Only the process that parsed the URL knows those are secret,
    so whoever hands a URL to such a library remembers its :func:`secret_parts` here first.
    """
    _known_secrets.update(secret for secret in secrets if len(secret) >= _MIN_BARE_SECRET)


class MaskingFilter(logging.Filter):
    """A logging filter that masks URLs and remembered secrets in every record passing through a handler.

    Third-party libraries (apprise, requests) log the URLs they were given, or pieces of them;
    with this filter on the CLI's handler none of them reaches the terminal or a log file
    unmasked: URLs by :func:`mask_url`, bare pieces by :func:`remember_secrets`. A traceback
    attached to the record is masked the same way.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = tuple(_known_secrets)
        message = record.getMessage()
        masked = mask_secrets(message, secrets)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_secrets(record.exc_text, secrets)
        return True


__all__ = ["MASK", "MaskingFilter", "mask_secrets", "mask_url", "remember_secrets", "secret_parts"]
