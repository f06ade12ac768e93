"""Build a tiny piper-compatible voice with the onnx package, so tests run piper's real loading code."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SAMPLE_RATE = 16_000
HOP = 256  # samples of audio per phoneme id, like a real voice's hop length
# Piper's special symbols, the punctuation and letters espeak-ng's English phonemes are made of.
SYMBOLS = (
    list("_^$ !'(),-.:;?")
    + list("abcdefghijklmnopqrstuvwxyz")
    + list("æçðøŋœɐɑɒɔɕəɚɛɜɝɞɟɡɣɪɫɬɯɲɹɾʁʃʊʌʒʔʲˈˌːθᵻ̩̃")
)


def phoneme_id_map() -> dict[str, list[int]]:
    """Every symbol to its own id, as in a voice's .onnx.json."""
    return {symbol: [index] for index, symbol in enumerate(SYMBOLS)}


def build_model(rows: int | None = None) -> onnx.ModelProto:
    """A graph with piper's inputs whose output is a short tone per phoneme id (float audio, [1, 1, N*HOP]).

    `rows` below the number of symbols gives a voice that loads but fails at synthesis (an engine error).
    """
    count = len(SYMBOLS) if rows is None else rows
    t = np.arange(HOP, dtype=np.float32) / SAMPLE_RATE
    tones = np.stack([0.3 * np.sin(2 * np.pi * (120 + 15 * i) * t) for i in range(count)]).astype(np.float32)
    nodes = [
        helper.make_node("Gather", ["table", "input"], ["frames"], axis=0),  # [1, N, HOP]
        helper.make_node("Reshape", ["frames", "shape"], ["flat"]),  # [1, 1, N*HOP]
        # Use every input the way piper's own voices do: the noise scale sets the loudness here.
        helper.make_node("Slice", ["scales", "zero", "one"], ["noise"]),
        helper.make_node("Mul", ["flat", "noise"], ["scaled"]),
        helper.make_node("Cast", ["input_lengths"], ["lengths"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["lengths", "nothing"], ["offset"]),
        helper.make_node("Add", ["scaled", "offset"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny-piper",
        inputs=[
            helper.make_tensor_value_info("input", TensorProto.INT64, [1, "phonemes"]),
            helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
            helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
        ],
        outputs=[helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "samples"])],
        initializer=[
            numpy_helper.from_array(tones, "table"),
            numpy_helper.from_array(np.array([1, 1, -1], dtype=np.int64), "shape"),
            numpy_helper.from_array(np.array([0], dtype=np.int64), "zero"),
            numpy_helper.from_array(np.array([1], dtype=np.int64), "one"),
            numpy_helper.from_array(np.array([0.0], dtype=np.float32), "nothing"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8  # readable by every onnxruntime piper supports
    onnx.checker.check_model(model)
    return model


def voice_config() -> dict[str, object]:
    """The .onnx.json piper reads: audio rate, espeak voice, the phoneme ids and inference scales."""
    return {
        "audio": {"sample_rate": SAMPLE_RATE, "quality": "x_low"},
        "espeak": {"voice": "en-us"},
        "language": {"code": "en_US"},
        "inference": {"noise_scale": 0.667, "length_scale": 1.0, "noise_w": 0.8},
        "phoneme_type": "espeak",
        "phoneme_id_map": phoneme_id_map(),
        "num_symbols": len(SYMBOLS),
        "num_speakers": 1,
        "speaker_id_map": {},
        "piper_version": "1.0.0",
        "hop_length": HOP,
    }


def build_voice(directory: Path, name: str = "tiny", *, rows: int | None = None) -> Path:
    """Write `name.onnx` and `name.onnx.json` into `directory`; returns the .onnx path."""
    directory.mkdir(parents=True, exist_ok=True)
    model_path = directory / f"{name}.onnx"
    onnx.save(build_model(rows), str(model_path))
    (directory / f"{name}.onnx.json").write_text(json.dumps(voice_config(), ensure_ascii=False))
    return model_path
