"""Build a tiny random CTranslate2 Whisper model that faster-whisper loads like a real one (tests only)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
from ctranslate2.specs import common_spec, whisper_spec  # type: ignore[import-untyped]
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

N_MELS = 80  # the mel bins of every Whisper but large-v3; faster-whisper's default feature size
ENCODER_POSITIONS = 1500  # 30 s at 20 ms a position: 10 ms mel frames, then a stride-2 convolution
DECODER_POSITIONS = 448  # faster-whisper's WhisperModel.max_length
TIMESTAMPS = 1501  # <|0.00|> … <|30.00|>, as the converter appends them after the tokenizer's vocabulary

# Whisper's special tokens in Whisper's order: the ids after the text tokens follow the same layout, which
# faster-whisper relies on (decode keeps ids below <|endoftext|>, timestamps start after <|notimestamps|>).
LANGUAGES = ("en", "fr", "de", "es", "it", "nl")
SPECIALS = (
    "<|endoftext|>",
    "<|startoftranscript|>",
    *(f"<|{code}|>" for code in LANGUAGES),
    "<|translate|>",
    "<|transcribe|>",
    "<|startoflm|>",
    "<|startofprev|>",
    "<|nospeech|>",
    "<|notimestamps|>",
)

# Symbols Whisper's generation config suppresses (speaker tags, music notes…); the ids are looked up in
# the tiny vocabulary, as the real config lists the ids of the real one.
_SUPPRESSED_SYMBOLS = '"#()*+/:;<=>@[\\]^_`{|}~'

# Enough home-command text for a byte-level BPE to learn a few hundred merges.
_CORPUS = """
turn on the kitchen light please turn off the living room lamp set the bedroom lights to fifty percent
open the garage door close the front door lock the back door is the front door locked what is the temperature
in the office set the thermostat to twenty one degrees start a timer for five minutes cancel all timers
pause the music in the bathroom resume next previous set the fan speed to high dim the hallway lights
brighten the porch light activate mood lighting run party time add apples to my shopping list
what time is it how warm is it outside never mind the ceiling fan the desk lamp the reading light
"""


def _tokenizer(vocab_size: int) -> Tokenizer:
    """A byte-level BPE like GPT-2/Whisper's, trained on home commands, with Whisper's special tokens."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=1,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(_CORPUS.strip().splitlines(), trainer=trainer)
    # Added after training so they take the ids right after the text tokens, as in Whisper.
    tokenizer.add_special_tokens(list(SPECIALS))
    return tokenizer


def _vocabulary(tokenizer: Tokenizer) -> list[str]:
    """The model's vocabulary: the tokenizer's tokens by id, then the timestamp tokens."""
    by_id = sorted(tokenizer.get_vocab(with_added_tokens=True).items(), key=lambda item: item[1])
    tokens = [token for token, _ in by_id]
    assert [i for _, i in by_id] == list(range(len(tokens))), "tokenizer ids must be contiguous"
    return tokens + [f"<|{i * 0.02:.2f}|>" for i in range(TIMESTAMPS)]


class _Weights:
    """Small random weights of the right shapes (normal times scale), reproducible from one seed."""

    def __init__(self, seed: int, scale: float) -> None:
        self._rng = np.random.default_rng(seed)
        self._scale = scale

    def normal(self, *shape: int) -> np.ndarray:
        return (self._rng.standard_normal(shape) * self._scale).astype(np.float32)

    def linear(self, spec: common_spec.LinearSpec, out_dim: int, in_dim: int, bias: bool = True) -> None:
        spec.weight = self.normal(out_dim, in_dim)
        if bias:
            spec.bias = self.normal(out_dim)

    @staticmethod
    def layer_norm(spec: common_spec.LayerNormSpec, dim: int) -> None:
        spec.gamma = np.ones(dim, dtype=np.float32)
        spec.beta = np.zeros(dim, dtype=np.float32)


def _fill_attention(w: _Weights, spec: object, d: int, self_attention: bool) -> None:
    """The converter's layout: fused QKV for self-attention; Q and fused KV for cross-attention."""
    w.layer_norm(spec.layer_norm, d)  # type: ignore[attr-defined]
    linears = spec.linear  # type: ignore[attr-defined]
    if self_attention:
        w.linear(linears[0], 3 * d, d)
    else:
        w.linear(linears[0], d, d)
        w.linear(linears[1], 2 * d, d)
    w.linear(linears[-1], d, d)


def _fill_ffn(w: _Weights, spec: object, d: int) -> None:
    w.layer_norm(spec.layer_norm, d)  # type: ignore[attr-defined]
    w.linear(spec.linear_0, 4 * d, d)  # type: ignore[attr-defined]
    w.linear(spec.linear_1, d, 4 * d)  # type: ignore[attr-defined]


def _sinusoids(length: int, channels: int) -> np.ndarray:
    """Whisper's encoder position encodings (the same formula as openai/whisper's `sinusoids`)."""
    increment = np.log(10_000) / (channels // 2 - 1)
    inv = np.exp(-increment * np.arange(channels // 2))
    scaled = np.arange(length)[:, None] * inv[None, :]
    return np.concatenate([np.sin(scaled), np.cos(scaled)], axis=1).astype(np.float32)


def _logit_bias(vocabulary: list[str], eot_bias: float) -> np.ndarray:
    """Favour whole-word tokens so random output reads as words; the end-of-text bias sets its length.

    A trained Whisper never emits timestamps after <|notimestamps|> nor stray UTF-8 bytes, and
    CTranslate2 does not forbid them, so they are pushed down here the way training would have.
    """
    bias = np.zeros(len(vocabulary), dtype=np.float32)
    eot = vocabulary.index("<|endoftext|>")
    for i, token in enumerate(vocabulary[:eot]):
        word = token.removeprefix("Ġ")
        if not token.isascii() and not (token.startswith("Ġ") and word.isascii()):
            bias[i] = -6.0  # a byte that is no printable ASCII: part of a multi-byte character, a control
        elif token.startswith("Ġ") and word.isalpha():
            bias[i] = 3.0
    bias[eot] = eot_bias
    bias[vocabulary.index("<|notimestamps|>") + 1 :] = -6.0
    return bias


def _spec(
    vocabulary: list[str],
    d_model: int,
    heads: int,
    layers: int,
    seed: int,
    eot_bias: float,
    weight_scale: float,
) -> object:
    """A WhisperSpec filled the way ctranslate2's Transformers converter fills it, with random weights."""
    spec = whisper_spec.WhisperSpec(layers, heads, layers, heads)
    w = _Weights(seed, scale=weight_scale)
    enc, dec = spec.encoder, spec.decoder
    enc.conv1.weight, enc.conv1.bias = w.normal(d_model, N_MELS, 3), w.normal(d_model)
    enc.conv2.weight, enc.conv2.bias = w.normal(d_model, d_model, 3), w.normal(d_model)
    enc.position_encodings.encodings = _sinusoids(ENCODER_POSITIONS, d_model)
    w.layer_norm(enc.layer_norm, d_model)
    for layer in enc.layer:
        _fill_attention(w, layer.self_attention, d_model, self_attention=True)
        _fill_ffn(w, layer.ffn, d_model)
    dec.embeddings.weight = w.normal(len(vocabulary), d_model)
    dec.position_encodings.encodings = w.normal(DECODER_POSITIONS, d_model)
    w.layer_norm(dec.layer_norm, d_model)
    for layer in dec.layer:
        _fill_attention(w, layer.self_attention, d_model, self_attention=True)
        _fill_attention(w, layer.attention, d_model, self_attention=False)
        _fill_ffn(w, layer.ffn, d_model)
    # Whisper ties the output projection to the embeddings; the saver stores the shared array once.
    dec.projection.weight = dec.embeddings.weight
    dec.projection.bias = _logit_bias(vocabulary, eot_bias)
    spec.register_vocabulary(vocabulary)
    return spec


def _configure(spec: object, tokenizer: Tokenizer, layers: int, heads: int) -> None:
    """What the converter's WhisperLoader.set_config writes to config.json."""
    ids = tokenizer.get_vocab(with_added_tokens=True)
    suppress = sorted(
        {ids[t] for symbol in _SUPPRESSED_SYMBOLS for t in tokenizer.encode(symbol).tokens[:1] if t in ids}
    )
    config = spec.config  # type: ignore[attr-defined]
    config.suppress_ids = suppress
    # At the first step Whisper may not emit a blank (" " is "Ġ" in byte-level BPE) or end at once.
    config.suppress_ids_begin = [ids["Ġ"], ids["<|endoftext|>"]]
    config.lang_ids = [ids[f"<|{code}|>"] for code in LANGUAGES]
    # The converter's default when a checkpoint names none: every head of the last half of the layers.
    config.alignment_heads = [list(p) for p in itertools.product(range(layers // 2, layers), range(heads))]


def build_tiny_whisper(
    output_dir: Path,
    *,
    d_model: int = 64,
    heads: int = 2,
    layers: int = 1,
    vocab_size: int = 400,
    seed: int = 0,
    eot_bias: float = 5.0,
    weight_scale: float = 0.3,
) -> Path:
    """Write a random faster-whisper model directory (model.bin, config.json, tokenizer.json…); return it."""
    output_dir.mkdir(parents=True, exist_ok=True)
    tokenizer = _tokenizer(vocab_size)
    vocabulary = _vocabulary(tokenizer)
    spec = _spec(vocabulary, d_model, heads, layers, seed, eot_bias, weight_scale)
    _configure(spec, tokenizer, layers, heads)
    spec.validate()  # type: ignore[attr-defined]
    # float16 on disk keeps the directory near 1 MB; CTranslate2 converts to the compute type on load.
    spec.optimize(quantization="float16")  # type: ignore[attr-defined]
    spec.save(str(output_dir))  # type: ignore[attr-defined]
    tokenizer.save(str(output_dir / "tokenizer.json"))
    preprocessor = {"feature_size": N_MELS, "sampling_rate": 16_000, "hop_length": 160, "chunk_length": 30}
    (output_dir / "preprocessor_config.json").write_text(json.dumps(preprocessor, indent=2) + "\n")
    return output_dir
