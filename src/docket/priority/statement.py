"""A plain-language statement, in English or Spanish, of what facts counted in a case's
prioritisation recommendation and how, for the person concerned (the record-access export
includes it). It names the policy, says that the result is a recommendation that a person
decides on, lists each fact that counted with its date and document, and says how to ask for a
correction."""

from __future__ import annotations

from collections.abc import Mapping

from docket.cases.model import FactKind
from docket.errors import InvalidInput
from docket.priority.scoring import Explanation

LANGUAGES = ("en", "es")

_FACT_NAMES: Mapping[str, Mapping[FactKind, str]] = {
    "en": {
        FactKind.CONVICTION: "a criminal conviction",
        FactKind.NATIONAL_SECURITY_FINDING: "a documented national-security finding",
        FactKind.ENTRY: "your entry to the United States",
        FactKind.APPREHENSION: "where you were apprehended",
        FactKind.FINAL_ORDER: "a final order of removal",
        FactKind.CAREGIVER_OF_US_CITIZEN_CHILD: "that you care for a child who is a U.S. citizen",
        FactKind.SERIOUS_HEALTH_CONDITION: "a serious health condition",
        FactKind.VICTIM_OR_WITNESS: "that you are a victim of, or a witness in, a crime or case",
        FactKind.PENDING_RELIEF_APPLICATION: "a pending application for relief or protection",
        FactKind.MILITARY_OR_PUBLIC_SERVICE: "military or other public service",
    },
    "es": {
        FactKind.CONVICTION: "una condena penal",
        FactKind.NATIONAL_SECURITY_FINDING: "una determinación documentada de seguridad nacional",
        FactKind.ENTRY: "su entrada a los Estados Unidos",
        FactKind.APPREHENSION: "el lugar donde fue detenido",
        FactKind.FINAL_ORDER: "una orden de expulsión firme",
        FactKind.CAREGIVER_OF_US_CITIZEN_CHILD: (
            "que usted cuida de un hijo o hija con ciudadanía estadounidense"
        ),
        FactKind.SERIOUS_HEALTH_CONDITION: "una condición de salud grave",
        FactKind.VICTIM_OR_WITNESS: "que usted es víctima o testigo de un delito o procedimiento",
        FactKind.PENDING_RELIEF_APPLICATION: "una solicitud de alivio o protección pendiente",
        FactKind.MILITARY_OR_PUBLIC_SERVICE: "servicio militar u otro servicio público",
    },
}

_MEASURE_NAMES: Mapping[str, Mapping[str, str]] = {
    "en": {
        "age": "your age ({value} years, from your date of birth on record)",
        "presence_years": "{value} years since your recorded entry",
        "years_since_last_offence": "{value} years since your last recorded conviction",
        "years_since_final_order": "{value} years since the order became final",
    },
    "es": {
        "age": "su edad ({value} años, según su fecha de nacimiento registrada)",
        "presence_years": "{value} años desde su entrada registrada",
        "years_since_last_offence": "{value} años desde su última condena registrada",
        "years_since_final_order": "{value} años desde que la orden quedó firme",
    },
}

_TEXT: Mapping[str, Mapping[str, str]] = {
    "en": {
        "intro": (
            "This statement explains how the policy “{policy}” (version {version}) was "
            "applied to case {case_ref}. The result is only a recommendation: it does not "
            "change your case, and a named official decides on it and records the reason."
        ),
        "category": "Under this policy your case falls in the category: {label}.",
        "none": (
            "Under this policy your case falls in no priority category. Being removable alone "
            "never makes a case a priority."
        ),
        "score": "Score: {score} (the sum of the points below).",
        "counted": "These facts counted:",
        "raised": "raised the score by {points}",
        "lowered": "lowered the score by {points}",
        "fact": "{name}, dated {on} (document {document}, record {fact_id})",
        "measure": "{text}",
        "nothing": "No fact counted.",
        "protected": (
            "Your nationality or citizenship, race, ethnicity, national origin, religion, "
            "language, sex, gender identity, sexual orientation and political opinions or "
            "associations were not used, and no predicted or inferred trait was."
        ),
        "correct": (
            "If a fact listed here is wrong or out of date (for example a conviction that was "
            "vacated or expunged), you may ask for it to be corrected."
        ),
    },
    "es": {
        "intro": (
            "Esta declaración explica cómo se aplicó la política “{policy}” (versión "
            "{version}) al caso {case_ref}. El resultado es solo una recomendación: no cambia "
            "su caso, y un funcionario identificado decide sobre ella y registra el motivo."
        ),
        "category": "Según esta política, su caso está en la categoría: {label}.",
        "none": (
            "Según esta política, su caso no está en ninguna categoría prioritaria. El solo "
            "hecho de poder ser expulsado nunca convierte un caso en prioritario."
        ),
        "score": "Puntuación: {score} (la suma de los puntos siguientes).",
        "counted": "Estos hechos se tuvieron en cuenta:",
        "raised": "subió la puntuación en {points}",
        "lowered": "bajó la puntuación en {points}",
        "fact": "{name}, con fecha {on} (documento {document}, registro {fact_id})",
        "measure": "{text}",
        "nothing": "Ningún hecho se tuvo en cuenta.",
        "protected": (
            "No se usaron su nacionalidad o ciudadanía, raza, etnia, origen nacional, "
            "religión, idioma, sexo, identidad de género, orientación sexual ni opiniones o "
            "asociaciones políticas, ni ningún rasgo predicho o inferido."
        ),
        "correct": (
            "Si un hecho de esta lista es incorrecto o no está al día (por ejemplo, una "
            "condena anulada o borrada), puede pedir que se corrija."
        ),
    },
}


def statement(explanation: Explanation, *, policy: str, version: str, lang: str = "en") -> str:
    """The statement for the person, in ``lang`` (``en`` or ``es``). Rule labels are the
    policy's own words, as published."""
    if lang not in LANGUAGES:
        raise InvalidInput(
            f"no statement in {lang!r}: one of {', '.join(LANGUAGES)}", details={"field": "lang"}
        )
    text, names, measures = _TEXT[lang], _FACT_NAMES[lang], _MEASURE_NAMES[lang]
    lines = [
        text["intro"].format(policy=policy, version=version, case_ref=explanation.case_ref),
        "",
    ]
    if explanation.category is None:
        lines.append(text["none"])
    else:
        lines.append(text["category"].format(label=explanation.category.label))
        lines.append(text["score"].format(score=explanation.score))
    if explanation.contributions:
        lines += ["", text["counted"]]
        for contribution in explanation.contributions:
            verb = "raised" if contribution.points > 0 else "lowered"
            how = text[verb].format(points=abs(contribution.points))
            lines.append(f"- {contribution.rule.label}: {how}.")
            for fact in contribution.facts:
                described = text["fact"].format(
                    name=names[fact.kind],
                    on=fact.on.isoformat(),
                    document=fact.document_ref,
                    fact_id=fact.fact_id,
                )
                lines.append(f"    · {described}")
            for measure in contribution.measures:
                lines.append("    · " + measures[measure.name].format(value=measure.value))
    elif explanation.category is not None:
        lines += ["", text["nothing"]]
    lines += ["", text["protected"], text["correct"]]
    return "\n".join(lines)
