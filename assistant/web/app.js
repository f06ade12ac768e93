// Hearth browser client: one WebSocket to the hub (protocol v1), microphone turns, replies, device panel.
"use strict";

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "hearth-token";
const SPEAK_KEY = "hearth-speak";
const AUDIO_FORMAT = { rate: 16000, width: 2, channels: 1 };
const RETRY_MS = [500, 1000, 2000, 4000]; // then every 5 s (with jitter) until the hub is back
const RETRY_MAX_MS = 5000;

const conn = { ws: null, token: "", ready: false, refused: false, attempt: 0, timer: 0 };
const runs = new Map(); // run id -> { id, kind, tts, reply, started, ttsStarted, spoken, ended, device }
let shown = null; // the run whose events fill the conversation card
let runNumber = 0;

// ---- connection ---------------------------------------------------------------------------------

function connect() {
  clearTimeout(conn.timer);
  if (conn.ws) {
    conn.ws.onclose = null;
    conn.ws.close();
  }
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/ws`);
  ws.binaryType = "arraybuffer";
  conn.ws = ws;
  conn.refused = false;
  setStatus(conn.attempt ? "reconnecting…" : "connecting…", "busy");
  ws.onopen = () => send({ type: "hello", token: conn.token, client: "browser", protocol: 1, tts: true });
  ws.onmessage = (message) => {
    if (typeof message.data === "string") onEvent(JSON.parse(message.data));
    else player.feed(message.data);
  };
  ws.onclose = () => onClosed(ws);
}

function onClosed(ws) {
  if (ws !== conn.ws) return;
  conn.ready = false;
  enableControls(false);
  mic.stop();
  player.stop();
  runs.clear(); // the hub ends a client's runs when it goes
  if (conn.refused) {
    showLogin(true);
    return;
  }
  // The hub restarted or the network dropped: try again, backing off, until it answers.
  const base = RETRY_MS[conn.attempt] ?? RETRY_MAX_MS;
  const delay = Math.round(base * (0.8 + 0.4 * Math.random()));
  conn.attempt += 1;
  setStatus(`hub unreachable, retrying in ${Math.ceil(delay / 1000)} s`, "offline");
  conn.timer = setTimeout(connect, delay);
}

function send(event) {
  if (!conn.ws || conn.ws.readyState !== WebSocket.OPEN) return false;
  conn.ws.send(JSON.stringify(event));
  return true;
}

function sendAudio(buffer) {
  if (conn.ws && conn.ws.readyState === WebSocket.OPEN) conn.ws.send(buffer);
}

function setStatus(text, state) {
  $("status").textContent = text;
  $("status").dataset.state = state;
}

function enableControls(on) {
  for (const id of ["talk", "text", "camera"]) $(id).disabled = !on;
  for (const tile of document.querySelectorAll(".tile")) tile.disabled = !on || tile.dataset.readonly === "1";
}

function showLogin(refused) {
  $("login").hidden = false;
  $("signout").hidden = true;
  if (refused) setStatus("the hub refused this token", "offline");
  $("token").focus();
}

function start(token) {
  conn.token = token;
  conn.attempt = 0;
  $("login").hidden = true;
  $("signout").hidden = false;
  connect();
}

// ---- hub events -----------------------------------------------------------------------------------

const handlers = {
  welcome(ev) {
    conn.ready = true;
    conn.attempt = 0;
    setStatus(`connected as ${ev.client}${ev.area ? ` in ${ev.area.replaceAll("_", " ")}` : ""}`, "online");
    enableControls(true);
    continueHandsFree();
  },
  home: (ev) => panel.build(ev),
  state: (ev) => panel.update(ev.device, ev.state),
  "run-start"(ev) {
    const run = runs.get(ev.id);
    if (run) run.started = true;
    if (ev.id === shown && ev.text && !$("transcript").textContent) setTranscript(ev.text, false);
  },
  "vad-start"(ev) {
    if (ev.id === shown) setTranscript("…", true);
  },
  "vad-end"(ev) {
    if (ev.id === mic.runId) mic.stop(); // the hub heard the end of the utterance: stop sending
  },
  transcript(ev) {
    if (ev.id === shown) setTranscript(ev.text, ev.partial);
  },
  intent(ev) {
    if (ev.id === shown) $("intent").textContent = describeIntent(ev);
  },
  action(ev) {
    if (ev.id === shown) $("actions").append(actionItem(ev));
    panel.settle(ev.device);
  },
  reply(ev) {
    // A streamed answer comes sentence by sentence (partial), then once more as a whole.
    const run = runs.get(ev.id) || { reply: "" };
    run.reply = ev.partial && run.streaming ? `${run.reply} ${ev.text}` : ev.text;
    run.streaming = Boolean(ev.partial);
    if (ev.id === shown) $("reply").textContent = run.reply;
  },
  "tts-start": (ev) => player.begin(ev),
  "tts-end": (ev) => player.end(ev),
  error(ev) {
    if (ev.code === "unauthorized") {
      conn.refused = true;
      localStorage.removeItem(TOKEN_KEY);
      return;
    }
    const run = runs.get(ev.id);
    if (ev.code === "tts-unavailable" && run) {
      speakFallback(run); // the hub has no voice: the browser's own speech says the reply
      return;
    }
    if (!ev.id || ev.id === shown) $("problem").textContent = `${ev.message} (${ev.code})`;
    if (run && !run.started) finishRun(ev.id); // refused before it began (busy, bad-event): no run-end follows
  },
  "run-end"(ev) {
    const run = runs.get(ev.id);
    if (ev.id === shown) $("timings").textContent = describeTimings(ev.timings);
    if (run) {
      if (run.tts && run.reply && !run.ttsStarted) speakFallback(run);
      if (run.kind === "audio" && ev.code === "stt-unavailable") setHandsFree(false);
    }
    finishRun(ev.id);
  },
  timer(ev) {
    if (ev.state === "finished") notice(`Timer${ev.name ? ` “${ev.name}”` : ""} finished`);
  },
  announce(ev) {
    notice(ev.text);
    if (speakEnabled()) speakText(ev.text);
  },
};

function finishRun(id) {
  const run = runs.get(id);
  if (id === mic.runId) mic.stop();
  if (run) {
    run.ended = true;
    if (run.device) panel.settle(run.device);
  }
  runs.delete(id);
  continueHandsFree();
}

function onEvent(ev) {
  log(ev);
  const handler = handlers[ev.type];
  if (handler) handler(ev);
}

function log(ev) {
  const { type, ...rest } = ev;
  const el = $("log");
  const lines = el.textContent.split("\n").slice(-200);
  lines.push(`${type.padEnd(10)} ${JSON.stringify(rest)}`);
  el.textContent = lines.join("\n");
}

function notice(text) {
  const el = $("notice");
  el.textContent = text;
  el.hidden = false;
  clearTimeout(notice.timer);
  notice.timer = setTimeout(() => (el.hidden = true), 8000);
}

function describeIntent(ev) {
  const slots = Object.entries(ev.slots || {})
    .map(([name, value]) => `${name}=${Array.isArray(value) ? value.join(",") : JSON.stringify(value)}`)
    .join(" ");
  return `${ev.name}${slots ? ` ${slots}` : ""} · ${ev.source} ${Number(ev.confidence).toFixed(2)}`;
}

function actionItem(ev) {
  const li = document.createElement("li");
  li.className = ev.ok ? "ok" : "failed";
  li.dataset.testid = `action-${ev.device}`;
  const what = `${panel.name(ev.device)}: ${ev.command.replaceAll("_", " ")}`;
  const how = ev.ok ? `${ev.topic ?? ""} ${ev.payload ?? ""}` : `${ev.code}: ${ev.message ?? ""}`;
  li.textContent = `${ev.ok ? "✓" : "✗"} ${what} — ${how.trim()}`;
  return li;
}

function describeTimings(timings) {
  const parts = Object.entries(timings || {})
    .filter(([stage]) => stage !== "total")
    .map(([stage, ms]) => `${stage} ${formatMs(ms)}`);
  if (timings && "total" in timings) parts.push(`total ${formatMs(timings.total)}`);
  return parts.length ? `${parts.join(" · ")} ms` : "";
}

function formatMs(ms) {
  return ms >= 10 ? Math.round(ms).toString() : Number(ms).toFixed(1);
}

function setTranscript(text, partial) {
  const el = $("transcript");
  el.textContent = text;
  el.classList.toggle("partial", partial);
}

// ---- runs -----------------------------------------------------------------------------------------

function newRun(kind, tts, heading) {
  const id = `web-${Date.now().toString(36)}-${++runNumber}`;
  runs.set(id, { id, kind, tts, reply: "", started: false, ttsStarted: false, spoken: false, ended: false });
  shown = id;
  $("turn").hidden = false;
  for (const el of ["intent", "reply", "problem", "timings"]) $(el).textContent = "";
  $("actions").replaceChildren();
  setTranscript(heading, kind === "audio");
  return id;
}

function sendText() {
  const text = $("text").value.trim();
  if (!text || !conn.ready) return;
  unlockAudio();
  interrupt();
  const tts = speakEnabled();
  const id = newRun("text", tts, text);
  send({ type: "run", id, text, tts, ...camera.take() });
  $("text").value = "";
}

function tap(deviceId) {
  if (!conn.ready) return;
  unlockAudio();
  const device = panel.devices.get(deviceId);
  const state = panel.states.get(deviceId) || {};
  if (device && device.type === "lock" && String(state.state).startsWith("LOCK")) {
    if (!window.confirm(`Unlock ${device.name}?`)) return; // opening a door deserves a second thought
  }
  // A tap names the device by id: the hub acts on exactly it, no name matching involved.
  const id = newRun("tap", false, `${panel.name(deviceId)}: toggle`);
  runs.get(id).device = deviceId;
  send({ type: "run", id, action: { device: deviceId, command: "toggle" }, tts: false });
  panel.pending(deviceId);
}

function interrupt() {
  // Barge-in: a new request stops the reply that is playing and cancels its run if it still runs.
  const playing = player.id ?? (speech.active ? speech.runId : null);
  if (player.id) player.silenced = player.id;
  player.stop();
  speech.stop();
  if (playing) {
    const run = runs.get(playing);
    if (run && !run.ended) send({ type: "cancel", id: playing });
  }
}

async function onTalk() {
  unlockAudio();
  if (mic.runId) {
    // Pressed again while talking: the utterance is over, whatever the hub's VAD thinks.
    send({ type: "audio-end", id: mic.runId });
    mic.stop();
    return;
  }
  interrupt();
  await startTurn();
}

async function startTurn() {
  if (!conn.ready || mic.runId || mic.opening) return;
  try {
    await mic.open();
  } catch (err) {
    setHandsFree(false);
    $("problem").textContent = micProblem(err);
    return;
  }
  const tts = speakEnabled();
  const id = newRun("audio", tts, "listening…");
  if (!send({ type: "run", id, audio: AUDIO_FORMAT, tts, ...camera.take() })) {
    mic.stop();
    return;
  }
  mic.begin(id);
  setTalking(true);
}

function micProblem(err) {
  if (!window.isSecureContext) {
    return "The microphone needs a secure page: open the hub over https (see `hearth certs`).";
  }
  return `The microphone is not available: ${err && err.message ? err.message : err}`;
}

function setTalking(on) {
  $("talk").setAttribute("aria-pressed", String(on));
  $("talk").classList.toggle("listening", on);
  $("talk-label").textContent = on ? "Listening… tap to stop" : "Talk";
}

function speakEnabled() {
  return $("speak").checked;
}

function setHandsFree(on) {
  $("handsfree").checked = on;
}

function continueHandsFree() {
  // Hands-free: the next turn starts once the last one ended and its reply finished playing.
  if (!$("handsfree").checked || !conn.ready || mic.runId || mic.opening) return;
  if (player.id || speech.active) return;
  for (const run of runs.values()) if (run.kind === "audio") return;
  clearTimeout(continueHandsFree.timer);
  continueHandsFree.timer = setTimeout(startTurn, 300);
}

// ---- microphone -----------------------------------------------------------------------------------

const mic = {
  stream: null,
  context: null,
  node: null,
  runId: null,
  opening: false,
  preroll: [], // frames captured before the run went out: the first syllable must not be lost

  async open() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw new Error("this page is not allowed to use a microphone");
    }
    this.opening = true;
    try {
      // Echo cancellation keeps the reply out of a barge-in; noise suppression and gain control are off
      // because their artefacts cost the speech recogniser more than the noise they remove.
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: true, noiseSuppression: false, autoGainControl: false },
      });
      this.context = await captureContext(this.stream);
      await this.context.audioWorklet.addModule("/mic-worklet.js");
      const source = this.context.createMediaStreamSource(this.stream);
      this.node = new AudioWorkletNode(this.context, "hearth-mic");
      this.preroll = [];
      this.node.port.onmessage = (message) => {
        if (this.runId) sendAudio(message.data);
        else if (this.preroll.push(message.data) > 50) this.preroll.shift(); // keep the last second
      };
      const mute = this.context.createGain();
      mute.gain.value = 0; // the worklet must be pulled by the graph, but nobody wants to hear themselves
      source.connect(this.node).connect(mute).connect(this.context.destination);
      await this.context.resume();
    } catch (err) {
      this.release();
      throw err;
    } finally {
      this.opening = false;
    }
  },

  begin(id) {
    this.runId = id;
    for (const frame of this.preroll) sendAudio(frame);
    this.preroll = [];
  },

  stop() {
    if (this.runId === null && !this.stream) return;
    this.runId = null;
    setTalking(false);
    this.release();
  },

  release() {
    if (this.node) this.node.port.onmessage = null;
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    if (this.context) this.context.close().catch(() => {});
    this.stream = this.context = this.node = null;
    this.preroll = [];
  },
};

async function captureContext(stream) {
  // Let the browser resample to 16 kHz where it can; the worklet resamples whatever rate it gets.
  try {
    const context = new AudioContext({ sampleRate: AUDIO_FORMAT.rate });
    context.createMediaStreamSource(stream).disconnect();
    return context;
  } catch {
    return new AudioContext();
  }
}

// ---- camera snapshot (for a multimodal model) ----------------------------------------------------

const MAX_IMAGE_CHARS = 48000; // base64: the run must fit in one WebSocket frame (hub.max_frame_bytes)

const camera = {
  image: null,

  async snap() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      $("problem").textContent = "The camera needs a secure page: open the hub over https.";
      return;
    }
    let stream = null;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment", width: { ideal: 640 }, height: { ideal: 480 } },
      });
      const video = document.createElement("video");
      video.muted = true;
      video.playsInline = true;
      video.srcObject = stream;
      await video.play();
      await new Promise((resolve) =>
        video.requestVideoFrameCallback ? video.requestVideoFrameCallback(resolve) : setTimeout(resolve, 300),
      );
      const url = jpeg(video);
      if (!url) $("problem").textContent = "The photo is too large to send.";
      this.keep(url);
    } catch (err) {
      $("problem").textContent = `The camera is not available: ${err && err.message ? err.message : err}`;
    } finally {
      if (stream) for (const track of stream.getTracks()) track.stop();
    }
  },

  keep(url) {
    this.image = url ? url.slice(url.indexOf(",") + 1) : null;
    $("snapshot").src = url || "";
    $("snapshot-box").hidden = !url;
  },

  take() {
    // The photo rides with the next run only.
    const image = this.image;
    this.keep(null);
    return image ? { image } : {};
  },
};

function jpeg(video) {
  const scale = Math.min(1, 640 / video.videoWidth);
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(video.videoWidth * scale);
  canvas.height = Math.round(video.videoHeight * scale);
  canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
  let quality = 0.8;
  let url = canvas.toDataURL("image/jpeg", quality);
  while (url.length > MAX_IMAGE_CHARS && quality > 0.2) {
    quality -= 0.15;
    url = canvas.toDataURL("image/jpeg", quality);
  }
  return url.length > MAX_IMAGE_CHARS ? null : url;
}

// ---- reply audio ----------------------------------------------------------------------------------

const player = {
  context: null,
  id: null,
  rate: 22050,
  next: 0,
  frames: 0,
  ended: false,
  sources: new Set(),
  fallback: 0,
  silenced: null, // the run whose reply was stopped: its later sentences stay silent

  begin(ev) {
    const run = runs.get(ev.id);
    if (run) run.ttsStarted = true;
    if (ev.id === this.silenced) return; // more sentences of a reply the user interrupted
    if (ev.format !== "pcm16" || (ev.channels ?? 1) !== 1) return;
    if (ev.id === this.id) {
      // The next sentence of the same reply: queue it behind the one still playing.
      clearTimeout(this.fallback);
      Object.assign(this, { rate: ev.rate, ended: false });
      return;
    }
    this.stop();
    this.silenced = null;
    this.context = this.context || new AudioContext();
    this.context.resume().catch(() => {});
    Object.assign(this, { id: ev.id, rate: ev.rate, next: 0, frames: 0, ended: false });
    this.show("playing");
  },

  feed(buffer) {
    if (!this.id) return; // audio of a reply that was stopped (barge-in): dropped
    const samples = new Int16Array(buffer, 0, buffer.byteLength >> 1);
    if (!samples.length) return;
    const floats = new Float32Array(samples.length);
    for (let i = 0; i < samples.length; i++) floats[i] = samples[i] / 32768;
    const audio = this.context.createBuffer(1, floats.length, this.rate);
    audio.copyToChannel(floats, 0);
    const source = this.context.createBufferSource();
    source.buffer = audio;
    source.connect(this.context.destination);
    const at = Math.max(this.context.currentTime + 0.05, this.next);
    source.start(at);
    this.next = at + audio.duration;
    this.sources.add(source);
    source.onended = () => {
      this.sources.delete(source);
      if (this.ended && this.sources.size === 0) this.finish();
    };
    this.frames += 1;
    this.show("playing");
  },

  end(ev) {
    if (ev.id !== this.id) return;
    this.ended = true;
    if (this.sources.size === 0) {
      this.finish();
      return;
    }
    // A suspended audio output never fires `ended`: do not wait past the reply's own length.
    const left = Math.max(0, this.next - this.context.currentTime) * 1000 + 1000;
    this.fallback = setTimeout(() => this.finish(), left);
  },

  finish() {
    if (!this.id) return;
    clearTimeout(this.fallback);
    this.id = null;
    this.show("done");
    continueHandsFree();
  },

  stop() {
    clearTimeout(this.fallback);
    for (const source of this.sources) {
      source.onended = null;
      try {
        source.stop();
      } catch {}
    }
    this.sources.clear();
    if (this.id) {
      this.id = null;
      this.show("stopped");
    }
  },

  show(state) {
    const el = $("tts-status");
    el.dataset.state = state;
    el.dataset.frames = String(this.frames);
    const words = { playing: "reply audio playing", done: "reply audio played", stopped: "reply audio stopped" };
    el.textContent = `${words[state]} (${this.frames} frames, ${this.rate} Hz)`;
  },
};

function unlockAudio() {
  // Browsers start audio only after a user gesture: make (or wake) the output context on each one.
  try {
    player.context = player.context || new AudioContext();
    player.context.resume().catch(() => {});
  } catch {}
}

// ---- the browser's own voice (Web Speech API) -----------------------------------------------------

const speech = {
  active: false,
  runId: null,
  timer: 0,
  stop() {
    if (!this.active) return;
    this.active = false;
    clearTimeout(this.timer);
    window.speechSynthesis.cancel();
  },
};

function speakFallback(run) {
  if (run.spoken || !run.reply || !speakEnabled()) return;
  run.spoken = true;
  speakText(run.reply, run.id);
}

function speakText(text, runId = null) {
  if (!("speechSynthesis" in window)) return;
  speech.stop();
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.lang = document.documentElement.lang || "en";
  const done = () => {
    if (!speech.active) return;
    speech.active = false;
    clearTimeout(speech.timer);
    continueHandsFree();
  };
  utterance.onend = utterance.onerror = done;
  Object.assign(speech, { active: true, runId });
  // Some systems have no voice at all and never end the utterance: give up after a generous while.
  speech.timer = setTimeout(done, 2000 + 100 * text.length);
  window.speechSynthesis.speak(utterance);
  const el = $("tts-status");
  el.dataset.state = "web-speech";
  el.textContent = "reply spoken by the browser";
}

// ---- device panel ---------------------------------------------------------------------------------

const panel = {
  areas: [],
  devices: new Map(),
  states: new Map(),

  build(home) {
    this.areas = home.areas || [];
    this.devices = new Map((home.devices || []).map((d) => [d.id, d]));
    const groups = new Map(this.areas.map((a) => [a.id, []]));
    for (const device of this.devices.values()) {
      const key = groups.has(device.area) ? device.area : "";
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(device);
    }
    const names = new Map(this.areas.map((a) => [a.id, a.name]));
    const sections = [];
    for (const [area, devices] of groups) {
      if (devices.length) sections.push(this.section(area, names.get(area) || "other", devices));
    }
    $("areas").replaceChildren(...sections);
    for (const [id, state] of this.states) this.update(id, state);
    enableControls(conn.ready);
  },

  section(area, name, devices) {
    const section = document.createElement("section");
    section.className = "area";
    section.dataset.testid = `area-${area || "other"}`;
    const heading = document.createElement("h2");
    heading.textContent = name;
    const tiles = document.createElement("div");
    tiles.className = "tiles";
    tiles.append(...devices.map((d) => this.tile(d)));
    section.append(heading, tiles);
    return section;
  },

  tile(device) {
    const tile = document.createElement("button");
    tile.type = "button";
    tile.className = `tile type-${device.type}`;
    tile.dataset.testid = `device-${device.id}`;
    tile.dataset.device = device.id;
    tile.dataset.readonly = device.type === "sensor" ? "1" : "0";
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = device.name;
    const state = document.createElement("span");
    state.className = "state";
    state.dataset.testid = `state-${device.id}`;
    state.textContent = "—";
    tile.append(name, state);
    tile.addEventListener("click", () => tap(device.id));
    return tile;
  },

  update(id, state) {
    this.states.set(id, state);
    let tile = document.querySelector(`[data-testid="device-${CSS.escape(id)}"]`);
    if (!tile) {
      // A device the home description did not list (an older hub): show it under "other".
      this.devices.set(id, { id, name: id.replaceAll("_", " "), type: "", area: null });
      tile = this.tile(this.devices.get(id));
      this.otherTiles().append(tile);
    }
    const device = this.devices.get(id);
    tile.querySelector(".state").textContent = summary(device.type, state);
    const on = ["ON", "OPEN", "UNLOCK", "UNLOCKED"].includes(String(state.state));
    tile.classList.toggle("on", on);
    tile.classList.remove("pending");
    tile.setAttribute("aria-pressed", String(on));
    tile.dataset.state = state.state ?? "";
    tile.disabled = !conn.ready || tile.dataset.readonly === "1";
  },

  otherTiles() {
    let section = document.querySelector('[data-testid="area-other"] .tiles');
    if (!section) {
      $("areas").append(this.section("", "other", []));
      section = document.querySelector('[data-testid="area-other"] .tiles');
    }
    return section;
  },

  pending(id) {
    const tile = document.querySelector(`[data-testid="device-${CSS.escape(id)}"]`);
    if (tile) tile.classList.add("pending");
  },

  settle(id) {
    const tile = document.querySelector(`[data-testid="device-${CSS.escape(id)}"]`);
    if (tile) tile.classList.remove("pending");
  },

  name(id) {
    return this.devices.get(id)?.name ?? id;
  },
};

function summary(type, state) {
  const power = state.state === "ON" ? "on" : state.state === "OFF" ? "off" : null;
  const parts = [];
  if (type === "cover") {
    parts.push(state.state === "OPEN" ? "open" : state.state ? "closed" : "—");
    if (typeof state.position === "number" && state.position > 0 && state.position < 100) {
      parts.push(`${state.position}%`);
    }
  } else if (type === "lock") {
    parts.push(String(state.state).startsWith("LOCK") ? "locked" : state.state ? "unlocked" : "—");
  } else if (type === "sensor") {
    if (state.occupancy !== undefined) parts.push(state.occupancy ? "motion" : "no motion");
    if (state.temperature !== undefined) parts.push(`${state.temperature} °C`);
    if (state.humidity !== undefined) parts.push(`${state.humidity}% humidity`);
  } else {
    if (power) parts.push(power);
    if (type === "light" && power === "on" && typeof state.brightness === "number") {
      parts.push(`${Math.round((state.brightness * 100) / 254)}%`);
    }
    if (type === "climate") {
      if (state.occupied_heating_setpoint !== undefined) parts.push(`set ${state.occupied_heating_setpoint} °C`);
      if (state.local_temperature !== undefined) parts.push(`now ${state.local_temperature} °C`);
    }
    if (type === "fan" && state.fan_mode && state.fan_mode !== "off") parts.push(state.fan_mode);
    if (type === "media_player" && power === "on" && state.playback) parts.push(state.playback);
    if (type === "media_player" && power === "on" && state.volume !== undefined) {
      parts.push(`volume ${state.volume}`);
    }
  }
  return parts.length ? parts.join(" · ") : "—";
}

// ---- wiring ---------------------------------------------------------------------------------------

function init() {
  $("login").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    if (!token) return;
    unlockAudio();
    localStorage.setItem(TOKEN_KEY, token);
    $("token").value = "";
    start(token);
  });
  $("signout").addEventListener("click", () => {
    localStorage.removeItem(TOKEN_KEY);
    clearTimeout(conn.timer);
    if (conn.ws) {
      conn.ws.onclose = null;
      conn.ws.close();
    }
    Object.assign(conn, { ws: null, token: "", ready: false });
    enableControls(false);
    mic.stop();
    player.stop();
    showLogin(false);
    setStatus("not connected", "offline");
  });
  $("talk").addEventListener("click", onTalk);
  $("camera").addEventListener("click", () => camera.snap());
  $("snapshot-drop").addEventListener("click", () => camera.keep(null));
  $("text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.isComposing) sendText();
  });
  $("handsfree").addEventListener("change", () => {
    if ($("handsfree").checked) {
      unlockAudio();
      continueHandsFree();
    }
  });
  $("speak").checked = localStorage.getItem(SPEAK_KEY) !== "0";
  $("speak").addEventListener("change", () => localStorage.setItem(SPEAK_KEY, speakEnabled() ? "1" : "0"));
  // Back on the network or on screen: do not wait for the next retry.
  const retryNow = () => {
    const idle = !conn.ws || conn.ws.readyState === WebSocket.CLOSED;
    if (!conn.ready && conn.token && !conn.refused && idle) connect();
  };
  window.addEventListener("online", retryNow);
  document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && retryNow());
  const token = localStorage.getItem(TOKEN_KEY);
  if (token) start(token);
  else showLogin(false);
}

init();
