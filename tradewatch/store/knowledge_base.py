"""Placeholder: implemented by the store work (see tradewatch/store/__init__.py for the API)."""


class KnowledgeBase:  # pragma: no cover - replaced
    def __init__(self, path, **kwargs):
        raise NotImplementedError("knowledge base not built yet")
