"""The bottom layer: what every stage shares, importing no stage.

    core.config      the TOML configuration, typed, with documented defaults
    core.urls        URL identity: canonical_url (the only one), link_canonical
    core.ids         stable ids: stable_id, article_id
    core.countries   the one country lookup (names, aliases, demonyms, short forms → codes)
    core.hs          the one HS chapter table (chapters, descriptions, product terms)
    core.vocabulary  the registries: event types, statuses, source kinds, tiers
    core.store       the SQLite knowledge base (sqlite-utils)

Layers (imports point down only; `lint-imports` checks it): tradewatch (app) → crawler →
extract → core.
"""
