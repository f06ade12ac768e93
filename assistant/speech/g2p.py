"""Pronunciations in CMU phones for words a dictionary lacks: inflections, espeak-ng, then letter rules."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from intents.numbers import number_to_words

log = logging.getLogger("hearth.asr")

# The phones of the CMU dictionary (stress digits removed): what pocketsphinx's en-US model knows.
PHONES = frozenset(
    [
        "AA",
        "AE",
        "AH",
        "AO",
        "AW",
        "AY",
        "B",
        "CH",
        "D",
        "DH",
        "EH",
        "ER",
        "EY",
        "F",
        "G",
        "HH",
        "IH",
        "IY",
        "JH",
        "K",
        "L",
        "M",
        "N",
        "NG",
        "OW",
        "OY",
        "P",
        "R",
        "S",
        "SH",
        "T",
        "TH",
        "UH",
        "UW",
        "V",
        "W",
        "Y",
        "Z",
        "ZH",
    ]
)

# espeak-ng's en-us IPA to CMU phones, longest symbols first (length marks and stress are removed before).
_IPA: tuple[tuple[str, str], ...] = (
    ("aɪɚ", "AY ER"), ("aɪə", "AY ER"), ("ɑːɹ", "AA R"), ("ɔːɹ", "AO R"), ("oːɹ", "AO R"), ("ɛɹ", "EH R"),
    ("ɪɹ", "IH R"), ("ʊɹ", "UH R"), ("aɪ", "AY"), ("aʊ", "AW"), ("eɪ", "EY"), ("oʊ", "OW"), ("ɔɪ", "OY"),
    ("tʃ", "CH"), ("dʒ", "JH"), ("ɑ", "AA"), ("æ", "AE"), ("ʌ", "AH"), ("ə", "AH"), ("ɐ", "AH"), ("ɚ", "ER"),
    ("ɜ", "ER"), ("ɔ", "AO"), ("ɛ", "EH"), ("ɪ", "IH"), ("ᵻ", "IH"), ("i", "IY"), ("ʊ", "UH"), ("u", "UW"),
    ("o", "OW"), ("e", "EY"), ("a", "AE"), ("b", "B"), ("d", "D"), ("f", "F"), ("ɡ", "G"), ("g", "G"),
    ("h", "HH"), ("j", "Y"), ("k", "K"), ("l", "L"), ("m", "M"), ("n", "N"), ("ŋ", "NG"), ("p", "P"),
    ("ɹ", "R"), ("r", "R"), ("s", "S"), ("ʃ", "SH"), ("t", "T"), ("θ", "TH"), ("ð", "DH"), ("v", "V"),
    ("w", "W"), ("z", "Z"), ("ʒ", "ZH"), ("ɾ", "T"), ("x", "K"), ("ɬ", "L"), ("ç", "HH"),
)  # fmt: skip
_IPA_IGNORED = str.maketrans("", "", "ˈˌːˑ‿-̩ʔ ")

# Letter-to-sound rules for when espeak-ng is not installed: letter groups first, then single letters.
_LETTERS: tuple[tuple[str, str], ...] = (
    ("tch", "CH"), ("sch", "SH K"), ("igh", "AY"), ("ch", "CH"), ("sh", "SH"), ("th", "TH"), ("ph", "F"),
    ("ck", "K"), ("ng", "NG"), ("qu", "K W"), ("wh", "W"), ("gh", "G"), ("ee", "IY"), ("ea", "IY"),
    ("oo", "UW"), ("ai", "EY"), ("ay", "EY"), ("ei", "EY"), ("ey", "IY"), ("ie", "IY"), ("ou", "AW"),
    ("ow", "OW"), ("oi", "OY"), ("oy", "OY"), ("au", "AO"), ("aw", "AO"), ("er", "ER"), ("ir", "ER"),
    ("ur", "ER"), ("ar", "AA R"), ("or", "AO R"), ("a", "AE"), ("b", "B"), ("c", "K"), ("d", "D"),
    ("e", "EH"), ("f", "F"), ("g", "G"), ("h", "HH"), ("i", "IH"), ("j", "JH"), ("k", "K"), ("l", "L"),
    ("m", "M"), ("n", "N"), ("o", "OW"), ("p", "P"), ("q", "K"), ("r", "R"), ("s", "S"), ("t", "T"),
    ("u", "AH"), ("v", "V"), ("w", "W"), ("x", "K S"), ("y", "IY"), ("z", "Z"),
)  # fmt: skip
# How letters are said when a word is spelled out ("tv", "hvac"-like words without vowels).
_LETTER_NAMES = {
    "a": "EY", "b": "B IY", "c": "S IY", "d": "D IY", "e": "IY", "f": "EH F", "g": "JH IY", "h": "EY CH",
    "i": "AY", "j": "JH EY", "k": "K EY", "l": "EH L", "m": "EH M", "n": "EH N", "o": "OW", "p": "P IY",
    "q": "K Y UW", "r": "AA R", "s": "EH S", "t": "T IY", "u": "Y UW", "v": "V IY", "w": "D AH B AH L Y UW",
    "x": "EH K S", "y": "W AY", "z": "Z IY",
}  # fmt: skip
_VOWELS = frozenset("aeiouy")
_VARIANT = re.compile(r"\(\d+\)$")


def read_dictionary(path: Path, words: Iterable[str]) -> dict[str, list[str]]:
    """The pronunciations (all variants, in order) that a CMU-format dictionary has for `words`."""
    wanted = set(words)
    found: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as file:
        for line in file:
            word, _, phones = line.partition(" ")
            base = _VARIANT.sub("", word)
            if base in wanted:
                found.setdefault(base, []).append(" ".join(phones.split()))
    return found


def letter_to_sound(word: str) -> str:
    """A rough pronunciation from spelling alone; never empty for a word with a letter or digit."""
    if word.isdigit():
        return ""  # numbers are said as words, see `Pronouncer`
    letters = [c for c in word.lower() if "a" <= c <= "z"]
    if not letters:
        return ""
    if not _VOWELS.intersection(letters) and len(letters) <= 5:
        return " ".join(_LETTER_NAMES[c] for c in letters)  # an acronym: spelled out
    text, phones = "".join(letters), []
    if text.endswith("e") and len(text) > 2 and text[-2] not in _VOWELS:
        text = text[:-1]  # a silent final e ("tasmote")
    i = 0
    while i < len(text):
        for group, said in _LETTERS:
            if text.startswith(group, i):
                phones += said.split()
                i += len(group)
                break
    collapsed = [p for k, p in enumerate(phones) if k == 0 or p != phones[k - 1]]
    return " ".join(collapsed)


def ipa_to_phones(ipa: str) -> str:
    """espeak-ng's IPA for one word as CMU phones (unknown symbols are dropped)."""
    text = ipa.translate(_IPA_IGNORED)
    phones: list[str] = []
    i = 0
    while i < len(text):
        for symbol, said in _IPA:
            if text.startswith(symbol, i):
                phones += said.split()
                i += len(symbol)
                break
        else:
            i += 1
    return " ".join(phones)


def espeak_ipa(words: Sequence[str], voice: str = "en-us", timeout: float = 20.0) -> dict[str, str]:
    """espeak-ng's IPA for each word (one process for all of them); empty when espeak-ng is missing."""
    program = shutil.which("espeak-ng")
    if program is None or not words:
        return {}
    try:
        done = subprocess.run(
            [program, "-v", voice, "-q", "--ipa"],
            input="".join(f"{word}\n" for word in words),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as err:
        log.warning("espeak-ng failed (%s): using letter-to-sound rules", err)
        return {}
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    if len(lines) != len(words):  # espeak-ng joined or split lines: do not guess which is which
        log.warning(
            "espeak-ng gave %d lines for %d words: using letter-to-sound rules", len(lines), len(words)
        )
        return {}
    return dict(zip(words, lines, strict=True))


class Pronouncer:
    """Pronunciations for a vocabulary: the dictionary's, else derived from it, espeak-ng or letter rules."""

    def __init__(self, dictionary: Mapping[str, list[str]], *, use_espeak: bool = True) -> None:
        self.dictionary = dictionary
        self.use_espeak = use_espeak

    def pronounce(self, words: Iterable[str]) -> tuple[dict[str, list[str]], dict[str, str]]:
        """Every word's pronunciations, and for words the dictionary lacks, where theirs came from."""
        result: dict[str, list[str]] = {}
        guessed: dict[str, str] = {}
        unknown: list[str] = []
        for word in sorted(set(words)):
            if word in self.dictionary:
                result[word] = list(self.dictionary[word])
                continue
            derived = self.derived(word)
            if derived:
                result[word], guessed[word] = [derived], "dictionary"
            else:
                unknown.append(word)
        ipa = espeak_ipa(unknown) if self.use_espeak else {}
        for word in unknown:
            phones = ipa_to_phones(ipa[word]) if word in ipa else ""
            source = "espeak-ng" if phones else "letters"
            phones = phones or letter_to_sound(word) or "AH"  # a word must say something to be decodable
            result[word], guessed[word] = [phones], source
        return result, guessed

    def derived(self, word: str) -> str:
        """A pronunciation built from dictionary words: numbers, plurals and possessives ("secs", "tv's")."""
        if word.isdigit() or re.fullmatch(r"\d+\.\d+", word):
            spoken = number_to_words(float(word) if "." in word else int(word)).split()
            parts = [self.dictionary.get(w, [""])[0] for w in spoken]
            return " ".join(parts) if all(parts) else ""
        for suffix in ("'s", "s", "es"):
            stem = word[: -len(suffix)]
            if word.endswith(suffix) and len(stem) > 1 and stem in self.dictionary:
                phones = self.dictionary[stem][0]
                return f"{phones} {_plural(phones)}"
        return ""


def merged_vowels(pronunciations: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Pronunciations plus their cot-caught merged variants (AO said as AA, as most of North America does).

    The dictionary has "on" both ways but "off", "pause" or "lock" only with AO; merged speakers (and
    espeak-ng's en-us voice) say AA, and the acoustic model then prefers whatever word has AA.
    """
    result: dict[str, list[str]] = {}
    for word, variants in pronunciations.items():
        extended = list(variants)
        for phones in variants:
            split = phones.split()
            merged = [
                "AA" if p == "AO" and (i + 1 == len(split) or split[i + 1] != "R") else p
                for i, p in enumerate(split)
            ]
            if " ".join(merged) not in extended:
                extended.append(" ".join(merged))
        result[word] = extended
    return result


def _plural(phones: str) -> str:
    """The sound of a plural -s after these phones: IH Z after sibilants, S after voiceless, else Z."""
    last = phones.split()[-1]
    if last in {"S", "Z", "SH", "ZH", "CH", "JH"}:
        return "IH Z"
    return "S" if last in {"P", "T", "K", "F", "TH"} else "Z"


def dictionary_text(pronunciations: Mapping[str, list[str]]) -> str:
    """Pronunciations in CMU dictionary format, alternatives numbered word(2), word(3), ..."""
    lines = []
    for word in sorted(pronunciations):
        for i, phones in enumerate(pronunciations[word]):
            lines.append(f"{word if i == 0 else f'{word}({i + 1})'} {phones}")
    return "\n".join(lines) + "\n"
