"""Companies: business enterprises named in the text (`company_ruler` + `trade_companies`).

    NAMING     how two company names compare (legal suffixes, spelling variants): the store files
               company rows with it (`KnowledgeBase.use_company_naming(NAMING)`)
    name_key   the comparison key of one name ("Toyota Motor Corp" → "toyota motor")

Modules: component (factories), evidence, name_evidence, context_evidence and grouping (candidates
and their votes), knowledge (data/: suffixes, cues, known organisations), names (the resolver
across articles).
"""
from extract.companies.names import NAMING, name_key

# Only the naming rules here: the store and alerts need them, and importing the spaCy components
# (extract.companies.component) would cost every command-line start seconds.
__all__ = ["NAMING", "name_key"]
