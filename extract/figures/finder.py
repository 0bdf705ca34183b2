"""Finds money, percent and quantity amounts in a Doc, as the GUIDELINES define them.

One regular expression (compiled from the lexicons) finds every number with what is
written around it; the passes below then decide, with the text around each match:
ranges and lists share a unit ("65 to 70 pct"), bare scaled amounts take the
article's currency ("from 98 billion"), bare numbers compared with a figure take its
unit ("to 50,000 tonnes from 70,000"), and what is not a figure is dropped (years,
dates, counts, exchange rates, index points, names like "Section 301", adjectival "60-kg").
Every cue word comes from `extract/figures/data/figures_cues.toml`.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from spacy.tokens import Doc

from extract.figures.lexicon import Currency, FigureLexicon, norm_surface
from extract.figures.numbers import is_year_like, parse_digits, parse_words
from extract.sentences import sentence_of, sentence_of_span, token_starts

_CONNECTOR = re.compile(r"\s*(?:to|-|–|—|and|or|,)\s*", re.IGNORECASE)
_LIST_CONNECTOR = re.compile(r"\s*(?:and|or|to|-|–|—)\s*", re.IGNORECASE)
_RANGE_CONNECTOR = re.compile(r"\s*(?:or|to|-|–|—)\s*", re.IGNORECASE)
_HYPHEN_WORD = re.compile(r"^-[A-Za-z]")
_SLASH_DATE = re.compile(r"^/\d")
_SCORE_AFTER = re.compile(r"^\s*[-–/:]\s*\d")  # "a 2-1 decision", "a 3:1 vote"
_SLASH_DATE_BEFORE = re.compile(r"\d/$")
_OF = re.compile(r"^\s+of\b", re.IGNORECASE)
_COUNT_SKIP_TAGS = {"JJ", "JJR", "JJS", "VBN", "HYPH"}
_NOUN_TAGS = {"NN", "NNS", "NNP", "NNPS"}


def _word_re(alternation: str) -> re.Pattern:
    return re.compile(rf"(?<![\w])(?:{alternation})(?![\w])", re.IGNORECASE)


@dataclass
class Amount:
    start: int
    end: int
    number: float
    number_text: str
    spelled: bool
    number_end: int = 0
    in_parens: bool = False  # a conversion aside: "400m pesos ($136m; £72.3m)"
    scale: float | None = None
    scale_text: str = ""
    scale_attached: bool = False
    currency: Currency | None = None
    currency_text: str = ""
    kind: str | None = None  # money | percent | quantity | None (bare number)
    unit: str | None = None
    has_prefix: bool = False
    inherited: bool = False
    dropped: str = ""  # why this is not a figure, when it is not

    @property
    def value(self) -> float:
        value = self.number * (self.scale or 1)
        if self.kind == "money" and self.currency is not None:
            value *= self.currency.factor
        return value

    @property
    def bare(self) -> bool:
        return self.kind is None


class FigureFinder:
    def __init__(self, lexicon: FigureLexicon):
        self.lex = lexicon
        self.strong_scales = lexicon.cue_set("money_context", "strong_scales")
        self.money_nouns = lexicon.cue_set("money_context", "nouns")
        rate_after = lexicon.cue_regex("exchange_rate", "after")
        rate_words = lexicon.cue_regex("exchange_rate", "currency_words")
        rate_before = lexicon.cue_regex("exchange_rate", "before")
        self.rate_after_re = re.compile(
            rf"^\s+(?:{rate_after})\s+(?:(?:u\.\s?s\.|us|american|one|each)\s+)?(?:{rate_words})\b", re.IGNORECASE)
        weight_words = lexicon.cue_regex("exchange_rate", "weight_words")
        self.rate_to_weight_re = re.compile(
            rf"^\s+(?:to|against|versus|vs\.?)\s+(?:the\s+|one\s+)?(?:{weight_words})\b", re.IGNORECASE)
        name_before = lexicon.cue_regex("not_figures", "before")
        name_after = lexicon.cue_regex("not_figures", "after")
        self.name_before_re = re.compile(rf"\b(?:{name_before})\s+$", re.IGNORECASE)
        self.name_after_re = re.compile(rf"^[\s-]+(?:{name_after})\b", re.IGNORECASE)
        self.rate_before_re = re.compile(
            rf"\b(?:{rate_before})\b[^.;:]{{0,40}}"
            rf"\b(?:at|to|from|around|near|of|against|above|below|under|over|hit|reached|touched)\s+"
            rf"(?:about\s+|around\s+|some\s+|nearly\s+|almost\s+)?$", re.IGNORECASE)
        dollar_words = lexicon.cue_regex("exchange_rate", "dollar_words")
        self.dollar_re = _word_re(dollar_words)
        containers = lexicon.cue_regex("descriptor", "containers")
        amount_nouns = lexicon.cue_regex("descriptor", "amount_nouns")
        self.amount_noun_re = re.compile(rf"^\s+(?:[A-Za-z]+\s+)?(?:{amount_nouns})\b", re.IGNORECASE)
        self.container_re = re.compile(rf"\b(?:{containers})\s*\(?\s*of\s+$", re.IGNORECASE)
        self.time_nouns = lexicon.cue_set("count", "time_nouns")
        months = lexicon.cue_regex("time", "months")
        self.month_before_re = re.compile(rf"\b(?:{months})\.?\s*$", re.IGNORECASE)
        self.month_after_re = re.compile(rf"^\s*(?:{months})\b", re.IGNORECASE)
        self.ambiguous_currencies = lexicon.cue_set("spelled", "ambiguous_currencies")
        self.comparison_words = lexicon.cue_set("comparison", "before")
        self.hedge_words = lexicon.cue_set("comparison", "hedges")
        self.index_re = _word_re(lexicon.cue_regex("points", "index_words"))
        self.rate_word_re = _word_re(lexicon.cue_regex("points", "rate_words"))
        self.per_period = [
            (period, re.compile(
                rf"^(?:\s+of\s+(?:[A-Za-z\-]+\s+){{0,3}}?[A-Za-z\-]+)?\s*,?\s+"
                rf"(?:{lexicon.cue_regex('rates', period)})\b",
                re.IGNORECASE))
            for period in lexicon.cues.get("rates", {})
        ]
        self.country_res = {
            family: [(code, re.compile(rf"\b(?:{'|'.join(re.escape(c) for c in cues)})\b", re.IGNORECASE))
                     for code, cues in options]
            for family, options in lexicon.country_cues.items()
        }

    # -- public --------------------------------------------------------------------------
    def find(self, doc: Doc, text: str | None = None) -> list[Amount]:
        """`text` is doc.text when the caller has it (spaCy rebuilds it token by token per access)."""
        text = doc.text if text is None else text
        amounts = [a for a in (self._read(m, text) for m in self.lex.amount_re.finditer(text)) if a]
        self._drop_non_figures(amounts, text)
        self._per_period_units(amounts, text)
        self._share_units_in_ranges(amounts, text, doc)
        self._drop_spelled_without_unit(amounts, text)
        self._resolve_currency_families(amounts, text)
        self._drop_exchange_rates(amounts, text)
        self._resolve_plain_dollars(amounts)
        self._drop_counted_notes(amounts, doc)
        self._resolve_points(amounts, doc)
        self._bare_scaled_as_context(amounts, doc)
        self._bare_in_comparisons(amounts, doc, text)
        return [a for a in amounts if a.kind and not a.dropped]

    # -- reading one match -----------------------------------------------------------
    def _read(self, match: re.Match, text: str) -> Amount | None:
        lex = self.lex
        if match.group("num"):
            number, number_text, spelled = parse_digits(match.group("num")), match.group("num"), False
        else:
            number_text = match.group("numw")
            number, spelled = parse_words(number_text, lex.number_words), True
        if number is None:
            return None
        amount = Amount(match.start(), match.end(), number, number_text, spelled,
                        number_end=match.end("num") if match.group("num") else match.end("numw"))
        opened = text.rfind("(", max(0, match.start() - 40), match.start())
        amount.in_parens = opened >= 0 and ")" not in text[opened:match.start()]
        scale = match.group("scale") or match.group("scale_att")
        if scale:
            amount.scale_text = norm_surface(scale)
            amount.scale = lex.scales.get(amount.scale_text)
            amount.scale_attached = bool(match.group("scale_att"))
        pre = match.group("pre")
        if pre:
            amount.currency = lex.prefixes.get(norm_surface(pre))
            amount.currency_text = norm_surface(pre)
            amount.has_prefix = True
            amount.kind = "money"
        post_att = match.group("post_att")
        post = match.group("post")
        if post_att:
            amount.currency = lex.attached_currencies.get(norm_surface(post_att))
            amount.currency_text = norm_surface(post_att)
            amount.kind = "money"
        elif post:
            key = norm_surface(post)
            unit = lex.units.get(key)
            if unit is not None:
                amount.kind = {"percent": "percent", "pp": "percent", "points": "points"}.get(unit.kind, "quantity")
                amount.unit = unit.unit
                if amount.kind == "quantity" and text[match.start("post") - 1] == "-" \
                        and not self.amount_noun_re.match(text[match.end():match.end() + 60]):
                    amount.dropped = "adjectival"  # "a 60-kg bag", "a 2,000-mile system"
            elif key in lex.suffixes:
                currency = lex.suffixes[key]
                if amount.currency is None or currency.qualified and not amount.has_prefix:
                    amount.currency, amount.currency_text = currency, key
                amount.kind = "money"
                # "5 mln pounds of beef" weighs; "5 mln pounds" is money.
                if currency.family == "pound" and not currency.qualified and _OF.match(text[match.end():]):
                    amount.kind, amount.unit, amount.currency = "quantity", "lb", None
        return amount

    # -- passes ----------------------------------------------------------------------
    def _drop_non_figures(self, amounts: list[Amount], text: str) -> None:
        for a in amounts:
            before, after = text[max(0, a.start - 12):a.start], text[a.end:a.end + 12]
            if a.dropped:
                continue
            if is_year_like(a.number_text) and not a.scale and a.kind != "percent" and not a.has_prefix:
                a.dropped = "year"
            elif self.month_before_re.search(before) or (a.bare and self.month_after_re.match(after)):
                a.dropped = "date"
            elif a.bare and (_SLASH_DATE.match(after) or _SLASH_DATE_BEFORE.search(before)):
                a.dropped = "date"  # "9/11", "1987/88"
            elif a.bare and _HYPHEN_WORD.match(after):
                a.dropped = "adjectival"  # "a 60-kg bag", "a 10-year bond"
            elif a.scale is None and a.scale_text:
                a.dropped = "unknown scale"
            elif self.name_before_re.search(text[max(0, a.start - 20):a.start]) \
                    or (a.kind == "money" and self.name_after_re.match(after)):
                a.dropped = "name"  # "Group of Seven", "the 12 euro zone countries"
            elif a.kind == "quantity" and self.container_re.search(text[max(0, a.start - 20):a.start]):
                a.dropped = "container size"  # "10 mln bags (of 60 kilos)"

    def _drop_spelled_without_unit(self, amounts: list[Amount], text: str) -> None:
        """'six pct', 'three billion', 'seven barrels' are figures; 'the two won', 'one-euro jobs' are not."""
        for a in amounts:
            if not a.spelled or a.dropped or a.scale:
                continue
            if a.bare or (a.kind == "money" and a.currency_text in self.ambiguous_currencies) \
                    or text[a.number_end:a.number_end + 1] == "-":
                a.dropped = "spelled number without unit"

    def _share_units_in_ranges(self, amounts: list[Amount], text: str, doc: Doc | None = None) -> None:
        """'65 to 70 pct', '15 to 20 billion dlr', '3.2, 4.5 and 6.1 pct': the last member's unit."""
        starts = token_starts(doc) if doc is not None else []
        for i in range(len(amounts) - 2, -1, -1):
            left, right = amounts[i], amounts[i + 1]
            if left.dropped or right.dropped:
                continue
            between = text[left.end:right.start]
            if not _CONNECTOR.fullmatch(between):
                continue
            if left.bare and right.kind:
                # A comma joins only a list that ends in "and"/"or" ("17, 20 pct" is a date and a figure).
                if between.strip() == "," and not right.inherited:
                    continue
                left.kind, left.unit, left.currency = right.kind, right.unit, right.currency
                left.currency_text = right.currency_text
                left.inherited = True
                if left.scale is None and right.scale is not None:
                    left.scale, left.scale_text = right.scale, right.scale_text
            elif left.kind == "money" and left.has_prefix and right.bare and _RANGE_CONNECTOR.fullmatch(between) \
                    and not (doc is not None and self._noun_follows(doc, starts, right.end)):
                # "$15 to 20 billion": the symbol carries over, the scale carries back.
                right.kind, right.currency, right.currency_text = "money", left.currency, left.currency_text
                right.inherited = True
                if left.scale is None and right.scale is not None:
                    left.scale, left.scale_text = right.scale, right.scale_text
            elif left.kind == right.kind and left.scale is None and right.scale is not None \
                    and left.kind in ("money", "quantity") and _LIST_CONNECTOR.fullmatch(between):
                left.scale, left.scale_text = right.scale, right.scale_text

    def _resolve_currency_families(self, amounts: list[Amount], text: str) -> None:
        """'francs' after 'Swiss francs' is CHF; 'pesos' in an Argentine story is ARS."""
        qualified = [(a.start, a.currency) for a in amounts
                     if a.kind == "money" and a.currency and a.currency.qualified and not a.dropped]
        country_code: dict[str, str] = {}
        for a in amounts:
            currency = a.currency
            if a.kind != "money" or currency is None or currency.qualified or currency.family == "dollar":
                continue
            # The nearest qualified mention before it, else the nearest after it.
            same_family = [(pos > a.start, abs(pos - a.start), c) for pos, c in qualified
                           if c.family == currency.family]
            if same_family:
                code = min(same_family, key=lambda item: item[:2])[2].code
            else:
                if currency.family not in country_code:
                    country_code[currency.family] = self._country_currency(currency, text)
                code = country_code[currency.family]
            if code != currency.code:
                a.currency = Currency(code, currency.factor, currency.family, currency.qualified)

    def _country_currency(self, currency: Currency, text: str) -> str:
        best, best_count = currency.code, 0
        for code, pattern in self.country_res.get(currency.family, []):
            count = len(pattern.findall(text))
            if count > best_count:
                best, best_count = code, count
        return best

    def _drop_exchange_rates(self, amounts: list[Amount], text: str) -> None:
        for a in amounts:
            if a.kind != "money" or a.dropped or a.scale:
                continue
            line_start = max(text.rfind(".", 0, a.start - 1) + 1, a.start - 80)
            after = text[a.end:a.end + 40]
            if self.rate_after_re.match(after) or self.rate_to_weight_re.match(after) \
                    or self.rate_before_re.search(text[line_start:a.start]):
                a.dropped = "exchange rate"
            elif a.currency is not None and a.currency.code != "USD" and a.currency.factor == 1 \
                    and a.currency.family not in ("dollar", "dollar_symbol") \
                    and self.dollar_re.search(text[max(0, a.start - 150):a.end + 40]):
                a.dropped = "exchange rate"  # "a drop to about 125 yen" in a story on the dollar

    @staticmethod
    def _resolve_plain_dollars(amounts: list[Amount]) -> None:
        """Plain "dlrs" are U.S. dollars unless the amounts just before named another dollar:
        "a 3.5 billion H.K. Dlr deficit ... imports of 24 billion dlrs" (exchange rates aside)."""
        named = None
        for a in amounts:
            currency = a.currency
            if a.kind != "money" or a.dropped or currency is None or currency.family != "dollar":
                continue
            if currency.qualified:
                named = currency
            elif named is not None and named.code != currency.code:
                a.currency = Currency(named.code, currency.factor, currency.family, False)

    def _drop_counted_notes(self, amounts: list[Amount], doc: Doc) -> None:
        """'two Canadian dollar issues', '5 dollar bills': a count of things priced in a currency."""
        starts = token_starts(doc)
        for a in amounts:
            if a.kind != "money" or a.dropped or a.scale or a.has_prefix or a.currency_text.endswith("s"):
                continue
            index = bisect.bisect_left(starts, a.end)
            if index < len(doc) and doc[index].tag_ in {"NNS", "NNPS"}:
                a.dropped = "count"

    def _resolve_points(self, amounts: list[Amount], doc: Doc) -> None:
        """'points' of a rate are percentage points; of an index they are not figures."""
        for a in amounts:
            if a.kind != "points" or a.dropped:
                continue
            span = doc.char_span(a.start, a.end, alignment_mode="expand")
            sentence = sentence_of_span(span).text if span is not None else doc.text
            if self.index_re.search(sentence) or not self.rate_word_re.search(sentence):
                a.dropped = "index points"
            else:
                a.kind, a.unit = "percent", "pp"

    def _bare_scaled_as_context(self, amounts: list[Amount], doc: Doc) -> None:
        """'from an estimated 98 billion' takes the unit of the figure before it."""
        starts = token_starts(doc)
        for i, a in enumerate(amounts):
            if not a.bare or a.dropped:
                continue
            if not a.scale_text:
                a.dropped = "bare number"
                continue
            if self._counts_things(doc, starts, a.end, self._has_sentence_context(amounts, i, doc)):
                a.dropped = "count"
                continue
            # "up from 38m" needs a money figure in its own sentence; "98 billion" may look further back.
            context = self._context_unit(amounts, i, doc, sentence_only=a.scale_text not in self.strong_scales)
            if context is None:
                a.dropped = "bare number without context"
                continue
            a.kind, a.unit, a.inherited = context.kind, context.unit, True
            if context.currency is not None:
                c = context.currency
                a.currency = Currency(c.code, 1.0, c.family, c.qualified)
                a.currency_text = context.currency_text

    def _has_sentence_context(self, amounts: list[Amount], i: int, doc: Doc) -> bool:
        span = doc.char_span(amounts[i].start, amounts[i].end, alignment_mode="expand")
        sent_start = sentence_of_span(span).start_char if span is not None else 0
        return any(a.start >= sent_start and a.kind in ("money", "quantity") and not a.dropped and not a.bare
                   for a in amounts[:i])

    def _bare_in_comparisons(self, amounts: list[Amount], doc: Doc, text: str) -> None:
        """'to 50,000 tonnes from 70,000'; 'a quota of 28,526 tonnes, Indonesia 24,516'."""
        starts = token_starts(doc)
        for i, a in enumerate(amounts):
            if not a.bare or a.scale_text or a.spelled or a.dropped not in ("", "bare number"):
                continue
            previous = next((p for p in reversed(amounts[:i]) if p.dropped not in ("year", "date")), None)
            if previous is None or previous.bare or previous.dropped or previous.kind not in ("money", "quantity", "percent"):
                continue
            first = bisect.bisect_left(starts, a.start)
            if first >= len(doc) or sentence_of(doc, first).start_char > previous.start:
                continue  # the figure before it is in another sentence
            how = self._compared(doc, first, previous)
            if not how or self._noun_follows(doc, starts, a.end) or _SCORE_AFTER.match(text[a.end:a.end + 4]):
                continue
            # Compared numbers are of one size ("23% from 36,185" compares a change with a
            # count); listed ones may differ more ("Indonesia 24,516 ... Nigeria 1,461").
            spread = 10 if how == "compared" else 100
            if not previous.number or not 1 / spread <= a.number / previous.number <= spread:
                continue
            a.kind, a.unit, a.currency = previous.kind, previous.unit, previous.currency
            a.currency_text, a.inherited, a.dropped = previous.currency_text, True, ""
            if previous.scale:
                a.scale, a.scale_text = previous.scale, previous.scale_text  # "5.5 billion dlrs from 4.3"

    def _compared(self, doc: Doc, first: int, previous: Amount) -> str | None:
        """'compared' after "from"/"against"..., 'listed' after "…, Indonesia", else None."""
        i = first - 1
        while i >= 0 and doc[i].lower_ in self.hedge_words:
            i -= 1
        if i < 0 or doc[i].idx < previous.end:
            return None
        two = f"{doc[i - 1].lower_} {doc[i].lower_}" if i > 0 else ""
        if doc[i].lower_ in self.comparison_words or two in self.comparison_words:
            return "compared"
        # A list of places: "Indonesia 24,516, Thailand 19,000 and Nigeria 1,461".
        names = 0
        while i >= 0 and doc[i].tag_ in {"NNP", "NNPS"} and doc[i].idx >= previous.end:
            i, names = i - 1, names + 1
        listed = names > 0 and i >= 0 and doc[i].text in {",", "and", ";"} and doc[i].idx >= previous.end
        return "listed" if listed else None

    @staticmethod
    def _noun_follows(doc: Doc, starts: list[int], end: int) -> bool:
        index = bisect.bisect_left(starts, end)
        for token in doc[index:index + 3]:
            if token.is_space:
                continue
            return token.tag_ in _NOUN_TAGS or token.like_num
        return False

    def _counts_things(self, doc: Doc, starts: list[int], end: int, listed: bool) -> bool:
        """True when a noun that is not money follows: 'seven million people', '10 mln of its shares'.

        `listed`: a money or quantity figure stands before it in the sentence, so
        "1.13 billion dlrs of capital goods, 700 mln of farm products" lists amounts.
        """
        index = bisect.bisect_left(starts, end)
        after_of = False
        for token in doc[index:index + 5]:
            lower = token.lower_
            if token.is_space:
                continue
            if lower == "of" and not after_of:
                if listed:
                    return False
                after_of = True
                continue
            if after_of and token.tag_ in {"DT", "PRP$"}:
                continue
            if token.tag_ in _COUNT_SKIP_TAGS and not token.is_punct:
                continue
            if token.tag_ in _NOUN_TAGS and not token.is_punct:
                if lower in self.time_nouns or token.lemma_.lower() in self.time_nouns:
                    return False
                return lower not in self.money_nouns and token.lemma_.lower() not in self.money_nouns \
                    and token.ent_type_ not in {"DATE"} and not token.like_num
            return False
        return False

    def _context_unit(self, amounts: list[Amount], i: int, doc: Doc, sentence_only: bool = False) -> Amount | None:
        here = amounts[i]
        span = doc.char_span(here.start, here.end, alignment_mode="expand")
        sent = sentence_of_span(span) if span is not None else None
        sent_start = sent.start_char if sent is not None else 0
        sent_end = sent.end_char if sent is not None else doc[-1].idx + len(doc[-1].text_with_ws)
        # The nearest money or quantity figure before it in the same sentence, then
        # the nearest money figure before it in the article, then one after it in the sentence.
        usable = [a for a in amounts[:i] if a.kind in ("money", "quantity") and not a.dropped and not a.bare]
        for a in sorted(usable, key=lambda a: (a.in_parens, -a.start)):
            if a.start >= sent_start:
                return a
        if sentence_only:
            return None
        for a in reversed(amounts[:i]):
            if a.kind == "money" and not a.dropped and not a.bare:
                return a
        for a in amounts[i + 1:]:
            if a.start < sent_end and a.kind == "money" and not a.dropped and not a.bare:
                return a
        return None

    def _per_period_units(self, amounts: list[Amount], text: str) -> None:
        """'120,000 barrels of fuel oil a month' → barrel/month."""
        for a in amounts:
            if a.kind != "quantity" or not a.unit or "/" in a.unit or a.dropped:
                continue
            after = text[a.end:a.end + 60]
            for period, pattern in self.per_period:
                if pattern.match(after):
                    a.unit = f"{a.unit}/{period}"
                    break
