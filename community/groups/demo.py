"""Demo working groups for `make run`, built through the same rules as real ones."""

from community.groups import memberships, services
from community.groups.models import JoinPolicy, WorkingGroup

DEMO_GROUPS = [
    (
        "Data",
        "Collecter, documenter et partager des corpus francophones ouverts.",
        "Nous recensons les corpus francophones sous licence ouverte et documentons leur provenance.\n\n"
        "- réunion tous les quinze jours\n- fiches de corpus relues à deux\n\n"
        "Le carnet de route : https://example.org/data",
        JoinPolicy.OPEN,
    ),
    (
        "Évaluation",
        "Bancs d'essai et protocoles d'évaluation des modèles en français.",
        "Nous construisons des jeux de test en français et comparons les modèles ouverts.\n\n"
        "Toute contribution est bienvenue, même une seule question de test.",
        JoinPolicy.OPEN,
    ),
    (
        "Juridique & éthique",
        "Licences, droit d'auteur, données personnelles et usages responsables.",
        "Un groupe restreint qui prépare les positions de la communauté.\n"
        "Les demandes d'adhésion sont examinées par les responsables.",
        JoinPolicy.MODERATED,
    ),
]


def seed_demo(admin, members) -> list[WorkingGroup]:
    """Three groups, each with a lead and a few members; the moderated one has a pending request."""
    groups = []
    for index, (name, summary, description, policy) in enumerate(DEMO_GROUPS):
        group = services.create_group(
            admin, name=name, summary=summary, description=description, join_policy=policy.value
        )
        lead = members[(index + 1) % len(members)]
        memberships.appoint_lead(admin, group, lead)
        # A spread of members per group; every fourth person stays out of groups.
        for number, member in enumerate(members):
            if member is lead or number % 4 == 3 or (number + index) % 3 == 0:
                continue
            if group.is_moderated:
                memberships.approve(lead, memberships.request_to_join(member, group))
            else:
                memberships.join(member, group)
        groups.append(group)
    moderated = groups[-1]
    outsider = next((m for m in members if services.membership_of(m, moderated) is None), None)
    if outsider is not None:
        memberships.request_to_join(outsider, moderated, "Je travaille sur les licences des jeux de données.")
    return groups
