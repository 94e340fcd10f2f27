"""Notification URLs never leave riskcurve unmasked: printed, logged or stored (issue 11)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskcurve.alerts import deliver, outbox, record
from riskcurve.data.store import Store
from riskcurve.masking import MaskingFilter, mask_secrets, mask_url, secret_parts

# Secrets: long enough to be told apart from the rest of a URL, and never a substring of a scheme
# or a network name used below (they all contain a digit and an upper-case letter).
SECRET = st.from_regex(r"[A-Z][A-Za-z0-9_-]{5,24}[0-9]", fullmatch=True)
SCHEME = st.sampled_from(["json", "xml", "ntfys", "ntfy", "tgram", "discord", "pover", "mailto", "https", "form"])
NETWORK_NAME = st.sampled_from(["example.com", "hooks.example.org", "localhost", "10.0.0.7", "ntfy.sh"])


@st.composite
def urls(draw: st.DrawFn) -> tuple[str, list[str]]:
    """An apprise-style URL and the secrets in it, in every place apprise puts them."""
    scheme = draw(SCHEME)
    secrets: list[str] = []
    userinfo = ""
    if draw(st.booleans()):
        user = draw(SECRET)
        secrets.append(user)
        userinfo = user
        if draw(st.booleans()):
            password = draw(SECRET)
            secrets.append(password)
            userinfo += ":" + password
        userinfo += "@"
    if draw(st.booleans()):
        host = draw(NETWORK_NAME)
    else:
        host = draw(SECRET)  # tgram://BOTTOKEN/..., pover://user@TOKEN
        secrets.append(host)
    port = f":{draw(st.integers(1, 65535))}" if draw(st.booleans()) else ""
    path = draw(st.lists(SECRET, max_size=3))
    secrets += path
    query = draw(st.lists(st.tuples(st.sampled_from(["token", "key", "to", "priority"]), SECRET), max_size=2))
    secrets += [value for _, value in query]
    url = f"{scheme}://{userinfo}{host}{port}" + "".join("/" + p for p in path)
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query)
    return url, secrets


@settings(max_examples=300, deadline=None)
@given(urls())
def test_no_secret_survives_masking(case: tuple[str, list[str]]) -> None:
    url, secrets = case
    masked = mask_url(url)
    in_text = mask_secrets(f"Failed to send to {url}: HTTP 500 (while posting to '{url}')")
    for secret in secrets:
        assert secret not in masked
        assert secret not in in_text
    assert masked.startswith(url.split("://")[0] + "://")


@settings(max_examples=200, deadline=None)
@given(urls())
def test_masking_is_idempotent_and_keeps_network_names(case: tuple[str, list[str]]) -> None:
    url, _ = case
    once = mask_url(url)
    assert mask_url(once) == once
    assert mask_secrets(mask_secrets(url)) == mask_secrets(url)
    host = url.split("://", 1)[1].split("@")[-1].split("/")[0].split("?")[0].rsplit(":", 1)[0]
    if host in ("example.com", "hooks.example.org", "localhost", "10.0.0.7", "ntfy.sh"):
        assert host in once


@settings(max_examples=200, deadline=None)
@given(urls())
def test_bare_secrets_are_masked_when_known(case: tuple[str, list[str]]) -> None:
    url, secrets = case
    text = "server said: " + " ".join(secrets)
    masked = mask_secrets(text, secret_parts(url))
    for secret in secrets:
        assert secret not in masked


def test_the_issue_examples() -> None:
    for url in ("json://host/hook/TOKEN123SECRET", "xml://host/hook/TOKEN123SECRET", "ntfys://host/TOKEN123SECRET"):
        assert "TOKEN123SECRET" not in mask_url(url)
        assert "TOKEN123SECRET" not in mask_secrets(f"error: {url} refused")
    assert mask_url("mailto://me:hunter2@mail.example.org") == "mailto://***@mail.example.org"


def test_the_log_filter_masks_third_party_records(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("apprise.test")
    handler = logging.Handler()
    seen: list[str] = []
    handler.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    handler.addFilter(MaskingFilter())
    logger.addHandler(handler)
    try:
        logger.warning("Failed to send to %s", "json://host/hook/TOKEN123SECRET")
    finally:
        logger.removeHandler(handler)
    assert seen and "TOKEN123SECRET" not in seen[0]


def test_a_failed_delivery_stores_and_prints_no_token(filled_store_path: Path, tmp_path: Path) -> None:
    import shutil

    from riskcurve.signals.regime import regime

    path = tmp_path / "s.duckdb"
    shutil.copy(filled_store_path, path)
    url = "json://127.0.0.1:9/hook/TOKEN123SECRET?token=QUERYSECRET99"  # port 9: nothing listens
    with Store(path) as store:
        record(store, regime(store, "2024-03-01"))
        sent = deliver(store, [url], max_attempts=1, timeout=2)
        stored = store.connection.execute("SELECT last_error FROM alert_outbox").fetchall()
        listed = [entry.last_error for entry in outbox(store)]
    assert sent.failed
    text = " ".join(str(v) for v in [*stored, *listed, *sent.targets, *(e.last_error for e in sent.failed)])
    assert "TOKEN123SECRET" not in text and "QUERYSECRET99" not in text
    assert "127.0.0.1:9" in text  # the destination is still named
