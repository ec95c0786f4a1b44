"""Every term of the policygraph vocabulary (``ontology/*.ttl``) as a constant, and its IRIs.

The vocabulary is a hash namespace under the deployment base (DESIGN.md § IRIs): a term's IRI is
``{base}ontology#{local name}``, so the constants below are the local names, named as the
vocabulary names them (``stance-asserts`` → ``stance_asserts``), grouped by the file and kind
that define them. :func:`iri` (or ``ontology.pg(base)[term]``) makes the IRI of one for a base.

``tests/test_terms.py`` reads ``ontology/*.ttl`` and fails when a term defined there is missing
here or a constant here names no term, printing each line to add or remove: a new term is
defined in its ``.ttl`` file first, then its line goes into its file's section below.
"""

from __future__ import annotations

#: The vocabulary document's path under the base (``{base}ontology``, its terms ``…#name``).
ONTOLOGY = "ontology"
#: The shapes document's path under the base (``{base}shapes``, the shapes ``…#name``).
SHAPES = "shapes"


def iri(base: str, term: str) -> str:
    """The IRI of the vocabulary term ``term`` (a constant of this module) under ``base``."""
    return f"{base}{ONTOLOGY}#{term}"


def ontology_iri(base: str) -> str:
    """The IRI of the vocabulary itself (its ``owl:Ontology``), ``{base}ontology``."""
    return f"{base}{ONTOLOGY}"


def shapes_iri(base: str) -> str:
    """The IRI of the SHACL shapes document, ``{base}shapes``."""
    return f"{base}{SHAPES}"


# -- policygraph.ttl: classes

Actor = "Actor"
ActorGroup = "ActorGroup"
Citation = "Citation"
Claim = "Claim"
CuratorGraph = "CuratorGraph"
Dispute = "Dispute"
Event = "Event"
NameUsage = "NameUsage"
Participation = "Participation"
PolicyDispute = "PolicyDispute"
Relation = "Relation"
TerritorialDispute = "TerritorialDispute"
TradeDispute = "TradeDispute"


# -- policygraph.ttl: properties

about = "about"
actsFor = "actsFor"
addsContextTo = "addsContextTo"
allyOf = "allyOf"
before = "before"
citedProperty = "citedProperty"
citedSubject = "citedSubject"
claimant = "claimant"
claimDate = "claimDate"
condition = "condition"
contentHash = "contentHash"
courts = "courts"
disputedTerritory = "disputedTerritory"
disputeKind = "disputeKind"
evidence = "evidence"
hasParticipation = "hasParticipation"
inTensionWith = "inTensionWith"
issue = "issue"
ledBy = "ledBy"
modality = "modality"
name = "name"
nameUsage = "nameUsage"
originalSource = "originalSource"
participant = "participant"
party = "party"
proposition = "proposition"
quote = "quote"
recurring = "recurring"
region = "region"
relationType = "relationType"
reportedIn = "reportedIn"
role = "role"
seat = "seat"
source = "source"
sourceText = "sourceText"
stance = "stance"
status = "status"
suppliedGoods = "suppliedGoods"
supplies = "supplies"
target = "target"
textLength = "textLength"
timeInferredFrom = "timeInferredFrom"
timeNote = "timeNote"
timeWords = "timeWords"
usedBy = "usedBy"


# -- schemes.ttl: concept schemes

DisputeKindScheme = "DisputeKindScheme"
EventStatusScheme = "EventStatusScheme"
EventTypeScheme = "EventTypeScheme"
ModalityScheme = "ModalityScheme"
RelationTypeScheme = "RelationTypeScheme"
RoleScheme = "RoleScheme"
StanceScheme = "StanceScheme"


# -- schemes.ttl: concepts of pg:DisputeKindScheme

dispute_policy = "dispute-policy"
dispute_territorial = "dispute-territorial"
dispute_trade = "dispute-trade"


# -- schemes.ttl: concepts of pg:EventTypeScheme

event_accuse = "event-accuse"
event_appeal = "event-appeal"
event_consult = "event-consult"
event_criticize = "event-criticize"
event_defy_norms = "event-defy-norms"
event_diplomatic_cooperation = "event-diplomatic-cooperation"
event_disapprove = "event-disapprove"
event_domestic_development = "event-domestic-development"
event_ease_sanctions = "event-ease-sanctions"
event_economic_cooperation = "event-economic-cooperation"
event_exhibit_force = "event-exhibit-force"
event_express_intent_to_cooperate = "event-express-intent-to-cooperate"
event_express_intent_to_negotiate = "event-express-intent-to-negotiate"
event_impose_sanctions = "event-impose-sanctions"
event_make_statement = "event-make-statement"
event_material_cooperation = "event-material-cooperation"
event_military_cooperation = "event-military-cooperation"
event_negotiate = "event-negotiate"
event_optimistic_comment = "event-optimistic-comment"
event_pessimistic_comment = "event-pessimistic-comment"
event_policy_move = "event-policy-move"
event_praise = "event-praise"
event_provide_aid = "event-provide-aid"
event_provide_economic_aid = "event-provide-economic-aid"
event_reduce_relations = "event-reduce-relations"
event_refuse_to_yield = "event-refuse-to-yield"
event_reject = "event-reject"
event_root_01 = "event-root-01"
event_root_02 = "event-root-02"
event_root_03 = "event-root-03"
event_root_04 = "event-root-04"
event_root_05 = "event-root-05"
event_root_06 = "event-root-06"
event_root_07 = "event-root-07"
event_root_08 = "event-root-08"
event_root_11 = "event-root-11"
event_root_12 = "event-root-12"
event_root_15 = "event-root-15"
event_root_16 = "event-root-16"
event_sign_agreement = "event-sign-agreement"
event_standing_strategy = "event-standing-strategy"
event_unspecified_action = "event-unspecified-action"
event_veto = "event-veto"


# -- schemes.ttl: concepts of pg:RelationTypeScheme

relation_alliance = "relation-alliance"
relation_courtship = "relation-courtship"
relation_hostility = "relation-hostility"
relation_influence = "relation-influence"
relation_partnership = "relation-partnership"
relation_supply = "relation-supply"
relation_tension = "relation-tension"


# -- schemes.ttl: concepts of pg:RoleScheme

role_initiator = "role-initiator"
role_mediator = "role-mediator"
role_recipient = "role-recipient"
role_reporter = "role-reporter"
role_speaker = "role-speaker"
role_subject = "role-subject"
role_target = "role-target"
role_voter = "role-voter"


# -- schemes.ttl: concepts of pg:StanceScheme

stance_accuses = "stance-accuses"
stance_argues = "stance-argues"
stance_asserts = "stance-asserts"
stance_believes = "stance-believes"
stance_condemns = "stance-condemns"
stance_denies = "stance-denies"
stance_predicts = "stance-predicts"
stance_proposes = "stance-proposes"
stance_recommends = "stance-recommends"
stance_reports = "stance-reports"
stance_warns = "stance-warns"


# -- schemes.ttl: concepts of pg:ModalityScheme

modality_asserted = "modality-asserted"
modality_conditional = "modality-conditional"
modality_denied = "modality-denied"
modality_hedged = "modality-hedged"
modality_hoped = "modality-hoped"
modality_reported = "modality-reported"


# -- schemes.ttl: concepts of pg:EventStatusScheme

status_occurred = "status-occurred"
status_ongoing = "status-ongoing"
status_prospective = "status-prospective"
status_reported = "status-reported"


# -- propositions.ttl: properties

annoys = "annoys"
backs = "backs"
characterizedAs = "characterizedAs"
contributesTo = "contributesTo"
controlsBehindTheScenes = "controlsBehindTheScenes"
cooperatesWith = "cooperatesWith"
develops = "develops"
drivesIntoIsolation = "drivesIntoIsolation"
exacerbates = "exacerbates"
focusesOn = "focusesOn"
fosters = "fosters"
fuels = "fuels"
goesFarBeyond = "goesFarBeyond"
growsIn = "growsIn"
hasConsiderableInfluenceOn = "hasConsiderableInfluenceOn"
hasImprovedSince = "hasImprovedSince"
helpsPromote = "helpsPromote"
heralds = "heralds"
increasesRapidly = "increasesRapidly"
isDirectedAgainst = "isDirectedAgainst"
isEssentialFacilitatorFor = "isEssentialFacilitatorFor"
isMajorWinFor = "isMajorWinFor"
obsessesAbout = "obsessesAbout"
offersOpportunityFor = "offersOpportunityFor"
overestimates = "overestimates"
presses = "presses"
prioritizes = "prioritizes"
prods = "prods"
reachedTentativeDealWith = "reachedTentativeDealWith"
seeksCooperationWith = "seeksCooperationWith"
seeksToDeterRiseOf = "seeksToDeterRiseOf"
showsInterestIn = "showsInterestIn"
showsSignsOf = "showsSignsOf"
undertakes = "undertakes"
unfairTradePracticesIn = "unfairTradePracticesIn"
viewsWithWariness = "viewsWithWariness"
wantsToDepartFrom = "wantsToDepartFrom"
wishesToReopenEmbassyIn = "wishesToReopenEmbassyIn"
