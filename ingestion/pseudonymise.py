"""Keyed pseudonymisation (HMAC-SHA256) of identifiers, as a Spark column expression.

HMAC(K, m) = H((K ^ opad) || H((K ^ ipad) || m)); the padded keys are built in Python
once, the hashing runs inside Spark, so no Python UDF touches the rows.
"""

from __future__ import annotations

import hashlib
import logging
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import Column

    from telco_risk.settings import PrivacyConfig

DEVELOPMENT_KEY = "telco-risk-DEVELOPMENT-KEY-do-not-use-in-production"
TOKEN_HEX_CHARS = 32  # 128 bits: collision-free at operator scale, half the storage
_BLOCK = 64

log = logging.getLogger(__name__)


class PrivacyError(RuntimeError):
    """The pseudonymisation key is missing where a real one is required."""


def resolve_key(privacy: PrivacyConfig, environ: dict[str, str] | None = None) -> bytes:
    """The key from the environment, or the development key where config allows it."""
    environ = dict(os.environ) if environ is None else environ
    key = environ.get(privacy.key_env, "")
    if key:
        return key.encode("utf-8")
    if not privacy.allow_development_key:
        raise PrivacyError(f"{privacy.key_env} is not set and this environment refuses the development key")
    log.warning("pseudonymising with the DEVELOPMENT key: set %s in production", privacy.key_env)
    return DEVELOPMENT_KEY.encode("utf-8")


def _padded_keys(key: bytes) -> tuple[bytes, bytes]:
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\x00")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def hmac_token(column: Column, key: bytes) -> Column:
    """Hex HMAC-SHA256 of the column's UTF-8 text, truncated; null stays null."""
    from pyspark.sql import functions as F

    inner_pad, outer_pad = _padded_keys(key)
    message = F.encode(column, "UTF-8")
    inner = F.unhex(F.sha2(F.concat(F.lit(inner_pad), message), 256))
    outer = F.sha2(F.concat(F.lit(outer_pad), inner), 256)
    return F.when(column.isNull(), F.lit(None)).otherwise(F.substring(outer, 1, TOKEN_HEX_CHARS))


def normalise_number(column: Column) -> Column:
    """E.164 digits without a leading '+', so '+4479..' and '4479..' pseudonymise alike."""
    from pyspark.sql import functions as F

    return F.regexp_replace(F.trim(column), r"^\+", "")
