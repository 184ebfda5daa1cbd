"""lunr.js 2.3.9's Porter stemmer, ported line by line so the Python index holds browser terms.

lunr.py 0.8.0 ships a different Porter implementation: it stems "deploy" to "deploi" and
"key" to "kei" where lunr.js keeps "deploy" and "key", so a browser query for "deploy" would
find nothing in a stock lunr.py index. This port follows lunr.js's regular expressions
step by step, including its quirks (it works on UTF-16 code units, as JavaScript strings do).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from lunr.pipeline import Pipeline
from lunr.token import Token

_STEP2 = {
    "ational": "ate", "tional": "tion", "enci": "ence", "anci": "ance", "izer": "ize",
    "bli": "ble", "alli": "al", "entli": "ent", "eli": "e", "ousli": "ous",
    "ization": "ize", "ation": "ate", "ator": "ate", "alism": "al", "iveness": "ive",
    "fulness": "ful", "ousness": "ous", "aliti": "al", "iviti": "ive", "biliti": "ble",
    "logi": "log",
}  # fmt: skip
_STEP3 = {
    "icate": "ic", "ative": "", "alize": "al", "iciti": "ic", "ical": "ic", "ful": "", "ness": "",
}  # fmt: skip


def _js(pattern: str) -> re.Pattern[str]:
    # JavaScript's `$` (no m flag) matches only at the very end; Python's also before a final "\n".
    return re.compile(pattern.replace("$", r"\Z"))


_c = "[^aeiou]"
_v = "[aeiouy]"
_C = _c + "[^aeiouy]*"
_V = _v + "[aeiou]*"

_MGR0 = _js("^(" + _C + ")?" + _V + _C)
_MEQ1 = _js("^(" + _C + ")?" + _V + _C + "(" + _V + ")?$")
_MGR1 = _js("^(" + _C + ")?" + _V + _C + _V + _C)
_S_V = _js("^(" + _C + ")?" + _v)

_1A = _js("^(.+?)(ss|i)es$")
_1A2 = _js("^(.+?)([^s])s$")
_1B = _js("^(.+?)eed$")
_1B2 = _js("^(.+?)(ed|ing)$")
_LAST = _js(".$")
_1B2_2 = _js("(at|bl|iz)$")
_1B2_3 = _js(r"([^aeiouylsz])\1$")
_1B2_4 = _js("^" + _C + _v + "[^aeiouwxy]$")
_1C = _js("^(.+?[^aeiou])y$")
_2 = _js("^(.+?)(" + "|".join(_STEP2) + ")$")
_3 = _js("^(.+?)(" + "|".join(_STEP3) + ")$")
_4 = _js("^(.+?)(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize)$")
_4_2 = _js("^(.+?)(s|t)(ion)$")
_5 = _js("^(.+?)e$")
_5_1 = _js("ll$")
_5_3 = _js("^" + _C + _v + "[^aeiouwxy]$")


def _porter(w: str) -> str:
    """lunr.js's `porterStemmer(w)`, on a string of UTF-16 code units."""
    if len(w) < 3:
        return w
    firstch = w[0]
    if firstch == "y":
        w = "Y" + w[1:]

    if _1A.search(w):
        w = _1A.sub(r"\1\2", w, count=1)
    elif _1A2.search(w):
        w = _1A2.sub(r"\1\2", w, count=1)

    if m := _1B.search(w):
        if _MGR0.search(m.group(1)):
            w = _LAST.sub("", w, count=1)
    elif m := _1B2.search(w):
        stem = m.group(1)
        if _S_V.search(stem):
            w = stem
            if _1B2_2.search(w):
                w = w + "e"
            elif _1B2_3.search(w):
                w = _LAST.sub("", w, count=1)
            elif _1B2_4.search(w):
                w = w + "e"

    if m := _1C.search(w):
        w = m.group(1) + "i"

    if (m := _2.search(w)) and _MGR0.search(m.group(1)):
        w = m.group(1) + _STEP2[m.group(2)]

    if (m := _3.search(w)) and _MGR0.search(m.group(1)):
        w = m.group(1) + _STEP3[m.group(2)]

    if m := _4.search(w):
        if _MGR1.search(m.group(1)):
            w = m.group(1)
    elif m := _4_2.search(w):
        stem = m.group(1) + m.group(2)
        if _MGR1.search(stem):
            w = stem

    if m := _5.search(w):
        stem = m.group(1)
        if _MGR1.search(stem) or (_MEQ1.search(stem) and not _5_3.search(stem)):
            w = stem

    if _5_1.search(w) and _MGR1.search(w):
        w = _LAST.sub("", w, count=1)

    if firstch == "y":
        w = "y" + w[1:]
    return w


def _to_units(s: str) -> str:
    """One Python character per UTF-16 code unit, astral characters as surrogate pairs."""
    data = s.encode("utf-16-le", "surrogatepass")
    return "".join(chr(int.from_bytes(data[i : i + 2], "little")) for i in range(0, len(data), 2))


def _from_units(units: str) -> str:
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """The stem lunr.js 2.3.9 gives `word` (memoised: stemming is the indexing hot spot)."""
    if word.isascii():
        return _porter(word)
    # JavaScript measures and slices strings in UTF-16 code units; so must the port.
    return _from_units(_porter(_to_units(word)))


def stemmer(token: Token, i: Any = None, tokens: Any = None) -> Token:
    """lunr pipeline function, serialised as "stemmer" so lunr.js loads its own twin."""
    return token.update(lambda string, metadata=None: stem(string))


# Same label as lunr.js (`lunr.Pipeline.registerFunction(lunr.stemmer, 'stemmer')`), so the
# serialised search pipeline loads in the browser, and a Python `Index.load` of our index
# stems queries like the browser. Assigned directly: `register_function` would log a warning
# about replacing lunr.py's own stemmer on every run.
stemmer.label = "stemmer"  # type: ignore[attr-defined]
Pipeline.registered_functions["stemmer"] = stemmer
