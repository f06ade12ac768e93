"""One run through the stages: understand, act on devices, answer; every step an event with timings."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import intents
from devices.automations.model import SentenceTrigger
from devices.model import Command
from devices.registry import Registry
from devices.service import ActionResult
from intents.cachefiles import pickled
from intents.classifier import Progress, cached, default_cache_dir, load_or_train
from intents.classify import ClassifierLayer
from intents.context import ContextWindow, Turn
from intents.document import IntentData
from intents.followup import TARGET_SLOTS
from intents.linker import EntityLinker
from intents.model import AreaName, EntityName, IntentMatch
from intents.responses import join_names, render, response_template
from intents.targets import EntityIndex, resolve_targets
from intents.understand import Understander
from intents.vocabulary import template_words

from .automations import AutomationService
from .config import HearthConfig
from .direct import DirectError, direct_match
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
from .llm.permissions import client_areas, restrict
from .speech.asr import HomeVocabulary, Hypothesis, hypothesis_without_wake_words, without_wake_words
from .speech.audio import parse_audio_format
from .speech.doubt import rival_reading
from .speech.inbox import AudioInbox
from .speech.listen import Listener
from .timers import TIMER_INTENTS, TimerService
from .understanding import Plan, plan_commands, query_reply, target_types

if TYPE_CHECKING:
    # The language-model stage pulls in an HTTP client (httpx, ~4 MB resident): imported when a home
    # configures `llm` (see Pipeline._llm_run), not by every hub.
    from .llm.route import LlmStage

log = logging.getLogger("hearth.pipeline")

Emit = Callable[[Event], None]
# Speaks a run's reply: (run id, reply text, whether it confirms devices acting: the replies to pre-warm).
Speak = Callable[[str, str, bool], Awaitable[None]]


class Executor(Protocol):
    """What the pipeline needs of the devices: run commands, report each outcome (DeviceService does)."""

    async def execute_many(self, commands: Sequence[Command]) -> list[ActionResult]:
        """Carry out the commands; one result each, in order."""
        ...


# Which `_errors` response explains each device error code.
FAILURE_OUTCOMES: Mapping[str, str] = {
    "device-timeout": "not-responding",
    "action-unsupported": "unsupported",
    "mqtt-unavailable": "no-broker",
}


MIN_WORDS_AFTER_WAKE = 2  # see Pipeline._audio_run


@dataclass(frozen=True, slots=True)
class RunRequest:
    """What a client asked a run to process."""

    id: str
    text: str | None = None
    audio: Mapping[str, Any] | None = None
    image: str | None = None
    tts: bool | None = None  # None: as the session asked in hello
    action: Mapping[str, Any] | None = None  # a direct command on one exact device (a tapped tile)

    @classmethod
    def from_event(cls, run: Run) -> RunRequest:
        """Take the fields the pipeline needs from a `run` event."""
        return cls(id=run.id, text=run.text, audio=run.audio, image=run.image, tts=run.tts, action=run.action)


@dataclass(frozen=True, slots=True)
class Speaker:
    """Who is talking: the client's name (it owns the timers it sets) and the area it speaks from."""

    client: str = ""
    area: str | None = None


@dataclass(slots=True)
class _RunState:
    """What a run has produced so far, for run-end and the context window."""

    timings: dict[str, float] = field(default_factory=dict)
    ok: bool = False
    code: str | None = None
    matches: tuple[IntentMatch, ...] = ()
    device_ids: tuple[str, ...] = ()
    reply: str = ""
    question: str | None = None
    candidates: tuple[str, ...] = ()
    pending: dict[str, Any] | None = None
    commands: list[dict[str, Any]] = field(default_factory=list)
    before: dict[str, dict[str, Any]] = field(default_factory=dict)
    speak: Speak | None = None
    spoken: bool = False  # the reply was already spoken sentence by sentence (the model's streamed answer)
    route: str | None = None
    reason: str | None = None

    @contextmanager
    def stage(self, stage: Stage) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            self.timings[stage.value] = round(self.timings.get(stage.value, 0.0) + elapsed, 3)

    def ask(self, question: str, candidates: tuple[str, ...], pending: IntentMatch | None) -> None:
        """Remember that the reply asks back, and what to do with the answer."""
        self.question, self.candidates = question, candidates
        if pending is None:
            self.pending = None
            return
        # The words of each slot too: "the light" (singular, the type's own word) must still ask "which one?"
        # once the answer names a room with two lights, where "the lights" takes both.
        words = {k: v.text for k, v in pending.slots.items() if v.text}
        self.pending = {"intent": pending.intent, "slots": _slot_values(pending), "words": words}

    def turn(self, text: str, now: float) -> Turn:
        """The context-window record of this run."""
        first = self.matches[0] if self.matches else None
        return Turn(
            text=text,
            intent=first.intent if first else None,
            slots=_slot_values(first) if first else {},
            device_ids=self.device_ids,
            reply=self.reply,
            timestamp=now,
            ok=self.ok,
            question=self.question,
            candidates=self.candidates,
            pending=self.pending,
            commands=tuple(self.commands),
            before=self.before,
        )


def entity_names(config: HearthConfig) -> tuple[list[EntityName], list[AreaName]]:
    """The device and area names of a config, as plain data for the intents package."""
    entities = [
        EntityName(id=d.id, names=(d.name, *d.aliases), type=d.type.value, area=d.area)
        for d in config.devices.devices
    ]
    areas = [AreaName(id=a.id, names=(a.name, *a.aliases)) for a in config.devices.areas]
    return entities, areas


def home_vocabulary(config: HearthConfig) -> HomeVocabulary:
    """What a speech engine is constrained to: templates, names, the device types of each intent, and the
    sentences that run automations ("good night")."""
    entities, areas = entity_names(config)
    types = {name: found for name in config.intents.intents if (found := target_types(name))}
    said = [
        sentence
        for automation in config.automations.automations
        for trigger in automation.triggers
        if isinstance(trigger, SentenceTrigger)
        for sentence in trigger.sentences
    ]
    return HomeVocabulary(
        config.intents,
        entities,
        areas,
        types,
        sentences=tuple(dict.fromkeys(said)),
        wake_words=config.asr.wake_words,
    )


# Run by `python -c` in a child process: trains the classifier of the pickled intent data into the cache.
_TRAIN_CHILD = """
import pickle, sys
from pathlib import Path
from intents.classifier import load_or_train
load_or_train(pickle.loads(sys.stdin.buffer.read()), Path(sys.argv[1]))
"""


def train_apart(data: IntentData, directory: Path) -> bool:
    """Train the classifier of `data` into the cache in `directory` in a child process; False on failure.

    Training allocates many times what the trained model keeps (examples, n-gram features, the onnx
    package), and a long-running process keeps much of that memory after the training is over: the
    sample home's hub was ~35 MB larger after `hearth bench --only audio` when it had trained its model
    itself. A child process gives all of it back when it exits.
    """
    # The child imports `intents` from where this process did, installed or not.
    root = str(Path(intents.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    command = [sys.executable, "-c", _TRAIN_CHILD, str(directory)]
    try:
        done = subprocess.run(command, input=pickled(data), capture_output=True, env=env, check=False)
    except OSError as err:
        log.warning("cannot train the intent classifier in a child process (%s): training in the hub", err)
        return False
    if done.returncode != 0:
        error = done.stderr.decode(errors="replace").strip()[-2000:]
        log.warning("training the intent classifier in a child process failed: %s", error)
        return False
    return True


def load_classifier(
    config: HearthConfig,
    cache_dir: Path | None = None,
    *,
    progress: Progress | None = None,
    force: bool = False,
    apart: bool = False,
) -> tuple[ClassifierLayer, bool]:
    """The classifier layer for a config: the cached model when the templates are unchanged, else trained.

    `apart`: a model that has to be trained is trained in a child process (see `train_apart`), as a
    long-running hub does; without it, or when the child fails, in this one (with `progress`).
    """
    directory = cache_dir or default_cache_dir()
    if force:
        for old in directory.glob("intent-classifier-*.onnx"):
            old.unlink(missing_ok=True)
    data = config.intents
    ready = cached(data, directory) if apart else None
    if ready is not None:
        classifier, trained = ready, False
    else:
        # Trained apart, load_or_train finds the model in the cache; it trains here when that failed.
        trained_apart = apart and train_apart(data, directory)
        classifier, trained = load_or_train(data, directory, progress=progress)
        trained = trained or trained_apart
    entities, areas = entity_names(config)
    linker = EntityLinker(entities, areas, vocabulary=template_words(config.intents))
    layer = ClassifierLayer(
        classifier, linker, config.intents, EntityIndex(entities), intent_types=target_types
    )
    return layer, trained


def build_understander(
    config: HearthConfig, classifier: ClassifierLayer | None = None, cache_dir: Path | None = None
) -> Understander:
    """The layered understanding of a config's home (without the classifier when none is given)."""
    entities, areas = entity_names(config)
    return Understander(
        config.intents,
        entities,
        areas,
        classifier=classifier,
        intent_types=target_types,
        cache_dir=cache_dir or default_cache_dir(),
    )


class Pipeline:
    """Turns a run request into events: run-start, intent(s), action(s), reply, run-end."""

    def __init__(
        self,
        config: HearthConfig,
        registry: Registry,
        devices: Executor,
        *,
        understander: Understander | None = None,
        timers: TimerService | None = None,
        listener: Listener | None = None,
        clock: Callable[[], float] = time.time,
        llm: LlmStage | None = None,
        automations: AutomationService | None = None,
    ) -> None:
        self.config = config
        self.llm = llm
        self.automations = automations  # sentences of automations run them instead of intents
        self.listener = listener
        self.registry = registry
        self.devices = devices
        self.clock = clock
        self.understander = understander or build_understander(config)
        self.index = self.understander.index
        self.timers = timers

    async def run(
        self,
        request: RunRequest,
        speaker: Speaker,
        context: ContextWindow,
        emit: Emit,
        audio: AudioInbox | None = None,
        speak: Speak | None = None,
    ) -> Turn:
        """Process one run, emitting its events and spoken reply; always ends with exactly one run-end."""
        state = _RunState(speak=speak)
        started = time.perf_counter()
        emit(RunStart(id=request.id, text=request.text))
        text = request.text
        try:
            if request.action is not None:
                await self._direct_run(request.id, request.action, speaker, state, emit)
            elif text is not None:
                await self._text_run(request, text, speaker, context, state, emit)
            elif self.listener is None or audio is None:
                state.code = "stt-unavailable"
                emit(Error(code=state.code, message="speech input is not enabled on this hub", id=request.id))
            else:
                text = await self._audio_run(request, audio, speaker, context, state, emit)
            if speak is not None and state.reply and not state.spoken:
                with state.stage(Stage.TTS):
                    await speak(request.id, state.reply, state.ok and bool(state.commands))
        except asyncio.CancelledError:
            state.ok, state.code = False, "cancelled"
            raise
        finally:
            if audio is not None:
                audio.close()
            state.timings["total"] = round((time.perf_counter() - started) * 1000, 3)
            emit(
                RunEnd(
                    id=request.id,
                    ok=state.ok,
                    timings=state.timings,
                    code=state.code,
                    route=state.route,
                    reason=state.reason,
                )
            )
        turn = state.turn(text or "", self.clock())
        if text:
            context.add(turn)
        return turn

    async def _audio_run(
        self,
        request: RunRequest,
        audio: AudioInbox,
        speaker: Speaker,
        context: ContextWindow,
        state: _RunState,
        emit: Emit,
    ) -> str | None:
        """Listen to the run's audio, then handle the transcript like a typed command."""
        assert self.listener is not None and request.audio is not None
        history = context.recent(self.clock())

        wake_words = self.config.asr.wake_words

        def complete(partial: str) -> bool:
            return self._is_complete(without_wake_words(partial, wake_words), history, speaker.area)

        heard = await self.listener.listen(
            request.id, parse_audio_format(request.audio), audio, emit, complete, state.timings
        )
        if heard.code is not None or heard.hypothesis is None:
            state.code = heard.code or "stt-no-text"
            emit(Error(code=state.code, message=heard.message, id=request.id))
            if heard.hypothesis is not None:
                # Someone spoke but no sentence fitted: a voice user needs to hear that, as when the
                # closest sentence fits too poorly (stt-unsure). Silence alone gets no answer.
                self._reply(request.id, state, emit, self._error_text("stt-unsure", {"first": ""}))
            return None
        hypothesis = hypothesis_without_wake_words(heard.hypothesis, wake_words)
        text = hypothesis.text.strip()
        # A wake word said alone is heard as the wake word and the shortest command that fits the rest of
        # the sound ("hey rhasspy" became "okay rhasspy undo"): one word after a wake word is asked again.
        woken_short = text != heard.text and len(text.split()) < MIN_WORDS_AFTER_WAKE
        if hypothesis.confidence < self.listener.min_confidence or woken_short:
            # A closed-grammar recognizer always answers with some sentence of its grammar; a poor fit
            # means it may be the wrong one, and hearing it again beats acting on a guess.
            state.code, state.ok = "stt-unsure", True
            self._reply(request.id, state, emit, self._error_text("stt-unsure", {"first": text}))
            return text
        rival = self._rival(hypothesis, history, speaker.area)
        if rival is not None:
            # "turn off" and "turn on" sounded alike: a question back beats the wrong action.
            understanding = self.understander.understand(text, history, speaker.area)
            first = understanding.matches[0] if understanding.matches else None
            targets = () if first is None else self._target_ids(first, speaker)
            state.device_ids = targets
            state.ask("unsure", targets, None)
            state.ok = True
            self._reply(request.id, state, emit, self._error_text("unsure", {"first": text, "second": rival}))
            return text
        await self._text_run(request, text, speaker, context, state, emit)
        return text

    async def _direct_run(
        self, run_id: str, action: Mapping[str, Any], speaker: Speaker, state: _RunState, emit: Emit
    ) -> None:
        """Act on exactly the device a client named by id, through the same planning as a sentence."""
        match = direct_match(action, self.registry)
        if isinstance(match, DirectError):
            state.code = match.code
            emit(Error(code=match.code, message=match.message, id=run_id))
            return
        state.matches = (match,)
        await self._act(run_id, [self._plan(run_id, match, speaker, emit)], state, emit)

    def _is_complete(self, text: str, history: Sequence[Turn], area: str | None) -> bool:
        """Whether a partial transcript already is a whole command on named, unambiguous devices."""
        understanding = self.understander.understand(text, history, area)
        if understanding.question is not None or understanding.layer != "template":
            return False
        return all(
            m.intent in TIMER_INTENTS or self._target_ids(m, Speaker(area=area))
            for m in understanding.matches
        )

    def _target_ids(self, match: IntentMatch, speaker: Speaker) -> tuple[str, ...]:
        targets = resolve_targets(match, self.index, speaker.area, types=target_types(match.intent))
        return () if targets.problem else targets.ids

    def _rival(self, hypothesis: Hypothesis, history: Sequence[Turn], area: str | None) -> str | None:
        def understand(text: str) -> tuple[IntentMatch, ...]:
            return self.understander.understand(text, history, area).matches

        return rival_reading(hypothesis, understand)

    async def _text_run(
        self,
        request: RunRequest,
        text: str,
        speaker: Speaker,
        context: ContextWindow,
        state: _RunState,
        emit: Emit,
    ) -> None:
        if self.automations is not None and (ran := self.automations.sentence(text)) is not None:
            emit(ran.intent(request.id))
            state.ok = True
            self._reply(request.id, state, emit, ran.reply)
            return
        with state.stage(Stage.INTENT):
            understanding = self.understander.understand(text, context.recent(self.clock()), speaker.area)
        if understanding.question is not None:
            state.ask(understanding.question, understanding.candidates, understanding.pending)
            state.ok = True
            values = {"candidates": self._names(understanding.candidates, "or")}
            self._reply(request.id, state, emit, self._error_text(understanding.question, values))
            return
        if not understanding.matches and self.llm is not None:
            await self._llm_run(request, text, speaker, context, state, emit)
            return
        if not understanding.matches:
            state.code = "intent-no-match"
            emit(Error(code=state.code, message=f"no intent matched {text!r}", id=request.id))
            self._reply(request.id, state, emit, self._error_text("no-match", {}))
            return
        state.matches = understanding.matches
        with state.stage(Stage.INTENT):
            plans = [self._plan(request.id, match, speaker, emit) for match in understanding.matches]
        await self._act(request.id, plans, state, emit)

    async def _act(
        self, run_id: str, plans: list[tuple[IntentMatch, Plan]], state: _RunState, emit: Emit
    ) -> None:
        """Carry out the plans' device commands, report each outcome, and answer."""
        commands = [c for _, plan in plans for c in plan.commands]
        results: list[ActionResult] = []
        if commands:
            state.before = {c.device_id: dict(self.registry.state(c.device_id)) for c in commands}
            with state.stage(Stage.ACTION):
                results = await self.devices.execute_many(commands)
            for result in results:
                emit(ActionEvent.of_result(run_id, result))
        self._answer(run_id, plans, results, state, emit)

    async def _llm_run(
        self,
        request: RunRequest,
        text: str,
        speaker: Speaker,
        context: ContextWindow,
        state: _RunState,
        emit: Emit,
    ) -> None:
        """Not understood locally: the model answers, calling the home's tools (see assistant/llm)."""
        from .llm.route import LlmTurn, route_reason

        assert self.llm is not None
        state.route, state.reason = "llm", route_reason(text, request.image)
        allowed = client_areas(self.config.hub.clients, speaker.client)
        history = context.recent(self.clock())
        turn = LlmTurn(request.id, text, request.image, speaker.area, allowed, history)
        with state.stage(Stage.LLM):
            outcome = await self.llm.answer(turn, emit, state.speak)
        state.ok, state.code, state.spoken = outcome.ok, outcome.code, outcome.spoken
        state.matches, state.device_ids = tuple(outcome.matches), tuple(outcome.device_ids)
        state.commands, state.before = outcome.commands, outcome.before
        self._reply(request.id, state, emit, outcome.reply)

    def _plan(
        self, run_id: str, match: IntentMatch, speaker: Speaker, emit: Emit
    ) -> tuple[IntentMatch, Plan]:
        emit(
            IntentEvent(
                id=run_id,
                name=match.intent,
                slots=_slot_values(match),
                confidence=match.confidence,
                source=match.source,
            )
        )
        if match.intent in TIMER_INTENTS and self.timers is not None:
            return match, Plan(reply=self.timers.handle(match, speaker.client, self.config.intents))
        targets = resolve_targets(match, self.index, speaker.area, types=target_types(match.intent))
        plan = plan_commands(match, targets, self.registry, self.config.intents, self.clock())
        allowed = client_areas(self.config.hub.clients, speaker.client)
        return match, restrict(plan, allowed, self.registry, self.config.intents)

    def _answer(
        self,
        run_id: str,
        plans: list[tuple[IntentMatch, Plan]],
        results: list[ActionResult],
        state: _RunState,
        emit: Emit,
    ) -> None:
        sentences: list[str] = []
        errors: list[tuple[str, str]] = []
        remaining = iter(results)
        acted: list[str] = []
        for match, plan in plans:
            mine = [next(remaining) for _ in plan.commands]
            if plan.commands:
                sentence, failures = self._action_sentences(match, plan, mine)
                errors += failures
                done = [r.device_id for r in mine if r.ok]
                acted += done
                if done:
                    state.commands.append(
                        {
                            "intent": match.intent,
                            "slots": _slot_values(match, values_only=True),
                            "devices": done,
                        }
                    )
            elif plan.question is not None:
                state.ask(plan.question, plan.candidates, match)
                sentence = plan.reply
            else:
                if plan.code is not None:
                    errors.append((plan.code, plan.reply))
                acted += [d.id for d in plan.targets]
                sentence = plan.reply or query_reply(match, plan, self.registry, self.config.intents)
            sentences.append(sentence)
        state.device_ids = tuple(dict.fromkeys(acted))
        state.ok = not errors
        for code, message in errors:
            state.code = state.code or code
            emit(Error(code=code, message=message, id=run_id))
        self._reply(run_id, state, emit, join_sentences(sentences))

    def _action_sentences(
        self, match: IntentMatch, plan: Plan, results: list[ActionResult]
    ) -> tuple[str, list[tuple[str, str]]]:
        names = {d.id: d.name for d in plan.targets}
        done = [names.get(r.device_id, r.device_id) for r in results if r.ok]
        sentences: list[str] = []
        if done:
            # A group that all did it is echoed as the user said it: "Turned off all the lights".
            named = plan.group if plan.group and len(done) == len(results) else join_names(done)
            values = {**plan.values, "targets": named, "target": named}
            intent = plan.says or match.intent
            sentences.append(render(response_template(self.config.intents, intent, "success"), values))
        failures: dict[str, list[str]] = {}
        for result in results:
            if not result.ok:
                failures.setdefault(result.code or "device-error", []).append(
                    names.get(result.device_id, "?")
                )
        errors = []
        for code, failed in failures.items():
            listed = join_names(failed)
            text = self._error_text(
                FAILURE_OUTCOMES.get(code, "failed"), {"targets": listed, "target": listed}
            )
            sentences.append(text)
            errors.append((code, text))
        return join_sentences(sentences), errors

    def _names(self, ids: tuple[str, ...], conjunction: str) -> str:
        return join_names([self.index.name_of(i) for i in ids], conjunction)

    def _error_text(self, outcome: str, values: Mapping[str, Any]) -> str:
        return render(response_template(self.config.intents, "_errors", outcome), values)

    def _reply(self, run_id: str, state: _RunState, emit: Emit, text: str) -> None:
        with state.stage(Stage.REPLY):
            state.reply = _sentence_case(text)
            emit(Reply(id=run_id, text=state.reply))


def _slot_values(match: IntentMatch, *, values_only: bool = False) -> dict[str, Any]:
    """Slots as plain JSON; `values_only` leaves out the ones that chose devices."""
    return {
        name: _jsonable(slot.value)
        for name, slot in match.slots.items()
        if not (values_only and name in TARGET_SLOTS)
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple | list | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def join_sentences(sentences: list[str]) -> str:
    """Sentences of one reply, each capitalised, with a full stop between them where none is."""
    parts = [_sentence_case(s) for s in sentences if s.strip()]
    return " ".join(p if i == len(parts) - 1 or p[-1] in ".?!" else f"{p}." for i, p in enumerate(parts))


def _sentence_case(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text
