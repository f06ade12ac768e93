"""Silero voice activity detection with the onnx model that ships inside faster-whisper."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort  # type: ignore[import-untyped]  # ships no type information

from .asr import AsrError

FRAME_SAMPLES = 512  # 32 ms at 16 kHz: the window the model was trained on
CONTEXT_SAMPLES = 64  # the end of the previous window, which the model sees in front of each new one
FRAME_BYTES = FRAME_SAMPLES * 2
FRAME_MS = 32
_STATE_SHAPE = (1, 1, 128)

Floats = npt.NDArray[np.float32]


def default_model_path() -> Path:
    """Where faster-whisper keeps its Silero VAD model (found without importing faster-whisper)."""
    # Importing faster_whisper pulls in ctranslate2 and tokenizers: ~0.2 s of start-up for one file path.
    spec = importlib.util.find_spec("faster_whisper")
    locations = list(spec.submodule_search_locations or ()) if spec is not None else []
    folder = Path(locations[0]) if locations else Path("faster_whisper")
    return folder / "assets" / "silero_vad_v6.onnx"


class VadModelError(AsrError):
    """The Silero VAD model cannot be loaded; `path` is the file that was tried."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        super().__init__("asr.vad", f"cannot load the Silero VAD model {path}: {reason}")


class SileroVad:
    """One loaded model, shared by every stream (onnxruntime sessions may be run from many threads)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = default_model_path() if path is None else Path(path)
        if not self.path.is_file():
            raise VadModelError(self.path, "no such file (faster-whisper ships it; reinstall faster-whisper)")
        options = ort.SessionOptions()
        # One thread per call: many sessions share the machine, and a 32 ms window is too small to split.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(
                str(self.path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as err:  # onnxruntime raises its own untyped errors for unreadable models
            raise VadModelError(self.path, str(err)) from err
        names = {i.name for i in self.session.get_inputs()}
        if names != {"input", "h", "c"}:
            raise VadModelError(self.path, f"inputs {sorted(names)} are not Silero v6's input, h, c")

    def stream(self) -> VadStream:
        """A fresh stream for one utterance."""
        return VadStream(self)

    def run(self, windows: Floats, h: Floats, c: Floats) -> tuple[Floats, Floats, Floats]:
        """Speech probabilities of consecutive [n, 576] windows, and the LSTM state after the last one."""
        probs, hn, cn = self.session.run(None, {"input": windows, "h": h, "c": c})
        return np.asarray(probs, np.float32).reshape(-1), np.asarray(hn), np.asarray(cn)


class VadStream:
    """Speech probability per 32 ms frame of one stream of 16 kHz PCM16, however the audio is chunked."""

    def __init__(self, vad: SileroVad) -> None:
        self._vad = vad
        self._pending = b""  # bytes of an unfinished frame
        self._context: Floats = np.zeros(CONTEXT_SAMPLES, dtype=np.float32)
        self._h: Floats = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._c: Floats = np.zeros(_STATE_SHAPE, dtype=np.float32)

    def process(self, pcm: bytes) -> list[float]:
        """One probability per frame completed by this audio; an unfinished frame waits for the next call."""
        data = self._pending + pcm if self._pending else pcm
        count = len(data) // FRAME_BYTES
        self._pending = data[count * FRAME_BYTES :]
        if count == 0:
            return []
        samples = np.frombuffer(data, dtype="<i2", count=count * FRAME_SAMPLES).astype(np.float32)
        samples *= 1 / 32768  # the model takes floats in [-1, 1)
        frames = samples.reshape(count, FRAME_SAMPLES)
        windows = np.empty((count, CONTEXT_SAMPLES + FRAME_SAMPLES), dtype=np.float32)
        windows[:, CONTEXT_SAMPLES:] = frames
        windows[0, :CONTEXT_SAMPLES] = self._context
        windows[1:, :CONTEXT_SAMPLES] = frames[:-1, -CONTEXT_SAMPLES:]
        # All frames in one call: the model's LSTM runs along the batch axis, so this equals frame by frame.
        probs, self._h, self._c = self._vad.run(windows, self._h, self._c)
        self._context = frames[-1, -CONTEXT_SAMPLES:].copy()
        return [float(p) for p in probs]

    def reset(self) -> None:
        """Forget everything heard, as if the stream were new."""
        self._pending = b""
        self._context = np.zeros(CONTEXT_SAMPLES, dtype=np.float32)
        self._h = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._c = np.zeros(_STATE_SHAPE, dtype=np.float32)
