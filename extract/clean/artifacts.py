"""Text-level cleanup applied to every text before NLP: HTML debris, mojibake, boilerplate.

Works on text that never saw an HTML parser (feed summaries, pasted text) as well as on
extracted article bodies. Boilerplate knowledge lives in `extract/clean/boilerplate/*.txt`.
The cleaned text is what is stored and what evidence offsets point into, so every step
here runs before spaCy and never after.
"""
from __future__ import annotations

import functools
import html
import re
from pathlib import Path

import ftfy
from ftfy.badness import is_bad

BOILERPLATE_DIR = Path(__file__).parent / "boilerplate"

# Boilerplate is short: longer lines are article text, and the bound keeps regex time linear.
MAX_BOILERPLATE_CHARS = 300
# Characters ftfy may see per text; far above any article, bounded for hostile input.
MOJIBAKE_BUDGET_CHARS = 100_000

# Marks a paragraph break made from a tag, so only those starts get sentence case back.
_TAG_BREAK = "\ue000"  # private use: not whitespace, never in real text
_PARAGRAPH = "\n\n" + _TAG_BREAK

# Tags that separate blocks of text; any other tag is dropped without a break.
_BLOCK_TAGS = frozenset(
    "p div br hr li ul ol h1 h2 h3 h4 h5 h6 tr td th table blockquote section article "
    "header footer aside nav figure figcaption pre dl dt dd main form".split()
)
# Inline tags; a bracketed run of words that is none of these and has no attributes is
# text ("<Toyo Umpanki Co Ltd>", how wire copy marks a company).
_INLINE_TAGS = frozenset(
    "a abbr b big bdi bdo button center cite code del dfn em font i img input ins kbd label "
    "mark meta link nobr option q s samp select small span strike strong sub sup svg textarea "
    "time tt u var wbr head body html title path g picture source video audio iframe script "
    "style noscript template".split()
)
# Code whose content is no text at all; found by hand (see _drop_spans) to stay linear.
_CODE_OPEN = re.compile(r"<!--|<[^\S\n]{0,5}(script|style|noscript|iframe)\b[^<>]{0,500}>", re.IGNORECASE)
_CODE_CLOSE = {
    name: re.compile(r"<[^\S\n]{0,5}/[^\S\n]{0,5}%s[^\S\n]{0,5}>" % name, re.IGNORECASE)
    for name in ("script", "style", "noscript", "iframe")
}
_COMMENT_CLOSE = re.compile("-->")
_CDATA = re.compile(r"<!\[CDATA\[|\]\]>")
# Real or spaced tags (`<p>`, `< / P >`, `<br/>`, `<a href="…">`); attributes bounded and
# stopping at the next `<`, so a stray `<` costs at most one short scan.
_TAG = re.compile(r"<\s*(?:(/)\s*)?([A-Za-z][A-Za-z0-9]{0,15})\b(?:\s[^<>]{0,500}?)?\s*/?\s*>")
_ENTITY = re.compile(r"&(#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]{2,10});?")
# Zero-width characters, soft hyphens and C0 control characters other than tab/newline/CR.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BREAK_RUN = re.compile(r"%s[\s%s]*" % (_TAG_BREAK, _TAG_BREAK))
_SPACES = re.compile(r"[^\S\n]+")
# Lookbehinds: a try starts only at the first space of a run, so long space runs stay linear.
_AROUND_NEWLINE = re.compile(r"(?:(?<! ) +)?\n *")
_MANY_NEWLINES = re.compile(r"\n{3,}")
# Hard-wrapped text (wire copy): at least this many wrapped lines, most of them of a
# typewriter line's length and ending mid-sentence.
WRAP_MIN_LINES = 3
WRAP_MIN_CHARS = 50
WRAP_MAX_CHARS = 90
WRAP_SHARE = 0.6
# A paragraph of wrapped text starts on an indented line; any other single break is a space.
_INDENTED_LINE = re.compile(r"(?<![^\S\n])[^\S\n]*\n[^\S\n]++(?=\S)")
_WRAPPED_BREAK = re.compile(r"(?<=\S)[^\S\n]*\n(?=\S)(?![-•*·▪►]\s)")
# A lower-case start after a tag break that followed a finished sentence.
_LOWER_START = re.compile(r"([.!?…\"”’)]\s*)" + _TAG_BREAK + r"([^\S\n]*)([a-z])(?=[a-z'’\s,;:.!?)]|$)")
# Leading/trailing sentence of a paragraph, for boilerplate glued to real text.
_LAST_SENTENCE = re.compile(r"(?<=[.!?…\"”])\s+([^.!?…\n]{1,%d})$" % MAX_BOILERPLATE_CHARS)
_FIRST_SENTENCE = re.compile(r"^([^.!?…\n]{1,%d}?[.!?…:])\s+" % MAX_BOILERPLATE_CHARS)

# A bullet holding a headline rather than a sentence.
_LINK_BULLET = re.compile(r"[-•*·▪►]\s+[^\n]{1,150}(?<![.!?;:])")

# UTF-8 read as Latin-1/cp1252: a lead byte (Â-ï) then a continuation byte as cp1252 shows it.
_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00ef][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
_FIXER = ftfy.TextFixerConfig(unescape_html=False, uncurl_quotes=False, explain=False)


def clean_text(text: str, language: str = "en") -> str:
    """Readable plain text: no tags or entities, no mojibake, no boilerplate lines,
    paragraphs separated by a blank line where tags separated them."""
    if not text:
        return ""
    text = text.replace(_TAG_BREAK, " ")  # the marker is ours alone
    text = unescape_entities(text)
    text = fix_mojibake(text)
    text = remove_shortcodes(text)
    text = remove_markup(text)
    text = unwrap_lines(text)
    text = _INVISIBLE.sub("", text)
    text = normalise_whitespace(text)
    text = drop_boilerplate(text, language)
    text = restore_sentence_case(text)
    return normalise_whitespace(text.replace(_TAG_BREAK, ""))


def unwrap_lines(text: str) -> str:
    """Wire copy is hard-wrapped: lines of ~70 characters ending mid-sentence, each paragraph
    starting on an indented line. Such text gets one line per paragraph and a blank line
    between paragraphs, so sentences no longer hold line breaks. Text that is not wrapped
    (one line per paragraph already, lists, short lines) stays as it is."""
    if "\n" not in text or not _is_hard_wrapped(text):
        return text
    text = _INDENTED_LINE.sub("\n\n", text)
    return _WRAPPED_BREAK.sub(" ", text)


def _is_hard_wrapped(text: str) -> bool:
    lines = text.split("\n")
    # Lines that another line follows (indented or not, so that the verdict is the same on
    # text already cleaned once: clean_text stays idempotent).
    wrapped = [line.strip() for line, following in zip(lines, lines[1:]) if line.strip() and following.strip()]
    if len(wrapped) < WRAP_MIN_LINES:
        return False
    fitting = [line for line in wrapped if WRAP_MIN_CHARS <= len(line) <= WRAP_MAX_CHARS]
    open_ended = [line for line in fitting if line[-1] not in ".!?:;\"”"]
    return len(fitting) >= WRAP_SHARE * len(wrapped) and len(open_ended) >= WRAP_SHARE * len(fitting)


def unescape_entities(text: str, rounds: int = 3) -> str:
    """`&amp;amp;lt;` → `<`: double-escaped feeds need more than one pass."""
    for _ in range(rounds):
        if "&" not in text or not _ENTITY.search(text):
            break
        text = html.unescape(text)
    return text.replace("\u00a0", " ")


def fix_mojibake(text: str) -> str:
    """`â€™` → `’` with ftfy, line by line and only where mojibake shows: ftfy is thorough
    but slow (seconds per megabyte), so past a budget the remaining lines stay as they are."""
    if text.isascii() or not _MOJIBAKE_HINT.search(text):
        return text
    budget = MOJIBAKE_BUDGET_CHARS
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if len(line) > budget:
            continue
        if _MOJIBAKE_HINT.search(line) and is_bad(line):
            budget -= len(line)
            lines[number] = ftfy.fix_text(line, _FIXER)
    return "\n".join(lines)


def remove_markup(text: str) -> str:
    """Tags that separated blocks become paragraph breaks; inline tags vanish."""
    if "<" not in text and "]]>" not in text:
        return text
    text = _drop_code(text)
    text = _CDATA.sub(_PARAGRAPH, text)
    text = _TAG.sub(_replace_tag, text)
    return _BREAK_RUN.sub(_TAG_BREAK, text)


def _drop_code(text: str) -> str:
    """Comments, scripts and styles go with their content. Once a closing tag is missing,
    none follows, so the scan stops: linear time even on a megabyte of `<script>`."""
    kept, position = [], 0
    while (opening := _CODE_OPEN.search(text, position)) is not None:
        name = (opening.group(1) or "").lower()
        closing = (_CODE_CLOSE[name] if name else _COMMENT_CLOSE).search(text, opening.end())
        if closing is None:
            break
        kept.append(text[position:opening.start()])
        kept.append(_PARAGRAPH if name else " ")
        position = closing.end()
    kept.append(text[position:])
    return "".join(kept)


def _replace_tag(match: re.Match) -> str:
    name = match.group(2).lower()
    if name in _BLOCK_TAGS:
        return _PARAGRAPH
    if name not in _INLINE_TAGS and not match.group(1) and "=" not in match.group(0) and " " in match.group(0):
        # Wire copy brackets company names: "<Toyo Umpanki Co Ltd> said" keeps the name.
        return match.group(0)[1:-1].strip()
    return ""


def remove_shortcodes(text: str) -> str:
    """`[caption …]…[/caption]` goes with its content; other shortcodes are unwrapped."""
    if "[" not in text:
        return text
    dropped, any_shortcode = _shortcode_patterns()
    text = dropped.sub(_PARAGRAPH, text)
    return any_shortcode.sub("", text)


@functools.lru_cache(maxsize=1)
def _shortcode_patterns() -> tuple[re.Pattern, re.Pattern]:
    names = "|".join(re.escape(name) for name in _read_lines(BOILERPLATE_DIR / "shortcodes.txt"))
    dropped = re.compile(
        r"\[(%s)\b[^\[\]]{0,500}\][^\[]{0,2000}\[/\1\]" % names, re.IGNORECASE
    )
    # A shortcode has attributes (`name="…"`) or is a closing `[/name]`: plain brackets stay.
    any_shortcode = re.compile(r"\[(?:[a-z_]{2,20}\s+[a-z_]{1,20}=[^\[\]]{0,300}|/[a-z_]{2,20})\]")
    return dropped, any_shortcode


def normalise_whitespace(text: str) -> str:
    text = _SPACES.sub(" ", text)
    text = _AROUND_NEWLINE.sub("\n", text)
    text = _MANY_NEWLINES.sub("\n\n", text)
    return text.strip()


def drop_boilerplate(text: str, language: str = "en") -> str:
    """Drop lines that are boilerplate, and boilerplate sentences glued to a paragraph's ends."""
    pattern = boilerplate_pattern(language)
    kept, after_boilerplate = [], False
    for line in text.split("\n"):
        core = line.strip().strip(_TAG_BREAK).strip()
        if not core:
            kept.append(line)
            continue
        if len(core) <= MAX_BOILERPLATE_CHARS and pattern.fullmatch(core):
            after_boilerplate = True
            continue
        # "Related:" and its bullet list of headlines, "Tags" and its keywords, go together.
        if after_boilerplate and (_LINK_BULLET.fullmatch(core) or _is_keyword_list(core)):
            continue
        after_boilerplate = False
        kept.append(_trim_glued_boilerplate(line, pattern))
    return "\n".join(kept)


def _is_keyword_list(line: str) -> bool:
    """"copper, steel duties, quotas, Freeland": short comma-separated items, no sentence."""
    if len(line) > MAX_BOILERPLATE_CHARS or line[-1] in ".!?;:":
        return False
    items = line.split(",")
    return len(items) >= 3 and all(0 < len(item.split()) <= 5 for item in items)


def _trim_glued_boilerplate(line: str, pattern: re.Pattern) -> str:
    last = _LAST_SENTENCE.search(line)
    if last and pattern.fullmatch(last.group(1).strip()):
        line = line[: last.start()]
    first = _FIRST_SENTENCE.match(line.lstrip(_TAG_BREAK))
    if first and pattern.fullmatch(first.group(1).strip()):
        line = line.lstrip(_TAG_BREAK)[first.end():]
    return line


def is_boilerplate(line: str, language: str = "en") -> bool:
    line = line.strip()
    return bool(line) and len(line) <= MAX_BOILERPLATE_CHARS and bool(boilerplate_pattern(language).fullmatch(line))


@functools.lru_cache(maxsize=16)
def boilerplate_pattern(language: str = "en") -> re.Pattern:
    """One alternation of the common and English patterns plus those of `language`.
    English is always in: sites in every language carry English widgets ("Tags", "Share"),
    and a text cleaned for its own language then stays unchanged when cleaned as English."""
    names = ["common.txt", "en.txt"]
    own = f"{(language or 'en').lower()[:2]}.txt"
    if own not in names and (BOILERPLATE_DIR / own).is_file():
        names.append(own)
    patterns = [line for name in names for line in _read_lines(BOILERPLATE_DIR / name)]
    # Trailing punctuation on a boilerplate line ("Advertisement.") does not make it content.
    return re.compile(r"(?:%s)[\s.:!…»›>|-]*" % "|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def restore_sentence_case(text: str) -> str:
    """A paragraph that a tag break started in lower case gets its capital back;
    words with inner capitals (`iPhone`) are left alone."""
    return _LOWER_START.sub(lambda m: m.group(1) + m.group(2) + m.group(3).upper(), text)


def _read_lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
