# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""The one KMS key resolver of the collection.

Options that name a KMS key take a key id, key ARN, alias (``alias/wealist-prod``) or alias ARN; AWS
reports keys as ARNs (RDS, ElastiCache) or as whatever was given (Secrets Manager). :class:`KeyResolver`
turns a reference into the key ARN with ``kms:DescribeKey`` (once per reference), and every module
answers a missing key the same way: a real run fails naming the option; check mode warns and goes on
with the reference as given, because an earlier task of the same real run may create the key.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.cloudops.eks_platform.plugins.module_utils.api import AWS_ERRORS, call

KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/(?P<id>[A-Za-z0-9-]+)$")
KEY_ID = re.compile(r"^(?:mrk-)?[A-Za-z0-9-]{32,}$")


class KeyResolver:
    """``reference -> key ARN`` for one module run, cached; a key ARN is taken as it is."""

    def __init__(self, module: Any) -> None:
        self.module = module
        self._client: Any = None
        self._cache: dict[str, str | None] = {}

    def lookup(self, reference: str) -> str | None:
        """The key ARN, or None when KMS does not know the reference."""
        if KEY_ARN.match(reference):
            return reference
        if reference not in self._cache:
            if self._client is None:
                self._client = self.module.client("kms")
            try:
                self._cache[reference] = call(self._client, "describe_key", KeyId=reference)["KeyMetadata"]["Arn"]
            except is_boto3_error_code("NotFoundException"):
                self._cache[reference] = None
            except AWS_ERRORS as e:  # pylint: disable=duplicate-except
                self.module.fail_json_aws(e, msg=f"Failed to describe KMS key {reference}")
        return self._cache[reference]

    def require(self, reference: str | None, option: str) -> str | None:
        """The key ARN of option ``option``; a missing key fails a real run and is warned about in check mode
        (the reference is then returned as given)."""
        if not reference:
            return reference
        arn = self.lookup(reference)
        if arn is not None:
            return arn
        if self.module.check_mode:
            self.module.warn(
                f"{option}: KMS key {reference} does not exist (yet); a real run fails unless it is created first"
            )
            return reference
        self.module.fail_json(msg=f"KMS key {reference} ({option}) not found: create it first")
        return None

    def require_all(self, params: dict[str, Any], options: tuple[str, ...]) -> dict[str, Any]:
        """``params`` with every named key option resolved to its key ARN."""
        out = dict(params)
        for option in options:
            if out.get(option):
                out[option] = self.require(out[option], option)
        return out


def key_matches(
    current: str | None,
    wanted: str | None,
    wanted_arn: str | None,
    resolve: Callable[[str], str | None],
    default: str | None = None,
) -> bool:
    """Whether ``current`` (alias, alias ARN, key id, key ARN; None = ``default``) designates the wanted key.
    ``resolve`` (e.g. :meth:`KeyResolver.lookup`) is only called when the strings alone cannot decide."""
    if wanted is None:
        return True
    reference = current or default
    if reference is None:
        return False
    if reference in (wanted, wanted_arn):
        return True
    if wanted_arn:
        wanted_match = KEY_ARN.match(wanted_arn)
        if KEY_ARN.match(reference):
            return False  # two different key ARNs
        if wanted_match and KEY_ID.match(reference):
            return reference == wanted_match.group("id")
    return wanted_arn is not None and resolve(reference) == wanted_arn
