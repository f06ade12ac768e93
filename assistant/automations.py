"""Automations on the hub: feeds state changes, MQTT, timers, sentences and time to the sans-I/O engine.

Each run is its own task, so a slow action never holds up other automations or voice runs.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from devices.automations import model as m
from devices.automations.engine import Engine, Fire, LoopGuard, check, state_matches, topic_matches
from devices.automations.parse import Home
from devices.errors import MqttUnavailable
from devices.model import Command
from devices.registry import StateChange

from .automation_config import AUTOMATIONS_FILE, automation_home, load_automations
from .automation_history import History, RunRecord, default_history_path
from .events import Announce, Error, Event, IntentEvent, TimerEvent
from .yamlpos import ConfigError

if TYPE_CHECKING:
    from devices.mqtt import MqttClient
    from devices.service import DeviceService

    from .hub import Hub

log = logging.getLogger("hearth.automations")

MAX_DEPTH = 10  # automations running automations this deep are taken to be a loop
MAX_RUNS = 10  # queued or parallel runs of one automation at once


class Clock(Protocol):
    """Time for automations: the hub uses the system's, tests move a manual one."""

    def now(self) -> float:
        """Epoch seconds."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait this many seconds of this clock's time."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> float:
        """Epoch seconds."""
        return time.time()

    async def sleep(self, seconds: float) -> None:
        """Wait for real."""
        await asyncio.sleep(max(0.0, seconds))


class ManualClock:
    """A clock that only moves when told to (`advance`), waking the sleepers whose time has come."""

    def __init__(self, start: float) -> None:
        self._now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> float:
        """Epoch seconds of this clock."""
        return self._now

    async def sleep(self, seconds: float) -> None:
        """Wait until the clock has been advanced past now + seconds."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._order), future))
        await future

    def deadlines(self) -> list[float]:
        """When the sleepers still waiting wake up, soonest first."""
        return sorted(at for at, _, future in self._sleepers if not future.done())

    def advance(self, seconds: float) -> None:
        """Move time forward, waking every sleeper that is due."""
        self._now += seconds
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)


@dataclass(frozen=True, slots=True)
class AutomationOptions:
    """How a hub runs automations: its clock, history file and how often it looks at automations.yaml."""

    clock: Clock | None = None
    history: Path | None = None
    poll_seconds: float = 1.0


@dataclass(frozen=True, slots=True)
class SentenceRun:
    """A sentence that ran an automation instead of intent recognition, and the reply to give."""

    automation: str
    reply: str

    def intent(self, run_id: str) -> IntentEvent:
        """The `intent` event of the run: the automation took the place of intent recognition."""
        slots = {"automation": self.automation}
        return IntentEvent(id=run_id, name="automation", slots=slots, confidence=1.0, source="template")


# --- the hub side -------------------------------------------------------------------------------------------


class Audience:
    """The connected clients of a hub, as automations reach them: announcements and errors."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._speaking: set[asyncio.Task[None]] = set()
        self._count = itertools.count(1)

    def announce(self, text: str, client: str | None, area: str | None) -> int:
        """Send an `announce` to the matching sessions (all when neither is given); spoken where asked."""
        event = Announce(text=text)
        reached = 0
        for session in list(self._hub.sessions):
            identity = session.protocol.identity
            if identity is None or (client and identity.client != client) or (area and identity.area != area):
                continue
            session.send(event)
            reached += 1
            tts = self._hub.tts
            if identity.tts and tts is not None:
                task = asyncio.create_task(tts.speak(session, f"announce-{next(self._count)}", text))
                self._speaking.add(task)
                task.add_done_callback(self._speaking.discard)
        return reached

    def broadcast(self, event: Event) -> None:
        """Send an event to every session."""
        for session in list(self._hub.sessions):
            session.send(event)


class Reach(Protocol):
    """Where announcements and errors go (the hub's sessions, or a test's list)."""

    def announce(self, text: str, client: str | None, area: str | None) -> int:
        """Deliver a message; returns how many clients got it."""
        ...

    def broadcast(self, event: Event) -> None:
        """Send an event to every client."""
        ...


@dataclass(eq=False, slots=True)
class _Waiter:
    trigger: m.StateTrigger | m.MqttTrigger | m.TimerTrigger
    future: asyncio.Future[dict[str, Any]]


class AutomationService:
    """Runs the automations of a hub and hot-reloads automations.yaml."""

    def __init__(
        self,
        automations: m.AutomationSet,
        devices: DeviceService,
        mqtt: MqttClient,
        reach: Reach,
        *,
        home: Home,
        directory: Path | None = None,
        options: AutomationOptions | None = None,
    ) -> None:
        options = options or AutomationOptions()
        self.devices = devices
        self.mqtt = mqtt
        self.reach = reach
        self.home = home
        self.directory = directory
        self.clock: Clock = options.clock or SystemClock()
        self.history = History(options.history or default_history_path())
        self.poll_seconds = options.poll_seconds
        self.engine = Engine(automations, self.clock.now(), devices.registry.states())
        self.guard = LoopGuard()
        self.disabled: set[str] = set()
        self.runs: dict[str, list[asyncio.Task[None]]] = {}
        self._waiters: list[_Waiter] = []
        self._numbers = itertools.count(1)
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._unsubscribe: list[Callable[[], None]] = []
        self._mqtt_unsubscribe: Callable[[], None] | None = None
        self._stamp = self._file_stamp()

    @property
    def automations(self) -> m.AutomationSet:
        """The automations in force."""
        return self.engine.automations

    async def start(self) -> None:
        """Listen to states and MQTT, and start the scheduler and the file watcher."""
        self._unsubscribe.append(self.devices.add_listener(self.on_state_change))
        self._subscribe_mqtt()
        if self._mqtt_unsubscribe is not None and self.mqtt.connected:
            await self.mqtt.wait_subscribed()
        self._tasks.append(asyncio.create_task(self._scheduler()))
        if self.directory is not None:
            self._tasks.append(asyncio.create_task(self._watch()))

    def started(self) -> None:
        """The hub is up: fire `hub: start` triggers."""
        self._launch_all(self.engine.on_start())

    async def stop(self) -> None:
        """Stop listening and cancel every run."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        if self._mqtt_unsubscribe is not None:
            self._mqtt_unsubscribe()
        tasks = [*self._tasks, *(t for runs in self.runs.values() for t in runs)]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # --- inputs -------------------------------------------------------------------------------------------

    def on_state_change(self, change: StateChange) -> None:
        """A device reported: fire its triggers, resolve waits, and plan `for:` deadlines."""
        before = self.engine.snapshot.get(change.device_id, {})
        self._resolve(
            lambda t: (
                isinstance(t, m.StateTrigger)
                and t.device == change.device_id
                and state_matches(t, before.get(t.attribute), change.state.get(t.attribute))
            ),
            {"kind": "device", "device": change.device_id},
        )
        pending = len(self.engine.pending)
        self._launch_all(self.engine.on_state(change.device_id, change.state, self.clock.now()))
        if len(self.engine.pending) != pending:
            self._wake.set()

    def _on_mqtt(self, topic: str, payload: bytes, retain: bool) -> None:
        if retain:
            return  # a retained message is old news replayed on subscribe, not an event
        text = payload.decode("utf-8", "replace")
        self._resolve(
            lambda t: (
                isinstance(t, m.MqttTrigger)
                and topic_matches(t.topic, topic)
                and (t.payload is None or t.payload == text.strip())
            ),
            {"kind": "mqtt", "topic": topic, "payload": text},
        )
        self._launch_all(self.engine.on_mqtt(topic, text))

    def notice(self, event: Event) -> None:
        """Hub events automations react to: a timer finishing."""
        if isinstance(event, TimerEvent) and event.state == "finished":
            self._resolve(
                lambda t: isinstance(t, m.TimerTrigger) and t.name in (None, event.name),
                {"kind": "timer", "timer": event.name},
            )
            self._launch_all(self.engine.on_timer(event.name))

    def sentence(self, text: str) -> SentenceRun | None:
        """Run the automation a sentence belongs to; None when no automation claims it."""
        found = self.engine.on_sentence(text)
        if found is None:
            return None
        automation, trigger = found
        self._launch(Fire(automation, {"id": automation.id, "kind": "sentence", "sentence": text}))
        reply = trigger.say.render(self._state) if trigger.say is not None else "Done."
        return SentenceRun(automation.id, reply)

    def _resolve(self, matches: Callable[[m.Trigger], bool], data: dict[str, Any]) -> None:
        for waiter in list(self._waiters):
            if not waiter.future.done() and matches(waiter.trigger):
                waiter.future.set_result(data)

    def _state(self, device: str) -> Mapping[str, Any]:
        return self.engine.snapshot.get(device, {})

    # --- runs ---------------------------------------------------------------------------------------------

    def _launch_all(self, fires: list[Fire]) -> None:
        for fire in fires:
            self._launch(fire)

    def _launch(self, fire: Fire) -> None:
        automation = fire.automation
        if automation.id in self.disabled:
            return
        running = [t for t in self.runs.get(automation.id, []) if not t.done()]
        if running and automation.mode is m.Mode.SINGLE:
            log.debug("automation %s is already running; trigger ignored", automation.id)
            return
        if len(running) >= MAX_RUNS:
            log.warning("automation %s has %d runs waiting; trigger dropped", automation.id, len(running))
            return
        if not self.guard.allow(automation.id, self.clock.now()):
            self._stop_loop(automation, fire, "ran more than 10 times within a second")
            return
        if automation.mode is m.Mode.RESTART:
            for task in running:
                task.cancel()
        after = running if automation.mode is m.Mode.QUEUED else []
        task = asyncio.create_task(self._run(fire, after))
        self.runs[automation.id] = [*running, task]
        task.add_done_callback(lambda done: self._forget(automation.id, done))

    def _forget(self, automation_id: str, task: asyncio.Task[None]) -> None:
        runs = self.runs.get(automation_id, [])
        if task in runs:
            runs.remove(task)
        if not runs:
            self.runs.pop(automation_id, None)

    def _stop_loop(self, automation: m.Automation, fire: Fire, why: str) -> None:
        self.disabled.add(automation.id)
        message = f"automation {automation.id!r} {why}: it seems to trigger itself, so it is stopped"
        log.error(message)
        self.reach.broadcast(Error(code="automation-loop", message=message))
        for task in self.runs.get(automation.id, []):
            task.cancel()
        now = self.clock.now()
        record = RunRecord(automation.id, next(self._numbers), fire.trigger, now, outcome="loop-stopped")
        record.finished, record.message = now, message
        self.history.append(record)

    async def _run(self, fire: Fire, after: list[asyncio.Task[None]]) -> None:
        if after:
            await asyncio.gather(*after, return_exceptions=True)
        record = RunRecord(fire.automation.id, next(self._numbers), fire.trigger, self.clock.now())
        try:
            record.outcome = await self._execute(fire.automation, fire.trigger, record, 0)
        except asyncio.CancelledError:
            record.outcome = "cancelled"
            raise
        except Exception as err:  # a bug in one run must not stop the others: record and log it
            log.exception("automation %s failed", fire.automation.id)
            record.outcome, record.message = "error", str(err)
        finally:
            record.finished = self.clock.now()
            self.history.append(record)

    async def _execute(
        self, automation: m.Automation, trigger: dict[str, Any], record: RunRecord, depth: int
    ) -> str:
        """Check the conditions, then carry out the actions in order; returns the outcome."""
        checked = check(automation.conditions, self._state, self.clock.now(), self.automations.location)
        record.conditions += checked.results
        if not checked.ok:
            return "conditions-failed"
        outcome = "done"
        for step in automation.actions:
            result = await self._act(step, trigger, record, depth)
            if result in ("stopped", "loop-stopped"):
                return result
            if result == "failed":
                outcome = "failed"
        return outcome

    async def _act(self, step: m.ActionStep, trigger: dict[str, Any], record: RunRecord, depth: int) -> str:
        if isinstance(step, m.DeviceAction):
            return await self._command(step, record)
        if isinstance(step, m.PublishAction):
            payload = step.payload.render(self._state, trigger)
            entry = {"action": "publish", "detail": f"{step.topic} {payload}", "ok": True}
            try:
                await self.mqtt.publish(step.topic, payload, step.qos, step.retain)
            except MqttUnavailable as err:
                entry.update(ok=False, code=err.code, message=str(err))
            record.actions.append(entry)
            return "ok" if entry["ok"] else "failed"
        if isinstance(step, m.AnnounceAction):
            text = step.message.render(self._state, trigger)
            reached = self.reach.announce(text, step.client, step.area)
            record.actions.append({"action": "announce", "detail": text, "ok": True, "clients": reached})
            return "ok"
        if isinstance(step, m.DelayAction):
            record.actions.append({"action": "delay", "detail": f"{step.seconds:g} s", "ok": True})
            await self.clock.sleep(step.seconds)
            return "ok"
        if isinstance(step, m.WaitAction):
            return await self._wait(step, record)
        return await self._run_other(step, trigger, record, depth)

    async def _command(self, step: m.DeviceAction, record: RunRecord) -> str:
        commands = [Command(device, step.action, step.params) for device in step.devices]
        results = await self.devices.execute_many(commands)
        for result in results:
            record.actions.append(
                {
                    "action": step.action.value,
                    "detail": result.device_id,
                    "ok": result.ok,
                    "code": result.code,
                    "topic": result.topic,
                    "payload": result.payload,
                }
            )
        return "ok" if all(r.ok for r in results) else "failed"

    async def _wait(self, step: m.WaitAction, record: RunRecord) -> str:
        waiter = _Waiter(step.trigger, asyncio.get_running_loop().create_future())
        self._waiters.append(waiter)
        timer = None
        try:
            got: dict[str, Any] | None
            if step.timeout is None:
                got = await waiter.future
            else:
                timer = asyncio.ensure_future(self.clock.sleep(step.timeout))
                done, _ = await asyncio.wait((waiter.future, timer), return_when=asyncio.FIRST_COMPLETED)
                got = waiter.future.result() if waiter.future in done else None
        finally:
            self._waiters.remove(waiter)
            if timer is not None:
                timer.cancel()
            waiter.future.cancel()
        entry: dict[str, Any] = {"action": "wait", "detail": got or "timed out", "ok": got is not None}
        record.actions.append(entry)
        if got is None and step.stop_on_timeout:
            entry["code"] = "wait-timeout"
            return "stopped"
        return "ok"

    async def _run_other(
        self, step: m.RunAction, trigger: dict[str, Any], record: RunRecord, depth: int
    ) -> str:
        other = self.automations.get(step.automation)
        if other is None:
            record.actions.append(
                {"action": "run", "detail": step.automation, "ok": False, "code": "unknown"}
            )
            return "failed"
        if depth + 1 >= MAX_DEPTH:
            record.actions.append(
                {"action": "run", "detail": other.id, "ok": False, "code": "automation-loop"}
            )
            self._stop_loop(other, Fire(other, trigger), f"was run {MAX_DEPTH} levels deep")
            return "loop-stopped"
        inner = RunRecord(other.id, 0, trigger, self.clock.now())
        outcome = await self._execute(other, trigger, inner, depth + 1)
        record.actions.append(
            {"action": "run", "detail": other.id, "ok": outcome != "failed", "outcome": outcome}
        )
        # A loop stops every run up the chain; any other end of the inner run is only its own.
        return outcome if outcome in ("loop-stopped", "failed") else "ok"

    # --- time and reload ----------------------------------------------------------------------------------

    async def _scheduler(self) -> None:
        while True:
            self._launch_all(self.engine.due(self.clock.now()))
            deadline = self.engine.next_deadline()
            self._wake.clear()
            waits: set[asyncio.Future[Any]] = {asyncio.ensure_future(self._wake.wait())}
            if deadline is not None:
                waits.add(asyncio.ensure_future(self.clock.sleep(deadline - self.clock.now())))
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiting in waits:
                    waiting.cancel()

    def _subscribe_mqtt(self) -> None:
        if self._mqtt_unsubscribe is not None:
            self._mqtt_unsubscribe()
            self._mqtt_unsubscribe = None
        filters = self.engine.mqtt_filters
        if filters:
            self._mqtt_unsubscribe = self.mqtt.subscribe_many(filters, self._on_mqtt)

    def _file_stamp(self) -> tuple[int, int] | None:
        if self.directory is None:
            return None
        try:
            stat = (self.directory / AUTOMATIONS_FILE).stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.poll_seconds)
            stamp = self._file_stamp()
            if stamp != self._stamp:
                self._stamp = stamp
                self.reload()

    def reload(self) -> bool:
        """Read automations.yaml again and swap it in when valid; a broken file keeps the running set."""
        assert self.directory is not None
        try:
            automations = load_automations(self.directory, self.home)
        except ConfigError as err:
            for problem in err.problems:
                log.error("automations not reloaded: %s", problem)
            return False
        self.replace(automations)
        return True

    def replace(self, automations: m.AutomationSet) -> None:
        """Use a new set of automations, keeping the `for:` waits of those that did not change."""
        old = self.engine
        engine = Engine(automations, self.clock.now(), old.snapshot)
        engine.adopt(old)
        for automation in automations.automations:
            if old.automations.get(automation.id) != automation:
                self.disabled.discard(automation.id)
                self.guard.forget(automation.id)
        self.engine = engine
        if engine.mqtt_filters != old.mqtt_filters:
            self._subscribe_mqtt()
        self._wake.set()
        log.info("loaded %d automations", len(automations.automations))


async def start_automations(hub: Hub, options: AutomationOptions | None) -> AutomationService:
    """Create and start the automation service of a hub (after its device service)."""
    assert hub.devices is not None
    config = hub.config
    service = AutomationService(
        config.automations,
        hub.devices,
        hub.devices.mqtt,
        Audience(hub),
        home=automation_home(
            config.devices, (c.name for c in config.hub.clients), config.automations.location
        ),
        directory=config.directory,
        options=options,
    )
    await service.start()
    return service
