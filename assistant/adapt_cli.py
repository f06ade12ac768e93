"""`hearth adapt`: sentences to read aloud, recording them, and a voice adaptation of the speech model."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from intents.cachefiles import default_cache_dir

from .config import HearthConfig, load_config
from .speech.adapt import (
    METHODS,
    MODEL_NAME,
    TRANSFORM_NAME,
    Adaptation,
    AdaptationError,
    Recording,
    adapt,
    prompts,
)
from .speech.corpus import SpeechToolMissing
from .speech.record import LISTING, RecordSession, parse_listing
from .speech.sphinx import acoustic_model, prepare_grammar

DEFAULT_COUNT = 30
PROMPTS_FILE = LISTING  # recording<TAB>words said, one per line
# Sentences offered beyond those still to record, so that skipped ones can be replaced.
SPARE_PROMPTS = 10

DESCRIPTION = f"""\
Adapt pocketsphinx's acoustic model to a voice, from a few dozen of the home's own
sentences read aloud by the people who will speak to it: a MAP-adapted copy of the model
(--method map, the default; voice/{MODEL_NAME}, for asr.model) or an MLLR transform of it
(--method mllr; voice/{TRANSFORM_NAME}, for asr.adaptation).

  hearth adapt record FOLDER --build   record sentences from the microphone, then build
  hearth adapt prompts                 print sentences to record with another program
  hearth adapt build FOLDER            build from FOLDER/{PROMPTS_FILE} (file.wav<TAB>words)
  hearth adapt espeak                  adapt to espeak-ng's voice (a demonstration)

`record` shows one sentence at a time: press Enter and read it aloud; the recording stops
by itself when you stop (the hub's voice activity detection). s skips a sentence, r records
the last one again, q stops: the same command run again goes on where it stopped, up to
--count recordings in all. A take with no speech, too quiet or clipped is refused with a
retake offer (k keeps a quiet or clipped one). Each accepted take is written to
FOLDER/NNN.wav, then listed in FOLDER/{PROMPTS_FILE}, so stopping at any point loses nothing.
"""


def add_parser(sub: Any, default_config: str) -> None:
    """Register `hearth adapt` and its actions."""
    parser = sub.add_parser(
        "adapt",
        help="adapt the speech model to your voice (pocketsphinx)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", choices=["prompts", "record", "build", "espeak"])
    parser.add_argument(
        "folder",
        nargs="?",
        help=f"record, build: the folder of .wav recordings and {PROMPTS_FILE} (file<TAB>words)",
    )
    parser.add_argument("--config", default=default_config)
    parser.add_argument(
        "--count",
        type=int,
        default=DEFAULT_COUNT,
        help="prompts, espeak: how many sentences; record: how many recordings in the folder in all",
    )
    parser.add_argument(
        "--device", default=None, help="record: the microphone, by name or number (default: the system's)"
    )
    parser.add_argument(
        "--build", action="store_true", help="record: build the transform once every sentence is recorded"
    )
    parser.add_argument(
        "--method",
        choices=METHODS,
        default="map",
        help="map: an adapted copy of the model (more accurate); mllr: a small transform of it",
    )
    parser.add_argument(
        "--out",
        default=None,
        help=f"where to write it (default: voice/{MODEL_NAME} or voice/{TRANSFORM_NAME} in the config)",
    )
    parser.add_argument("--voice", default="en-us", help="espeak: the espeak-ng voice to adapt to")
    parser.add_argument(
        "--exclude", default=None, help="a file of sentences (one per line) the prompts must not include"
    )
    parser.set_defaults(func=run)


def home_prompts(config: HearthConfig, count: int, exclude: Sequence[str] = ()) -> list[str]:
    """Sentences of the home's speech grammar that cover its words, to be read aloud."""
    from .pipeline import home_vocabulary

    files = prepare_grammar(home_vocabulary(config), acoustic_model(config.asr.model), default_cache_dir())
    return prompts(files.fsg.read_text(encoding="utf-8"), count, exclude=exclude)


def build(
    config: HearthConfig, recordings: Sequence[Recording], out: Path, method: str = "map"
) -> Adaptation:
    """Adapt the home's acoustic model to `recordings`: a model folder (map) or transform (mllr) at `out`."""
    from .bench import progress_bar
    from .pipeline import home_vocabulary

    model = acoustic_model(config.asr.model)
    files = prepare_grammar(home_vocabulary(config), model, default_cache_dir())
    steps = ("features", "model", "statistics", "transform")
    draw = progress_bar("adapting to the voice")

    def step(name: str) -> None:
        draw(steps.index(name), len(steps))

    result = adapt(
        model.path, model.dictionary, files.dictionary, recordings, out,
        method=method, phone_lm=model.phone_lm, progress=step,
    )  # fmt: skip
    draw(len(steps), len(steps))
    return result


def read_recordings(folder: Path) -> list[Recording]:
    """The recordings of a folder listed in its prompts.tsv, converted to 16 kHz mono."""
    from .speech.audio import PcmConverter
    from .speech.corpus import read_wav

    listing = folder / PROMPTS_FILE
    if not listing.is_file():
        raise AdaptationError(f"{listing} is missing: one line per recording, <file.wav><TAB><words said>")
    recordings = []
    for entry in parse_listing(listing.read_text(encoding="utf-8"), str(listing)):
        try:
            fmt, pcm = read_wav(folder / entry.name)
        except (OSError, ValueError) as err:
            raise AdaptationError(f"{listing}:{entry.row}: cannot read {entry.name}: {err}") from err
        if (fmt.rate, fmt.channels, fmt.width) != (16000, 1, 2):
            converter = PcmConverter(fmt)
            pcm = converter.convert(pcm) + converter.flush()
        recordings.append(Recording(pcm, entry.text))
    return recordings


def record_session(
    config: HearthConfig, folder: Path, count: int, exclude: Sequence[str] = ()
) -> RecordSession:
    """A recording session into `folder`, going on from what its prompts.tsv already lists."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        listing = folder / PROMPTS_FILE
        recorded = (
            parse_listing(listing.read_text(encoding="utf-8"), str(listing)) if listing.is_file() else []
        )
        names = [path.name for path in folder.iterdir()]
    except OSError as err:
        raise AdaptationError(f"cannot record into {folder}: {err}") from err
    remaining = count - len(recorded)
    sentences: list[str] = []
    if remaining > 0:
        done = [*exclude, *(entry.text for entry in recorded)]
        sentences = home_prompts(config, remaining + max(SPARE_PROMPTS, remaining), done)
    return RecordSession(sentences, recorded, count, names)


def record_folder(config: HearthConfig, session: RecordSession, folder: Path, device: str | None) -> None:
    """Record the session's sentences from the microphone into `folder`, keys read from stdin."""
    import asyncio

    from .adapt_record import microphone_for, record
    from .satellite_audio import KeyboardLines
    from .speech.vad import SileroVad

    vad = SileroVad()
    keys = KeyboardLines(sys.stdin)

    async def typed() -> AsyncIterator[str]:
        keys.start()  # once the microphone is open and the first sentence shown
        async for line in keys:
            yield line

    async def main() -> None:
        microphone = microphone_for(device, folder)
        await record(
            session, microphone, typed(), vad, config.asr.vad, folder, lambda line: print(line, flush=True)
        )

    asyncio.run(main())


def run(args: argparse.Namespace) -> int:
    """Carry out one `hearth adapt` action."""
    config = load_config(args.config)
    default_name = MODEL_NAME if args.method == "map" else TRANSFORM_NAME
    out = Path(args.out) if args.out else config.directory / "voice" / default_name
    exclude: list[str] = []
    if args.exclude:
        exclude = [
            s.strip() for s in Path(args.exclude).read_text(encoding="utf-8").splitlines() if s.strip()
        ]
    try:
        if args.action == "prompts":
            for sentence in home_prompts(config, args.count, exclude):
                print(sentence)
            return 0
        if args.action in ("build", "record") and not args.folder:
            print(
                f"hearth adapt {args.action}: name the folder of recordings and {PROMPTS_FILE}",
                file=sys.stderr,
            )
            return 2
        if args.action == "record":
            stop = _record(args, config, exclude)
            if stop is not None:
                return stop
        if args.action in ("build", "record"):
            recordings = read_recordings(Path(args.folder))
        else:
            from .speech.corpus import synthesize

            recordings = [
                Recording(synthesize(sentence, voice=args.voice), sentence)
                for sentence in home_prompts(config, args.count, exclude)
            ]
        result = build(config, recordings, out, args.method)
    except (AdaptationError, SpeechToolMissing) as err:
        print(f"hearth adapt: {err}", file=sys.stderr)
        return 1
    _report(config, result, out)
    return 0


def _record(args: argparse.Namespace, config: HearthConfig, exclude: Sequence[str]) -> int | None:
    """`hearth adapt record`: an exit status, or None when the recordings are to be built next."""
    from .satellite_audio import AudioDeviceError
    from .speech.asr import AsrError

    folder = Path(args.folder)
    session = record_session(config, folder, args.count, exclude)
    if session.remaining:
        try:
            record_folder(config, session, folder, args.device)
        except AudioDeviceError as err:
            print(f"hearth adapt: {err}", file=sys.stderr)
            return 2
        except AsrError as err:  # the VAD model cannot be loaded
            print(f"hearth adapt: {err}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:  # Ctrl-C: every take saved so far is complete and listed
            print(f"\n{folder}: {session.summary()}")
            return 130
    else:
        session.start()  # nothing to record: the session is complete at once
    print(f"{folder}: {session.summary()}")
    if not args.build:
        print(f"To adapt the speech model to these recordings: hearth adapt build {folder}")
        return 0
    if session.finished is not None and session.finished.reason == "quit":
        print(f"Not building, as recording stopped early: hearth adapt build {folder} builds from them")
        return 0
    return None


def _report(config: HearthConfig, result: Adaptation, out: Path) -> None:
    print(
        f"Adapted to {result.recordings} recordings ({result.seconds_of_speech:.0f} s, "
        f"{result.aligned} followed) in {result.elapsed_s:.1f} s: {result.output}"
    )
    try:
        shown = out.resolve().relative_to(config.directory.resolve())
    except ValueError:
        shown = out.resolve()
    key = "model" if result.method == "map" else "adaptation"
    print(f"To use it, add to hearth.yaml:\n  asr:\n    {key}: {shown}")
    if result.method == "map" and config.asr.adaptation is not None:
        # a transform estimated for the model it was adapted from does not fit the new one
        print(f"and remove asr.adaptation ({config.asr.adaptation}): the adapted model replaces it")
