"""Render a report in a real browser: headless Chromium, screenshot to PNG (checks and validation).

Used by ``validation/report_screenshot.py`` and the report test (skipped without Chromium). The
flags keep Chromium offline and stateless: no network services, no sync, a throwaway profile.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)


def chromium() -> str | None:
    """The Chromium executable on PATH (Debian's ``chromium``), or None."""
    return next(
        (p for name in ("chromium", "chromium-browser", "google-chrome") if (p := shutil.which(name))), None
    )


def screenshot(html: Path, png: Path, *, width: int = 1200, height: int = 3000, timeout: float = 120) -> Path:
    """Screenshot of ``html`` (a file) as rendered by headless Chromium; raises if none is installed."""
    exe = chromium()
    if exe is None:
        raise FileNotFoundError("no chromium on PATH (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                exe,
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                f"--screenshot={Path(png).resolve()}",
                Path(html).resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
    return Path(png)


__all__ = ["FLAGS", "chromium", "screenshot"]
