"""Render a run's report.html in headless Chromium and keep the screenshot next to it.

    python validation/report_screenshot.py RUN_DIR [--height 6000]

Writes RUN_DIR/report_screenshot.png. The report is self-contained (images inline), so the page
renders from the file alone; look at the PNG: tables readable, plots with units, no broken image.
"""

import argparse
from pathlib import Path

from bbgky.scenarios.browser import screenshot


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("--height", type=int, default=6000)
    args = ap.parse_args()
    png = screenshot(args.run_dir / "report.html", args.run_dir / "report_screenshot.png", height=args.height)
    print(png)


if __name__ == "__main__":
    main()
