"""Companies: business enterprises named in the text (`company_ruler` + `trade_companies`).

    NAMING     how two company names compare (legal suffixes, spelling variants): the store files
               company rows with it (`KnowledgeBase.use_company_naming(NAMING)`)
    name_key   the comparison key of one name ("Toyota Motor Corp" → "toyota motor")

Modules: component (factories), evidence and grouping (candidates and their votes), knowledge
(data/: suffixes, cues, known organisations), names (the resolver across articles).
"""
from extract.companies import evidence, grouping, knowledge  # noqa: F401
from extract.companies.component import RULER_NAME, add_to_pipeline
from extract.companies.names import NAMING, name_key

__all__ = ["NAMING", "RULER_NAME", "add_to_pipeline", "name_key"]
