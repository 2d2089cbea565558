"""Lower-case lemmas for matching, robust to headline capitalisation.

The statistical tagger calls most capitalised headline words proper nouns ("Russia Invades Ukraine",
"EU Sanctions Banks"), and the rule lemmatizer leaves a proper noun as written. So a PROPN token, and
an adjective that looks like a participle ("sanctioned oligarchs", "occupied territory"), is given the
lemma the same lemmatizer gives its lower-case form read as a verb (its rules also strip noun
plurals): "Invades" → invade, "Sanctions" → sanction, "sanctioned" → sanction. Other tokens keep
their lemma, lower-cased.

The re-lemmatisation uses the pipeline's own rule lemmatizer (``register_pipeline``), cached per word;
without a rule lemmatizer the lemma is the lower-case lemma or text. Token extension getters are
process-wide, so the last registered pipeline's rules apply: all English pipelines share them.
"""

from __future__ import annotations

from functools import lru_cache

from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc, Token
from spacy.vocab import Vocab

__all__ = ["lemma_lower", "register_pipeline"]

_PARTICIPLE = ("ed", "ing")


class _VerbLemmas:
    def __init__(self, vocab: Vocab, lemmatizer: Lemmatizer) -> None:
        self.vocab = vocab
        self.lemmatizer = lemmatizer
        self.lookup = lru_cache(maxsize=50_000)(self._lemmatize)

    def _lemmatize(self, word: str) -> str:
        doc = Doc(self.vocab, words=[word])
        doc[0].pos_ = "VERB"
        candidates = self.lemmatizer.rule_lemmatize(doc[0])
        return candidates[0].lower() if candidates else word


_verbs: _VerbLemmas | None = None


def register_pipeline(nlp: Language) -> None:
    """Use ``nlp``'s rule lemmatizer for re-lemmatising proper nouns and participles."""
    global _verbs
    if "lemmatizer" in nlp.pipe_names:
        lemmatizer = nlp.get_pipe("lemmatizer")
        if isinstance(lemmatizer, Lemmatizer) and lemmatizer.mode == "rule":
            if _verbs is None or _verbs.lemmatizer is not lemmatizer:
                _verbs = _VerbLemmas(nlp.vocab, lemmatizer)


def lemma_lower(token: Token) -> str:
    """The token's lemma in lower case (see the module docs); the text when there is no lemma."""
    lemma = (token.lemma_ or token.text).lower()
    if _verbs is None:
        return lemma
    pos = token.pos_
    if (pos == "PROPN" and not token.is_lower) or (pos == "ADJ" and token.lower_.endswith(_PARTICIPLE)):
        return _verbs.lookup(token.lower_)
    return lemma
