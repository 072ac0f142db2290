"""Typed settings: one field per detector, each validating itself; the earlier form still works."""

from __future__ import annotations

import dataclasses

import pytest

from collusion.analysis.text import TextSettings
from collusion.errors import SettingsError
from collusion.settings import (
    CrossProjectSettings,
    IdentifierSettings,
    MixedSettings,
    PriceSettings,
    Settings,
)


def test_defaults_are_one_typed_field_per_detector():
    settings = Settings()
    assert isinstance(settings.text, TextSettings)
    assert isinstance(settings.identifiers, IdentifierSettings)
    assert isinstance(settings.mixed_documents, MixedSettings)
    assert isinstance(settings.prices, PriceSettings)
    assert isinstance(settings.cross_project, CrossProjectSettings)


def test_earlier_detectors_mapping_sets_the_named_field():
    prices = PriceSettings(min_bids_for_screens=5)
    settings = Settings(detectors={"prices": prices})
    assert settings.prices is prices
    assert settings.identifiers == IdentifierSettings()


def test_unknown_detector_name_is_refused_with_the_known_names():
    with pytest.raises(SettingsError, match="'price'.*prices"):
        Settings(detectors={"price": PriceSettings()})


def test_wrong_dataclass_for_a_field_is_refused():
    with pytest.raises(SettingsError, match="settings.prices must be a PriceSettings"):
        Settings(prices=IdentifierSettings())  # type: ignore[arg-type]
    with pytest.raises(SettingsError, match="settings.text must be a TextSettings"):
        Settings(detectors={"text": {"shingle_chars": 5}})


def test_each_detector_dataclass_validates_itself():
    with pytest.raises(SettingsError):
        PriceSettings(identical_share=0.9, identical_share_high=0.5)
    with pytest.raises(SettingsError):
        CrossProjectSettings(min_jaccard=0)
    with pytest.raises(SettingsError):
        Settings(excerpt_chars=0)


def test_settings_are_frozen_and_replace_keeps_types():
    settings = Settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.prices = PriceSettings()  # type: ignore[misc]
    changed = dataclasses.replace(settings, prices=PriceSettings(min_bids_for_screens=6))
    assert changed.prices.min_bids_for_screens == 6
    with pytest.raises(SettingsError):
        dataclasses.replace(settings, prices=None)
