"""The browser page in a real Chromium: speech from a fake microphone, typing and tapping reach Mosquitto."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from pathlib import Path
from typing import Any

from assistant.pipeline import RunRequest
from tests.assistant.conftest import KITCHEN_TOKEN
from tests.mqtt_recorder import Carried, Recorder
from tests.web.conftest import WebHome, save_artifact

WAIT = 30_000  # ms: generous, the machine may be busy


async def device_commands(
    recorder: Recorder, expect: int, within: float = 20.0, topic: str | None = None
) -> list[Carried]:
    """Device commands (to `topic` if given) the broker carried, waiting without blocking the hub's loop."""
    deadline = time.monotonic() + within
    while True:
        found = [m for m in recorder.carried() if m.topic.endswith("/set") or m.topic.startswith("cmnd/")]
        found = [m for m in found if topic in (None, m.topic)]
        if len(found) >= expect or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.05)


async def open_page(browser: Any, home: WebHome, token: str = KITCHEN_TOKEN) -> Any:
    """The hub's page, signed in with `token` through the token box."""
    from playwright.async_api import expect

    page = await browser.new_page()
    await page.goto(home.url)
    await page.get_by_test_id("token").fill(token)
    await page.get_by_test_id("connect").click()
    await expect(page.get_by_test_id("status")).to_have_text(
        re.compile("connected as kitchen-pi"), timeout=WAIT
    )
    await expect(page.get_by_test_id("device-kitchen_light")).to_contain_text("off", timeout=WAIT)
    return page


async def talk_until_heard(page: Any, attempts: int = 3) -> None:
    """Press talk until the hub acts; a turn that only caught part of the command is said again.

    Chromium's fake microphone loops its file, so a press can land in the middle of the sentence; the hub
    then hears a fragment and asks to hear it again (or hears no speech at all), and the test says it
    again, as a person would. Anything else the hub answers (a question, a wrong action) fails the test.
    """
    from playwright.async_api import expect

    heard: list[str] = []
    for attempt in range(attempts):
        await page.get_by_test_id("talk").click()
        await expect(page.get_by_test_id("timings")).to_contain_text("total", timeout=WAIT)
        if await page.get_by_test_id("action-kitchen_light").count():
            return
        transcript = await page.get_by_test_id("transcript").text_content()
        reply = await page.get_by_test_id("reply").text_content()
        said = f"{reply} {await page.get_by_test_id('problem').text_content()}"
        heard.append(f"{transcript!r}: {said}")
        if not any(retry in said for retry in ("catch", "no words", "no speech")):
            log = await page.get_by_test_id("log").text_content()
            raise AssertionError(f"turn {attempt + 1}: the hub answered: {said}\n{log}")
        await expect(page.get_by_test_id("talk")).to_have_attribute("aria-pressed", "false", timeout=WAIT)
    raise AssertionError(f"the hub did not hear the command in {attempts} turns: {heard}")


async def screenshot(page: Any, tmp_path: Path, name: str, *, full_page: bool = True) -> Path:
    path = tmp_path / name
    await page.screenshot(path=str(path), full_page=full_page)
    return save_artifact(path, name)


async def test_a_spoken_command_from_the_microphone(
    browser: Any, web_home: WebHome, recorder: Recorder, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    page = await open_page(browser, web_home)
    await page.get_by_test_id("speak").uncheck()
    await talk_until_heard(page)
    await expect(page.get_by_test_id("action-kitchen_light")).to_contain_text("✓", timeout=WAIT)
    # The final transcript came before the action. A lost or added final "s" is the recogniser's most
    # common slip; "kitchen lights" would turn on both kitchen lights, so it must not be heard here.
    transcript = page.get_by_test_id("transcript")
    await expect(transcript).to_have_text(re.compile(r"^turn (the )?kitchen light on$"))
    await expect(transcript).not_to_have_class(re.compile("partial"))
    await expect(page.get_by_test_id("reply")).to_have_text(re.compile(r"^Turned on the kitchen light\.?$"))
    tile = page.get_by_test_id("device-kitchen_light")
    await expect(tile).to_have_attribute("data-state", "ON", timeout=WAIT)
    await expect(tile).to_contain_text("on")
    # The hub's VAD ended the turn: the page stopped listening by itself.
    await expect(page.get_by_test_id("talk")).to_have_attribute("aria-pressed", "false", timeout=WAIT)
    await expect(page.get_by_test_id("timings")).to_contain_text("stt", timeout=WAIT)
    carried = [(c.topic, json.loads(c.payload)) for c in await device_commands(recorder, expect=1)]
    assert carried == [("zigbee2mqtt/kitchen_light/set", {"state": "ON"})]
    await screenshot(page, tmp_path, "spoken-command.png")


async def test_a_typed_command_and_the_phone_layout(
    browser: Any, web_home: WebHome, recorder: Recorder, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    page = await open_page(browser, web_home)
    await page.get_by_test_id("text").fill("turn on the coffee maker")
    await page.get_by_test_id("text").press("Enter")
    await expect(page.get_by_test_id("reply")).to_have_text("Turned on the coffee maker", timeout=WAIT)
    await expect(page.get_by_test_id("device-coffee_maker")).to_have_attribute(
        "data-state", "ON", timeout=WAIT
    )
    await expect(page.get_by_test_id("intent")).to_contain_text("turn_on")
    carried = await device_commands(recorder, expect=1)
    assert [(c.topic, c.payload) for c in carried] == [("cmnd/coffee_maker/POWER", "ON")]
    await screenshot(page, tmp_path, "typed-command.png")
    await page.set_viewport_size({"width": 390, "height": 844})
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page must not scroll sideways on a phone"
    await screenshot(page, tmp_path, "phone.png")


async def test_tapping_a_tile_toggles_exactly_that_device(
    browser: Any, web_home: WebHome, recorder: Recorder
) -> None:
    from playwright.async_api import expect

    page = await open_page(browser, web_home)
    tile = page.get_by_test_id("device-living_room_lamp")
    await expect(tile).to_contain_text("living room lamp")
    await tile.click()
    await expect(tile).to_have_attribute("data-state", "ON", timeout=WAIT)
    await expect(page.get_by_test_id("intent")).to_contain_text("direct")
    carried = await device_commands(recorder, expect=1)
    assert [(c.topic, c.payload) for c in carried] == [("cmnd/living_room_lamp/POWER", "ON")]
    recorder.clear()
    await tile.click()
    await expect(tile).to_have_attribute("data-state", "OFF", timeout=WAIT)
    carried = await device_commands(recorder, expect=1)
    assert [(c.topic, c.payload) for c in carried] == [("cmnd/living_room_lamp/POWER", "OFF")]
    # Sensors only report: their tiles cannot be pressed.
    await expect(page.get_by_test_id("device-bathroom_sensor")).to_be_disabled()


async def test_the_page_reconnects_after_a_hub_restart(
    browser: Any, web_home: WebHome, recorder: Recorder
) -> None:
    from playwright.async_api import expect

    page = await open_page(browser, web_home)
    status = page.get_by_test_id("status")
    await web_home.stop_hub()
    await expect(status).to_have_text(re.compile("retrying"), timeout=WAIT)
    await expect(page.get_by_test_id("text")).to_be_disabled()
    await web_home.start()
    await expect(status).to_have_text(re.compile("connected as kitchen-pi"), timeout=WAIT)
    await page.get_by_test_id("text").fill("turn on the coffee maker")
    await page.get_by_test_id("text").press("Enter")
    await expect(page.get_by_test_id("device-coffee_maker")).to_have_attribute(
        "data-state", "ON", timeout=WAIT
    )
    assert [c.topic for c in await device_commands(recorder, expect=1)] == ["cmnd/coffee_maker/POWER"]
    # The token was remembered: a reload connects without asking again, and it is in no address.
    await page.reload()
    await expect(status).to_have_text(re.compile("connected as kitchen-pi"), timeout=WAIT)
    await expect(page.get_by_test_id("login")).to_be_hidden()
    assert KITCHEN_TOKEN not in page.url


async def test_spoken_reply_plays_and_stops_on_barge_in(browser: Any, web_home: WebHome) -> None:
    from playwright.async_api import expect

    page = await open_page(browser, web_home)
    tts = page.get_by_test_id("tts-status")
    await page.get_by_test_id("text").fill("turn on the coffee maker")
    await page.get_by_test_id("text").press("Enter")
    await expect(tts).to_have_attribute("data-state", "done", timeout=WAIT)
    await expect(tts).not_to_have_attribute("data-frames", "0")
    # Barge-in: press talk the moment the next reply starts playing; the reply stops at once.
    await page.get_by_test_id("text").fill("turn off the coffee maker")
    await page.evaluate(BARGE_IN)
    await page.get_by_test_id("text").press("Enter")
    assert await page.evaluate("window.bargedIn") == "stopped"
    # The page sent cancel: the hub stopped the run, or says it had just ended.
    await expect(page.get_by_test_id("log")).to_contain_text(
        re.compile("cancelled|unknown-run"), timeout=WAIT
    )
    await expect(page.get_by_test_id("talk")).to_have_attribute("aria-pressed", "true", timeout=WAIT)


# Sets the page up to press talk the moment the reply starts playing (within the same turn of its event
# loop, so the test does not race the short reply); `window.bargedIn` then says what the player did.
BARGE_IN = """
() => { window.bargedIn = new Promise((resolve) => {
  const tts = document.querySelector('[data-testid="tts-status"]');
  const observer = new MutationObserver(() => {
    if (tts.dataset.state !== "playing") return;
    observer.disconnect();
    document.querySelector('[data-testid="talk"]').click();
    queueMicrotask(() => resolve(tts.dataset.state));
  });
  observer.observe(tts, { attributes: true, attributeFilter: ["data-state"] });
}); }
"""


async def test_hands_free_starts_the_next_turn_by_itself(
    browser: Any, web_home: WebHome, recorder: Recorder
) -> None:
    from playwright.async_api import expect

    page = await open_page(browser, web_home)
    await page.get_by_test_id("speak").uncheck()
    await page.get_by_test_id("handsfree").check()  # no press of talk: the first turn starts by itself
    await expect(page.get_by_test_id("device-kitchen_light")).to_have_attribute(
        "data-state", "ON", timeout=WAIT
    )
    # The microphone file loops: the next turn, started by the page alone, hears the command again.
    lights = await device_commands(recorder, 2, within=60, topic="zigbee2mqtt/kitchen_light/set")
    assert len(lights) >= 2
    await page.get_by_test_id("handsfree").uncheck()


async def test_a_wrong_token_is_refused_and_asked_for_again(browser: Any, web_home: WebHome) -> None:
    from playwright.async_api import expect

    page = await browser.new_page()
    await page.goto(web_home.url)
    await page.get_by_test_id("token").fill("not-a-token")
    await page.get_by_test_id("connect").click()
    await expect(page.get_by_test_id("status")).to_have_text(re.compile("refused"), timeout=WAIT)
    await expect(page.get_by_test_id("token")).to_be_visible()
    await expect(page.get_by_test_id("talk")).to_be_disabled()
    assert await page.evaluate("localStorage.getItem('hearth-token')") is None


async def test_a_photo_rides_with_the_next_command(
    browser: Any, web_home: WebHome, recorder: Recorder, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    assert web_home.hub is not None and web_home.hub.pipeline is not None
    pipeline = web_home.hub.pipeline
    images: list[str | None] = []
    original = pipeline.run

    async def record(request: RunRequest, *args: Any, **kwargs: Any) -> Any:
        images.append(request.image)
        return await original(request, *args, **kwargs)

    pipeline.run = record  # type: ignore[method-assign]
    page = await open_page(browser, web_home)
    await page.get_by_test_id("camera").click()  # Chromium's fake camera: a test pattern
    await expect(page.get_by_test_id("snapshot")).to_be_visible(timeout=WAIT)
    await page.set_viewport_size({"width": 390, "height": 844})
    await screenshot(page, tmp_path, "phone-photo.png", full_page=False)
    await page.get_by_test_id("text").fill("turn on the coffee maker")
    await page.get_by_test_id("text").press("Enter")
    await expect(page.get_by_test_id("reply")).to_have_text("Turned on the coffee maker", timeout=WAIT)
    await expect(page.get_by_test_id("snapshot")).to_be_hidden()
    [image] = images
    assert image is not None and base64.b64decode(image).startswith(b"\xff\xd8\xff")  # a JPEG
    await page.get_by_test_id("text").fill("turn off the coffee maker")
    await page.get_by_test_id("text").press("Enter")
    await expect(page.get_by_test_id("reply")).to_have_text("Turned off the coffee maker", timeout=WAIT)
    assert images[1:] == [None]  # only the next command carries the photo


async def test_the_browser_speaks_when_the_hub_has_no_voice(browser: Any, web_home: WebHome) -> None:
    from playwright.async_api import expect

    await web_home.stop_hub()
    web_home.edit("engine: espeak-ng", "engine: none")
    await web_home.start()
    page = await open_page(browser, web_home)
    await page.get_by_test_id("text").fill("turn on the coffee maker")
    await page.get_by_test_id("text").press("Enter")
    await expect(page.get_by_test_id("reply")).to_have_text("Turned on the coffee maker", timeout=WAIT)
    # The hub answered tts-unavailable: the Web Speech API says the reply instead.
    await expect(page.get_by_test_id("tts-status")).to_have_attribute(
        "data-state", "web-speech", timeout=WAIT
    )
    await expect(page.get_by_test_id("problem")).to_be_empty()
