"""Whether words are an order at all: narration, questions about people or the past, requests for advice
and descriptions of a state contain command words ("my son switched the heater off", "should I open the
window?", "the hall light's on") but order nothing. Acting on them is the worst mistake an assistant can
make, so these rules only ever take actions away; answering a reading ("is the door locked?") stays.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .normalize import LEADING_PHRASES, contains_run, polite_frame, strip_trailing_phrases
from .numbers import NUMBER_WORDS

# Intents that change nothing: answering them is harmless even when the words were not a question.
HARMLESS = frozenset(
    {
        "get_state",
        "get_temperature",
        "get_humidity",
        "get_time",
        "get_date",
        "timer_status",
        "capabilities",
        "nevermind",
    }
)
# Past forms of the command verbs ("switched", "locked"); after a subject they tell what happened.
PAST_VERBS = frozenset(
    {
        "switched",
        "turned",
        "opened",
        "closed",
        "locked",
        "unlocked",
        "dimmed",
        "brightened",
        "paused",
        "played",
        "started",
        "stopped",
        "muted",
        "unmuted",
        "raised",
        "lowered",
        "powered",
        "skipped",
        "flipped",
        "cranked",
        "killed",
        "changed",
        "adjusted",
        "increased",
        "decreased",
        "cancelled",
        "canceled",
        "left",
    }
)
# Words before which a past form is an adjective: "the left lamp", "the closed blinds".
DETERMINERS = frozenset({"the", "a", "an", "my", "our", "your", "this", "that", "these", "those"})
# Verbs whose past is their present: a report only with a subject or an auxiliary ("it was set to 21").
SAME_PAST = frozenset({"set", "put", "shut"})
# Who did it: a subject right before a past verb makes it narration ("someone opened the garage").
SUBJECTS = frozenset(
    {
        "i",
        "you",
        "he",
        "she",
        "we",
        "they",
        "someone",
        "somebody",
        "anyone",
        "anybody",
        "everyone",
        "everybody",
        "nobody",
        "who",
        "what",
        "which",
    }
)
# Auxiliaries of the perfect and the passive: "have you turned off", "the tv was switched off".
AUXILIARIES = frozenset(
    {
        "have",
        "has",
        "had",
        "i've",
        "you've",
        "we've",
        "they've",
        "he's",
        "she's",
        "someone's",
        "was",
        "were",
        "been",
        "being",
        "hasn't",
        "haven't",
        "wasn't",
        "weren't",
        "didn't",
    }
)
ADVERBS = frozenset(
    {
        "just",
        "already",
        "accidentally",
        "also",
        "never",
        "recently",
        "finally",
        "still",
        "all",
        "not",
        "wide",
        "fully",
        "completely",
        "currently",
        "probably",
        "definitely",
        "totally",
        "half",
        "now",
        "again",
    }
)
# Words that ask for a state rather than tell of an event: "have the lights turned off", "make sure the
# door is locked", "I'd like the blinds closed", "keep the door locked".
CAUSATIVES = frozenset(
    {
        "make",
        "ensure",
        "keep",
        "leave",
        "have",
        "get",
        "let",
        "want",
        "need",
        "like",
        "prefer",
        "see",
        "check",
        "i'd",
        "we'd",
    }
)
# Words that never open an order: asking who or why, or saying when or on what condition (Hearth cannot
# schedule, so "when I get home turn the heating on" must not turn it on now).
NOT_ORDERS = frozenset({"who", "whom", "whose", "why", "when", "whenever", "if", "unless", "until"})
# "Once I've parked", "after we leave", "before you go to bed": an order for a moment Hearth cannot wait for.
TIME_CONJUNCTIONS = frozenset({"once", "after", "before"})
SUBJECTS = frozenset(
    {"i", "i've", "i'm", "i'll", "we", "we've", "we're", "we'll", "you", "you've", "you're", "he", "she",
     "they", "they've", "they're", "everyone", "everybody", "somebody", "someone"}
)  # fmt: skip
# Verbs after which "if" asks whether rather than sets a condition: "tell me if the door is open".
ASKING_IF = frozenset({"me", "us", "know", "check", "see", "ask", "out", "wonder"})


def _wished(words: Sequence[str], i: int) -> bool:
    """Whether the word at i is the "should" of an old-fashioned wish ("I should like the blinds open")."""
    return words[i] == "should" and words[i + 1 : i + 2] in (["like"], ["love"])


def _asked_whether(words: Sequence[str], i: int) -> bool:
    """Whether the word at i is the "if" of a question asked inside an order ("let me know if …")."""
    return words[i] == "if" and i > 0 and words[i - 1] in ASKING_IF


# Asking for advice or permission: "should I …", "is it worth …", "do we need to …".
ADVICE_WORDS = frozenset(
    {"should", "shall", "ought", "shouldn't", "worth", "recommend", "suggest", "advise", "advisable"}
)
ADVICE_PHRASES: tuple[tuple[str, ...], ...] = (
    ("do", "i", "need"),
    ("do", "we", "need"),
    ("do", "i", "have", "to"),
    ("do", "we", "have", "to"),
    ("is", "it", "a", "good", "idea"),
    ("is", "it", "ok"),
    ("is", "it", "okay"),
    ("is", "it", "safe"),
    ("is", "it", "time"),
    ("would", "it", "be"),
    ("do", "you", "think"),
    ("what", "if"),
    ("any", "point"),
)
# Describing a state: "<something> is/'s/are <state>" said without a verb of command before it.
COPULAS = frozenset({"is", "are", "was", "were", "isn't", "aren't", "wasn't", "weren't", "'s", "'re"})
# Past forms that take "on"/"off" after them: "the tv is switched off" is a state.
PHRASAL_PAST = frozenset({"switched", "turned", "powered", "flipped"})
STATE_FILLERS = ADVERBS | {"too", "very", "so", "really", "the"}
PRESENT_COPULAS = frozenset({"is", "are", "isn't", "aren't", "am"})
STATES = frozenset(
    {
        "on",
        "off",
        "open",
        "opened",
        "closed",
        "shut",
        "locked",
        "unlocked",
        "running",
        "playing",
        "paused",
        "stopped",
        "up",
        "down",
    }
)
# Verbs (and openers) that make the state after them something ordered or asked: "make sure the door is
# locked", "tell me if the light is on", "check whether the blinds are open", "turn off whatever is on".
ORDER_VERBS = CAUSATIVES | frozenset(
    {"turn", "switch", "set", "put", "tell", "show", "say", "lock", "unlock", "open", "close", "shut"}
)
QUESTION_OPENERS = frozenset({"what's", "where's", "how's", "who's", "that's", "there's", "here's", "let's"})


# Saying when: Hearth cannot schedule, so "turn on the coffee maker every morning" must not turn it on
# now, nor "turn the fan on for an hour" leave it on (the words that would turn it off are not understood).
WHEN_WORDS = frozenset(
    {
        "tomorrow",
        "tonight",
        "later",
        "daily",
        "nightly",
        "weekly",
        "everyday",
        "midnight",
        "noon",
        "midday",
        "o'clock",
        "pm",
        "p.m.",
        "a.m.",
        "weekdays",
        "weekends",
        "sunrise",
        "sunset",
        "dawn",
        "dusk",
        "mondays",
        "tuesdays",
        "wednesdays",
        "thursdays",
        "fridays",
        "saturdays",
        "sundays",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    }
)
# Parts of the day: a time only after a word that places them ("in the morning", "this evening", "every
# night"); alone they greet ("good morning") or name an automation ("good night").
DAY_PARTS = frozenset(
    {"morning", "mornings", "afternoon", "afternoons", "evening", "evenings", "night", "nights"}
)
DAY_PART_PLACERS = frozenset({"this", "every", "tomorrow", "at", "each", "in", "by"})
# Times of a household's day: a time only after a word that places them ("at bedtime", "until dinnertime");
# "it's bedtime, switch the telly off" gives the reason for doing it now.
HOUSEHOLD_TIMES = frozenset({"bedtime", "lunchtime", "dinnertime", "teatime", "suppertime"})
HOUSEHOLD_TIME_PLACERS = DAY_PART_PLACERS | {"before", "after", "until", "till", "til", "around", "from"}
# Meals place an order later only after these: "before dinner, lock the door" is done now, before it.
MEALS = frozenset({"breakfast", "lunch", "dinner", "supper", "tea"})
MEAL_PLACERS = frozenset({"after", "until", "till", "til", "at", "during"})
# Spans of time: "in ten minutes", "for an hour", "every five minutes".
TIME_UNITS = frozenset(
    {"second", "seconds", "sec", "secs", "minute", "minutes", "min", "mins", "hour", "hours", "hr", "hrs"}
)
# Units "every" is followed by in a repeat ("every day"); "every light" is a quantifier, not a time.
REPEAT_UNITS = TIME_UNITS | DAY_PARTS | {"day", "days", "week", "weekday", "weekend", "time"}
# A span of time in a sentence about a timer is its length ("set a timer for ten minutes and ...").
TIMER_WORDS = frozenset({"timer", "timers", "countdown"})
TIMER_INTENTS = frozenset({"start_timer", "cancel_timer", "timer_status"})
_CLOCK = re.compile(r"\d{1,2}(:\d\d)?(am|pm)")


def says_when(words: Sequence[str]) -> bool:
    """Whether the words put the order at another time or for a while: "every morning", "at 7 pm",
    "tomorrow", "in ten minutes", "for an hour", "at half past six". Timers are the exception (their
    duration is what they are about): callers leave them out."""
    about_a_timer = bool(TIMER_WORDS & set(words))
    for i, word in enumerate(words):
        before = words[i - 1] if i else ""
        after = words[i + 1] if i + 1 < len(words) else ""
        if word in WHEN_WORDS or _CLOCK.fullmatch(word):
            return True
        if word in DAY_PARTS and (
            before in DAY_PART_PLACERS or (before == "the" and words[i - 2 : i - 1] == ["in"])
        ):
            return True
        if word in HOUSEHOLD_TIMES and before in HOUSEHOLD_TIME_PLACERS:
            return True
        if word in MEALS and before in MEAL_PLACERS:
            return True  # "after dinner, turn off the kitchen light": later, which Hearth cannot do
        if word == "every" and (after in REPEAT_UNITS or after.isdigit() or after in NUMBER_WORDS):
            return True
        if word == "past" and before in ("half", "quarter"):
            return True
        if (
            word in TIME_UNITS
            and not about_a_timer
            and any(w in ("in", "for", "within", "after") for w in words[max(0, i - 4) : i])
        ):
            return True
    return False


def opening_stripped(tokens: Sequence[str]) -> list[str]:
    """The tokens without wake words and courtesy openers ("hey hearth, can you …"); wishes stay."""
    out = list(tokens)
    changed = True
    while changed:
        changed = False
        start = polite_frame(out)
        if start:
            out = out[start:]  # "I'd be grateful if you could …": a request, no condition
            changed = True
        for phrase in LEADING_PHRASES:
            if tuple(out[: len(phrase)]) == phrase and len(out) > len(phrase):
                out = out[len(phrase) :]
                changed = True
    return out


# Saying an order is not wanted: "no need to turn on the coffee maker", "don't bother opening the blinds",
# "you needn't …", "never mind turning …". The command words are all there; acting on them would do the
# very thing the speaker just called off.
CALLED_OFF: tuple[tuple[str, ...], ...] = (
    ("no", "need"),
    ("no", "point"),
    ("no", "use"),
    ("not", "needed"),
    ("not", "necessary"),
    ("unnecessary",),
    ("needn't",),
    ("need", "not"),
    ("don't", "need"),
    ("dont", "need"),
    ("do", "not", "need"),
    ("doesn't", "need"),
    ("don't", "bother"),
    ("dont", "bother"),
    ("do", "not", "bother"),
    ("never", "mind"),
    ("nevermind",),
    ("forget", "about"),
    ("don't", "worry", "about"),
    # an order taken back as a joke: "turn on the bedroom light, just kidding"
    ("just", "kidding"),
    ("only", "kidding"),
    ("just", "joking"),
    ("only", "joking"),
    ("jk",),
)


def called_off(words: Sequence[str]) -> bool:
    """Whether the words say that something need not be done ("no need to …", "don't bother …") or
    dismiss a command verb ("forget turning the fan on", "… without switching on the lamp")."""
    if any(contains_run(words, p) for p in CALLED_OFF):
        return True
    return any(
        w in GERUNDS and words[i - 1] in ("forget", "without", "skip") for i, w in enumerate(words) if i
    )


# What Hearth cannot change, though a number or a step beside it reads like a setting it can: "change the
# tv to channel 5" is no volume of 5, "turn up the AC" no warmer (air conditioning cools).
CANNOT_SET = frozenset(
    {"station", "stations", "subtitles", "captions", "input", "source", "ac", "aircon", "conditioning",
     "conditioner"}
)  # fmt: skip

# Words that keep devices out of an order ("except" and "excluding" alone, or these pairs).
EXCEPTIONS = (("apart", "from"), ("other", "than"), ("but", "not"))


# Verbs that report someone's words ("she said turn off the tv").
REPORTING = frozenset({"said", "says", "told", "asked", "reckons", "wants"})
REPORTED_ORDERS = frozenset(
    {"turn", "switch", "put", "lock", "unlock", "open", "close", "shut", "set", "make", "start", "stop"}
    | {"pause", "play", "dim", "leave", "keep", "to", "me", "us", "you"}
)
# Modals that open a request when the device is asked about: "could the fan be turned on?"
REQUEST_MODALS = frozenset({"could", "can", "would", "will", "might", "may"})


def not_an_order(tokens: Sequence[str], *, timed: bool = True) -> str | None:
    """Why the words, wherever said in the utterance, cannot be an order; None when they may be one.

    `tokens` should keep wishes ("I'd like the blinds closed"): they tell a wish from a report. `timed`
    False skips the check for a time said (the order is a timer's, whose time is its point).
    """
    words = strip_trailing_phrases(opening_stripped(tokens))
    if NOT_ORDERS & {w for i, w in enumerate(words) if not _asked_whether(words, i)}:
        return "question"
    if any(
        w in TIME_CONJUNCTIONS and words[i + 1 : i + 2] and words[i + 1] in SUBJECTS
        for i, w in enumerate(words)
    ):
        return "question"  # "switch the light off once I've parked": a condition, not an order for now
    advice = {w for i, w in enumerate(words) if not _wished(words, i)} & ADVICE_WORDS
    if advice or any(contains_run(words, p) for p in ADVICE_PHRASES):
        return "advice"
    if narrated(words) or _reported(words):
        return "narration"
    if called_off(words):
        return "called off"
    if not CANNOT_SET.isdisjoint(words) or (
        # a channel by number; "the next channel" is the media's next
        ("channel" in words or "channels" in words) and any(w.isdigit() or w in NUMBER_WORDS for w in words)
    ):
        return "cannot"
    if "except" in words or "excluding" in words or any(contains_run(words, p) for p in EXCEPTIONS):
        # An exception Understander._excepting could not take out of the order ("apart from... no, just
        # all the lights"): read without it, the order would act on the one device the words keep out
        return "exception"
    if words[:1] == ["leave"] and not _left_at_a_value(words):
        return "kept as it is"  # "leave the bedroom light on": a state kept asks nothing done now
    if timed and says_when(words):
        return "schedule"
    return None


# Who a remark after an order is about: a statement with its own subject ("I'm off to bed", "there's
# nothing on", "someone's left them on again") tells why, where an order would start with its verb.
REMARK_SUBJECTS = (SUBJECTS - {"i'll", "we'll", "you", "you've", "you're"}) | {
    "it's", "there's", "that's", "someone's", "somebody's", "he's", "she's", "nothing", "everyone's",
}  # fmt: skip
# Times in a reason that leave the order for now: "I'm not going out again tonight", "the sunset's blinding".
_SAME_DAY = frozenset({"tonight", "today", "later", "sunset", "sunrise", "dawn", "dusk"})
# Asking whether one ought to ("should I?") or telling of later ("I'll be back at six") is no reason given.
_NO_REASON_WORDS = frozenset(
    {"should", "shall", "ought", "shouldn't", "will", "won't", "gonna", "until", "till"}
)


def gives_a_reason(words: Sequence[str]) -> bool:
    """Whether a clause after an order only tells why, about the speaker or the world ("lock the front door,
    I'm not going out again tonight"; "turn the telly off, there's nothing worth watching"): it starts with
    a subject, puts nothing at another day or time (see `says_when`), and neither asks nor promises."""
    words = strip_trailing_phrases(opening_stripped(words))
    if not words or words[0] not in REMARK_SUBJECTS or not _NO_REASON_WORDS.isdisjoint(words):
        return False
    if says_when([w for w in words if w not in _SAME_DAY]):
        return False  # "I'm back on monday", "we eat at 7pm": maybe the order is for then
    return not_an_order(words, timed=False) in (None, "narration", "advice") and not called_off(words)


# Command verbs as "-ing" forms: after a subject or "keep" they tell what someone does ("the kids keep
# switching the tv on"); after "mind" or "start" they are asked for ("would you mind switching it on").
GERUNDS = frozenset(
    {
        "switching",
        "turning",
        "opening",
        "closing",
        "locking",
        "unlocking",
        "leaving",
        "putting",
        "setting",
        "dimming",
        "raising",
        "lowering",
        "flipping",
        "shutting",
        "powering",
        "messing",
        "fiddling",
        "playing",
    }
)
REQUESTED_GERUND = frozenset({"mind", "start", "stop", "try"})
BE_FORMS = frozenset(
    {
        "am",
        "is",
        "are",
        "was",
        "were",
        "i'm",
        "we're",
        "they're",
        "you're",
        "he's",
        "she's",
        "keep",
        "keeps",
        "kept",
    }
)


# Words after an "-ing" verb that show it has no object, so it tells of no device ("I'm leaving for work").
NO_OBJECT = frozenset(
    {"now", "soon", "shortly", "for", "to", "home", "at", "in", "today", "tonight", "early", "late", "later",
     "so", "and", "but", "then", "because", "as", "again", "outside", "together", "nicely"}
)  # fmt: skip


# Telling what someone else asked for: "she told me to turn off the fan" reports an order, gives none.
REPORTING_VERBS = frozenset({"told", "asked", "said", "reminded", "wants", "wanted", "begged"})
REPORTED_TO = frozenset({"me", "us", "him", "her", "them", "you", "to"})


def reported(words: Sequence[str]) -> bool:
    """Whether the words report an order someone else gave: "she told me to …", "mum wants us to …"."""
    for i, word in enumerate(words[1:], start=1):
        asked_of = words[i + 1 : i + 3]
        if word in REPORTING_VERBS and words[i - 1] not in ("you", "i", "we") and "to" in asked_of:
            return words[i + 1] in REPORTED_TO
    return False


def narrated(words: Sequence[str]) -> bool:
    """Whether the words tell of something done or being done (see `_narrated_past`), or doing again and
    again ("the kids keep switching the tv on"), or report an order given to someone (see `reported`),
    or tell of a habit of the past ("I used to set the thermostat to 25")."""
    if reported(words) or contains_run(words, ("used", "to")):
        return True
    for i, word in enumerate(words[1:], start=1):
        before = words[i - 1]
        if word not in GERUNDS or before in REQUESTED_GERUND:
            continue
        if before in ("keep", "keeps") and i == 1:
            continue  # "keep playing": an order
        if i + 1 == len(words) or words[i + 1] in NO_OBJECT:
            continue  # "I'm leaving", "the kids are playing now": nothing done to a device
        if before in SUBJECTS or before in BE_FORMS:
            return True
    return _narrated_past(words)


def _reported(words: Sequence[str]) -> bool:
    """Whether the words report what someone else said: "she said turn off the tv", "my mum says lock the
    door". Theirs to ask, not an order of the speaker's; "I said turn it off" is the speaker's own."""
    for i, word in enumerate(words[:4]):
        if (
            word in REPORTING
            and i > 0
            and words[i - 1] not in ("i", "you", "just", "already", "i've")
            # what is reported is an order ("said turn off …"), not "the recipe says bake for 20 minutes"
            and words[i + 1 : i + 2]
            and words[i + 1] in REPORTED_ORDERS
        ):
            return True
    return False


def _narrated_past(words: Sequence[str]) -> bool:
    """Whether a command verb is in the past after a subject: "my sister switched off the light", "have you
    turned the heating on", "the tv was switched off". A past verb first ("closed the blinds", a slip of
    the recogniser) and a wished-for state ("have the lights turned off") are not narration."""
    for i, word in enumerate(words):
        if word not in PAST_VERBS and word not in SAME_PAST:
            continue
        j = i - 1
        while j >= 0 and words[j] in ADVERBS:
            j -= 1
        if j < 0:
            continue
        before = words[j]
        if word in SAME_PAST:
            # "set" is an order as often as a report: only a subject or an auxiliary makes it a report
            if before in SUBJECTS or before in AUXILIARIES or before == "got":
                return True
            continue
        if before in DETERMINERS:
            continue
        if before == "be" and words[0] in REQUEST_MODALS:
            continue  # "might the reading lamp be switched off?": asked to be done, not told as done
        if before in SUBJECTS or before in AUXILIARIES:
            return True
        if any(w in PRESENT_COPULAS or _copula_suffix(w) for w in words[: j + 1]):
            continue  # "the door is locked", "is the garage opened": a state, not an event
        if CAUSATIVES & set(words[:j]):
            continue
        return True  # "my sister switched …", "the tv turned off": a subject said what happened
    return False


def _left_at_a_value(words: Sequence[str]) -> bool:
    """ "Leave them halfway", "leave it at 30": where to stop, said of what was just moved (an order)."""
    rest = list(words[2:])
    if words[1:2] not in (["it"], ["them"]) or not rest:
        return False
    rest = rest[1:] if rest[0] == "at" else rest
    return bool(rest) and (rest[0] in ("halfway", "half") or rest[0].isdigit())


def describes_state(words: Sequence[str]) -> bool:
    """Whether a clause only says what state something is in: "the front door's unlocked", "the lights
    are still on in the kitchen". A question ("is the door locked") or an order ("make sure the door is
    locked") is not a description."""
    for i, word in enumerate(words):
        suffixed = _copula_suffix(word)
        if word not in COPULAS and not suffixed:
            continue
        before = list(words[:i]) + ([word.rsplit("'", 1)[0]] if suffixed else [])
        if not before or ORDER_VERBS & set(before):
            return False
        j = i + 1
        while j < len(words) and (words[j] in STATE_FILLERS or words[j] in PHRASAL_PAST):
            j += 1  # "is still on", "is switched off"
        if j < len(words) and words[j] in STATES:
            return True
    return False


def acts(intent: str) -> bool:
    """Whether an intent changes something (a device, a timer, the last command undone or repeated)."""
    return intent not in HARMLESS


def _copula_suffix(word: str) -> bool:
    """ "door's", "it's", "they're": a word with a contracted is/are (not "what's" or "let's")."""
    return (word.endswith("'s") or word.endswith("'re")) and word not in QUESTION_OPENERS
