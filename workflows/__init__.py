from workflows.complaint import ComplaintWorkflow
from workflows.delivery import DeliveryWorkflow
from workflows.periodic_review import PeriodicReviewWorkflow
from workflows.repair_case import RepairCaseWorkflow

__all__ = ["ComplaintWorkflow", "DeliveryWorkflow", "PeriodicReviewWorkflow", "RepairCaseWorkflow"]
