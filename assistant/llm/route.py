"""The LLM stage of a run: why the model is used, the tools it calls, the sentences spoken as they stream."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devices.model import Command
from devices.registry import Registry
from devices.service import ActionResult
from intents.context import Turn
from intents.followup import TARGET_SLOTS
from intents.model import IntentMatch
from intents.recognizer import IntentData

from ..events import ActionEvent, Error, IntentEvent, Reply
from .client import LlmClient
from .messages import build_messages
from .sentences import SentenceSplitter
from .settings import LlmSettings
from .sse import LlmError, ToolCall
from .tools import GET_STATE, CheckedCall, HomeTools, Refusal, arguments

if TYPE_CHECKING:
    from ..pipeline import Emit, Executor, Speak

log = logging.getLogger("hearth.llm")

# Why a run went to the model, as `run-end` reports it.
NO_LOCAL_MATCH = "no-local-match"
IMAGE = "image"
OPEN_QUESTION = "open-question"
_QUESTION_WORDS = frozenset(
    {"what", "what's", "whats", "which", "who", "whose", "when", "where", "why", "how", "is", "are", "am"}
    | {"was", "were", "do", "does", "did", "can", "could", "should", "would", "will", "shall", "may"}
)
# Spoken when the model cannot answer; a config may override them as `_errors` responses.
APOLOGIES = {
    "llm-timeout": "Sorry, the assistant model took too long to answer",
    "bad-image": "Sorry, I couldn't read that picture",
}
APOLOGY = "Sorry, I can't answer that right now"


def route_reason(text: str, image: str | None) -> str:
    """Why a run the local layers found no match for goes to the model, as `run-end` reports it."""
    if image is not None:
        return IMAGE
    words = text.lower().split()
    if text.rstrip().endswith("?") or (words and words[0] in _QUESTION_WORDS):
        return OPEN_QUESTION
    return NO_LOCAL_MATCH


@dataclass(frozen=True, slots=True)
class LlmTurn:
    """What the model is asked: the run, who asks from where, and the turns before it."""

    run_id: str
    text: str
    image: str | None = None
    area: str | None = None
    allowed: frozenset[str] | None = None  # areas the client may control (None: all)
    history: Sequence[Turn] = ()


@dataclass(slots=True)
class LlmOutcome:
    """What the model's run produced, for the pipeline's run state and context window."""

    reply: str = ""
    ok: bool = False
    code: str | None = None
    spoken: bool = False  # its sentences already went to TTS as they arrived
    matches: list[IntentMatch] = field(default_factory=list)
    device_ids: list[str] = field(default_factory=list)
    commands: list[dict[str, Any]] = field(default_factory=list)
    before: dict[str, dict[str, Any]] = field(default_factory=dict)


class LlmStage:
    """Asks the model, runs the tools it calls through the devices' executor, and speaks its answer."""

    def __init__(
        self,
        settings: LlmSettings,
        client: LlmClient,
        registry: Registry,
        data: IntentData,
        executor: Executor,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.client = client
        self.registry = registry
        self.data = data
        self.executor = executor
        self.clock = clock
        self.tools = HomeTools(registry, data)

    async def answer(self, turn: LlmTurn, emit: Emit, speak: Speak | None) -> LlmOutcome:
        """Run the conversation to its final answer; failures become an error event and a spoken apology."""
        outcome = LlmOutcome(spoken=speak is not None)
        voice = _Voice(turn.run_id, emit, speak)
        try:
            messages = build_messages(turn, self.registry, self.settings.system_prompt, self.clock())
            await self._converse(turn, messages, voice, outcome, emit)
            outcome.ok = True
        except LlmError as err:
            log.warning("run %s: %s", turn.run_id, err)
            outcome.code = err.code
            emit(Error(code=err.code, message=err.message, id=turn.run_id))
            voice.end_message()
            voice.say(self._apology(err.code))
        except BaseException:
            voice.cancel()  # a cancelled run stops speaking too; the HTTP stream closed on the way out
            raise
        await voice.finish()
        outcome.reply = " ".join(voice.sentences)
        return outcome

    async def _converse(
        self, turn: LlmTurn, messages: list[dict[str, Any]], voice: _Voice, outcome: LlmOutcome, emit: Emit
    ) -> None:
        rounds = self.settings.max_tool_rounds
        tools = self.tools.schemas if rounds > 0 else []
        for round_ in range(rounds + 1):
            completion = await self.client.complete(messages, tools, voice.text)
            voice.end_message()
            if not completion.tool_calls:
                if not voice.sentences:
                    raise LlmError("llm-bad-response", "the model sent an empty answer")
                return
            if round_ == rounds:
                raise LlmError("llm-tool-loop", f"the model still called tools after {rounds} rounds")
            calls = completion.tool_calls
            messages.append(
                {
                    "role": "assistant",
                    "content": completion.content or None,
                    "tool_calls": [c.to_message() for c in calls],
                }
            )
            for call in calls:
                result = await self._call(turn, call, outcome, emit)
                messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})

    async def _call(self, turn: LlmTurn, call: ToolCall, outcome: LlmOutcome, emit: Emit) -> dict[str, Any]:
        """Carry out one tool call; the result (or the refusal) is what the model is told."""
        if not self.tools.known(call.name):
            raise LlmError(
                "llm-unknown-tool", f"the model called a tool Hearth does not offer: {call.name!r}"
            )
        args = arguments(call)
        emit(IntentEvent(id=turn.run_id, name=call.name, slots=args, confidence=1.0, source="llm"))
        if call.name == GET_STATE:
            return self.tools.state(call)
        checked = self.tools.check(call, turn.allowed, self.clock())
        if isinstance(checked, Refusal):
            log.info("run %s: refused %s %s: %s", turn.run_id, call.name, args, checked.reason)
            return {"ok": False, "error": checked.code, "reason": checked.reason}
        results = await self._execute(turn.run_id, checked, outcome, emit)
        failed = [r for r in results if not r.ok]
        if failed:
            return {"ok": False, "error": failed[0].code, "reason": failed[0].message}
        return {"ok": True, "device": results[0].device_id, "state": results[0].state}

    async def _execute(
        self, run_id: str, checked: CheckedCall, outcome: LlmOutcome, emit: Emit
    ) -> list[ActionResult]:
        """The path of local intents: the plan's commands through the executor, one action event each."""
        commands: Sequence[Command] = checked.plan.commands
        for command in commands:
            outcome.before.setdefault(command.device_id, self.registry.state(command.device_id))
        results = await self.executor.execute_many(commands)
        for result in results:
            emit(ActionEvent.of_result(run_id, result))
        done = [r.device_id for r in results if r.ok]
        outcome.matches.append(checked.match)
        if done:
            outcome.device_ids.extend(d for d in done if d not in outcome.device_ids)
            slots = {k: v.value for k, v in checked.match.slots.items() if k not in TARGET_SLOTS}
            outcome.commands.append({"intent": checked.match.intent, "slots": slots, "devices": done})
        return results

    def _apology(self, code: str) -> str:
        own = self.data.responses.get("_errors", {}).get(f"{code}")
        return own or APOLOGIES.get(code, APOLOGY)


class _Voice:
    """Sentences of the streamed answer: each shown as a partial reply and queued for TTS at once."""

    def __init__(self, run_id: str, emit: Emit, speak: Speak | None) -> None:
        self.run_id = run_id
        self.emit = emit
        self.speak = speak
        self.sentences: list[str] = []
        self._splitter = SentenceSplitter()
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def text(self, piece: str) -> None:
        """A piece of streamed text: speak every sentence it completes."""
        for sentence in self._splitter.feed(piece):
            self.say(sentence)

    def end_message(self) -> None:
        """One model message ended: its last words are a sentence even without a full stop."""
        for sentence in self._splitter.flush():
            self.say(sentence)

    def say(self, sentence: str) -> None:
        """Show a sentence and queue it for speaking behind the ones before it."""
        sentence = sentence[:1].upper() + sentence[1:]
        self.sentences.append(sentence)
        self.emit(Reply(id=self.run_id, text=sentence, partial=True))
        if self.speak is not None:
            if self._task is None:
                self._task = asyncio.create_task(self._speak_all(self.speak))
            self._queue.put_nowait(sentence)

    async def _speak_all(self, speak: Speak) -> None:
        while (sentence := await self._queue.get()) is not None:
            await speak(self.run_id, sentence, False)

    async def finish(self) -> None:
        """Wait until every sentence has been spoken."""
        if self._task is not None:
            self._queue.put_nowait(None)
            await self._task

    def cancel(self) -> None:
        """Stop speaking (the run was cancelled or failed unexpectedly)."""
        if self._task is not None:
            self._task.cancel()
