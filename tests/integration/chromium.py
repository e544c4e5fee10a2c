"""Debian's headless Chromium driven by Playwright, for the tests of the server-rendered pages
(the tracking page, the dashboard): the browser, screenshots into tests/artifacts/, and the
README's copy of one with UPDATE_DOCS_SCREENSHOTS=1. Without /usr/bin/chromium the tests
fail: CI installs it (`apt-get install chromium`)."""

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.integration.running import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "tests" / "artifacts"


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    if not await asyncio.to_thread(CHROMIUM.exists):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    await asyncio.to_thread(ARTIFACTS.mkdir, parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        await launched.close()


async def shoot(page: Page, name: str) -> Path:
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def fits_the_screen(page: Page) -> bool:
    return await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


async def keep_for_docs(shot: Path, name: str) -> None:
    """With UPDATE_DOCS_SCREENSHOTS=1, the screenshot becomes docs/img/<name>."""
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
        target = ROOT / "docs" / "img" / name
        await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
        await asyncio.to_thread(shutil.copyfile, shot, target)
