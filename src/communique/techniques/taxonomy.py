"""The persuasion-technique taxonomy: SemEval-2023 Task 3 (23 techniques, 6 categories) and
its mapping to and from the 14 labels of SemEval-2020 Task 11 / PTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: category → techniques (SemEval-2023 Task 3 names)
CATEGORIES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "Attack on reputation": (
            "Name_Calling-Labeling",
            "Guilt_by_Association",
            "Doubt",
            "Appeal_to_Hypocrisy",
            "Questioning_the_Reputation",
        ),
        "Justification": (
            "Flag_Waving",
            "Appeal_to_Authority",
            "Appeal_to_Popularity",
            "Appeal_to_Values",
            "Appeal_to_Fear-Prejudice",
        ),
        "Simplification": (
            "Causal_Oversimplification",
            "False_Dilemma-No_Choice",
            "Consequential_Oversimplification",
        ),
        "Distraction": ("Straw_Man", "Red_Herring", "Whataboutism"),
        "Call": ("Slogans", "Conversation_Killer", "Appeal_to_Time"),
        "Manipulative wording": (
            "Loaded_Language",
            "Obfuscation-Vagueness-Confusion",
            "Exaggeration-Minimisation",
            "Repetition",
        ),
    }
)
TECHNIQUES: tuple[str, ...] = tuple(t for ts in CATEGORIES.values() for t in ts)
CATEGORY_OF: Mapping[str, str] = MappingProxyType({t: c for c, ts in CATEGORIES.items() for t in ts})

#: the 14 PTC labels (SemEval-2020 Task 11), spelled exactly as in the corpus files
PTC_LABELS: tuple[str, ...] = (
    "Loaded_Language",
    "Name_Calling,Labeling",
    "Repetition",
    "Doubt",
    "Exaggeration,Minimisation",
    "Appeal_to_fear-prejudice",
    "Flag-Waving",
    "Causal_Oversimplification",
    "Slogans",
    "Appeal_to_Authority",
    "Black-and-White_Fallacy",
    "Thought-terminating_Cliches",
    "Whataboutism,Straw_Men,Red_Herring",
    "Bandwagon,Reductio_ad_hitlerum",
)

#: PTC label → the SemEval-2023 technique(s) it covers. The first is the default reading;
#: merged PTC labels split by evidence (a rule or model that tells them apart) where possible.
PTC_TO_2023: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "Loaded_Language": ("Loaded_Language",),
        "Name_Calling,Labeling": ("Name_Calling-Labeling",),
        "Repetition": ("Repetition",),
        "Doubt": ("Doubt",),
        "Exaggeration,Minimisation": ("Exaggeration-Minimisation",),
        "Appeal_to_fear-prejudice": ("Appeal_to_Fear-Prejudice",),
        "Flag-Waving": ("Flag_Waving",),
        "Causal_Oversimplification": ("Causal_Oversimplification",),
        "Slogans": ("Slogans",),
        "Appeal_to_Authority": ("Appeal_to_Authority",),
        "Black-and-White_Fallacy": ("False_Dilemma-No_Choice",),
        "Thought-terminating_Cliches": ("Conversation_Killer",),
        "Whataboutism,Straw_Men,Red_Herring": ("Whataboutism", "Straw_Man", "Red_Herring"),
        "Bandwagon,Reductio_ad_hitlerum": ("Appeal_to_Popularity", "Guilt_by_Association"),
    }
)

#: SemEval-2023 technique → PTC label (None: the 2020 scheme has no such label)
TO_PTC: Mapping[str, str | None] = MappingProxyType(
    {
        **{t: None for t in TECHNIQUES},
        **{t: ptc for ptc, ts in PTC_TO_2023.items() for t in ts},
    }
)


def category(technique: str) -> str:
    """The SemEval-2023 category of a technique (KeyError for an unknown name)."""
    return CATEGORY_OF[technique]


def to_ptc(technique: str) -> str | None:
    return TO_PTC[technique]


def from_ptc(label: str) -> str:
    """The default SemEval-2023 technique for a PTC label."""
    return PTC_TO_2023[label][0]
