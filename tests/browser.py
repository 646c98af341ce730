"""Headless Chromium for tests: open a local HTML page, screenshot it, check its images.

Chromium comes from the Debian package ``chromium`` (``.ci/run`` installs it when
missing). ``chromium_or_skip()`` skips a test when no browser is found, except in CI
(``TELCO_RISK_REQUIRE_BROWSER=1``), where a missing browser fails it.

- ``screenshot(page, png)``: the rendered page as a PNG;
- ``loaded_images(page)``: every ``<img>`` of the page after the load event, with its
  ``complete`` flag and natural size (a broken or missing file has width 0);
- ``is_blank(png)`` / ``coloured_share(png)``: a PNG of one colour, the share of
  clearly coloured (not grey) pixels.

The browser runs with a fresh profile and every background service off (it has no
network to reach, and closed ports make the default services hang the start).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")
REQUIRE_ENV = "TELCO_RISK_REQUIRE_BROWSER"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)
PROBE_ID = "telco-risk-image-probe"
PROBE = f"""<script>
window.addEventListener("load", function () {{
  var found = [];
  document.querySelectorAll("img").forEach(function (img) {{
    found.push({{src: img.getAttribute("src"), complete: img.complete,
                width: img.naturalWidth, height: img.naturalHeight}});
  }});
  var out = document.createElement("pre");
  out.id = "{PROBE_ID}";
  out.textContent = JSON.stringify(found);
  document.body.appendChild(out);
}});
</script>"""


def find_chromium() -> str | None:
    """The browser binary: ``TELCO_RISK_CHROMIUM`` or the first of ``CANDIDATES`` on PATH."""
    explicit = os.environ.get("TELCO_RISK_CHROMIUM")
    if explicit:
        return explicit
    return next((path for name in CANDIDATES if (path := shutil.which(name))), None)


def chromium_or_skip() -> str:
    """The browser, or skip (locally) / fail (CI, ``TELCO_RISK_REQUIRE_BROWSER=1``) without one."""
    found = find_chromium()
    if found is None:
        message = "no headless Chromium (Debian package chromium; .ci/run installs it)"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{message}: CI must not skip browser tests")
        pytest.skip(message)
    return found


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    binary = chromium_or_skip()
    with tempfile.TemporaryDirectory(prefix="telco-risk-chromium-") as profile:
        return subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def screenshot(page: Path, png: Path, width: int = 1280, height: int = 2000, timeout: float = 90) -> Path:
    """Render ``page`` in a ``width`` x ``height`` window into ``png``."""
    png.unlink(missing_ok=True)
    window = f"--window-size={width},{height}"
    done = _run([f"--screenshot={png}", window, "--virtual-time-budget=5000", page.as_uri()], timeout)
    if not png.is_file():
        raise RuntimeError(f"chromium wrote no screenshot (exit {done.returncode}): {done.stderr[-2000:]}")
    return png


@dataclass(frozen=True)
class ImageStatus:
    src: str
    complete: bool
    width: int
    height: int

    @property
    def loaded(self) -> bool:
        return self.complete and self.width > 0 and self.height > 0


def loaded_images(page: Path, timeout: float = 90) -> list[ImageStatus]:
    """The page's ``<img>`` elements after its load event (a probe copy of the page is
    opened beside it, so relative image paths resolve the same way)."""
    text = page.read_text(encoding="utf-8")
    probed = text.replace("</body>", PROBE + "</body>") if "</body>" in text else text + PROBE
    probe = page.with_name(f".{page.stem}.probe.html")
    probe.write_text(probed, encoding="utf-8")
    try:
        done = _run(["--dump-dom", "--virtual-time-budget=5000", probe.as_uri()], timeout)
    finally:
        probe.unlink(missing_ok=True)
    found = re.search(rf'<pre id="{PROBE_ID}">(.*?)</pre>', done.stdout, re.S)
    if found is None:
        raise RuntimeError(f"the page did not finish loading in chromium: {done.stderr[-2000:]}")
    return [
        ImageStatus(str(i["src"]), bool(i["complete"]), int(i["width"]), int(i["height"]))
        for i in json.loads(html.unescape(found.group(1)))
    ]


def _pixels(png: Path):  # -> PIL.Image.Image
    from PIL import Image

    with Image.open(png) as image:
        return image.convert("RGB")


def is_blank(png: Path) -> bool:
    """True when the PNG has a single colour."""
    colours = _pixels(png).getcolors(maxcolors=2)
    return colours is not None and len(colours) == 1


def coloured_share(png: Path, min_saturation: int = 60) -> float:
    """Share of pixels whose colour is clearly not grey (max - min channel >= ``min_saturation``)."""
    import numpy as np

    rgb = np.asarray(_pixels(png), dtype=np.int16)
    spread = rgb.max(axis=2) - rgb.min(axis=2)
    return float((spread >= min_saturation).mean())
