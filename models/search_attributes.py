"""Search attributes the workflow keeps current, as typed keys."""

from temporalio.common import SearchAttributeKey

CASE_STAGE = SearchAttributeKey.for_keyword("CaseStage")
CASE_PRIORITY = SearchAttributeKey.for_keyword("CasePriority")
CASE_CHANNEL = SearchAttributeKey.for_keyword("CaseChannel")
WARRANTY_STATUS = SearchAttributeKey.for_keyword("WarrantyStatus")
PRODUCT_CATEGORY = SearchAttributeKey.for_keyword("ProductCategory")
ASSIGNED_TECHNICIAN = SearchAttributeKey.for_keyword("AssignedTechnician")
SLA_BREACHED = SearchAttributeKey.for_bool("SlaBreached")
SLA_DEADLINE = SearchAttributeKey.for_datetime("SlaDeadline")
ESCALATION_LEVEL = SearchAttributeKey.for_int("EscalationLevel")

ALL = (
    CASE_STAGE,
    CASE_PRIORITY,
    CASE_CHANNEL,
    WARRANTY_STATUS,
    PRODUCT_CATEGORY,
    ASSIGNED_TECHNICIAN,
    SLA_BREACHED,
    SLA_DEADLINE,
    ESCALATION_LEVEL,
)

# for `temporal server start-dev --search-attribute NAME=TYPE` and operator registration
CLI_TYPES = {
    "CaseStage": "Keyword",
    "CasePriority": "Keyword",
    "CaseChannel": "Keyword",
    "WarrantyStatus": "Keyword",
    "ProductCategory": "Keyword",
    "AssignedTechnician": "Keyword",
    "SlaBreached": "Bool",
    "SlaDeadline": "Datetime",
    "EscalationLevel": "Int",
}
