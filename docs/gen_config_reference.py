"""Regenerate docs/configuration.md from the pydantic models (run by `make docs`)."""

from pathlib import Path

from bbgky.docs import configuration_reference

if __name__ == "__main__":
    path = Path(__file__).with_name("configuration.md")
    path.write_text(configuration_reference())
    print(f"wrote {path}")
