"""`hearth adapt`: sentences to read aloud, and a voice adaptation of the speech model built from them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from intents.cachefiles import default_cache_dir

from .config import HearthConfig, load_config
from .speech.adapt import TRANSFORM_NAME, Adaptation, AdaptationError, Recording, adapt, prompts
from .speech.corpus import SpeechToolMissing
from .speech.sphinx import acoustic_model, prepare_grammar

DEFAULT_COUNT = 30
PROMPTS_FILE = "prompts.tsv"  # recording<TAB>words said, one per line


def add_parser(sub: Any, default_config: str) -> None:
    """Register `hearth adapt` and its actions."""
    parser = sub.add_parser("adapt", help="adapt the speech model to your voice (pocketsphinx)")
    parser.add_argument("action", choices=["prompts", "build", "espeak"])
    parser.add_argument(
        "folder", nargs="?", help=f"build: a folder of .wav recordings and {PROMPTS_FILE} (file<TAB>words)"
    )
    parser.add_argument("--config", default=default_config)
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="prompts: how many sentences")
    parser.add_argument(
        "--out",
        default=None,
        help=f"where to write the transform (default: voice/{TRANSFORM_NAME} in the config)",
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


def build(config: HearthConfig, recordings: Sequence[Recording], out: Path) -> Adaptation:
    """Adapt the home's acoustic model to `recordings` and write the transform to `out`."""
    from .bench import progress_bar
    from .pipeline import home_vocabulary

    model = acoustic_model(config.asr.model)
    files = prepare_grammar(home_vocabulary(config), model, default_cache_dir())
    steps = ("features", "model", "statistics", "transform")
    draw = progress_bar("adapting to the voice")

    def step(name: str) -> None:
        draw(steps.index(name), len(steps))

    result = adapt(model.path, model.dictionary, files.dictionary, recordings, out, progress=step)
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
    for number, line in enumerate(listing.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        name, tab, text = line.partition("\t")
        if not tab or not text.strip():
            raise AdaptationError(f"{listing}:{number}: expected <file.wav><TAB><words said>")
        try:
            fmt, pcm = read_wav(folder / name)
        except (OSError, ValueError) as err:
            raise AdaptationError(f"{listing}:{number}: cannot read {name}: {err}") from err
        if (fmt.rate, fmt.channels, fmt.width) != (16000, 1, 2):
            converter = PcmConverter(fmt)
            pcm = converter.convert(pcm) + converter.flush()
        recordings.append(Recording(pcm, text.strip()))
    return recordings


def run(args: argparse.Namespace) -> int:
    """Carry out one `hearth adapt` action."""
    config = load_config(args.config)
    out = Path(args.out) if args.out else config.directory / "voice" / TRANSFORM_NAME
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
        if args.action == "build":
            if not args.folder:
                print(
                    f"hearth adapt build: name the folder of recordings and {PROMPTS_FILE}", file=sys.stderr
                )
                return 2
            recordings = read_recordings(Path(args.folder))
        else:
            from .speech.corpus import synthesize

            recordings = [
                Recording(synthesize(sentence, voice=args.voice), sentence)
                for sentence in home_prompts(config, args.count, exclude)
            ]
        result = build(config, recordings, out)
    except (AdaptationError, SpeechToolMissing) as err:
        print(f"hearth adapt: {err}", file=sys.stderr)
        return 1
    print(
        f"Adapted to {result.recordings} recordings ({result.seconds_of_speech:.0f} s, "
        f"{result.aligned} followed) in {result.elapsed_s:.1f} s: {result.transform}"
    )
    try:
        shown = out.resolve().relative_to(config.directory.resolve())
    except ValueError:
        shown = out.resolve()
    print(f"To use it, add to hearth.yaml:\n  asr:\n    adaptation: {shown}")
    return 0
