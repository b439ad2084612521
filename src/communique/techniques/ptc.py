"""Reading the PTC corpus (SemEval-2020 Task 11 format) and its fixed train/held-out split.

The corpus itself is never part of this project; pass its folder (``../shared/data/ptc``).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import E_CONFIG, ConfigError

#: the held-out share of articles and the seed of the split (fixed: results must be comparable)
HOLDOUT_FRACTION = 0.10
SPLIT_SEED = 13

_ARTICLE = re.compile(r"article(\d+)\.txt$")


@dataclass(frozen=True, slots=True)
class GoldSpan:
    article: str
    label: str  # PTC label
    start: int
    end: int


def read_articles(folder: str | Path) -> dict[str, str]:
    """{article id: text exactly as in the file} for every ``articleNNN.txt`` in ``folder``.

    Files are read as UTF-8 with newline translation off, so offsets match the files.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(E_CONFIG, f"{folder} is not a folder of articleNNN.txt files")
    out: dict[str, str] = {}
    for p in sorted(folder.iterdir()):
        m = _ARTICLE.search(p.name)
        if m:
            with p.open(encoding="utf-8", newline="") as fh:
                out[m.group(1)] = fh.read()
    return out


def read_labels(path: str | Path) -> list[GoldSpan]:
    """``id<TAB>label<TAB>start<TAB>end`` lines (technique-classification format)."""
    spans: list[GoldSpan] = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 4:
            raise ConfigError(E_CONFIG, f"{path}:{n}: expected 4 tab-separated fields, got {len(parts)}")
        art, label, start, end = parts
        spans.append(GoldSpan(art, label, int(start), int(end)))
    return spans


@dataclass(frozen=True, slots=True)
class PTC:
    articles: dict[str, str]
    spans: list[GoldSpan]

    @classmethod
    def load(cls, folder: str | Path) -> PTC:
        """``folder`` holds ``train-articles/`` and ``train-task-flc-tc.labels``."""
        folder = Path(folder)
        arts = folder / "train-articles"
        labels = folder / "train-task-flc-tc.labels"
        if not arts.is_dir() or not labels.is_file():
            raise ConfigError(
                E_CONFIG, f"{folder} must hold train-articles/ and train-task-flc-tc.labels (the PTC training split)"
            )
        return cls(read_articles(arts), read_labels(labels))

    def split(self) -> tuple[list[str], list[str]]:
        """(train ids, held-out ids): 10% of articles, fixed seed."""
        ids = sorted(self.articles)
        rng = random.Random(SPLIT_SEED)
        held = set(rng.sample(ids, max(1, round(len(ids) * HOLDOUT_FRACTION))))
        return [i for i in ids if i not in held], [i for i in ids if i in held]

    def spans_of(self, ids: list[str] | set[str]) -> list[GoldSpan]:
        keep = set(ids)
        return [s for s in self.spans if s.article in keep]
