"""Intent classifier: n-gram features and logistic regression trained from the templates, run as ONNX."""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import onnxruntime as ort  # type: ignore[import-untyped]  # ships no type information

from .cachefiles import default_cache_dir as default_cache_dir
from .cachefiles import write_atomic as write_atomic
from .document import IntentData, IntentDef, RangeList, SlotList
from .normalize import tokenize
from .numbers import NUMBER_WORDS, parse_number
from .templates import Alt, Node, RuleRef, Seq, SlotRef, Template, Word, parse_template, references

log = logging.getLogger("hearth.classifier")

FORMAT = 3  # bump when features, graph or training recipe change meaning: it is part of the cache name
NONE = "none"  # the label of sentences that are no home command
NAME, AREA, NUM = "<name>", "<area>", "<num>"
# Placeholders are one character each in the char n-grams, so "<name> on" looks like "X on", not "<name".
_PLACEHOLDER_CHARS = {NAME: "\ue000", AREA: "\ue001", NUM: "\ue002"}
_PLACEHOLDERS = {"name": NAME, "area": AREA}

WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 4)
MAX_WORD_FEATURES = 1500
MAX_CHAR_FEATURES = 2500
MIN_COUNT = 2  # n-grams seen in fewer training sentences are noise (and bloat the model)
EPOCHS = 15
BATCH = 512
LEARNING_RATE = 0.08
L2 = 1e-6
_FEATURIZE_STEPS = 10  # progress steps reported while computing features; one more per epoch
_OPSET = 17
_IR_VERSION = 8  # what onnxruntime >= 1.17 (the oldest we support) reads
_EPSILON = 1e-9
_FLOAT16_MAX = 65504.0

if TYPE_CHECKING:
    # Only training builds models: the `onnx` package (with protobuf, ~7 MB resident) is imported when a
    # model is trained, never by a hub that loads its cached model into onnxruntime.
    import onnx

FloatArray = npt.NDArray[np.float32]
Tokens = tuple[str, ...]
Example = tuple[Tokens, str]
Progress = Callable[[int, int], None]


def mask_numbers(tokens: Sequence[str]) -> list[str]:
    """Tokens with every number (digits or words: "21", "twenty one point five") replaced by `<num>`."""
    masked: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        # Most tokens cannot start a number: skip the parser for them (it is called for every sample).
        maybe = token in NUMBER_WORDS or token[:1].isdigit()
        parsed = parse_number(tokens, i) if maybe else None
        if parsed is None:
            masked.append(tokens[i])
            i += 1
        else:
            masked.append(NUM)
            i = parsed[1]
    return masked


def char_sequence(tokens: Sequence[str]) -> list[str]:
    """The characters the char n-grams run over: the tokens between spaces, a placeholder as one char."""
    text = " ".join(_PLACEHOLDER_CHARS.get(token, token) for token in tokens)
    return list(f" {text} ")


# ---------------------------------------------------------------------------------------------- examples


@dataclass(frozen=True, slots=True)
class _Walker:
    """Draws one random sentence from a template, with runtime lists and numbers as placeholders."""

    rules: Mapping[str, Template]
    lists: Mapping[str, SlotList]
    rng: random.Random

    def walk(self, node: Node, out: list[str], domains: frozenset[str]) -> None:
        """Append a random expansion of `node`; `domains` (when not empty) narrows the `domain` slot."""
        if isinstance(node, Word):
            out.append(node.text)
        elif isinstance(node, SlotRef):
            out.extend(self.slot(node, domains))
        elif isinstance(node, RuleRef):
            self.walk(self.rules[node.name].root, out, domains)
        elif isinstance(node, Alt):
            # One option at random: an empty option is an optional part left out.
            self.walk(self.rng.choice(node.options), out, domains)
        elif isinstance(node, Seq):
            for item in node.items:
                self.walk(item, out, domains)

    def slot(self, ref: SlotRef, domains: frozenset[str]) -> Sequence[str]:
        if ref.list_name in _PLACEHOLDERS:
            return (_PLACEHOLDERS[ref.list_name],)
        values = self.lists[ref.list_name]
        if isinstance(values, RangeList):
            return (NUM,)
        # Real values, so domain words, colours and speeds are features the model can use; a group
        # restricted to some device types only says their words ("set the tv to 20" is a volume).
        choices = values.values
        if domains and ref.slot_name == "domain":
            choices = tuple(v for v in choices if v.out in domains) or choices
        return self.rng.choice(choices).tokens


# Training-only phrasings the exact templates leave out (everyday synonyms and frames people use), so
# the classifier learns them; only used where the intent, its lists and rules exist in the data.
_EXTRA_TEMPLATES: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "en": {
        "turn_on": (
            "(enable|activate|start|start up|fire up) <target>",
            "(put|get|leave) <target> on",
            "i (want|need) <target> on",
        ),
        "turn_off": (
            "(disable|deactivate|cut|stop) <target>",
            "(shut|power) down <target>",
            "(put|get) <target> off",
            "i (want|need) <target> off",
        ),
        "get_state": (
            "did (i|we|you|someone|somebody) leave <target> {state}",
            "(check|tell me) (if|whether) <target> (is|are) {state}",
            "(is|are) <target> (turned|switched) {state}",
        ),
        "set_temperature": ("i (want|need|would like) <the> {area} (at|to be) {temperature} <degrees>",),
        "set_color": ("i (want|need|would like) <target> [in] {color}",),
        "media_play": ("(start|put on) [some] (music|a song|something) [<in_area>|<on_target>]",),
        "temperature_up": ("it is <a_bit> (cold|chilly|freezing) [in here]", "i am (cold|freezing)"),
        "temperature_down": ("it is <a_bit> (too warm|too hot|hot|warm) [in here]", "i am (hot|too hot)"),
    },
}
# Words said around any request; added to sentences of every class alike, so they carry no intent.
_PREFIXES = {"en": ("i want to", "i'd like to", "go ahead and", "just", "quickly", "hey", "okay", "so", "oh")}
_SUFFIXES = {"en": ("for me", "right now", "at the moment", "now", "quickly", "if you can", "real quick")}
_DECORATED = 0.15  # the share of sentences that get a prefix, and (independently) a suffix
# Stand-ins that survive `tokenize`, so placeholders can be written inside example text.
_SENTINELS = {NAME: "hearthxname", AREA: "hearthxarea"}


# A template and the device types its group is restricted to (empty: any).
_Source = tuple[Template, frozenset[str]]


def _templates(data: IntentData, name: str, intent: IntentDef) -> list[_Source]:
    """The intent's templates and the training-only extras that this data can expand."""
    sources = [(s.template, g.requires_domain) for g in intent.groups for s in g.sentences]
    for text in _EXTRA_TEMPLATES.get(data.language, {}).get(name, ()):
        template = parse_template(text)
        if all(
            (ref.name in data.expansion_rules)
            if isinstance(ref, RuleRef)
            else (ref.list_name in data.lists or ref.list_name in _PLACEHOLDERS)
            for ref in references(template.root)
        ):
            sources.append((template, frozenset()))
    return sources if intent.groups else []


def _sample(sources: Sequence[_Source], walker: _Walker, per_intent: int) -> list[Tokens]:
    """Up to `per_intent` distinct sentences, each from a randomly chosen template."""
    found: dict[Tokens, None] = {}  # a dict keeps the order of discovery, so results are reproducible
    misses = 0
    # Small grammars run out of new sentences long before the cap: stop after a long run of repeats.
    while sources and len(found) < per_intent and misses < per_intent:
        out: list[str] = []
        template, domains = walker.rng.choice(sources)
        walker.walk(template.root, out, domains)
        sentence = tuple(mask_numbers(out))
        misses = misses + 1 if sentence in found else 0
        found[sentence] = None
    return list(found)


def _decorate(tokens: Tokens, language: str, rng: random.Random) -> Tokens:
    prefixes, suffixes = _PREFIXES.get(language, ()), _SUFFIXES.get(language, ())
    if prefixes and rng.random() < _DECORATED:
        tokens = (*rng.choice(prefixes).split(), *tokens)
    if suffixes and rng.random() < _DECORATED:
        tokens = (*tokens, *rng.choice(suffixes).split())
    return tokens


def none_sentences(language: str = "en") -> list[Tokens]:
    """The built-in sentences of the `none` class (`intents/data/<language>_none.txt`), as tokens."""
    resource = resources.files("intents").joinpath("data", f"{language}_none.txt")
    if not resource.is_file():
        return []
    sentences: dict[Tokens, None] = {}
    for line in resource.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and (tokens := example_tokens(line)):
            sentences[tokens] = None
    return list(sentences)


def example_tokens(text: str) -> Tokens:
    """Tokens of text as the classifier gets them; `<name>`, `<area>` and `<num>` written in it are kept."""
    for placeholder, sentinel in _SENTINELS.items():
        text = text.replace(placeholder, f" {sentinel} ")
    text = text.replace(NUM, " 1 ")
    back = {sentinel: placeholder for placeholder, sentinel in _SENTINELS.items()}
    return tuple(mask_numbers([back.get(token, token) for token in tokenize(text)]))


def training_examples(data: IntentData, *, per_intent: int = 300, seed: int = 0) -> list[Example]:
    """Labelled token sequences: random walks over each intent's templates, plus the `none` class.

    Sentences of the `none` file that an intent produces as well are left out of `none`.
    """
    examples: list[Example] = []
    for name, intent in data.intents.items():
        # Each intent draws from its own random stream, so editing one intent's templates leaves every
        # other intent's sentences as they were (a shared stream reshuffled them all).
        rng = random.Random(f"{seed}/{name}")
        walker = _Walker(data.expansion_rules, data.lists, rng)
        sentences = _sample(_templates(data, name, intent), walker, per_intent)
        examples += [(_decorate(tokens, data.language, rng), name) for tokens in sentences]
    said = {tokens for tokens, _label in examples}
    nones = [tokens for tokens in none_sentences(data.language) if tokens not in said]
    rng = random.Random(f"{seed}/{NONE}")
    examples += [(_decorate(tokens, data.language, rng), NONE) for tokens in nones]
    return list(dict.fromkeys(examples))  # a decorated sentence can equal another one


# ---------------------------------------------------------------------------------------------- features


def _ngrams(sequence: Sequence[str], low: int, high: int) -> Iterator[Tokens]:
    for n in range(low, high + 1):
        for i in range(len(sequence) - n + 1):
            yield tuple(sequence[i : i + n])


def _vocabulary(sequences: Iterable[Sequence[str]], low: int, high: int, cap: int) -> list[Tokens]:
    """The n-grams in at least MIN_COUNT sequences, the `cap` most frequent, ordered by length."""
    counts: Counter[Tokens] = Counter()
    for sequence in sequences:
        counts.update(set(_ngrams(sequence, low, high)))
    frequent = [gram for gram, count in counts.items() if count >= MIN_COUNT] or list(counts)
    # Ties are broken by the n-gram itself so the vocabulary (and the model) is reproducible.
    ranked = sorted(frequent, key=lambda gram: (-counts[gram], gram))[:cap]
    # An empty pool is not a valid TfIdfVectorizer; a never-seen n-gram stands in for it.
    return sorted(ranked, key=lambda gram: (len(gram), gram)) or [("\ue0ff",) * low]


def _tfidf(name: str, source: str, vocabulary: Sequence[Tokens], low: int, high: int) -> onnx.NodeProto:
    """A TfIdfVectorizer counting the given n-grams (grouped by length, as the operator requires)."""
    from onnx import helper

    counts, pool, start = [], [], 0
    for n in range(1, high + 1):
        counts.append(start)
        grams = [g for g in vocabulary if len(g) == n]
        pool += [token for gram in grams for token in gram]
        start += len(grams) * n
    return helper.make_node(
        "TfIdfVectorizer",
        [source],
        [name],
        name=name,
        mode="TF",
        min_gram_length=low,
        max_gram_length=high,
        max_skip_count=0,
        ngram_counts=counts,
        ngram_indexes=list(range(len(vocabulary))),
        pool_strings=pool,
    )


@dataclass(frozen=True, slots=True)
class _Vocabularies:
    words: list[Tokens]
    chars: list[Tokens]

    @property
    def size(self) -> int:
        return len(self.words) + len(self.chars)


def _featurizer_nodes(vocab: _Vocabularies) -> tuple[list[onnx.NodeProto], list[onnx.TensorProto]]:
    """Nodes from the inputs `words` and `chars` to `features`: [1, F] n-gram counts, L2-normalised."""
    from onnx import helper, numpy_helper

    nodes = [
        _tfidf("word_counts", "words", vocab.words, *WORD_NGRAMS),
        _tfidf("char_counts", "chars", vocab.chars, *CHAR_NGRAMS),
        helper.make_node("Concat", ["word_counts", "char_counts"], ["counts"], axis=0),
        helper.make_node("ReduceL2", ["counts"], ["norm"], keepdims=1),
        helper.make_node("Add", ["norm", "epsilon"], ["safe_norm"]),
        helper.make_node("Div", ["counts", "safe_norm"], ["unit"]),
        helper.make_node("Unsqueeze", ["unit", "batch_axis"], ["features"]),
    ]
    initializers = [
        numpy_helper.from_array(np.array([_EPSILON], dtype=np.float32), "epsilon"),
        numpy_helper.from_array(np.array([0], dtype=np.int64), "batch_axis"),
    ]
    return nodes, initializers


def _model(
    nodes: list[onnx.NodeProto],
    initializers: list[onnx.TensorProto],
    output: onnx.ValueInfoProto,
    metadata: Mapping[str, str],
) -> onnx.ModelProto:
    import onnx
    from onnx import TensorProto, helper

    inputs = [
        helper.make_tensor_value_info("words", TensorProto.STRING, ["N"]),
        helper.make_tensor_value_info("chars", TensorProto.STRING, ["M"]),
    ]
    graph = helper.make_graph(nodes, "hearth_intents", inputs, [output], initializers)
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", _OPSET)],
        ir_version=_IR_VERSION,
        producer_name="hearth",
    )
    helper.set_model_props(model, dict(metadata))
    onnx.checker.check_model(model)
    return model


def _featurizer(vocab: _Vocabularies) -> ort.InferenceSession:
    from onnx import TensorProto, helper

    nodes, initializers = _featurizer_nodes(vocab)
    output = helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, vocab.size])
    return _session(_model(nodes, initializers, output, {}).SerializeToString())


def _session(model: bytes) -> ort.InferenceSession:
    """A session for one small request at a time: no thread pools to wake, no parallel scheduling."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def _feed(tokens: Sequence[str]) -> dict[str, npt.NDArray[np.object_]]:
    return {
        "words": np.array(tokens, dtype=object).reshape(-1),
        "chars": np.array(char_sequence(tokens), dtype=object),
    }


@dataclass(frozen=True, slots=True)
class _Sparse:
    """Rows of a sparse matrix (CSR): the nonzeros of row i are at indptr[i]:indptr[i + 1]."""

    indptr: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int64]
    values: FloatArray
    columns: int

    def dense(self, rows: npt.NDArray[np.int64]) -> FloatArray:
        """Some rows as a dense matrix: a batch is small, and BLAS on it beats sparse numpy by far."""
        starts, lengths = self.indptr[rows], self.indptr[rows + 1] - self.indptr[rows]
        firsts = np.cumsum(lengths) - lengths
        positions = np.repeat(starts - firsts, lengths) + np.arange(int(lengths.sum()))
        batch = np.zeros((len(rows), self.columns), np.float32)
        batch[np.repeat(np.arange(len(rows)), lengths), self.indices[positions]] = self.values[positions]
        return batch


def _features(session: ort.InferenceSession, examples: Sequence[Example], progress: Progress) -> _Sparse:
    """Every example's features from the featurizer graph itself, so training sees what inference sees."""
    indptr, indices, values = [0], [np.zeros(0, np.int64)], [np.zeros(0, np.float32)]
    columns = 0
    tenth = max(1, len(examples) // _FEATURIZE_STEPS)
    for i, (tokens, _label) in enumerate(examples, 1):
        row = session.run(["features"], _feed(tokens))[0][0]
        columns = len(row)
        (nonzero,) = np.nonzero(row)
        indices.append(nonzero.astype(np.int64))
        values.append(row[nonzero])
        indptr.append(indptr[-1] + len(nonzero))
        if i % tenth == 0 and i // tenth < _FEATURIZE_STEPS:
            progress(i // tenth, _FEATURIZE_STEPS + EPOCHS)
    progress(_FEATURIZE_STEPS, _FEATURIZE_STEPS + EPOCHS)
    return _Sparse(np.array(indptr), np.concatenate(indices), np.concatenate(values), columns)


@dataclass(slots=True)
class _Adam:
    """Adam on one parameter array, updated in place (plain numpy: training needs nothing else)."""

    param: FloatArray
    m: FloatArray
    v: FloatArray
    t: int = 0

    @classmethod
    def zeros(cls, *shape: int) -> _Adam:
        return cls(np.zeros(shape, np.float32), np.zeros(shape, np.float32), np.zeros(shape, np.float32))

    def step(self, grad: FloatArray, rate: float, beta1: float = 0.9, beta2: float = 0.999) -> None:
        self.t += 1
        self.m *= beta1
        self.m += (1 - beta1) * grad
        self.v *= beta2
        self.v += (1 - beta2) * grad * grad
        scale = rate * (1 - beta2**self.t) ** 0.5 / (1 - beta1**self.t)
        self.param -= scale * self.m / (np.sqrt(self.v) + 1e-8)


def _fit(
    x: _Sparse, y: npt.NDArray[np.int64], classes: int, seed: int, progress: Progress
) -> tuple[FloatArray, FloatArray]:
    """Class-balanced multinomial logistic regression with L2, by mini-batch Adam: (weights, bias)."""
    n = len(y)
    rng = np.random.default_rng(seed)
    # Each class weighs the same in the loss however many sentences its templates produce.
    class_weight = n / (classes * np.maximum(np.bincount(y, minlength=classes), 1))
    weight = class_weight[y].astype(np.float32)
    w, b = _Adam.zeros(x.columns, classes), _Adam.zeros(classes)
    for epoch in range(EPOCHS):
        rate = LEARNING_RATE * (1 - epoch / EPOCHS)  # a linear decay lets the weights settle
        order = rng.permutation(n)
        for start in range(0, n, BATCH):
            rows = order[start : start + BATCH]
            batch = x.dense(rows)
            logits = batch @ w.param + b.param
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(rows)), y[rows]] -= 1  # the gradient of cross-entropy by the logits
            p *= (weight[rows] / weight[rows].sum())[:, None]
            w.step(batch.T @ p + L2 * w.param, rate)
            b.step(p.sum(axis=0), rate)
        progress(_FEATURIZE_STEPS + epoch + 1, _FEATURIZE_STEPS + EPOCHS)
    return w.param, b.param


@lru_cache(maxsize=8)
def _recipe(language: str) -> str:
    """A hash of what shapes the model besides the intent data: settings, extra and none sentences."""
    settings = (FORMAT, WORD_NGRAMS, CHAR_NGRAMS, MAX_WORD_FEATURES, MAX_CHAR_FEATURES, MIN_COUNT)
    training = (EPOCHS, BATCH, LEARNING_RATE, L2, _DECORATED)
    extras = (_EXTRA_TEMPLATES.get(language), _PREFIXES.get(language), _SUFFIXES.get(language))
    digest = hashlib.sha256(repr((settings, training, extras)).encode())
    digest.update(repr(none_sentences(language)).encode())
    return digest.hexdigest()[:16]


def train(data: IntentData, *, progress: Progress | None = None, seed: int = 0) -> bytes:
    """Train a classifier on `data` and return it as a serialized ONNX model (deterministic per seed).

    `progress(done, total)` is called as work completes: ten steps of featurising, then one per epoch.
    """
    report = progress or (lambda done, total: None)
    report(0, _FEATURIZE_STEPS + EPOCHS)
    examples = training_examples(data, seed=seed)
    if not examples:
        raise ValueError("no sentences to train the intent classifier on")
    present = {label for _tokens, label in examples}
    labels = [name for name in (*data.intents, NONE) if name in present]
    vocab = _Vocabularies(
        _vocabulary((tokens for tokens, _ in examples), *WORD_NGRAMS, MAX_WORD_FEATURES),
        _vocabulary((char_sequence(tokens) for tokens, _ in examples), *CHAR_NGRAMS, MAX_CHAR_FEATURES),
    )
    x = _features(_featurizer(vocab), examples, report)
    y = np.array([labels.index(label) for _tokens, label in examples], dtype=np.int64)
    weights, bias = _fit(x, y, len(labels), seed, report)
    metadata = {
        "labels": json.dumps(labels),
        "fingerprint": data.fingerprint(),
        "format": str(FORMAT),
        "recipe": _recipe(data.language),
    }
    model: bytes = _classifier_model(vocab, weights, bias, metadata).SerializeToString()
    return model


def _classifier_model(
    vocab: _Vocabularies, weights: FloatArray, bias: FloatArray, metadata: Mapping[str, str]
) -> onnx.ModelProto:
    """The featurizer followed by the linear layer and softmax: `probabilities` [1, C]."""
    from onnx import TensorProto, helper, numpy_helper

    nodes, initializers = _featurizer_nodes(vocab)
    nodes += [
        # Weights are stored as float16 to halve the file; onnxruntime folds the Cast at load time.
        helper.make_node("Cast", ["weights16"], ["weights"], to=TensorProto.FLOAT),
        helper.make_node("MatMul", ["features", "weights"], ["scores"]),
        helper.make_node("Add", ["scores", "bias"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=-1),
    ]
    initializers += [
        numpy_helper.from_array(
            np.clip(weights, -_FLOAT16_MAX, _FLOAT16_MAX).astype(np.float16), "weights16"
        ),
        numpy_helper.from_array(bias, "bias"),
    ]
    output = helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [1, len(bias)])
    return _model(nodes, initializers, output, metadata)


# ---------------------------------------------------------------------------------------------- inference


class IntentClassifier:
    """A trained model in an onnxruntime session: tokens (with placeholders) in, ranked intents out."""

    def __init__(self, model: bytes) -> None:
        self._session = _session(model)
        meta = self._session.get_modelmeta().custom_metadata_map
        try:
            self._labels = tuple(str(label) for label in json.loads(meta["labels"]))
            self._fingerprint = str(meta["fingerprint"])
        except (KeyError, ValueError, TypeError) as err:
            raise ValueError(f"not a Hearth intent classifier: {err!r}") from err
        self._recipe = str(meta.get("recipe", ""))
        # Nothing said is surely no command; ranked like predict() would rank it.
        self._silence = [(NONE, 1.0)] + [(label, 0.0) for label in self._labels if label != NONE]

    @property
    def labels(self) -> tuple[str, ...]:
        """The classes, in the order of the model's output (intent names and `none`)."""
        return self._labels

    @property
    def fingerprint(self) -> str:
        """The fingerprint of the intent data the model was trained on."""
        return self._fingerprint

    @property
    def recipe(self) -> str:
        """A hash of the training settings and none sentences, to tell stale models apart."""
        return self._recipe

    def predict(self, tokens: Sequence[str]) -> list[tuple[str, float]]:
        """Every label with its probability, most probable first; no tokens at all are `none`."""
        if not tokens:
            return list(self._silence)
        probabilities = self._session.run(["probabilities"], _feed(tokens))[0][0].tolist()
        return sorted(zip(self._labels, probabilities, strict=True), key=lambda item: -item[1])


def _cache_path(data: IntentData, cache_dir: Path) -> Path:
    return cache_dir / f"intent-classifier-{data.fingerprint()[:16]}-v{FORMAT}.onnx"


def _load_cached(path: Path, data: IntentData) -> IntentClassifier | None:
    """The cached model when it is readable and was trained on this data with this recipe."""
    try:
        classifier = IntentClassifier(path.read_bytes())
    except FileNotFoundError:
        return None
    except Exception as err:  # onnxruntime raises its own types (InvalidProtobuf, Fail) for damaged files
        log.warning("retraining the intent classifier: cannot load %s (%s)", path, err)
        return None
    if classifier.fingerprint != data.fingerprint() or classifier.recipe != _recipe(data.language):
        log.info("retraining the intent classifier: %s is stale", path)
        return None
    return classifier


def cached(data: IntentData, cache_dir: Path) -> IntentClassifier | None:
    """The model cached for `data` in `cache_dir`, or None when there is none to load (nothing trained)."""
    return _load_cached(_cache_path(data, cache_dir), data)


def load_or_train(
    data: IntentData, cache_dir: Path, *, progress: Progress | None = None
) -> tuple[IntentClassifier, bool]:
    """The classifier for `data`, from `cache_dir` or trained (and cached) when missing or stale.

    The flag is True when the model was trained by this call.
    """
    path = _cache_path(data, cache_dir)
    cached = _load_cached(path, data)
    if cached is not None:
        return cached, False
    model = train(data, progress=progress)
    try:
        write_atomic(path, model)
    except OSError as err:  # a read-only cache costs a retrain next start, not the assistant
        log.warning("cannot cache the intent classifier in %s: %s", path, err)
    return IntentClassifier(model), True
