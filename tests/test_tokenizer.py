"""The Python tokenizer's rules, and its parity with the browser's tokenizer.js."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from sitegen.stemmer import stem
from sitegen.tokenize import SCANNED, tokenize

NODE_SCRIPT = Path(__file__).parent / "js" / "tokenize.js"

# Strings where the two languages could plausibly disagree: Unicode classes, case mapping,
# normalisation, CJK, astral characters, punctuation, identifiers and pasted error output.
TRICKY = [
    "",
    "   \t\n ",
    "greenlet_spawn",
    "sqlalchemy.exc.InvalidRequestError",
    "eth_sendRawTransaction",
    "ImportError: cannot import name 'X' from 'pkg' (/usr/lib/python3.11/pkg/__init__.py)",
    "--no-cache",
    "a:b",
    "HTTPServer getHTTPResponse IOError ABC1 iPhone utf8Decoder",
    "XMLHttpRequest",
    "snake_case_name __dunder__ _private trailing_",
    "kebab-case-name -leading trailing- a--b",
    "file.tar.gz v1.2.3 127.0.0.1 e.g. i.e.",
    "C:\\Users\\me\\AppData\\Local\\Temp\\x.log",
    "/var/log/nginx/error.log:42",
    "https://example.com/api/v1/users?id=3&x=y#frag",
    "user@example.com",
    "\"double\" 'single' `backtick` «guillemets» “curly” ‘quotes’",
    "can't won't it's O'Reilly",
    "+ - ~ ^ * ? ( ) [ ] { } | \\ $ . ^",
    "foo* ~bar ^baz +qux -quux title:deploy",
    "0x7f3a2b1c 0XDEADBEEF deadbeefcafebabe",
    "123 4.5 -6 1e10 3.14e-2 1,000,000",
    "Ünïcödé Straße ĲSSEL ǅungla",
    "ΟΔΟΣ Σίσυφος ΣΑΣ",
    "İstanbul ıi IJ",
    "ﬁle ﬀ ＡＢＣ１２３ ①②",
    "m² H₂O x³",
    "café naïve résumé (NFD: cafe\u0301 nai\u0308ve)",
    "数据库连接超时",
    "数",
    "Python错误TypeError日志",
    "データベース接続エラー",
    "ひらがな カタカナ・テスト ｶﾀｶﾅ",
    "한국어 오류 메시지",
    "𠀀𠀁𠀂 𝐁𝐨𝐥𝐝 𝔉𝔯𝔞𝔨",
    "emoji 🔥 fire 👍🏽 ok ✅",
    "हिन्दी त्रुटि",
    "العربية خطأ",
    "עברית שגיאה",
    "ไทยข้อผิดพลาด",
    "Привет мир ОшибкаСоединения",
    "tab\tseparated\u00a0nbsp\u2003emspace\u200bzwsp",
    "line\nbreaks\r\nand\u2028separators\u2029here",
    "zero\u200dwidth\ufeffbom",
    "CamelCaseWithNumbers2Go v2Beta HTML5Parser",
    "ALLCAPS lowercase MiXeD",
    "A B C a b c",
    "NullPointerException at com.example.Foo.bar(Foo.java:42)",
    'File "/app/main.py", line 12, in <module>',
    "Error: ENOENT: no such file or directory, open '/tmp/x'",
    "error[E0382]: borrow of moved value: `x`",
    "panic: runtime error: index out of range [3] with length 3",
    "java.lang.OutOfMemoryError: Java heap space",
    "ORA-00942: table or view does not exist",
    "SSL_ERROR_SYSCALL errno=104",
    "npm ERR! code ERESOLVE",
    "</script><script>alert(1)</script>",
    "a" * 300,
    "x_" * 50 + "y",
]


def test_examples_from_the_issue() -> None:
    assert tokenize("greenlet_spawn") == ["greenlet_spawn", "greenlet", "spawn"]
    assert tokenize("sqlalchemy.exc.InvalidRequestError") == [
        "sqlalchemy.exc.invalidrequesterror",
        "sqlalchemy",
        "exc",
        "invalidrequesterror",
        "invalid",
        "request",
        "error",
    ]
    assert tokenize("eth_sendRawTransaction") == [
        "eth_sendrawtransaction",
        "eth",
        "sendrawtransaction",
        "send",
        "raw",
        "transaction",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("  \n\t ", []),
        ("Deploy KEY", ["deploy", "key"]),
        ("ImportError: cannot import name 'X'", ["importerror", "import", "error", "cannot", "import", "name", "x"]),
        ("--no-cache", ["no-cache", "no", "cache"]),
        ("a:b", ["a", "b"]),
        ("HTTPServer", ["httpserver", "http", "server"]),
        ("/usr/lib/foo.py:12", ["usr", "lib", "foo.py", "foo", "py", "12"]),
        ("ＡＢＣ ﬁle", ["abc", "file"]),  # NFKC: full-width letters and ligatures
        ("数据库连接", ["数据", "据库", "库连", "连接"]),  # CJK bigrams
        ("库", ["库"]),
        ("Python错误", ["python", "错误"]),
        ("Привет Мир", ["привет", "мир"]),
        ("emoji 🔥 ok", ["emoji", "ok"]),
    ],
)
def test_rules(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


def test_tokens_are_lowercase_and_never_empty() -> None:
    for text in TRICKY:
        for token in tokenize(text):
            assert token and token == token.lower()


def test_javascript_tokenizer_gives_identical_tokens() -> None:
    completed = subprocess.run(
        ["node", str(NODE_SCRIPT)],
        input=json.dumps(TRICKY),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    browser = json.loads(completed.stdout)
    for text, js_tokens in zip(TRICKY, browser, strict=True):
        assert js_tokens == tokenize(text), f"tokenizer.js and tokenize.py differ on {text!r}"


@pytest.mark.parametrize(
    ("word", "expected"),
    # lunr.js 2.3.9's stems; lunr.py 0.8.0 gives deploi, kei, alwai, gatewai and try.
    [("deploy", "deploy"), ("key", "key"), ("always", "alway"), ("gateway", "gateway"), ("try", "tri"),
     ("connection", "connect"), ("timeouts", "timeout"), ("running", "run")],
)
def test_stemmer_matches_lunr_js(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_ascii_fast_path_cuts_as_the_unicode_rules_do() -> None:
    # One non-ASCII word at the end sends the whole text down the general (Unicode) path.
    rng = random.Random(5)
    alphabet = "aBc_Zz9.-: '/\"\n(HTTPServer)"
    fuzz = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(3000)]
    for text in [t for t in TRICKY if t.isascii()] + fuzz:
        assert tokenize(text + " é") == tokenize(text) + ["é"], text


def test_unscanned_planes_hold_no_letters_digits_or_marks() -> None:
    # tokenize.py builds its \p{L}\p{N}\p{M}, \p{Lu} and \p{Ll} classes from SCANNED only.
    scanned = set()
    for lo, hi in SCANNED:
        scanned.update(range(lo, hi))
    skipped = (cp for cp in range(sys.maxunicode + 1) if cp not in scanned)
    assert not [hex(cp) for cp in skipped if unicodedata.category(chr(cp))[0] in "LNM"]
