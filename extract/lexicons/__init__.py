"""Lexicons shared by the components: jurisdictions (`trade_jurisdictions`, from core.countries)
and the phrase-matching helpers that tolerate wire text's line breaks."""
