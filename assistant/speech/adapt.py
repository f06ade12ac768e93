"""Voice adaptation for pocketsphinx: an adapted acoustic model, or an MLLR transform, from a few recordings.

The stock en-US model was trained on other voices and microphones. From a couple of dozen sentences of the
household's own voice, MAP adaptation moves each Gaussian, mixture weight and transition the recordings
exercise towards that voice and writes a whole model folder (`asr.model`); a global MLLR transform moves
all the means together by one matrix (`asr.adaptation`). Adapted to 30 espeak-ng prompts, MAP heard 68
of the 70 synthesised sample-home commands right and MLLR 65. The statistics come from CMU Sphinx's own
tools (Debian packages `sphinxbase-utils`, `pocketsphinx` and `sphinxtrain`); what they lack for the
wheel's model, the mixture weights (the wheel ships them quantised as `sendump`), is written here.
"""

from __future__ import annotations

import json
import random
import shutil
import struct
import subprocess
import tempfile
import time
import wave
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from intents.jsgf import spoken
from intents.normalize import tokenize

from .asr import SAMPLE_RATE, SAMPLE_WIDTH
from .g2p import Pronouncer, dictionary_text, read_dictionary

# Where each tool comes from: `bw` and `mllr_solve` are installed outside PATH by Debian.
TOOL_PACKAGES = {
    "sphinx_fe": "sphinxbase-utils",
    "pocketsphinx_mdef_convert": "pocketsphinx",
    "bw": "sphinxtrain",
    "mllr_solve": "sphinxtrain",
    "map_adapt": "sphinxtrain",
}
_TOOL_DIRS = ("/usr/lib/sphinxtrain", "/usr/local/lib/sphinxtrain", "/usr/libexec/sphinxtrain")
FAINT_NOISE_RMS = 2.0  # as the decoder's padding of digitally silent audio (sphinx.py)
MIN_RECORDINGS = 5  # a global transform has 3 x 13 x 14 parameters: fewer sentences over-fit it
TOOL_TIMEOUT_S = 600
TRANSFORM_NAME = "mllr_matrix"
MODEL_NAME = "model"  # the default folder of a MAP-adapted model, beside the recordings' config
METHODS = ("map", "mllr")
ADAPTATION_INFO = "adaptation.json"  # in a MAP model folder: what it was adapted from
# What MAP rewrites in a model folder (file: map_adapt's option); the other files (mdef, feat.params,
# noisedict) are copied as they are.
_MAP_OUTPUTS = {
    "means": "-mapmeanfn", "variances": "-mapvarfn", "mixture_weights": "-mapmixwfn",
    "transition_matrices": "-maptmatfn",
}  # fmt: skip
_S3_ORDER_MAGIC = 0x11223344


class AdaptationError(Exception):
    """Adaptation cannot run or failed; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Recording:
    """One sentence of the voice to adapt to: 16 kHz mono PCM16 and the words said."""

    audio: bytes
    text: str


@dataclass(frozen=True, slots=True)
class Adaptation:
    """What `adapt` wrote and from what."""

    output: Path  # the MLLR transform file, or the MAP-adapted model folder
    method: str  # "map" or "mllr"
    recordings: int
    aligned: int  # recordings whose words the model could follow through the audio
    seconds_of_speech: float
    elapsed_s: float


# ------------------------------------------------------------------------------------- model files


def read_sendump(data: bytes) -> np.ndarray:
    """Mixture weights from a pocketsphinx `sendump`: (senones, feature streams, densities), rows sum to 1.

    The file is a list of length-prefixed header strings ending in an empty one, then (when
    `cluster_count` is 0) the density and senone counts, then for every stream and density one byte per
    senone: the weight's negated log (base 1.0001) shifted right by `mixw_shift` bits.
    """
    pos = 0
    order = "<I"

    def integer() -> int:
        nonlocal pos, order
        if pos + 4 > len(data):
            raise ValueError("sendump ends early")
        value = int(struct.unpack_from(order, data, pos)[0])
        if value > 65536 and order == "<I":  # the first length tells the byte order
            order = ">I"
            value = int(struct.unpack_from(order, data, pos)[0])
        pos += 4
        return value

    def text() -> str | None:
        nonlocal pos
        length = integer()
        if length == 0:
            return None
        raw = data[pos : pos + length - 1]  # stored with its terminating NUL
        pos += length
        return raw.decode("latin-1")

    text()  # the title
    header: dict[str, int] = {}
    while (line := text()) is not None:
        key, *value = line.split()
        if value and value[0].isdigit():
            header[key] = int(value[0])
    streams = header.get("feature_count", 0)
    shift = header.get("mixw_shift", 10)
    if header.get("cluster_count", 0):
        raise ValueError("clustered (bit-packed) sendump files are not supported")
    densities, senones = integer(), integer()
    if not (streams and densities and senones) or pos + streams * densities * senones > len(data):
        raise ValueError("sendump sizes do not match the file")
    raw = np.frombuffer(data, np.uint8, streams * densities * senones, pos)
    weights: np.ndarray = np.power(1.0001, -(raw.astype(np.float64) * (1 << shift)))
    weights = weights.reshape(streams, densities, senones).transpose(2, 0, 1)  # senone, stream, density
    normalised: np.ndarray = weights / weights.sum(axis=2, keepdims=True)
    return normalised


def mixture_weights_file(weights: np.ndarray) -> bytes:
    """Mixture weights in the s3 binary format sphinxtrain reads (`mixture_weights`), no checksum."""
    senones, streams, densities = weights.shape
    flat = np.ascontiguousarray(weights, dtype="<f4").ravel()
    header = b"s3\nversion 1.0\nendhdr\n" + struct.pack("<I", _S3_ORDER_MAGIC)
    return header + struct.pack("<IIII", senones, streams, densities, flat.size) + flat.tobytes()


def read_feature_params(path: Path) -> dict[str, str]:
    """A model's feat.params as option -> value (without the dashes)."""
    params: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith("-"):
            params[parts[0][1:]] = parts[1]
    return params


def model_streams(model_dir: Path) -> tuple[int, ...]:
    """The widths of a model's feature streams, as an MLLR transform of it must have them."""
    params = read_feature_params(model_dir / "feat.params")
    if "svspec" in params:
        return tuple(len(_span(part)) for part in params["svspec"].split("/"))
    width = int(params.get("ceplen", "13"))
    return (3 * width,) if params.get("feat", "1s_c_d_dd") == "1s_c_d_dd" else (width,)


def _span(part: str) -> list[int]:
    found: list[int] = []
    for piece in part.split(","):
        low, _, high = piece.partition("-")
        found += list(range(int(low), int(high or low) + 1))
    return found


def check_transform(path: Path, streams: Sequence[int] | None = None) -> None:
    """Raise ValueError unless `path` is an MLLR transform (of a model with these stream widths).

    The file holds the class and stream counts, then per class and stream: the width, a width x width
    matrix, an offset and a variance scale. pocketsphinx reads a transform of another shape out of
    bounds, so the shape is checked before a decoder sees it.
    """
    not_one = "it is not an MLLR transform (made by `hearth adapt`)"
    try:
        numbers = path.read_text(encoding="ascii").split()
        values = [float(n) for n in numbers]
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"cannot read it: {err}") from err
    except ValueError as err:
        raise ValueError(not_one) from err
    if len(values) < 3 or not all(v == int(v) >= 1 for v in values[:2]):
        raise ValueError(not_one)
    classes, count = int(values[0]), int(values[1])
    pos, widths = 2, []
    for _ in range(classes):
        for _ in range(count):
            width = int(values[pos]) if pos < len(values) and values[pos] == int(values[pos]) else 0
            if width < 1:
                raise ValueError(not_one)
            widths.append(width)
            pos += 1 + width * (width + 2)
    if pos != len(values):
        raise ValueError(not_one)
    if streams is not None and widths[:count] != list(streams):
        raise ValueError(
            f"it was made for a model whose feature streams are {widths[:count]} wide, not {list(streams)}: "
            "run `hearth adapt` again for this model"
        )


# ----------------------------------------------------------------------------------------- prompts


def read_fsg(fsg: str) -> tuple[int, int, dict[int, list[tuple[int, str]]]]:
    """A pocketsphinx FSG's start state, final state and word transitions (state -> [(next, word)])."""
    arcs: dict[int, list[tuple[int, str]]] = {}
    start = final = 0
    for line in fsg.splitlines():
        parts = line.split()
        if parts[:1] == ["START_STATE"]:
            start = int(parts[1])
        elif parts[:1] == ["FINAL_STATE"]:
            final = int(parts[1])
        elif parts[:1] == ["TRANSITION"] and len(parts) == 5:
            arcs.setdefault(int(parts[1]), []).append((int(parts[2]), parts[4]))
    return start, final, arcs


def prompts(fsg: str, count: int, *, seed: int = 0, exclude: Iterable[str] = ()) -> list[str]:
    """`count` sentences of a pocketsphinx FSG to read aloud, chosen to cover as many words as they can.

    Sentences are random walks from the start state to the final state; among many, each pick is the
    one that adds the most words not yet covered (every word is a chance to hear its sounds).
    """
    start, final, arcs = read_fsg(fsg)
    rng = random.Random(seed)
    skip = {" ".join(spoken_words(s)) for s in exclude}
    candidates: dict[str, None] = {}
    for _ in range(max(200, 60 * count)):
        state, words = start, list[str]()
        while state != final or (arcs.get(state) and rng.random() < 0.3):
            options = arcs.get(state)
            if not options or len(words) > 16:
                words = []
                break
            state, word = rng.choice(options)
            words.append(word)
        sentence = " ".join(words)
        if sentence and sentence not in skip:
            candidates[sentence] = None
    chosen: list[str] = []
    covered: set[str] = set()
    pool = list(candidates)
    while pool and len(chosen) < count:
        best = max(pool, key=lambda s: (len(set(s.split()) - covered), -abs(len(s.split()) - 6)))
        pool.remove(best)
        chosen.append(best)
        covered |= set(best.split())
    return chosen


# ------------------------------------------------------------------------------------------- tools


def find_tool(name: str) -> Path | None:
    """Where a CMU Sphinx tool is installed, or None."""
    found = shutil.which(name)
    if found:
        return Path(found)
    for folder in _TOOL_DIRS:
        candidate = Path(folder) / name
        if candidate.is_file():
            return candidate
    return None


def _tools() -> dict[str, Path]:
    found = {name: find_tool(name) for name in TOOL_PACKAGES}
    missing = sorted({TOOL_PACKAGES[name] for name, path in found.items() if path is None})
    if missing:
        raise AdaptationError(
            f"adaptation needs CMU Sphinx's training tools: sudo apt install {' '.join(missing)}"
        )
    return {name: path for name, path in found.items() if path is not None}


def _run(command: Sequence[str | Path], cwd: Path) -> str:
    try:
        done = subprocess.run(
            [str(part) for part in command],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=TOOL_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        raise AdaptationError(f"{Path(str(command[0])).name} took longer than {TOOL_TIMEOUT_S} s") from err
    output = done.stdout + done.stderr
    if done.returncode != 0:
        last = [line for line in output.splitlines() if "ERROR" in line or "FATAL" in line][-3:]
        tool = Path(str(command[0])).name
        raise AdaptationError(f"{tool} failed (exit {done.returncode}): {' | '.join(last) or output[-300:]}")
    return output


def spoken_words(text: str) -> list[str]:
    """A transcript as the grammar spells it: lower case, numbers in words."""
    return list(spoken(tokenize(text, strip_phrases=False)))


def faint_noise(samples: int, seed: int) -> bytes:
    """PCM16 noise at FAINT_NOISE_RMS, the same for the same seed: what stands in for digital silence."""
    noise = np.random.default_rng(seed).normal(0.0, FAINT_NOISE_RMS, samples)
    return np.round(noise).astype("<i2").tobytes()


def _write_wav(path: Path, audio: bytes, seed: int) -> None:
    # Exact zeros (a synthesiser's padding) give features no model state can follow: bw then drops the
    # recording ("final state of the search is not reached"). They get the faint noise the decoder adds.
    samples = np.frombuffer(audio[: len(audio) - len(audio) % SAMPLE_WIDTH], "<i2").copy()
    zeros = samples == 0
    samples[zeros] = np.frombuffer(faint_noise(int(zeros.sum()), seed), "<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(SAMPLE_WIDTH)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(samples.tobytes())


def adapt(
    model_dir: Path,
    model_dictionary: Path,
    grammar_dictionary: Path,
    recordings: Sequence[Recording],
    out: Path,
    *,
    method: str = "map",
    phone_lm: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> Adaptation:
    """Adapt `model_dir` to `recordings`: a MAP-adapted model folder or an MLLR transform file at `out`.

    Words are pronounced as the grammar's dictionary says (the hub listens with it), else as the model's
    dictionary or the letter-to-sound fallback does. A MAP folder gets a copy of `phone_lm` (the phone
    language model the confidence is measured with), since the hub looks for one in the model's folder.
    """
    if method not in METHODS:
        raise AdaptationError(f"unknown adaptation method {method!r}: use {' or '.join(METHODS)}")
    if len(recordings) < MIN_RECORDINGS:
        raise AdaptationError(f"adaptation needs at least {MIN_RECORDINGS} recordings, got {len(recordings)}")
    tools = _tools()
    step = progress or (lambda _message: None)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hearth-adapt-") as scratch:
        work = Path(scratch)
        step("features")
        words_said: set[str] = set()
        with (work / "adapt.fileids").open("w") as ids, (work / "adapt.transcription").open("w") as lines:
            for n, recording in enumerate(recordings):
                words = spoken_words(recording.text)
                if not words:
                    raise AdaptationError(f"recording {n + 1} has no words in its transcript")
                name = f"u{n:04d}"
                _write_wav(work / f"{name}.wav", recording.audio, n)
                ids.write(f"{name}\n")
                lines.write(f"<s> {' '.join(words)} </s> ({name})\n")
                words_said |= set(words)
        params = read_feature_params(model_dir / "feat.params")
        _run(
            [tools["sphinx_fe"], "-argfile", model_dir / "feat.params", "-samprate", str(SAMPLE_RATE),
             "-c", "adapt.fileids", "-di", ".", "-do", ".", "-ei", "wav", "-eo", "mfc", "-mswav", "yes"],
            work,
        )  # fmt: skip
        step("model")
        _write_dictionary(work / "adapt.dict", grammar_dictionary, model_dictionary, words_said)
        mdef = work / "mdef.txt"
        _run([tools["pocketsphinx_mdef_convert"], "-text", model_dir / "mdef", mdef], work)
        mixw = model_dir / "mixture_weights"
        if not mixw.is_file():
            mixw = work / "mixture_weights"
            try:
                mixw.write_bytes(mixture_weights_file(read_sendump((model_dir / "sendump").read_bytes())))
            except (OSError, ValueError) as err:
                raise AdaptationError(f"cannot read the model's mixture weights: {err}") from err
        step("statistics")
        streams = ["-svspec", params["svspec"]] if "svspec" in params else []
        kind = {"ptm": ".ptm.", "cont": ".cont.", "semi": ".semi."}.get(params.get("model", "cont"), ".cont.")
        log = _run(
            [tools["bw"], "-moddeffn", mdef, "-ts2cbfn", kind, "-meanfn", model_dir / "means",
             "-varfn", model_dir / "variances", "-mixwfn", mixw, "-tmatfn", model_dir / "transition_matrices",
             "-feat", params.get("feat", "1s_c_d_dd"), *streams,
             "-cmn", params.get("cmn", "batch"), "-agc", params.get("agc", "none"),
             "-varnorm", params.get("varnorm", "no"), "-dictfn", work / "adapt.dict",
             "-fdictfn", model_dir / "noisedict", "-ctlfn", "adapt.fileids", "-lsnfn", "adapt.transcription",
             "-cepdir", ".", "-accumdir", ".", "-abeam", "1e-200", "-bbeam", "1e-200"],
            work,
        )  # fmt: skip
        aligned = sum(1 for line in log.splitlines() if line.startswith("utt>") and len(line.split()) > 5)
        # bw names each recording it could not follow through its words ("u0003 ignored")
        failed = sum(1 for line in log.splitlines() if line.rstrip().endswith(" ignored"))
        aligned = max(0, aligned - failed)
        if aligned < MIN_RECORDINGS:
            raise AdaptationError(
                f"the model followed only {aligned} of {len(recordings)} recordings through their words: "
                "check that each transcript says exactly what its recording says"
            )
        step("transform")
        if method == "mllr":
            solved = work / TRANSFORM_NAME
            _run(
                [tools["mllr_solve"], "-meanfn", model_dir / "means", "-varfn", model_dir / "variances",
                 "-outmllrfn", solved, "-accumdir", "."],
                work,
            )  # fmt: skip
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(solved, out)
        else:
            folder = work / MODEL_NAME
            folder.mkdir()
            written = [arg for name, flag in _MAP_OUTPUTS.items() for arg in (flag, folder / name)]
            _run(
                [tools["map_adapt"], "-moddeffn", mdef, "-ts2cbfn", kind, "-meanfn", model_dir / "means",
                 "-varfn", model_dir / "variances", "-mixwfn", mixw,
                 "-tmatfn", model_dir / "transition_matrices", "-accumdir", ".", *written],
                work,
            )  # fmt: skip
            for source in model_dir.iterdir():
                if source.is_file() and source.name not in (*_MAP_OUTPUTS, "sendump"):
                    shutil.copyfile(source, folder / source.name)
            if phone_lm is not None:
                shutil.copyfile(phone_lm, folder / phone_lm.name)
            _replace_folder(folder, out)
    seconds = sum(len(r.audio) for r in recordings) / (SAMPLE_RATE * SAMPLE_WIDTH)
    result = Adaptation(out, method, len(recordings), aligned, seconds, time.perf_counter() - started)
    info = {"model": str(model_dir), "method": method, "recordings": result.recordings,
            "aligned": result.aligned, "seconds": round(seconds, 1),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S")}  # fmt: skip
    info_file = out / ADAPTATION_INFO if method == "map" else out.with_suffix(".json")
    info_file.write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    return result


def _replace_folder(new: Path, target: Path) -> None:
    """Put the folder `new` at `target`, replacing what is there only once the new one is complete.

    The model being adapted may be `target` itself (a model adapted again with more recordings): it was
    read in full before this runs.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.new")
    shutil.rmtree(staged, ignore_errors=True)
    shutil.copytree(new, staged)
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staged.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _write_dictionary(path: Path, grammar_dictionary: Path, model_dictionary: Path, words: set[str]) -> None:
    text = grammar_dictionary.read_text(encoding="utf-8")
    known = {line.split(maxsplit=1)[0].split("(")[0] for line in text.splitlines() if line.strip()}
    missing = words - known
    if missing:
        pronunciations, _ = Pronouncer(read_dictionary(model_dictionary, missing)).pronounce(missing)
        text = text.rstrip("\n") + "\n" + dictionary_text(pronunciations)
    path.write_text(text, encoding="utf-8")
