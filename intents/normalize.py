"""Text normalisation shared by utterances, templates and names, so that all three tokenize alike."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from .numbers import DIGITS, TEENS, TENS, parse_fraction

# Words that never carry meaning in a command; dropped everywhere (templates and names too, so a name
# containing one still matches what the user says).
FILLERS = frozenset(
    {"please", "pls", "plz", "uh", "uhh", "um", "umm", "uhm", "er", "erm", "hmm",
     # texting hedges that say nothing of the order: "its lowkey dark in the hall", "ngl turn it up"
     "lowkey", "ngl", "tbh", "fr"}
)  # fmt: skip

# Phrases dropped only at the very start of an utterance: wake words and courtesy openers.
LEADING_PHRASES: tuple[tuple[str, ...], ...] = (
    ("hey", "hearth"),
    ("ok", "hearth"),
    ("okay", "hearth"),
    ("hearth",),
    # Suggestions and requests asked as questions: "why don't we lock up", "is it possible to …".
    ("why", "don't", "we"),
    ("why", "don't", "you"),
    ("why", "not"),
    ("is", "it", "possible", "to"),
    ("would", "it", "be", "possible", "to"),
    # "would it be (terribly) inconvenient to have the bedroom light set to …"
    *(("would", "it", "be", *adverb, "inconvenient", "to") for adverb in ((), ("terribly",), ("awfully",))),
    ("is", "there", "any", "way", "to"),
    ("is", "there", "a", "way", "to"),
    ("do", "you", "think", "you", "could"),
    ("do", "you", "think", "you", "can"),
    ("do", "you", "reckon", "you", "could"),
    ("do", "you", "reckon", "you", "can"),
    ("any", "chance", "you", "could"),
    ("any", "chance", "you", "can"),
    ("can", "you"),
    ("could", "you"),
    ("would", "you"),
    ("will", "you"),
    ("can", "we"),
    ("could", "we"),
    # Discourse markers that open a turn without meaning anything for the command.
    ("hey",),
    ("oops",),
    ("sorry",),  # "sorry, undo that": an apology before the order, never the order itself
    ("oh",),
    ("yo",),  # "yo turn the kitchen light on", "bro lock the front door": said to get attention
    ("ayo",),
    ("bro",),
    ("do", "the", "needful", "and"),  # "kindly do the needful and switch off …"
    ("do", "me", "a", "favour", "and"),  # "do me a favour and lock the front door"
    ("do", "me", "a", "favor", "and"),
    ("would", "ya"),  # "would ya lock up the front door"
    ("could", "ya"),
    ("can", "ya"),
    ("i", "meant"),  # "sorry, I meant the bathroom": the correction that follows is what counts
    ("let's",),
    ("lets",),
    ("hold", "on"),
    ("no", "wait"),
    ("wait",),
    ("actually",),
    ("now",),
    ("yeah",),
    ("right",),
    ("cool",),
    ("ok",),
    ("okay",),
    ("alright",),
    ("so",),
    ("basically",),  # "okay so basically just turn the tv off"
    ("abeg",),  # Nigerian English: "abeg lock the front door"
    ("well",),
    ("thanks",),
    ("thank", "you"),
    # Courtesy before the verb: "(would you) be so kind as to …", "kindly …", "go ahead and …".
    ("be", "so", "kind", "as", "to"),
    ("be", "so", "good", "as", "to"),
    ("be", "kind", "enough", "to"),
    ("be", "good", "enough", "to"),
    ("kindly",),
    ("go", "ahead", "and"),
    ("just",),  # "just lock the front door"
    # "if you would be so kind, please …", "if you could …": a request, no condition (no modal, no drop:
    # "if you turn it off I'll be cold" keeps its words)
    ("if", "you", "would", "be", "so", "kind"),
    ("if", "you'd", "be", "so", "kind"),
    ("if", "you", "could"),
    ("if", "you", "would"),
    ("if", "you", "please"),
    ("pray", "tell"),  # "pray tell, what is the humidity …": never "play"
)

# Saying what one wants instead of ordering it ("I'd like the kitchen light on", "I want the bedroom light
# pink"): dropped at the start when a device follows, so "I need to turn in early" keeps its words.
WISHES: tuple[tuple[str, ...], ...] = (
    ("i", "want"),
    ("i", "need"),
    ("i", "would", "like"),
    ("i'd", "like"),
    ("we", "want"),
    ("we", "need"),
    ("we", "would", "like"),
    ("we'd", "like"),
    ("i", "should", "like"),
    ("we", "should", "like"),
    # said for someone else, by a carer or a parent: "Mum would like the bedroom light a little dimmer"
    *(
        (*who, *wish)
        for who in (("mum",), ("mom",), ("dad",), ("she",), ("he",), ("grandma",), ("grandad",))
        for wish in (("wants",), ("would", "like"), ("needs",))
    ),
    ("she'd", "like"),
    ("he'd", "like"),
)
# Asking to have a device so: "can we have the ceiling light off" is "the ceiling light off"; only before a
# device ("can we have it at 21" keeps its words: "it" there is the temperature).
HAVE_WISHES: tuple[tuple[str, ...], ...] = (
    ("can", "we", "have"),
    ("could", "we", "have"),
    ("can", "i", "have"),
    ("could", "i", "have"),
    ("may", "we", "have"),
    ("may", "i", "have"),
    ("let's", "have"),
    *(
        (*it_would, "be", kind, "to", "have")
        for it_would in (("it'd",), ("it", "would"))
        for kind in ("lovely", "nice", "great", "good")
    ),
)
# A polite frame around a request: "I'd be grateful if you could …", "I wonder whether you might …", "it
# would be lovely if you would …". Only these words may stand before the "if/whether you <modal>", so a
# condition ("if you're cold, …") or anything else said there is never dropped.
FRAME_WORDS = frozenset(
    {"i", "i'd", "we", "we'd", "it", "it'd", "would", "be", "was", "am", "really", "so", "very", "grateful",
     "glad", "happy", "appreciate", "great", "nice", "lovely", "love", "wonder", "wondering", "just",
     "should", "most", "obliged", "thankful"}
)  # fmt: skip
FRAME_OPENERS = frozenset({"i", "i'd", "we", "we'd", "it", "it'd"})
FRAME_MODALS = frozenset({"could", "would", "can", "might"})
_OBJECTS = [["the"], ["my"], ["our"], ["all"]]
_OBJECT_WORDS = frozenset({"the", "my", "our", "all", "it", "them", "things", "down", "off", "everything"})
# Requests asked with a verb's "-ing" form after them: "(would you) mind switching on …", "any chance of
# getting the light on"; the order is the verb's plain form.
GERUND_FRAMES: tuple[tuple[str, ...], ...] = (("mind",), ("any", "chance", "of"))
# Said between "mind" and the verb: "would you mind awfully closing …".
MIND_ADVERBS = frozenset({"awfully", "terribly", "very", "much", "just", "quickly", "possibly", "kindly"})
# The plain form of each "-ing" verb said in such a frame.
GERUND_BASES = {
    "switching": "switch",
    "turning": "turn",
    "opening": "open",
    "closing": "close",
    "locking": "lock",
    "unlocking": "unlock",
    "putting": "put",
    "setting": "set",
    "dimming": "dim",
    "raising": "raise",
    "lowering": "lower",
    "pausing": "pause",
    "playing": "play",
    "making": "make",
    "getting": "get",
    "starting": "start",
    "stopping": "stop",
    "cancelling": "cancel",
    "canceling": "cancel",
    "shutting": "shut",
    "changing": "change",
    "brightening": "brighten",
    "muting": "mute",
}

# Phrases dropped only at the very end of an utterance.
TRAILING_PHRASES: tuple[tuple[str, ...], ...] = (
    ("thank", "you"),
    ("thanks",),
    # haste: the order is the same, and every order is carried out at once
    ("real", "quick"),
    ("quick",),
    ("quickly",),
    ("right", "away"),
    ("straight", "away"),
    ("asap",),
    ("already",),  # "turn it off already"
    # "pause the tv for a sec": a moment said for politeness, not a span Hearth would have to time
    ("for", "a", "sec"),
    ("for", "a", "second"),
    ("for", "a", "moment"),
    ("for", "a", "mo"),
    ("a", "sec"),  # "hold the music a sec": a pause, not a span Hearth would time
    ("a", "moment"),
    ("for", "a", "bit"),  # "run the extractor fan for a bit": a while, not a span Hearth would time
    ("for", "a", "while"),
    ("behind", "me"),  # "lock the door behind me"
    ("or", "not"),  # "is the tv on or not"
    ("right", "now"),
    ("now",),  # "is it open now": the present is the only time Hearth answers or acts in
    ("at", "the", "moment"),
    ("instead",),
    ("actually",),  # "only halfway actually"
    ("for", "me"),
    ("first",),  # "open the garage door for me first": the order is now either way
    ("for", "her"),  # "open the bedroom blinds for her": said for someone else, the order the same
    ("for", "him"),
    ("question", "mark"),  # dictated punctuation: "is the front door locked question mark"
    ("full", "stop"),
    ("for", "us"),  # "pit the coffee machine on for us"
    ("before", "i", "forget"),
    ("i", "mean"),  # "no, in the bedroom I mean": the correction said, then marked as one
    ("or", "what"),  # "is the speaker paused or what"
    ("or", "nah"),  # "is the front door locked or nah"
    ("for", "the", "vibes"),
    ("while", "you're", "at", "it"),
    ("while", "you", "are", "at", "it"),
    # a vocative after the order: "put on the telly, good man"
    ("good", "man"),
    ("good", "lad"),
    ("then",),
    ("for", "the", "night"),
    # tag requests after the order: "stick the kettle on, would you"
    ("would", "you"),
    ("will", "you"),
    ("could", "you"),
    ("can", "you"),
    ("won't", "you"),
    ("if", "you", "can"),
    ("if", "you", "could"),
    ("if", "you", "would"),
    ("if", "you", "don't", "mind"),
    ("if", "you"),  # "if you please", whose "please" is a filler
    ("when", "you", "can"),
    ("when", "you", "get", "a", "chance"),  # "switch the speaker off when you get a chance": now, politely
    ("when", "you", "get"),  # what is left of "… when you get a sec" once "a sec" is taken off
    ("when", "you", "get", "a", "chance"),
    ("cheers",),
)

# Text-message spellings and run-together words, said in full so every later step knows them.
CHAT_SPELLINGS: dict[str, tuple[str, ...]] = {
    "u": ("you",),
    "ur": ("your",),
    "r": ("are",),
    "gimme": ("give", "me"),
    "nvm": ("never", "mind"),
    "lil": ("little",),
    "rn": ("right", "now"),
    "n": ("and",),  # "kitchen lights off n lock the front door"
    "lemme": ("let", "me"),
    "wanna": ("want", "to"),
    "gonna": ("going", "to"),
    "gotta": ("got", "to"),
    "thx": ("thanks",),
    "im": ("i'm",),
    "ty": ("thanks",),
    "izit": ("is", "it"),
    "innit": ("isn't", "it"),
    # Scots spellings of the words orders are made of: "gonnae switch the telly aff"
    "aff": ("off",),
    "oan": ("on",),
    "doon": ("down",),
    "oot": ("out",),
    "ye": ("you",),
    "yer": ("your",),
    "gonnae": ("will", "you"),
    "wee": ("little",),
    "baltic": ("freezing",),
}
# A letter typed three or more times ("sooo hot", "offff") is one said with feeling: kept twice, which
# restores "off" and "too"; the few words that then still carry a double are mapped back.
_ELONGATED = re.compile(r"([a-z])\1{2,}")
_DOUBLED_BACK = {"soo": "so", "noo": "no", "yess": "yes", "hii": "hi", "heyy": "hey", "ohh": "oh"}
_IN_FULL = {**CHAT_SPELLINGS, **{short: (word,) for short, word in _DOUBLED_BACK.items()}}

# "the fan's off": after a noun, "'s" before a state is "is" (the pronouns' own forms, "it's", stay
# whole: the tests of mood and answers read them as they are).
_STATE_AFTER_IS = frozenset(
    {"on", "off", "open", "closed", "shut", "locked", "unlocked", "playing", "paused", "still", "currently",
     # "the telly's a bit quiet", "the fan's way too slow": a degree, never a possession, follows
     "a", "too", "way", "so", "really", "very", "quite", "pretty", "far", "kinda", "rather"}
)  # fmt: skip
_OWN_CONTRACTIONS = frozenset(
    {"it's", "that's", "what's", "there's", "here's", "he's", "she's", "who's", "where's", "how's", "let's",
     "one's", "everything's", "something's", "nothing's"}
)  # fmt: skip

# A speech recogniser's "-er" heard as the filler "er" ("cancel the time er", "make it bright er"): the
# word in one, before fillers are dropped.
_JOINED_ER = {
    "time": "timer", "dim": "dimmer", "bright": "brighter", "warm": "warmer", "cool": "cooler",
    "loud": "louder", "low": "lower", "speak": "speaker", "quiet": "quieter", "high": "higher",
    "cold": "colder", "hot": "hotter",
}  # fmt: skip
_SPLIT_ER = re.compile(rf"\b({'|'.join(_JOINED_ER)})\s+er\b")

_TOO_INTENSIFIERS = frozenset({"way", "waay", "far", "much"})

# "more loud", "less bright": the comparative said with "more" or "less" (common in a second language)
# is the one-word comparative; "less" takes the opposite one ("less warm" is "cooler").
_COMPARATIVES = {
    ("more", "loud"): "louder", ("more", "quiet"): "quieter", ("more", "soft"): "softer",
    ("more", "bright"): "brighter", ("more", "dark"): "darker", ("more", "dim"): "dimmer",
    ("more", "warm"): "warmer", ("more", "hot"): "hotter", ("more", "cold"): "colder",
    ("more", "cool"): "cooler",
    ("less", "loud"): "quieter", ("less", "quiet"): "louder", ("less", "bright"): "dimmer",
    ("less", "dark"): "brighter", ("less", "warm"): "cooler", ("less", "hot"): "cooler",
    ("less", "cold"): "warmer", ("less", "cool"): "warmer",
}  # fmt: skip

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_PERCENT = re.compile(r"%")
_FAHRENHEIT = re.compile(r"\s*°\s*f(?![a-z])")
_DEGREES = re.compile(r"\s*°\s*c?(?![a-z])")
_NEGATIVE = re.compile(r"(?<![\w.])-(?=\d)")
# A stammer: the word's first letter or two said once or more before it ("s-s-set", "th-the", "l-lock").
_STAMMER = re.compile(r"\b([a-z]{1,3})-(?:\1-)*(?=\1[a-z])")
# A token is a number with an optional decimal part, or a run of letters/digits with inner apostrophes
# ("what's"); everything else (punctuation, hyphens, symbols) separates tokens.
_TOKEN = re.compile(r"\d+\.\d+(?![^\W_])|[^\W_]+(?:'[^\W_]+)*")


def _fold(text: str) -> str:
    """Lower-case and strip accents; ASCII text (the common case) skips the slow Unicode path."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped).casefold().translate(_APOSTROPHES)


def _symbols(text: str) -> str:
    """Spell out the symbols that carry meaning before punctuation is thrown away."""
    if "," in text:
        text = _THOUSANDS.sub("", text)
    if "%" in text:
        text = _PERCENT.sub(" percent ", text)
    if "°" in text:
        text = _FAHRENHEIT.sub(" degrees fahrenheit", text)
        text = _DEGREES.sub(" degrees", text)
    if "-" in text:
        text = _NEGATIVE.sub("minus ", _STAMMER.sub("", text))
    return text


_LEADING_FIRST = frozenset(
    {
        *(phrase[0] for phrase in (*LEADING_PHRASES, *WISHES, *HAVE_WISHES, *GERUND_FRAMES)),
        *FRAME_OPENERS,
        "do",
        "be",
    }
)
# A tag after a yes/no question asks the same question: "is the telly still on, do you know?"; it is
# no question of its own about what Hearth knows.
QUESTION_TAGS: tuple[tuple[str, ...], ...] = (
    ("do", "you", "know"),
    ("d'you", "know"),
    ("you", "know"),
    ("do", "you", "think"),
    ("do", "you", "reckon"),
    ("you", "reckon"),
    ("any", "idea"),
    ("can", "you", "tell"),
    ("can", "you", "check"),
)
_YES_NO_OPENERS = frozenset(
    {"is", "are", "was", "were", "did", "does", "do", "has", "have", "isn't", "aren't", "didn't", "izit"}
)


_TRAILING_LAST = frozenset(
    {*(phrase[-1] for phrase in (*TRAILING_PHRASES, *QUESTION_TAGS)), "again", "there", "hearth"}
)


# Words that make a following "there" a place ("in there", "over there"), not a word of emphasis.
_PLACING_THERE = frozenset({"in", "out", "over", "up", "down", "from", "to", "at", "is", "are", "it", "get"})

# Orders to repeat: their "again" is the order itself ("do that again"), not a remark on a state.
_REPEAT_OPENERS = frozenset({"do", "say", "repeat", "same", "one", "start", "play", "playing"})


def strip_trailing_phrases(tokens: list[str]) -> list[str]:
    """Drop courtesy phrases at the end ("..., would you", "... if you can", "thanks"), and the "again"
    of "open it again" (the order is the same with or without it)."""
    if len(tokens) > 2 and tokens[-1] == "hearth":
        tokens = tokens[:-1]  # "open the garage door for me hearth"; "morning hearth" stays a greeting
    changed = True
    while changed:  # "unlock it for me real quick": each phrase may end the words once another is gone
        changed = False
        for phrase in TRAILING_PHRASES:
            if len(tokens) > len(phrase) and tuple(tokens[-len(phrase) :]) == phrase:
                tokens = tokens[: -len(phrase)]
                changed = True
    if len(tokens) > 2 and tokens[-1] == "again" and tokens[0] not in _REPEAT_OPENERS:
        tokens = tokens[:-1]
    if len(tokens) > 3 and tokens[-1] == "there" and tokens[-2] not in _PLACING_THERE:
        tokens = tokens[:-1]  # "put on the telly there": said for emphasis, as Irish English does
    if tokens and tokens[0] in _YES_NO_OPENERS:
        for tag in QUESTION_TAGS:
            if len(tokens) > len(tag) + 2 and tuple(tokens[-len(tag) :]) == tag:
                return tokens[: -len(tag)]
    return tokens


def _endearment(tokens: list[str]) -> int:
    """Where the order starts after "be a dear and", "be an angel and", "be a good lad and" (one or two
    words between the article and "and"); 0 when the tokens do not open so or nothing follows."""
    do = 1 if tokens[:1] == ["do"] else 0  # "do be a dear and …"
    if len(tokens) < 5 + do or tokens[do] != "be" or tokens[do + 1] not in ("a", "an"):
        return 0
    for cut in (3 + do, 4 + do):
        if tokens[cut] == "and" and "and" not in tokens[2 + do : cut] and cut + 1 < len(tokens):
            return cut + 1
    return 0


def polite_frame(tokens: list[str]) -> int:
    """Where the request starts after a polite frame ("I'd be grateful if you could", "I wonder whether you
    might"); 0 when the tokens do not open with one or nothing follows it."""
    if not tokens or tokens[0] not in FRAME_OPENERS:
        return 0
    for i in range(1, min(len(tokens) - 3, 8)):
        if tokens[i] in ("if", "whether") and tokens[i + 1] == "you" and tokens[i + 2] in FRAME_MODALS:
            return i + 3 if all(w in FRAME_WORDS for w in tokens[:i]) else 0
        if tokens[i] in ("if", "whether") and tokens[i + 1] in ("you'd", "you'll"):  # "… if you'd turn …"
            return i + 2 if all(w in FRAME_WORDS for w in tokens[:i]) else 0
    return 0


def strip_edge_phrases(tokens: list[str]) -> list[str]:
    """Drop wake words and courtesy phrases at the edges of an utterance (or of one clause of it)."""
    if not tokens or (tokens[0] not in _LEADING_FIRST and tokens[-1] not in _TRAILING_LAST):
        return tokens  # the common case, decided with two set lookups
    changed = True
    while changed and tokens:
        changed = False
        # Wishes first: "can we have the …" is one, before "can we" is taken for a courtesy.
        for phrase in (*HAVE_WISHES, *WISHES):
            if tuple(tokens[: len(phrase)]) == phrase and tokens[len(phrase) : len(phrase) + 1] in _OBJECTS:
                tokens = tokens[len(phrase) :]
                changed = True
        for phrase in LEADING_PHRASES:
            if tuple(tokens[: len(phrase)]) == phrase and len(tokens) > len(phrase):
                if phrase == ("cool",) and tokens[1] in _OBJECT_WORDS:
                    continue  # "cool the bedroom down": the verb, not "cool, …"
                tokens = tokens[len(phrase) :]
                changed = True
        start = _endearment(tokens) or polite_frame(tokens)
        if start:
            tokens = tokens[start:]  # "(would you) be a dear and …": the order follows
            changed = True
        if tokens[:3] == ["do", "you", "mind"]:
            tokens = tokens[2:]
        for frame in GERUND_FRAMES:
            size = len(frame)
            while tuple(tokens[:size]) == frame and tokens[size : size + 1] and tokens[size] in MIND_ADVERBS:
                tokens = [*frame, *tokens[size + 1 :]]  # "mind awfully closing …"
            if len(tokens) > size + 1 and tuple(tokens[:size]) == frame and tokens[size] in GERUND_BASES:
                tokens = [GERUND_BASES[tokens[size]], *tokens[size + 1 :]]
                changed = True
    return strip_trailing_phrases(tokens)


def tokenize(text: str, *, strip_phrases: bool = True) -> list[str]:
    """Split text into normalised tokens; `strip_phrases=False` keeps edge phrases (for templates, names)."""
    folded = _fold(text)
    if _ELONGATED.search(folded):
        folded = _ELONGATED.sub(r"\1\1", folded)
    if " er" in folded:
        folded = _SPLIT_ER.sub(lambda m: _JOINED_ER[m[1]], folded)
    if "stop" in folded:
        folded = _STOP_A_MOMENT.sub(r"pause\g<what>", folded)
    tokens = [t for t in _TOKEN.findall(_symbols(folded)) if t not in FILLERS]
    if not _IN_FULL.keys().isdisjoint(tokens):
        tokens = [full for t in tokens for full in _IN_FULL.get(t, (t,))]
    if "room" in tokens:
        tokens = _room_there(tokens)
    if not _POINTED.isdisjoint(tokens):
        tokens = _pointing(tokens)
    if any(t.endswith("'s") for t in tokens):
        tokens = _noun_is(tokens)
    if not _CURSES.isdisjoint(tokens):
        # "lock the stupid front door", "the bloody tv": temper, not part of the name
        tokens = [
            t for i, t in enumerate(tokens) if not (t in _CURSES and i and tokens[i - 1] in _BEFORE_CURSES)
        ]
    if not _ROUGHLY.isdisjoint(tokens):
        tokens = _without_roughly(tokens)
    if "too" in tokens:  # "way too hot", "far too loud": as much as "too hot"
        tokens = [
            t
            for i, t in enumerate(tokens)
            if not (t in _TOO_INTENSIFIERS and tokens[i + 1 : i + 2] == ["too"])
        ]
    if "more" in tokens or "less" in tokens:
        tokens = _comparatives(tokens)
    if "full" in tokens:  # "to full whack", "full blast": full
        tokens = [t for i, t in enumerate(tokens) if not (t in _FULL_SLANG and tokens[i - 1 : i] == ["full"])]
    if "as" in tokens:
        tokens = _without_simile(tokens)
    if not _HOMES.isdisjoint(tokens):
        tokens = _the_house(tokens)
    if not _SHARES.isdisjoint(tokens):
        tokens = _shares_as_percent(tokens)
    return strip_edge_phrases(tokens) if strip_phrases else tokens


# A moment said after "stop" ("stop the music one moment", "stop the telly a minute, the kettle's boiling"):
# a pause, not the end of it. Only a moment that ends the clause; a stop with no moment stays a stop.
_STOP_A_MOMENT = re.compile(
    r"\bstop\b(?P<what>(?:\s+[^\s,.;!?]+)+?)\s+(?:for\s+)?(?:a|one)\s+(?:minute|moment|sec|second|mo)\b"
    r"(?=\s*(?:please\s*)?(?:[,.;!?]|$))"
)


# A share said as a setting: "turn it up to three quarters", "put the light on a quarter" (see below).
_SHARES = frozenset({"quarter", "quarters", "third", "thirds"})
_SHARE_SETTERS = frozenset({"to", "at", "on"})
_SHARE_SETTINGS = frozenset({"brightness", "volume"})  # "a quarter brightness"
# After a share, words that make it a time ("at a quarter past", "in three quarters of an hour").
_SHARE_OF_TIME = frozenset({"of", "past", "to", "after", "before", "an", "hour", "hours"})


def _shares_as_percent(tokens: list[str]) -> list[str]:
    """ "to three quarters" → "to 75 percent", "on a quarter" → "at 25 percent", "a quarter brightness":
    a share of the way set reads as the percentage it is; never one of time ("at a quarter past six")."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        parsed = parse_fraction(tokens, i)
        after = tokens[parsed[1]] if parsed is not None and parsed[1] < len(tokens) else ""
        if (
            parsed is None
            or not ((out and out[-1] in _SHARE_SETTERS) or after in _SHARE_SETTINGS)
            or not 0 < parsed[0] < 1
            or tokens[parsed[1] - 1] not in _SHARES
            or after in _SHARE_OF_TIME
        ):
            out.append(tokens[i])
            i += 1
            continue
        if out and out[-1] == "on":
            out[-1] = "at"  # "put the light on a quarter": a level, not the light turned on
        out += [str(round(parsed[0] * 100)), "percent"]
        i = parsed[1]
    return out


# Said before a number, which stays the value: "put the bedroom light at about twenty", "to around 19".
_ROUGHLY = frozenset({"about", "around", "roughly", "approximately"})
_COUNTS = frozenset({*DIGITS, *TEENS, *TENS})


def _without_roughly(tokens: list[str]) -> list[str]:
    """ "at about twenty" → "at twenty": only between "at" or "to" and a number ("what about 20" stays)."""
    return [
        t
        for i, t in enumerate(tokens)
        if not (
            t in _ROUGHLY
            and i
            and tokens[i - 1] in ("at", "to")
            and i + 1 < len(tokens)
            and (tokens[i + 1].isdigit() or tokens[i + 1] in _COUNTS)
        )
    ]


# Words of temper said before a device's name ("the stupid front door"); dropped only after these words.
_CURSES = frozenset(
    {"stupid", "bloody", "damn", "damned", "flipping", "freaking", "frigging", "effing", "blasted", "darn",
     "darned", "dratted", "wretched", "silly", "dumb", "useless", "ruddy", "blooming"}
)  # fmt: skip
_BEFORE_CURSES = frozenset({"the", "that", "this", "my", "those", "these", "your"})


# The room just talked about, named by pointing: "close the blinds in that room" is "… in there".
_ROOM_POINTERS: tuple[tuple[str, ...], ...] = (
    ("in", "that", "room"),
    ("in", "the", "same", "room"),
    ("in", "that", "same", "room"),
)


# Pointing at devices just talked about, said as the pronoun the templates know: "make that one orange" is
# "make that orange", "resume both of them" is "resume them both". Not "this one": "skip this one" is a song.
_POINTING: dict[tuple[str, ...], tuple[str, ...]] = {
    ("that", "one"): ("that",),
    ("those", "ones"): ("those",),
    ("both", "of", "them"): ("them", "both"),
    ("the", "two", "of", "them"): ("them", "both"),
}
_POINTED = frozenset(words[-1] for words in _POINTING)


def _pointing(tokens: list[str]) -> list[str]:
    """Pointing words said as a pronoun (see `_POINTING`); "not that one" and "the other one" stay."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        found = next((w for w in _POINTING if tuple(tokens[i : i + len(w)]) == w), None)
        if found is None or (out and out[-1] in ("not", "the")):
            out.append(tokens[i])
            i += 1
            continue
        out.extend(_POINTING[found])
        i += len(found)
    return out


# Said after "full" for as much as it goes ("to full whack", "full blast"): only "full" counts.
_FULL_SLANG = frozenset({"whack", "blast", "tilt", "pelt"})
# "Hot as blazes", "cold as ice", "dark as a cave": a simile after how it feels only says "very".
_LIKENED = frozenset({"hot", "cold", "warm", "freezing", "chilly", "loud", "quiet", "dark", "bright", "dim"})
_SIMILES = frozenset({"hell", "heck", "blazes", "anything", "ice", "toast", "fire", "owt", "sin", "night"})


def _without_simile(tokens: list[str]) -> list[str]:
    """ "it's hot as blazes in the lounge" said as "it's hot in the lounge" (see `_SIMILES`)."""
    for i in range(1, len(tokens) - 1):
        if tokens[i] != "as" or tokens[i - 1] not in _LIKENED:
            continue
        if tokens[i + 1] in _SIMILES:
            return [*tokens[:i], *tokens[i + 2 :]]  # "as blazes"
        if tokens[i + 1] in ("a", "an", "the"):
            return [*tokens[:i], *tokens[i + 3 :]]  # "as an oven"
    return tokens


# Other words for the whole home, said after "in the" ("every light in the flat"): the house.
_HOMES = frozenset({"flat", "apartment", "condo"})


def _the_house(tokens: list[str]) -> list[str]:
    """ "in the flat" → "in the house", as the templates say the whole home; "flat" elsewhere stays."""
    return [
        "house" if t in _HOMES and tokens[i - 2 : i] in (["in", "the"], ["in", "my"], ["in", "our"]) else t
        for i, t in enumerate(tokens)
    ]


def _room_there(tokens: list[str]) -> list[str]:
    """ "in that room" said as "in there" (see `_ROOM_POINTERS`)."""
    for phrase in _ROOM_POINTERS:
        for i in range(len(tokens) - len(phrase) + 1):
            if tuple(tokens[i : i + len(phrase)]) == phrase:
                return [*tokens[:i], "in", "there", *tokens[i + len(phrase) :]]
    return tokens


def _comparatives(tokens: list[str]) -> list[str]:
    """ "make the music more loud" said as "make the music louder" (see `_COMPARATIVES`)."""
    out: list[str] = []
    for token in tokens:
        one_word = _COMPARATIVES.get((out[-1], token)) if out else None
        if one_word is None:
            out.append(token)
        else:
            out[-1] = one_word
    return out


def _noun_is(tokens: list[str]) -> list[str]:
    """ "the bathroom fan's off" said as "the bathroom fan is off" (see `_STATE_AFTER_IS`)."""
    out: list[str] = []
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token.endswith("'s") and following in _STATE_AFTER_IS and token not in _OWN_CONTRACTIONS:
            out += [token[:-2], "is"]
        else:
            out.append(token)
    return out


def contains_run(words: Sequence[str], phrase: tuple[str, ...]) -> bool:
    """Whether `phrase` stands in `words`, its words together and in order."""
    if not phrase or phrase[0] not in words:
        return False  # the common case, decided in one scan: every utterance is checked for many phrases
    n = len(phrase)
    return any(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1))


def normalize(text: str) -> str:
    """The normalised form of an utterance: its tokens joined by single spaces."""
    return " ".join(tokenize(text))
