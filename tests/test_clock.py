"""Times for people carry the reader's zone and its offset."""

from __future__ import annotations

import datetime as dt

import pytest

from collusion.errors import SettingsError
from collusion.runtime import clock


def test_default_zone_is_beijing_time(monkeypatch):
    monkeypatch.delenv(clock.TIME_ZONE_ENV, raising=False)
    moment = dt.datetime(2026, 12, 7, 9, 52, 55, 123456, tzinfo=dt.UTC)
    assert clock.local_iso(moment) == "2026-12-07T17:52:55+08:00"
    assert clock.now().utcoffset() == dt.timedelta(hours=8)


def test_zone_from_the_environment(monkeypatch):
    monkeypatch.setenv(clock.TIME_ZONE_ENV, "UTC")
    moment = dt.datetime(2026, 12, 7, 9, 52, 55, tzinfo=dt.UTC)
    assert clock.local_iso(moment) == "2026-12-07T09:52:55+00:00"


def test_unknown_zone_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(clock.TIME_ZONE_ENV, "Mars/Olympus")
    with pytest.raises(SettingsError, match="时区"):
        clock.now()


def test_naive_time_refused():
    with pytest.raises(ValueError):
        clock.local_iso(dt.datetime(2026, 12, 7, 9, 0, 0))
