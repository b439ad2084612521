"""The search query language: translation to FTS5 and clear errors for malformed input."""

from __future__ import annotations

import pytest

from communique.errors import E_QUERY, QueryError
from communique.storage.query import to_fts5


@pytest.mark.parametrize(
    ("query", "fts5"),
    [
        ("caliphate", '"caliphate"'),
        # plain words: all must match
        ("jihad caliphate", '("jihad" AND "caliphate")'),
        ("jihad AND caliphate", '("jihad" AND "caliphate")'),
        ('"red flag"', '"red flag"'),
        ("martyr OR shahid", '("martyr" OR "shahid")'),
        ("army -police", '("army" NOT "police")'),
        ("army NOT police", '("army" NOT "police")'),
        ("mujahid*", '"mujahid" *'),
        ('"red fla"*', '"red fla" *'),
        ("(army OR police) attack", '(("army" OR "police") AND "attack")'),
        ('x -"a b"', '("x" NOT "a b")'),
        # punctuation inside a word is tokenized, never FTS5 syntax
        ("al-Qaeda", '"al-Qaeda"'),
        ("title:banner", '"title:banner"'),
        # lower-case operators are words, as in FTS5
        ("or and not", '("or" AND "and" AND "not")'),
        # Arabic folded like the index
        ("يَنْصُرْكُمُ", '"ينصركم"'),
        # punctuation-only terms are dropped
        ("banner !!!", '"banner"'),
    ],
)
def test_to_fts5(query: str, fts5: str) -> None:
    assert to_fts5(query) == fts5


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"unbalanced', "unbalanced quote"),
        ("AND", "'AND' needs a search term before it"),
        ("foo OR", "'OR' at the end of the query needs a search term after it"),
        ("OR foo", "'OR' needs a search term before it"),
        ("a OR OR b", "'OR' needs a search term after it"),
        ("a AND OR b", "'AND' needs a search term after it"),
        ("NOT", "'NOT' at the end"),
        ("-foo", "only excludes"),
        ("a OR -b", "only excludes"),
        ("NOT -a b", "double negation"),
        ("(a", "'(' is never closed"),
        ("a)", "')' without a matching '('"),
        ("()", "empty parentheses"),
        ('""', "empty phrase"),
        ("*", "misplaced '*'"),
        ("foo*bar", "misplaced '*'"),
        ("", "empty query"),
        ("   ", "empty query"),
        ("!!! ???", "nothing searchable"),
    ],
)
def test_malformed_queries(query: str, message: str) -> None:
    with pytest.raises(QueryError) as e:
        to_fts5(query)
    assert e.value.code == E_QUERY
    assert message in e.value.message
