"""One run through the stages: understand, act on devices, answer; every step an event with timings."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from devices.registry import Registry
from devices.service import ActionResult, DeviceService
from intents.context import ContextWindow, Turn
from intents.model import AreaName, EntityName, IntentMatch
from intents.recognizer import TemplateRecognizer
from intents.responses import join_names, render, response_template
from intents.targets import EntityIndex, resolve_targets

from .config import HearthConfig
from .events import (
    ActionEvent,
    Error,
    Event,
    IntentEvent,
    Reply,
    Run,
    RunEnd,
    RunStart,
    Stage,
)
from .understanding import Plan, plan_commands, query_reply, target_types

Emit = Callable[[Event], None]

# Which `_errors` response explains each device error code.
FAILURE_OUTCOMES: Mapping[str, str] = {
    "device-timeout": "not-responding",
    "action-unsupported": "unsupported",
    "mqtt-unavailable": "no-broker",
}


@dataclass(frozen=True, slots=True)
class RunRequest:
    """What a client asked a run to process."""

    id: str
    text: str | None = None
    audio: Mapping[str, Any] | None = None
    image: str | None = None

    @classmethod
    def from_event(cls, run: Run) -> RunRequest:
        """Take the fields the pipeline needs from a `run` event."""
        return cls(id=run.id, text=run.text, audio=run.audio, image=run.image)


@dataclass(slots=True)
class _RunState:
    """What a run has produced so far, for run-end and the context window."""

    timings: dict[str, float] = field(default_factory=dict)
    ok: bool = False
    code: str | None = None
    match: IntentMatch | None = None
    device_ids: tuple[str, ...] = ()
    reply: str = ""
    question: str | None = None

    @contextmanager
    def stage(self, stage: Stage) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            self.timings[stage.value] = round(self.timings.get(stage.value, 0.0) + elapsed, 3)


def entity_names(config: HearthConfig) -> tuple[list[EntityName], list[AreaName]]:
    """The device and area names of a config, as plain data for the intents package."""
    entities = [
        EntityName(id=d.id, names=(d.name, *d.aliases), type=d.type.value, area=d.area)
        for d in config.devices.devices
    ]
    areas = [AreaName(id=a.id, names=(a.name, *a.aliases)) for a in config.devices.areas]
    return entities, areas


class Pipeline:
    """Turns a run request into events: run-start, intent, action(s), reply, run-end."""

    def __init__(
        self,
        config: HearthConfig,
        registry: Registry,
        devices: DeviceService,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.registry = registry
        self.devices = devices
        self.clock = clock
        entities, areas = entity_names(config)
        self.recognizer = TemplateRecognizer(config.intents, entities, areas)
        self.index = EntityIndex(entities)

    async def run(
        self, request: RunRequest, client_area: str | None, context: ContextWindow, emit: Emit
    ) -> Turn:
        """Process one run, emitting its events; always ends with exactly one run-end."""
        state = _RunState()
        started = time.perf_counter()
        emit(RunStart(id=request.id, text=request.text))
        try:
            if request.text is None:
                state.code = "stt-unavailable"
                emit(Error(code=state.code, message="speech input is not enabled on this hub", id=request.id))
            else:
                await self._text_run(request, request.text, client_area, state, emit)
        except asyncio.CancelledError:
            state.ok, state.code = False, "cancelled"
            raise
        finally:
            state.timings["total"] = round((time.perf_counter() - started) * 1000, 3)
            emit(RunEnd(id=request.id, ok=state.ok, timings=state.timings, code=state.code))
        turn = Turn(
            text=request.text or "",
            intent=state.match.intent if state.match else None,
            slots={
                name: _jsonable(slot.value)
                for name, slot in (state.match.slots if state.match else {}).items()
            },
            device_ids=state.device_ids,
            reply=state.reply,
            timestamp=self.clock(),
            ok=state.ok,
            question=state.question,
        )
        context.add(turn)
        return turn

    async def _text_run(
        self, request: RunRequest, text: str, area: str | None, state: _RunState, emit: Emit
    ) -> None:
        with state.stage(Stage.INTENT):
            match = self.recognizer.recognize(text)
            state.match = match
            targets = None
            if match is not None:
                targets = resolve_targets(match, self.index, area, types=target_types(match.intent))
        if match is None:
            state.code = "intent-no-match"
            emit(Error(code=state.code, message=f"no intent matched {text!r}", id=request.id))
            self._reply(request.id, state, emit, self._error_text("no-match", {}))
            return
        emit(
            IntentEvent(
                id=request.id,
                name=match.intent,
                slots=_slot_values(match),
                confidence=match.confidence,
                source=match.source,
            )
        )
        plan = plan_commands(match, targets, self.registry, self.config.intents, self.clock())
        if plan.commands:
            with state.stage(Stage.ACTION):
                results = await self.devices.execute_many(plan.commands)
            for result in results:
                emit(_action_event(request.id, result))
            state.device_ids = tuple(r.device_id for r in results)
            self._finish_actions(request.id, match, plan, results, state, emit)
        else:
            state.device_ids = tuple(d.id for d in plan.targets)
            if plan.code is not None and plan.question is None:
                state.code = plan.code
                emit(Error(code=plan.code, message=plan.reply, id=request.id))
            state.ok = plan.code is None or plan.question is not None
            state.question = plan.question
            self._reply(
                request.id,
                state,
                emit,
                plan.reply or query_reply(match, plan, self.registry, self.config.intents),
            )

    def _finish_actions(
        self,
        run_id: str,
        match: IntentMatch,
        plan: Plan,
        results: list[ActionResult],
        state: _RunState,
        emit: Emit,
    ) -> None:
        names = {d.id: d.name for d in plan.targets}
        done = [names.get(r.device_id, r.device_id) for r in results if r.ok]
        sentences: list[str] = []
        if done:
            # A group that all did it is echoed as the user said it: "Turned off all the lights".
            named = plan.group if plan.group and len(done) == len(results) else join_names(done)
            values = {**plan.values, "targets": named, "target": named}
            sentences.append(render(response_template(self.config.intents, match.intent, "success"), values))
        failures: dict[str, list[str]] = {}
        for result in results:
            if not result.ok:
                failures.setdefault(result.code or "device-error", []).append(
                    names.get(result.device_id, "?")
                )
        for code, failed in failures.items():
            outcome = FAILURE_OUTCOMES.get(code, "failed")
            listed = join_names(failed)
            sentences.append(self._error_text(outcome, {"targets": listed, "target": listed}))
        state.ok = not failures
        if failures:
            state.code = next(iter(failures))
            emit(Error(code=state.code, message=" ".join(sentences[-len(failures) :]), id=run_id))
        self._reply(run_id, state, emit, " ".join(sentences))

    def _error_text(self, outcome: str, values: Mapping[str, Any]) -> str:
        return render(response_template(self.config.intents, "_errors", outcome), values)

    def _reply(self, run_id: str, state: _RunState, emit: Emit, text: str) -> None:
        with state.stage(Stage.REPLY):
            state.reply = _sentence_case(text)
            emit(Reply(id=run_id, text=state.reply))


def _action_event(run_id: str, result: ActionResult) -> ActionEvent:
    return ActionEvent(
        id=run_id,
        device=result.device_id,
        command=result.action.value,
        ok=result.ok,
        topic=result.topic,
        payload=result.payload,
        code=result.code,
        message=result.message or None,
    )


def _slot_values(match: IntentMatch) -> dict[str, Any]:
    return {name: _jsonable(slot.value) for name, slot in match.slots.items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple | list | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _sentence_case(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text
