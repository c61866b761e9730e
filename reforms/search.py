"""The catalogue's name search as citizens type: short forms, characters in order with gaps, and
(on PostgreSQL) trigram similarity; exact and leading matches of the name first.

A citizen types "老人优待证" for 老年人优待证办理, "准生证" for 生育服务证, "施工许可" for
建筑工程施工许可证核发. Each whitespace-separated word must match the name, in one of three ways:

* its characters appear in the name in order, gaps allowed (老人优待证 → 老年人优待证办理), which
  also covers a plain substring;
* a common short form in it, replaced by the catalogue's word, does (准生证 → 生育服务证);
* on PostgreSQL, the name is trigram-similar to it (pg_trgm ``%``: a mistyped character).

Each way is answered by an index on PostgreSQL (the characters' GIN index of migration 0008,
the trigram GIN index of migration 0002), so the search stays one count and one page query,
fast at 100,000 items; SQLite reads the table with the same results. The results are ranked in the same query: the name equal to what was typed (short forms spelled
out), then names that begin with it, then with its first word, then names holding every word
as typed, then the rest; within a rank the shorter name, then the code.
"""

from django.db import connections
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Length
from django.db.models.lookups import Lookup

# Short forms citizens type → the words the catalogue uses (the 政务服务事项 names). Only forms
# whose characters are not already in the catalogue's word in order (社保卡 is in 社会保障卡,
# 老人证 in 老年人优待证): those match anyway.
SHORT_FORMS = {
    "准生证": "生育服务证",
    "驾照": "驾驶证",
    "驾驶执照": "驾驶证",
    "户口": "户籍",
    "结婚证": "结婚登记",
    "离婚证": "离婚登记",
    "房产证": "不动产权证",
    "房本": "不动产权证",
    "五保": "特困人员",
    "退休金": "养老金",
    "医保卡": "社会保障卡",
    "营业证": "营业执照",
}
# A word this long may be a mistyped name (老年人优侍证); a shorter one has too few trigrams
# for a typo in it to leave a likeness.
SIMILAR_FROM = 4
# A longer word is matched as typed (a substring): a pattern of one wildcard per character is
# for what people type into a search box, not for a pasted paragraph.
LONGEST_IN_ORDER = 20


def _like(lhs: str, pattern: str, connection) -> str:
    """SQL for ``lhs`` matching the LIKE ``pattern`` (one %s), whatever the letter case.

    UPPER() of a multibyte name costs more than the LIKE itself (a third of a search's time
    on PostgreSQL): a pattern with no letter that has a case (Chinese, digits) is matched as is.
    """
    if connection.vendor != "postgresql":
        return f"UPPER({lhs}) LIKE UPPER(%s) ESCAPE '\\'"  # SQLite
    if pattern.upper() == pattern.lower():
        return f"{lhs}::text LIKE %s"
    return f"UPPER({lhs}::text) LIKE UPPER(%s)"


class Like(Lookup):
    """The name matches a LIKE pattern whose wildcards are kept (``icontains`` escapes them)."""

    lookup_name = "caseless_like"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return _like(lhs, self.rhs, connection), [*lhs_params, self.rhs]


class InOrder(Lookup):
    """The name holds the word's characters in order, gaps allowed: ``name LIKE '%老%人%'``.

    Such a pattern has no three characters together, so the trigram index cannot narrow it. On
    PostgreSQL the name's characters are also asked to include the word's, which the GIN index
    on ``string_to_array(UPPER(name), NULL)`` (migration 0008) answers from the posting lists of
    those few characters; the LIKE then checks their order in the rows found.
    """

    lookup_name = "in_order"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        pattern = in_order(self.rhs)
        like = _like(lhs, pattern, connection)
        if connection.vendor != "postgresql":
            return like, [*lhs_params, pattern]
        characters = sorted(set(self.rhs.upper()))
        return (
            f"(string_to_array(UPPER({lhs}::text), NULL) @> %s::text[] AND {like})",
            [*lhs_params, characters, *lhs_params, pattern],
        )


class TrigramSimilar(Lookup):
    """``UPPER(lhs) % UPPER(word)`` (pg_trgm: similarity at least ``pg_trgm.similarity_threshold``,
    0.3 unless set), served by the trigram index of migration 0002."""

    lookup_name = "upper_trigram_similar"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"UPPER({lhs}::text) %% UPPER({rhs})", [*lhs_params, *rhs_params]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def in_order(word: str) -> str:
    """The LIKE pattern of ``word``'s characters in order, gaps allowed: 老人 → %老%人%."""
    if len(word) > LONGEST_IN_ORDER:
        return f"%{_escape(word)}%"
    return "%" + "%".join(_escape(character) for character in word) + "%"


def variants(word: str) -> list[str]:
    """The word as typed, and with each short form in it spelled as the catalogue does."""
    found = [word]
    for short, full in SHORT_FORMS.items():
        if short in word:
            found.append(word.replace(short, full))
    return list(dict.fromkeys(found))


def words_of(text: str | None) -> list[str]:
    return (text or "").split()


def _postgresql(queryset) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def matching(queryset, text: str | None):
    """``queryset`` narrowed to names every word of ``text`` matches (see the module docstring)."""
    postgresql = _postgresql(queryset)
    for word in words_of(text):
        condition = Q()
        for variant in variants(word):
            condition |= Q(InOrder(F("name"), variant))
        if postgresql and len(word) >= SIMILAR_FROM:
            condition |= Q(TrigramSimilar(F("name"), word))
        queryset = queryset.filter(condition)
    return queryset


def _any_variant(pattern_of, word: str) -> Q:
    """The name matches ``pattern_of(escaped)`` for the word or one of its variants."""
    condition = Q()
    for variant in variants(word):
        condition |= Q(Like(F("name"), pattern_of(_escape(variant))))
    return condition


def ranked(queryset, text: str | None):
    """``queryset`` (already matched) in order of how well the name matches ``text``."""
    words = words_of(text)
    if not words:
        return queryset.order_by("code")
    # Chinese names have no spaces: "老年人 优待证" is the name 老年人优待证 typed in two words.
    typed = "".join(words)
    ranks = [
        When(_any_variant(lambda escaped: escaped, typed), then=Value(0)),
        When(_any_variant(lambda escaped: f"{escaped}%", typed), then=Value(1)),
    ]
    if len(words) > 1:  # with one word, the same as the rank above
        ranks.append(When(_any_variant(lambda escaped: f"{escaped}%", words[0]), then=Value(2)))
    holds_every_word = Q()
    for word in words:
        holds_every_word &= _any_variant(lambda escaped: f"%{escaped}%", word)
    ranks.append(When(holds_every_word, then=Value(3)))
    queryset = queryset.annotate(match_rank=Case(*ranks, default=Value(4), output_field=IntegerField()))
    # Within a rank the shorter name is the closer one (the words are a larger part of it).
    # Trigram similarity would order the same Chinese names much alike, and computing it for
    # every match (7,000 for 优待证 among 100,000 items) cost the page 150 ms. Ranking reads
    # every match (no early stop on the code index as a plain listing has): 5,000 matches of a
    # common word cost the page query some 20 ms on PostgreSQL.
    return queryset.order_by("match_rank", Length("name"), "code")
