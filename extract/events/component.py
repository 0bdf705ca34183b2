"""trade_events: trade-policy events (GUIDELINES "Policy events") as `doc._.events`.

Pipes added by `add_to_pipeline` (no dependency parse is available, so everything works
on token patterns, POS/lemmas, sentence windows and the NER):
  trade_jurisdictions  countries / blocs / bodies → doc.spans["jurisdictions"]
  trade_events         measure cues (data/events.jsonl → doc.spans["trade_event_cues"]),
                       status words next to them (data/events_status.jsonl →
                       doc.spans["trade_event_status"]), then actor + targets + status per
                       sentence window (a sentence cut at paragraph breaks and after the
                       headline), merged per (type, actor). Cues are matched with the span-ruler
                       pattern format, but only in sentences that can hold one (event_cues.py).

The rules (roles of jurisdictions, status defaults, confidence weights) live in
data/event_rules.toml, products → HS chapters in core/data/hs_terms.csv.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

import numpy
from spacy.attrs import IS_SPACE
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from extract.lexicons import jurisdictions as _jurisdictions  # noqa: F401  (registers trade_jurisdictions)
from extract.events.cues import PIECE_OVERLAP, PIECE_TOKENS, CueMatcher, read_patterns
from core.hs import product_terms
from extract.events.hs import HsLexicon, HsMatch
from extract.events.rules import EventRules
from extract.events.rules import data_path

if not Doc.has_extension("events"):
    Doc.set_extension("events", default=None)

logger = logging.getLogger(__name__)

ERROR_KEY = "trade_events_error"
CUE_KEY = "trade_event_cues"
STATUS_KEY = "trade_event_status"
JURISDICTION_KEY = "jurisdictions"
BLOCK_LABEL = "none"
SCHEDULE_ID = "schedule"  # status patterns with this id state when a measure starts


@dataclass
class Mention:
    """One sentence's statement of a measure, before merging."""
    type: str
    actor: str
    actor_source: str  # agent | sentence | context | salience
    targets: list[str]
    status: str
    status_explicit: bool
    scheduled: bool  # the status came from a timing phrase ("take effect in mid-April")
    product: str
    hs_chapters: list[str]
    sentence: Span
    announced: str | None
    effective: str | None
    confidence: float
    cue: Span = field(repr=False)


@dataclass
class ArticleWindows:
    """What one document offers the rules: its spans, cut into sentence windows."""
    doc: Doc
    statuses: list[Span]
    places: list[Span]
    hs_matches: list[HsMatch]
    windows: list[Span]
    has_headline: bool
    salient: str | None = None
    # Per window (keyed by its first token): all cues, blocked ones too, and DATE entities.
    window_cues: dict[int, list[Span]] = field(default_factory=dict)
    window_dates: dict[int, list[Span]] = field(default_factory=dict)
    # Status words and goods per window: a cue looks only at its own sentence, so a long text
    # costs each cue its sentence, not the whole article (linear, not quadratic).
    window_statuses: dict[int, list[Span]] = field(default_factory=dict)
    window_hs: dict[int, list[HsMatch]] = field(default_factory=dict)


class TradeEvents:
    def __init__(self, nlp: Language, rules: EventRules, hs: HsLexicon, cue_patterns: list[dict],
                 status_patterns: list[dict],
                 jurisdiction_key: str, threshold: float, max_cues_per_sentence: int | None = None):
        self.rules = rules
        self.hs = hs
        self.cue_matcher = CueMatcher(nlp, cue_patterns, max_cues_per_sentence)
        self.status_matcher = CueMatcher(nlp, status_patterns, max_cues_per_sentence)
        self.jurisdiction_key = jurisdiction_key
        self.threshold = threshold

    # --- per document -------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        try:
            return self._extract(doc)
        except Exception as error:  # one odd text must not sink the batch it came in
            logger.warning("trade_events failed on a %d-character text: %r", len(doc.text), error)
            doc.user_data[ERROR_KEY] = f"trade_events: {error!r}"
            doc._.events = []
            return doc

    def _extract(self, doc: Doc) -> Doc:
        windows, has_headline = _sentence_windows(doc)
        found_cues = self.cue_matcher(windows)
        doc.spans[CUE_KEY] = found_cues
        all_cues = filter_spans(found_cues)
        all_cues = self._follow_earlier_heads(all_cues)
        cues = [s for s in all_cues if s.label_ != BLOCK_LABEL]
        if not cues:
            doc.spans[STATUS_KEY] = []
            doc._.events = []
            return doc
        places = list(doc.spans.get(self.jurisdiction_key, []))
        cues_by_window = _group_by_window(cues, windows)
        # Status words matter only next to a measure: match them in those sentences alone.
        statuses = self.status_matcher([_around(w, group) for w, group in zip(windows, cues_by_window) if group])
        doc.spans[STATUS_KEY] = statuses
        article = ArticleWindows(doc, statuses, places, self.hs.matches(doc), windows, has_headline)
        # Mentions and their roles per window, worked out once (long texts have thousands).
        window_places = _group_by_window(places, windows)
        window_roles = [self._roles(doc, in_window, window) for in_window, window in zip(window_places, windows)]
        article.salient = self._salient_jurisdiction(window_roles, has_headline)
        article.window_cues = {w.start: group for w, group in zip(windows, _group_by_window(all_cues, windows))}
        dates = [e for e in doc.ents if e.label_ == "DATE"]
        article.window_dates = {w.start: group for w, group in zip(windows, _group_by_window(dates, windows))}
        article.window_statuses = {w.start: group for w, group in zip(windows, _group_by_window(statuses, windows))}
        article.window_hs = {w.start: group for w, group in zip(windows, _group_by_window(article.hs_matches, windows))}
        mentions: list[Mention] = []
        reported: dict[str, Mention] = {}  # first body mention of each type, for "the levy" later on
        named: dict[str, Mention] = {}  # first mention of each measure with a name ("MFA")
        for index, window in enumerate(windows):
            in_window = cues_by_window[index]
            if not in_window:
                continue
            in_window = [c for c in self._drop_agenda(in_window, window_roles[index]) if not self._is_negated(doc, c, window)]
            labels = {c.label_ for c in in_window}
            in_window = [c for c in in_window if self.rules.absorb.get(c.label_) not in labels
                         and self.rules.sentence_absorb.get(c.label_) not in labels]
            context = self._context_actor(window_roles, index, has_headline)
            found: list[Mention] = []
            for cue in in_window:
                new = self._mentions(article, cue, window, has_headline and index == 0, window_places[index], context)
                earlier = next((m for m in found if m.type == cue.label_), None) or reported.get(cue.label_)
                name = _measure_name(cue)
                if name in named:
                    earlier = named[name]  # "the MFA" again: the measure named before
                if earlier is not None and (name in named or self._is_anaphoric(doc, cue, window)):
                    for mention in new:
                        mention.actor = earlier.actor
                        mention.targets = mention.targets or list(earlier.targets)
                if name and new:
                    named.setdefault(name, new[0])
                found.extend(new)
            found = self._one_per_actor(found)
            for mention in found:
                if not (has_headline and index == 0):
                    reported.setdefault(mention.type, mention)
            mentions.extend(found)
        if has_headline:
            mentions = self._headline_yields(mentions, windows)
        doc._.events = [e for e in self._merge(mentions) if e["confidence"] >= self.threshold]
        return doc

    @staticmethod
    def _follow_earlier_heads(cues: list[Span]) -> list[Span]:
        """"coffee export quotas ... discussion on quotas": a bare weak cue repeats the head
        word of an earlier, fuller cue and means the same measure."""
        seen: dict[str, str] = {}
        kept = []
        for cue in sorted(cues, key=lambda c: c.start):
            head = cue[-1].lemma_.lower()
            if cue.id_ == "weak" and seen.get(head, cue.label_) != cue.label_:
                cue = Span(cue.doc, cue.start, cue.end, label=seen[head], span_id=cue.id_)
            elif cue.id_ == "strong" and cue.label_ != BLOCK_LABEL and len(cue) > 1:
                seen[head] = cue.label_
            kept.append(cue)
        return kept

    def _headline_yields(self, mentions: list[Mention], windows: list[Span]) -> list[Mention]:
        """A headline summarises the body: where the body states the same type of measure,
        its sentence (with who acts on whom) is the better source."""
        if len(windows) < 2:
            return mentions
        headline_end = windows[0].end
        body_types = {m.type for m in mentions if m.cue.start >= headline_end}
        return [m for m in mentions if m.cue.start >= headline_end or m.type not in body_types
                or m.type in self.rules.party_types]

    def _is_negated(self, doc: Doc, cue: Span, window: Span) -> bool:
        """"not more trade sanctions", "no import quotas", "would not impose sanctions": a
        measure said not to exist. ("persuade the U.S. not to impose tariffs" is a threat.)"""
        rules = self.rules
        before = cue.start - 1
        verbs = 0
        while before >= window.start:
            token = doc[before]
            if token.is_space or token.pos_ == "ADJ" or token.lower_ in rules.negation_skip:
                before -= 1
            elif token.pos_ == "CCONJ" and before - 1 >= window.start and doc[before - 1].pos_ == "NOUN":
                before -= 2  # "do not mandate quotas or tariffs": the negation covers the list
            elif token.lemma_.lower() in rules.negation_verbs and not verbs:
                verbs += 1  # "would not impose sanctions"
                before -= 1
            else:
                break
        return before >= window.start and doc[before].lower_ in rules.negators

    def _is_anaphoric(self, doc: Doc, cue: Span, window: Span) -> bool:
        """"the levy", "these tariffs", "more tariff cuts": a measure already reported."""
        if any(t.pos_ == "PROPN" for t in cue) or self._cue_actor(doc, cue, window):
            return False  # "the Uruguay round" names its own measure
        before = cue.start - 1
        while before >= window.start:
            token = doc[before]
            if token.lower_ in self.rules.anaphora_determiners:
                return True
            if not (token.is_space or token.pos_ in ("ADJ", "NUM")):
                return False
            before -= 1
        return False

    def _drop_agenda(self, cues: list[Span], roles: list[tuple[Span, str]]) -> list[Span]:
        """"negotiations on agriculture to reduce farm subsidies": the subsidies are the agenda.
        But "charged Japan with violating GATT rules by restricting imports": a measure of the
        one accused is reported as well as the complaint."""
        accused = any(role == "accused" for _, role in roles)
        agenda = [c for c in cues if c.label_ in self.rules.agenda_types
                  and not (accused and c.label_ in self.rules.complainant_types)]
        if not agenda:
            return cues
        first = min(c.start for c in agenda)
        return [c for c in cues if c.label_ in self.rules.agenda_types or c.start < first]

    def _one_per_actor(self, found: list[Mention]) -> list[Mention]:
        """A sentence states one measure per actor; agreements (with parties) are kept apart."""
        rules = self.rules
        rank = {kind: i for i, kind in enumerate(rules.type_priority)}
        best: dict[str, Mention] = {}
        kept = []
        for mention in found:
            if mention.type in rules.party_types:
                kept.append(mention)
                continue
            current = best.get(mention.actor)
            key = (mention.cue.id_ != "strong", rank.get(mention.type, 99), mention.cue.start)
            if current is None or key < (current.cue.id_ != "strong", rank.get(current.type, 99), current.cue.start):
                best[mention.actor] = mention
        return kept + list(best.values())

    # --- one cue → one or more mentions -------------------------------------------------
    def _mentions(self, article: ArticleWindows, cue, window, is_headline, window_places, context):
        rules = self.rules
        doc, places, salient = article.doc, article.places, article.salient
        kind = cue.label_
        roles = self._roles(doc, window_places, window)
        conf = rules.confidence
        status, explicit, scheduled = self._status(cue, window, article)
        product, hs_chapters = self._product(doc, cue, window, article.window_hs.get(window.start, []))
        announced, effective = self._dates(article, cue, window, status)
        base = conf["base"] + (conf["strong_cue"] if cue.id_ == "strong" else 0.0)
        base += conf["explicit_status"] if explicit else 0.0
        base += conf["headline"] if is_headline else 0.0

        def make(actor, source, targets):
            score = base + {"agent": conf["actor_in_sentence"], "sentence": conf["actor_in_sentence"],
                            "context": conf["actor_from_context"]}.get(source, 0.0)
            if source == "context" and actor == salient:
                score += conf.get("context_is_salient", 0.0)  # the sentence before and the article agree
            return Mention(kind, actor, source, targets, status, explicit, scheduled, product, hs_chapters, window,
                           announced, effective, min(score, 0.99), cue)

        if kind in rules.party_types:
            cue_actor = self._cue_actor(doc, cue, window)
            if cue_actor:
                # "the Uruguay round", "an international coffee agreement": multilateral.
                return [make(cue_actor[0], "sentence", [])]
            parties = self._pair_parties(doc, cue, window, places) or self._parties(roles, cue)
            if not parties:
                return [make(*context, [])] if context else ([make(salient, "salience", [])] if salient else [])
            first = parties[0]
            forum_in_cue = any(p.start >= cue.start and p.end <= cue.end and p.label_ in rules.forum_codes
                               for p, _ in roles)
            if forum_in_cue and first not in rules.forum_codes:
                first = next(p.label_ for p, _ in roles if p.start >= cue.start and p.end <= cue.end
                             and p.label_ in rules.forum_codes)
                parties = [first] + [code for code in parties if code != first]
            if first in rules.forum_codes and len(parties) > 1:
                # The body is where members and applicants meet: each of them is an actor.
                return [make(code, "sentence", [first]) for code in parties[1:] if code not in rules.forum_codes]
            return [make(first, "sentence", parties[1:])]

        roles = self._measure_roles(kind, [(p, self._agent_role(p, r, cue)) for p, r in roles], cue)
        hit = {p.label_ for p, role in roles if role in ("target", "petitioner")}
        accused = [p.label_ for p, role in roles if role == "accused"]
        actor, source = (self._cue_actor(doc, cue, window) or ((accused[-1], "agent") if accused else None)
                         or self._actor(doc, roles, cue, window))
        forum = None
        if kind in rules.complainant_types and actor in rules.forum_codes:
            # The body hears the case and a member brings it; the body stands in only
            # when no member is named ("a GATT panel ruled ...").
            forum, (actor, source) = (actor, source), (None, "")
        if actor is None:
            # The one hit by a measure is never the one taking it.
            context = context if context and context[0] not in hit else None
            salient = salient if salient not in hit else None
            later = self._later_actor(roles, cue)
            if salient and self._names_home_government(window):
                actor, source = salient, "salience"
            elif context:
                actor, source = context
            elif salient:
                actor, source = salient, "salience"
            elif later:
                actor, source = later, "sentence"
            elif forum:
                actor, source = forum
            else:
                return []
            if forum and actor in rules.forum_codes:
                actor, source = forum
        targets = []
        for place, role in roles:
            code = place.label_
            if role in ("target", "goods", "petitioner") and code != actor and code not in rules.forum_codes:
                if code not in targets:
                    targets.append(code)
        return [make(actor, source, targets)]

    def _agent_role(self, place: Span, role: str, cue: Span) -> str:
        """"tariffs imposed by the U.S.": an agent right after the measure takes it; one before
        it is just a name in the sentence; one far after it did something else."""
        if role != "agent":
            return role
        if place.end <= cue.start:
            return "neutral"
        return role if place.start - cue.end <= self.rules.agent_distance else "other"

    def _names_home_government(self, window: Span) -> bool:
        """"the government will insure ...", "minister Li Mo said": the article's own country."""
        return any(t.lower_ in self.rules.home_government_words for t in window)

    def _roles(self, doc: Doc, places: list[Span], window: Span) -> list[tuple[Span, str]]:
        """Role of each mention; a mention right after another ("U.S. Trade Representative
        Clayton Yeutter", "Japanese Prime Minister Nakasone") shares that one's role."""
        roles: list[tuple[Span, str]] = []
        for place in places:
            if roles:
                previous, role = roles[-1]
                between = [t for t in doc[previous.end:place.start] if not t.is_space]
                if previous.end <= place.start and len(between) <= 3 and all(
                        t.pos_ == "PROPN" or t.text in ("(", ")", ",") or t.lower_ in self.rules.list_joiners
                        for t in between):
                    roles.append((place, role))
                    continue
            roles.append((place, self._role(doc, place, window)))
        return roles

    def _role(self, doc: Doc, place: Span, window: Span) -> str:
        """agent | target | goods | petitioner | government | other | neutral, from the words around a mention."""
        rules = self.rules
        # "in Punta del Este, Uruguay": a country named after a place shares its role.
        back = place.start - 1
        if back > window.start and doc[back].text == ",":
            back -= 1
            while back > window.start and doc[back].pos_ == "PROPN":
                back -= 1
            if back < place.start - 2 and doc[back].lower_ in rules.location_prepositions:
                return "location"
        before = place.start - 1
        # "by President Reagan": titles between the preposition and the name are skipped too.
        while before >= window.start and (doc[before].is_space or doc[before].lower_ in rules.skip_before
                                          or doc[before].pos_ == "DET" or doc[before].lower_ in rules.title_words):
            before -= 1
        previous = doc[before].lower_ if before >= window.start else ""
        if before >= window.start and self._is_accused(doc, place, before, window):
            return "accused"
        if previous in rules.actor_prepositions:
            verb = before - 1
            while verb >= window.start and (doc[verb].is_space or doc[verb].pos_ == "ADV"):
                verb -= 1
            # "products requested by Washington": the one asking, not the one acting.
            if verb >= window.start and doc[verb].lemma_.lower() in rules.request_verbs:
                return "petitioner"
            return "agent"
        if previous in rules.target_prepositions:
            return "target"
        if previous in rules.location_prepositions and place.id_ in ("name", "short", "capital"):
            return "location"
        following = [t for t in doc[place.end:min(place.end + 8, window.end)] if not t.is_space]
        if following and following[0].lower_ in ("'s", "'"):
            following = following[1:]
        # "Beijing has been threatened with sanctions": the subject of a passive is hit.
        passive = False
        for token in following[:4]:
            if token.lower_ in rules.passive_auxiliaries or token.pos_ == "ADV":
                passive = passive or token.lemma_.lower() == "be"
                continue
            if passive and token.tag_ == "VBN" and token.lower_ not in rules.speech_verbs:
                return "target"
            # "allegations that the Soviet Union is dumping mercury": the one dumping is hit.
            if token.lemma_.lower() in rules.hit_verbs or token.lower_ in rules.hit_verbs:
                return "target"
            break
        if following and following[0].lower_ in rules.speech_verbs:
            return "government"
        # Look at the head of the noun phrase the mention modifies ("Japanese electronic exports").
        for token in following[:3]:
            if token.pos_ not in ("NOUN", "PROPN", "ADJ") and token.lower_ not in rules.goods_nouns:
                break
            lemma, lower = token.lemma_.lower(), token.lower_
            if lemma in rules.government_nouns or lower in rules.government_nouns:
                return "government"
            if lemma in rules.petitioner_nouns or lower in rules.petitioner_nouns:
                return "petitioner"
            if lemma in rules.non_actor_nouns or lower in rules.non_actor_nouns:
                return "other"
            if lemma in rules.goods_nouns or lower in rules.goods_nouns:
                # A body has no goods of its own: "ICO producers" are its members.
                return "neutral" if place.label_ in rules.forum_codes else "goods"
        return "neutral"

    def _is_accused(self, doc: Doc, place: Span, before: int, window: Span) -> bool:
        """"accused Japan of restricting imports": the object of an accusing verb, followed by
        "of"/"with"/"for" (a name or two in between, "the United States (U.S.)", is fine)."""
        verb = doc[before]
        if verb.pos_ != "VERB" or verb.lemma_.lower() not in self.rules.accuse_verbs:
            return False
        after = place.end
        while after < window.end and after - place.end < 4 and (
                doc[after].is_space or doc[after].pos_ == "PROPN" or doc[after].text in ("(", ")")):
            after += 1
        return after < window.end and doc[after].lower_ in self.rules.accuse_links

    def _measure_roles(self, kind: str, roles, cue: Span) -> list[tuple[Span, str]]:
        """Roles as this measure sees them: "South African sanctions" hit South Africa; the
        one accused is hit by a complaint, and otherwise stands for the one acting."""
        rules = self.rules
        doc = cue.doc
        start = cue.start
        while start > 0 and doc[start - 1].is_space:
            start -= 1
        seen = []
        for place, role in roles:
            if (kind in rules.modifier_target_types and place.id_ in rules.modifier_target_kinds
                    and (place.end == start or (place.start >= cue.start and place.end <= cue.end))):
                role = "target"
            elif role == "accused":
                role = "target" if kind in rules.complainant_types else (
                    "accused" if place.end <= cue.start else "neutral")
            seen.append((place, role))
        return seen

    def _cue_actor(self, doc: Doc, cue: Span, window: Span) -> tuple[str, str] | None:
        """"international coffee export quotas": a word just before the cue names a body."""
        for token in doc[max(window.start, cue.start - 3):cue.end]:
            code = self.rules.cue_actor_words.get(token.lower_)
            if code:
                return code, "sentence"
        return None

    def _actor(self, doc, roles, cue, window) -> tuple[str | None, str]:
        rules = self.rules
        for place, role in roles:
            if self._agent_role(place, role, cue) == "agent":
                return place.label_, "agent"
        owner = self._owner_before(doc, roles, cue)
        if owner is not None:
            return owner, "agent"
        if cue.label_ in rules.complainant_types:
            # "a U.S. complaint": the side complaining brings the case.
            for place, role in roles:
                if role == "petitioner" and place.label_ not in rules.forum_codes:
                    return place.label_, "sentence"
        candidates = [(p, r) for p, r in roles if r in ("government", "neutral") and p.id_ in rules.actor_kinds]
        before = [p for p, _ in candidates if p.end <= cue.start]
        if before:
            return self._first_of_list(doc, before).label_, "sentence"
        inside = [p for p, _ in candidates if p.start >= cue.start and p.end <= cue.end]
        if inside:
            return inside[0].label_, "sentence"
        # After the cue only a speaker or an institution acts ("..., the EU warned").
        after = [p for p, r in candidates if p.start >= cue.end and r == "government"]
        if after:
            return after[0].label_, "sentence"
        # "protectionist legislation in the U.S.": a place is the actor only when nothing else is.
        located = [p for p, r in roles if r == "location" and abs(p.start - cue.end) <= 4]
        if located:
            return located[0].label_, "sentence"
        return None, ""

    def _owner_before(self, doc, roles, cue) -> str | None:
        """"a dispute over EC restrictions", "Taiwan's import tariffs": a country named right
        before the measure owns it, whatever preposition stands before the name. (Not for
        sanctions: "South African sanctions" hit South Africa.)"""
        if cue.label_ in self.rules.owner_exempt_types:
            return None
        start = cue.start
        while start > 0 and (doc[start - 1].is_space or doc[start - 1].lower_ in ("'s", "'")):
            start -= 1
        for place, role in roles:
            if place.end == start and place.id_ in self.rules.actor_kinds and place.label_ not in self.rules.forum_codes:
                return place.label_
        return None

    def _first_of_list(self, doc: Doc, before: list[Span]) -> Span:
        """"Washington and Tokyo will settle their dispute": of names joined into one subject,
        the first named leads (the nearest one is only the last of the list)."""
        index = len(before) - 1
        while index > 0:
            between = [t for t in doc[before[index - 1].end:before[index].start] if not t.is_space]
            if not between or not all(t.lower_ in self.rules.list_joiners or t.text == "," for t in between):
                break
            index -= 1
        return before[index]

    def _later_actor(self, roles, cue) -> str | None:
        after = [p for p, r in roles if p.start >= cue.end and r == "neutral" and p.id_ in self.rules.actor_kinds]
        return after[0].label_ if after else None

    def _pair_parties(self, doc, cue, window, places) -> list[str]:
        """"a trade deal between the two countries": the last two jurisdictions named before."""
        words = [t.lower_ for t in window if not t.is_space]
        if not any(tuple(words[i:i + len(p)]) == p for p in self.rules.pair_phrases for i in range(len(words))):
            return []
        codes: list[str] = []
        for place in reversed([p for p in places if p.end <= cue.start]):
            if place.label_ not in codes and place.label_ not in self.rules.forum_codes:
                codes.append(place.label_)
            if len(codes) == 2:
                break
        if len(codes) < 2:
            return []
        first_seen = {code: min(p.start for p in places if p.label_ == code) for code in codes}
        return sorted(codes, key=first_seen.get)

    def _parties(self, roles, cue) -> list[str]:
        """Parties to an agreement, in the order named; a "China-U.S." compound next to the cue
        comes first, and so does an applicant ("China's admission", "admission of China")."""
        roles = [(p, r) for p, r in roles if r != "location"]
        doc = cue.doc
        attached = [p for p, _ in roles if (p.start >= cue.start and p.end <= cue.end and p.label_ not in self.rules.forum_codes)
                    or (p.end + 1 == cue.start and doc[p.end].lower_ in ("'s", "'"))]
        if attached:
            rest = [p for p, _ in roles if p.label_ != attached[0].label_]
            roles = [(attached[0], "neutral")] + [(p, "neutral") for p in rest]
        # "China-U.S. Textile agreement": named right before the cue, nothing but names between.
        near = [p for p, _ in roles
                if (p.end <= cue.start and cue.start - p.end <= 2
                    and all(t.pos_ in ("PROPN", "ADJ", "NOUN") or t.text == "-" for t in doc[p.end:cue.start]))
                or (p.start >= cue.start and p.end <= cue.end)]
        ordered = near if len({p.label_ for p in near}) > 1 else [p for p, _ in roles]
        parties: list[str] = []
        for place in ordered:
            if place.label_ not in parties:
                parties.append(place.label_)
        if ordered is near:
            for place, _ in roles:
                if place.label_ not in parties:
                    parties.append(place.label_)
        return parties

    def _context_actor(self, window_roles, index, has_headline: bool) -> tuple[str, str] | None:
        """The last actor-like jurisdiction of the preceding sentences (not the headline)."""
        rules = self.rules
        for back in range(index - 1, max(0, index - rules.context_sentences) - 1, -1):
            if back == 0 and has_headline:
                break
            found = [p for p, role in window_roles[back]
                     if p.id_ in rules.actor_kinds and role in ("government", "neutral")]
            if found:
                return found[-1].label_, "context"
        return None

    def _status(self, cue, window, article: ArticleWindows) -> tuple[str, bool, bool]:
        rules = self.rules
        allowed = rules.allowed_status.get(cue.label_, frozenset())
        best = None
        talks = False
        for span in article.window_statuses.get(window.start, []):
            if span.start < window.start or span.end > window.end or span.label_ not in allowed:
                continue
            if span.end <= cue.start:
                distance = cue.start - span.end
            elif span.start >= cue.end:
                distance = span.start - cue.end
            else:
                if span.label_ == "negotiating" and cue.label_ in rules.party_types:
                    talks = True
                distance = rules.inside_cue_distance
            if distance > rules.status_window or self._closer_cue(span, cue, distance, article.window_cues.get(window.start, [])):
                continue
            rank = rules.status_priority.index(span.label_) if span.label_ in rules.status_priority else 99
            # The longer of two cues at the same place wins ("would lift" over "lift").
            key = (distance, -(span.end - span.start), rank)
            if best is None or key < best[0]:
                best = (key, span.label_, span.id_ == SCHEDULE_ID)
        if best is None:
            return rules.default_status[cue.label_], False, False
        if talks and best[1] in rules.settled_statuses:
            # "agreed to begin talks on ending subsidies given to ...": the talks are the news.
            return "negotiating", True, False
        return best[1], True, best[2]

    @staticmethod
    def _closer_cue(status: Span, cue: Span, distance: int, cues: list[Span]) -> bool:
        """"cut import tariffs and lift foreign exchange controls": "lift" belongs to the controls."""
        for other in cues:
            if other is cue or other.start == cue.start:
                continue
            if status.start >= other.start and status.end <= other.end:
                return distance > 0 or not (status.start >= cue.start and status.end <= cue.end)
            gap = other.start - status.end if status.end <= other.start else status.start - other.end
            if 0 <= gap < distance:
                return True
        return False

    def _product(self, doc, cue, window, hs_matches: list[HsMatch]) -> tuple[str, list[str]]:
        rules = self.rules
        # Goods named in the cue or within a few tokens of it, nearest first.
        near = [m for m in hs_matches if m.start >= window.start and m.end <= window.end
                and (cue.start - 4 <= m.start < cue.end + rules.product_max_tokens)]
        phrase = self._phrase_after(doc, cue, window)
        if phrase is not None:
            chapters = HsLexicon.chapters_within(hs_matches, phrase.start, phrase.end)
            if chapters or not near:
                return " ".join(phrase.text.split()), chapters
        if near:
            best = min(near, key=lambda m: 0 if cue.start <= m.start < cue.end else min(abs(m.start - cue.end), abs(cue.start - m.end)))
            return best.term, list(best.chapters)
        return "", []

    def _phrase_after(self, doc, cue, window) -> Span | None:
        rules = self.rules
        i = cue.end
        while i < window.end and doc[i].is_space:
            i += 1
        if i >= window.end or doc[i].lower_ not in rules.product_lead_in:
            return None
        i += 1
        while i < window.end and (doc[i].pos_ in ("DET", "NUM", "SPACE") or doc[i].lower_ in rules.product_skip):
            i += 1
        start = i
        while i < window.end and i - start < rules.product_max_tokens:
            token = doc[i]
            # Goods are common nouns: names, dates and amounts end the phrase.
            if (token.lower_ in rules.product_stop or token.ent_type_ in rules.product_stop_entities
                    or not (token.pos_ in ("NOUN", "PROPN", "ADJ", "CCONJ") or token.is_space or token.text == "-")):
                break
            i += 1
        while i > start and (doc[i - 1].pos_ == "CCONJ" or doc[i - 1].is_punct or doc[i - 1].is_space):
            i -= 1
        phrase = doc[start:i]
        if not any(t.pos_ == "NOUN" and t.lemma_.lower() not in rules.product_stop for t in phrase):
            return None
        return phrase

    def _dates(self, article: ArticleWindows, cue, window, status) -> tuple[str | None, str | None]:
        rules = self.rules
        doc = article.doc
        dates = article.window_dates.get(window.start, [])
        announced = effective = None
        if not dates:
            return announced, effective
        for date in dates:
            previous = doc[date.start - 1].lower_ if date.start > window.start else ""
            if previous in rules.effective_markers and effective is None:
                effective = " ".join(date.text.split())
        if effective is None and status in ("in_effect", "lifted"):
            close = [d for d in dates if abs(d.start - cue.end) <= 8 or abs(cue.start - d.end) <= 8]
            if close:
                effective = " ".join(close[0].text.split())
        for date in dates:
            # an announcing verb within four tokens of the date; looked up locally, not per window,
            # so a long sentence with many cues stays linear
            near = range(max(window.start, date.start - 4), min(window.end, date.start + 5))
            if " ".join(date.text.split()) != effective and any(
                    doc[i].lemma_.lower() in rules.announced_verbs for i in near):
                announced = " ".join(date.text.split())
                break
        return announced, effective

    def _salient_jurisdiction(self, window_roles, has_headline: bool) -> str | None:
        """The country the article is about: most often named as one acting (not hit, not
        goods), headline counted twice; bodies excluded."""
        counts: Counter[str] = Counter()
        for index, roles in enumerate(window_roles):
            for place, role in roles:
                if place.label_ not in self.rules.forum_codes and role in ("government", "neutral", "agent"):
                    counts[place.label_] += 2 if has_headline and index == 0 else 1
        if not counts:
            return None
        ranked = counts.most_common(2) + [("", 0)]
        return ranked[0][0] if ranked[0][1] > ranked[1][1] else None

    # --- merging ------------------------------------------------------------------------
    def _distinct_agreements(self, first: list[Mention], second: list[Mention]) -> bool:
        """Two parties may have a pact in force and be in new talks at once: groups whose
        own sentences state such different stages are two measures, not one."""
        stages = self.rules.agreement_stages
        first_stages = {stages[m.status] for m in first if m.status_explicit and m.status in stages}
        second_stages = {stages[m.status] for m in second if m.status_explicit and m.status in stages}
        return bool(first_stages and second_stages) and not (first_stages & second_stages)

    def _merge(self, mentions: list[Mention]) -> list[dict]:
        rules = self.rules
        groups: dict[tuple[str, str], list[Mention]] = {}
        for mention in mentions:
            groups.setdefault((mention.type, mention.actor), []).append(mention)
        # Agreements are symmetric: "Japan/U.S. talks" and "U.S. talks with Japan" are one.
        agreement_keys = sorted((k for k in groups if k[0] in rules.party_types),
                                key=lambda k: min(m.cue.start for m in groups[k]))
        for index, key in enumerate(agreement_keys):
            if key not in groups:
                continue
            parties = {key[1]} | {t for m in groups[key] for t in m.targets}
            for other in agreement_keys[index + 1:]:
                if other in groups and other[0] == key[0]:
                    other_parties = {other[1]} | {t for m in groups[other] for t in m.targets}
                    if other[1] in parties and not self._distinct_agreements(groups[key], groups[other]):
                        groups[key].extend(groups.pop(other))
        for (kind, actor), group in list(groups.items()):
            into = rules.absorb.get(kind)
            if into and (into, actor) in groups:
                groups[(into, actor)].extend(group)
                del groups[(kind, actor)]
        events = []
        for (kind, actor), group in groups.items():
            group.sort(key=lambda m: m.cue.start)
            lead = max(group, key=lambda m: (m.type == kind and m.actor == actor, m.confidence))
            explicit = [m for m in group if m.status_explicit]
            status_from = lead if lead.status_explicit else (explicit[0] if explicit else lead)
            status = status_from.status
            # "The sanctions take effect in mid-April": a later word on when the measure starts
            # says it is not in force yet, whatever the first report's verb suggested.
            scheduled = next((m for m in group if m.scheduled and m.status in rules.allowed_status.get(kind, ())), None)
            if scheduled is not None and status == "in_effect":
                status = scheduled.status
            if status not in rules.allowed_status.get(kind, {status}):
                status = rules.default_status[kind]
            targets = lead.targets or next((m.targets for m in group if m.targets), [])
            product_from = lead if lead.product else next((m for m in group if m.product), lead)
            confidence = lead.confidence + (rules.confidence["repeated"] if len(group) > 1 else 0.0)
            sentence = lead.sentence
            events.append({
                "type": kind,
                "actor": actor,
                "targets": list(targets),
                "status": status,
                "product": product_from.product,
                "evidence": sentence.text.strip(),
                "start": sentence.start_char + (len(sentence.text) - len(sentence.text.lstrip())),
                "end": sentence.end_char - (len(sentence.text) - len(sentence.text.rstrip())),
                "hs_chapters": list(product_from.hs_chapters),
                "announced": next((m.announced for m in group if m.announced), None),
                "effective": next((m.effective for m in group if m.effective), None),
                "confidence": round(min(confidence, 0.99), 3),
            })
        events.sort(key=lambda e: e["start"])
        return events


HEADLINE_MAX_TOKENS = 40
# A blank line after one of these (or before a capital) ends a paragraph; "beef\n\nand" is a glitch.
_SENTENCE_END = frozenset(".!?:\"'”’)")


def _measure_name(cue: Span) -> str | None:
    """The name of a measure called by its name ("MFA", "the Multi-Fibre Arrangement"),
    lower-cased; None for a common-noun cue ("tariffs")."""
    if not any(t.pos_ == "PROPN" or (t.is_upper and len(t) > 1) for t in cue):
        return None
    return " ".join(cue.text.lower().split())


def _group_by_window(spans: list[Span], windows: list[Span]) -> list[list[Span]]:
    """Spans lying inside each window, in one pass over both sorted lists."""
    groups: list[list[Span]] = [[] for _ in windows]
    ordered = sorted(spans, key=lambda s: s.start)
    index = 0
    for number, window in enumerate(windows):
        while index < len(ordered) and ordered[index].start < window.start:
            index += 1
        scan = index
        while scan < len(ordered) and ordered[scan].start < window.end:
            if ordered[scan].end <= window.end:
                groups[number].append(ordered[scan])
            scan += 1
        index = scan
    return groups


def _around(window: Span, cues: list[Span]) -> Span:
    """The part of a window its cues can reach: all of a real sentence, but only up to a piece
    past the last kept cue of a "sentence" longer than any real one (word soup, a data dump)."""
    if len(window) <= PIECE_TOKENS + PIECE_OVERLAP:
        return window
    return window.doc[window.start:min(window.end, max(c.end for c in cues) + PIECE_TOKENS)]


def _sentence_windows(doc: Doc) -> tuple[list[Span], bool]:
    """Sentences, also cut at the blank line after the headline so it never runs into the body;
    and whether the text has a headline (the first window) at all."""
    boundary = next((t.i for t in doc[:HEADLINE_MAX_TOKENS] if t.is_space and "\n\n" in t.text), None)
    # A headline has no closing full stop; a first paragraph does.
    if boundary is not None and doc[:boundary].text.rstrip()[-1:] in (".", "!", "?", '"'):
        boundary = None
    # A sentence never runs over a paragraph break (the tagger's sentences sometimes do).
    # (space tokens found from flags read in one C pass, not by visiting every token)
    spaces = numpy.flatnonzero(doc.to_array([IS_SPACE])).tolist() if len(doc) else []
    breaks = [i for i in spaces if 0 < i < len(doc) - 1 and "\n\n" in doc[i].text
              and (doc[i - 1].text[-1] in _SENTENCE_END or doc[i + 1].text[:1].isupper())]
    if boundary is not None and boundary not in breaks:
        breaks = sorted(breaks + [boundary])
    windows = []
    index = 0
    for sent in doc.sents:
        start = sent.start
        while index < len(breaks) and breaks[index] < sent.start:
            index += 1
        while index < len(breaks) and breaks[index] < sent.end:
            if breaks[index] > start:
                windows.append(doc[start:breaks[index]])
            start = breaks[index] + 1
            index += 1
        if start < sent.end:
            windows.append(doc[start:sent.end])
    return windows, boundary is not None


@Language.factory(
    "trade_events",
    default_config={
        "rules": "event_rules.toml",
        "cue_patterns": "events.jsonl",
        "status_patterns": "events_status.jsonl",
        "jurisdiction_key": JURISDICTION_KEY,
        "threshold": None,
        # a bound on work, not a rule of language: no real sentence names this many measures
        "max_cues_per_sentence": 24,
    },
)
def make_trade_events(nlp: Language, name: str, rules: str, cue_patterns: str, status_patterns: str,
                      jurisdiction_key: str, threshold: float | None, max_cues_per_sentence: int | None):
    loaded = EventRules.from_toml(data_path(rules))
    lexicon = HsLexicon(nlp, product_terms())
    if threshold is None:
        threshold = loaded.confidence["threshold"]
    return TradeEvents(nlp, loaded, lexicon, read_patterns(data_path(cue_patterns)),
                       read_patterns(data_path(status_patterns)), jurisdiction_key, float(threshold),
                       max_cues_per_sentence)


def add_to_pipeline(nlp: Language) -> None:
    """Add this module's pipes to `nlp` (called by extract.nlp.load_pipeline)."""
    if "trade_jurisdictions" not in nlp.pipe_names:
        nlp.add_pipe("trade_jurisdictions", last=True)
    nlp.add_pipe("trade_events", last=True)
