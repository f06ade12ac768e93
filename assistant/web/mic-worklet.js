// Hearth microphone capture (AudioWorklet): mixes to mono, resamples to 16 kHz, posts 20 ms PCM16 frames.
"use strict";

const TARGET_RATE = 16000;
const FRAME = 320; // samples per posted frame: 20 ms at 16 kHz

class HearthMic extends AudioWorkletProcessor {
  constructor() {
    super();
    // Input samples per output sample (3 at 48 kHz, 1 when the context already runs at 16 kHz).
    this.step = sampleRate / TARGET_RATE;
    this.position = 0;
    this.sum = 0;
    this.count = 0;
    this.last = 0;
    this.frame = new Int16Array(FRAME);
    this.fill = 0;
  }

  process(inputs) {
    const input = inputs[0];
    if (!input || input.length === 0) return true;
    const channels = input.length;
    const length = input[0].length;
    for (let i = 0; i < length; i++) {
      let value = 0;
      for (let c = 0; c < channels; c++) value += input[c][i];
      // Averaging the samples of each output period is a box low-pass: enough against aliasing for speech.
      this.sum += value / channels;
      this.count += 1;
      this.position += 1;
      while (this.position >= this.step) {
        this.position -= this.step;
        if (this.count > 0) this.last = this.sum / this.count;
        this.sum = 0;
        this.count = 0;
        this.push(this.last);
      }
    }
    return true;
  }

  push(value) {
    const clamped = Math.max(-1, Math.min(1, value));
    this.frame[this.fill++] = clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff;
    if (this.fill === FRAME) {
      this.port.postMessage(this.frame.buffer, [this.frame.buffer]);
      this.frame = new Int16Array(FRAME);
      this.fill = 0;
    }
  }
}

registerProcessor("hearth-mic", HearthMic);
