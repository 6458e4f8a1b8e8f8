"""Partner API credentials: a public client id and a secret that is never stored.

The secret is derived: `sk_` + HMAC-SHA256(PARTNER_SECRET_KEY, the credential's salt), in
URL-safe base64. The database holds the random salt only, so a copy of the database (or of
the audit log, which masks the salt anyway) gives no secret; the server re-derives it to
check a request's signature (`secret_of`). Rotating draws a new salt, which ends the old
secret at once; revoking stops the credential. Changing PARTNER_SECRET_KEY changes every
partner's secret, so it is set once per installation.

The secret is returned once, by `issue` and `rotate`, for the admin to show on a page that is
not cached; it is never logged, put in a message or saved.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from merchants.models import Merchant, PartnerCredential

CLIENT_ID_PREFIX = "pk_"
SECRET_PREFIX = "sk_"  # noqa: S105 - a prefix, not a secret
LAST_USED_GRANULARITY = 60  # seconds: `mark_used` writes at most once a minute per credential


def secret_of(credential: PartnerCredential) -> str:
    """The credential's current secret (to verify a request's signature)."""
    key = str(settings.PARTNER_SECRET_KEY).encode()
    digest = hmac.new(key, credential.secret_salt.encode(), hashlib.sha256).digest()
    return SECRET_PREFIX + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_client_id() -> str:
    return CLIENT_ID_PREFIX + secrets.token_urlsafe(18)  # 24 URL-safe characters


def assign_new_secret(credential: PartnerCredential, salt: str | None = None) -> str:
    """Give an unsaved or existing credential a new salt (and a client id if it has none);
    return its secret. The caller saves the row."""
    if not credential.client_id:
        credential.client_id = new_client_id()
    credential.secret_salt = salt or secrets.token_hex(32)
    return secret_of(credential)


@transaction.atomic
def issue(
    *,
    merchant: Merchant,
    scopes: Iterable[str],
    label: str = "",
    requests_per_minute: int | None = None,
) -> tuple[PartnerCredential, str]:
    """A new active credential for `merchant` and its secret, which is shown once."""
    credential = PartnerCredential(merchant=merchant, label=label.strip(), scopes=sorted(scopes))
    if requests_per_minute is not None:
        credential.requests_per_minute = requests_per_minute
    secret = assign_new_secret(credential)
    credential.full_clean()
    credential.save()
    return credential, secret


def rotate(credential: PartnerCredential) -> str:
    """A new secret for an active credential; the old one stops working now."""
    if not credential.active:
        raise ValueError("A revoked credential cannot be rotated; issue a new one.")
    secret = assign_new_secret(credential)
    credential.save(update_fields=["secret_salt"])
    return secret


def revoke(credential: PartnerCredential) -> PartnerCredential:
    """Stop the credential for good (its client id is never reused)."""
    if credential.active:
        credential.active, credential.revoked_at = False, timezone.now()
        credential.save(update_fields=["active", "revoked_at"])
    return credential


def lookup(client_id: str) -> PartnerCredential | None:
    """The active credential with this client id, with its merchant, or None."""
    if not client_id or not client_id.startswith(CLIENT_ID_PREFIX):
        return None
    return (
        PartnerCredential.objects.select_related("merchant__account")
        .filter(client_id=client_id, active=True)
        .first()
    )


def mark_used(credential: PartnerCredential) -> None:
    """Record that the credential was used now, at most one write a minute."""
    now = timezone.now()
    last = credential.last_used_at
    if last is None or (now - last).total_seconds() >= LAST_USED_GRANULARITY:
        PartnerCredential.objects.filter(pk=credential.pk).update(last_used_at=now)
        credential.last_used_at = now
