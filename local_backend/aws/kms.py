"""moto 5.2.5 KMS gap: ScheduleKeyDeletion / CancelKeyDeletion / EnableKey / DisableKey index the key table
with the KeyId as given and answer a key ARN (what ``amazon.aws.kms_key`` sends) with HTTP 500 (KeyError).
AWS accepts a key id or a key ARN for all four; so does the backend now.
"""

from __future__ import annotations

from typing import Any

_installed = False


def install() -> None:
    """Apply the fix once per process (idempotent)."""
    global _installed
    if _installed:
        return
    from moto.kms.models import KmsBackend

    for name in ("schedule_key_deletion", "cancel_key_deletion", "enable_key", "disable_key"):
        original = getattr(KmsBackend, name)

        def wrapper(self: Any, key_id: str, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            return _original(self, self.get_key_id(key_id), *args, **kwargs)

        setattr(KmsBackend, name, wrapper)
    _installed = True
