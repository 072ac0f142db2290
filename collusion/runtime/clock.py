"""The reader's clock: times written for people carry the configured zone and its offset.

Regulators in China read Beijing time, so reports, summaries and log lines say
``2026-12-07T17:52:55+08:00``, never a bare UTC ``Z``. The zone comes from
``$COLLUSION_TZ`` (an IANA name such as ``Asia/Shanghai`` or ``UTC``), else
``DEFAULT_TIME_ZONE``. Stored history rows may keep UTC: they are for machines.
"""

from __future__ import annotations

import datetime as dt
import os
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from collusion.errors import SettingsError

DEFAULT_TIME_ZONE = "Asia/Shanghai"
TIME_ZONE_ENV = "COLLUSION_TZ"


@cache
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(
            f"{TIME_ZONE_ENV}={name!r} 不是有效的时区名称（例如 Asia/Shanghai、UTC）"
        ) from exc


def time_zone(name: str | None = None) -> ZoneInfo:
    """The zone ``name``, else ``$COLLUSION_TZ``, else Asia/Shanghai."""
    return _zone(name or os.environ.get(TIME_ZONE_ENV) or DEFAULT_TIME_ZONE)


def now(name: str | None = None) -> dt.datetime:
    """The current time in the reader's zone, to the second."""
    return dt.datetime.now(time_zone(name)).replace(microsecond=0)


def local_iso(moment: dt.datetime, name: str | None = None) -> str:
    """``moment`` (aware) in the reader's zone as ISO 8601 with its offset, to the second."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no zone to convert from")
    return moment.astimezone(time_zone(name)).replace(microsecond=0).isoformat()
