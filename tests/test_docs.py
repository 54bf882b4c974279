"""The configuration reference in docs/ is generated from the models and must be current."""

from pathlib import Path

from bbgky.docs import configuration_reference


def test_configuration_reference_is_up_to_date():
    committed = (Path(__file__).parents[1] / "docs" / "configuration.md").read_text()
    assert committed == configuration_reference(), "run `make docs` to regenerate docs/configuration.md"


def test_reference_names_every_key_with_its_range():
    text = configuration_reference()
    for key in ("`density`", "`particles`", "`save_every`", "`scaling`", "`skin`"):
        assert key in text
    assert "≥ 2" in text and "> 0" in text
