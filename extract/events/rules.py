"""The knobs of trade_events, read from `data/event_rules.toml`."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from core.vocabulary import EVENT_TYPES, STATUSES

DATA_DIR = Path(__file__).resolve().parent / "data"


def data_path(relative: str) -> Path:
    """Config paths are relative to extract/events/data unless absolute."""
    path = Path(relative)
    return path if path.is_absolute() else DATA_DIR / path


@dataclass(frozen=True)
class EventRules:
    status_window: int
    inside_cue_distance: int
    status_priority: tuple[str, ...]
    settled_statuses: frozenset[str]
    default_status: dict[str, str]
    allowed_status: dict[str, frozenset[str]]
    target_prepositions: frozenset[str]
    actor_prepositions: frozenset[str]
    agent_distance: int
    negators: frozenset[str]
    negation_skip: frozenset[str]
    negation_verbs: frozenset[str]
    request_verbs: frozenset[str]
    anaphora_determiners: frozenset[str]
    location_prepositions: frozenset[str]
    home_government_words: frozenset[str]
    skip_before: frozenset[str]
    title_words: frozenset[str]
    complainant_types: frozenset[str]
    passive_auxiliaries: frozenset[str]
    speech_verbs: frozenset[str]
    hit_verbs: frozenset[str]
    list_joiners: frozenset[str]
    owner_exempt_types: frozenset[str]
    accuse_verbs: frozenset[str]
    accuse_links: frozenset[str]
    modifier_target_types: frozenset[str]
    modifier_target_kinds: frozenset[str]
    cue_actor_words: dict[str, str]
    pair_phrases: tuple[tuple[str, ...], ...]
    type_priority: tuple[str, ...]
    agenda_types: frozenset[str]
    goods_nouns: frozenset[str]
    government_nouns: frozenset[str]
    petitioner_nouns: frozenset[str]
    non_actor_nouns: frozenset[str]
    actor_kinds: frozenset[str]
    party_types: frozenset[str]
    forum_codes: frozenset[str]
    context_sentences: int
    absorb: dict[str, str]
    agreement_stages: dict[str, str]
    sentence_absorb: dict[str, str]
    confidence: dict[str, float]
    product_lead_in: frozenset[str]
    product_max_tokens: int
    product_stop: frozenset[str]
    product_skip: frozenset[str]
    product_stop_entities: frozenset[str]
    effective_markers: frozenset[str]
    announced_verbs: frozenset[str]

    @classmethod
    def from_toml(cls, path: Path) -> "EventRules":
        with open(path, "rb") as handle:
            raw = tomllib.load(handle)
        status, roles, product, dates = raw["status"], raw["roles"], raw["product"], raw["dates"]
        for name, value in status["default"].items():
            if name not in EVENT_TYPES or value not in STATUSES:
                raise ValueError(f"{path}: unknown type or status in [status.default]: {name} = {value}")
        lower = lambda values: frozenset(v.lower() for v in values)  # noqa: E731
        return cls(
            status_window=int(status["window"]),
            inside_cue_distance=int(status["inside_cue_distance"]),
            status_priority=tuple(status["priority"]),
            settled_statuses=frozenset(status.get("settled", [])),
            default_status=dict(status["default"]),
            allowed_status={k: frozenset(v) for k, v in status["allowed"].items()},
            target_prepositions=lower(roles["target_prepositions"]),
            actor_prepositions=lower(roles["actor_prepositions"]),
            agent_distance=int(roles.get("agent_distance", 6)),
            negators=lower(raw["sentence"].get("negators", [])),
            negation_skip=lower(raw["sentence"].get("negation_skip", [])),
            negation_verbs=lower(raw["sentence"].get("negation_verbs", [])),
            request_verbs=lower(roles.get("request_verbs", [])),
            anaphora_determiners=lower(roles.get("anaphora_determiners", [])),
            location_prepositions=lower(roles.get("location_prepositions", [])),
            home_government_words=lower(roles.get("home_government_words", [])),
            skip_before=lower(roles["skip_before"]),
            title_words=lower(roles.get("title_words", [])),
            complainant_types=frozenset(roles.get("complainant_types", [])),
            passive_auxiliaries=lower(roles["passive_auxiliaries"]),
            speech_verbs=lower(roles["speech_verbs"]),
            hit_verbs=lower(roles.get("hit_verbs", [])),
            list_joiners=lower(roles.get("list_joiners", [])),
            owner_exempt_types=frozenset(roles.get("owner_exempt_types", [])),
            accuse_verbs=lower(roles.get("accuse_verbs", [])),
            accuse_links=lower(roles.get("accuse_links", [])),
            modifier_target_types=frozenset(roles.get("modifier_target_types", [])),
            modifier_target_kinds=frozenset(roles.get("modifier_target_kinds", [])),
            cue_actor_words={k.lower(): v for k, v in roles["cue_actor_words"].items()},
            pair_phrases=tuple(tuple(w.lower() for w in p) for p in roles["pair_phrases"]),
            type_priority=tuple(raw["sentence"]["type_priority"]),
            agenda_types=frozenset(raw["sentence"]["agenda_types"]),
            goods_nouns=lower(roles["goods_nouns"]),
            government_nouns=lower(roles["government_nouns"]),
            petitioner_nouns=lower(roles.get("petitioner_nouns", [])),
            non_actor_nouns=lower(roles.get("non_actor_nouns", [])),
            actor_kinds=frozenset(roles["actor_kinds"]),
            party_types=frozenset(roles["party_types"]),
            forum_codes=frozenset(roles.get("forum_codes", [])),
            context_sentences=int(roles.get("context_sentences", 2)),
            absorb=dict(raw["merge"]["absorb"]),
            agreement_stages=dict(raw["merge"].get("agreement_stages", {})),
            sentence_absorb=dict(raw["sentence"].get("sentence_absorb", {})),
            confidence={k: float(v) for k, v in raw["confidence"].items()},
            product_lead_in=lower(product["lead_in"]),
            product_max_tokens=int(product["max_tokens"]),
            product_stop=lower(product["stop"]),
            product_skip=lower(product.get("skip", [])),
            product_stop_entities=frozenset(product.get("stop_entities", [])),
            effective_markers=lower(dates["effective_markers"]),
            announced_verbs=lower(dates["announced_verbs"]),
        )
