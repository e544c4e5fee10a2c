from workflows.delivery import DeliveryWorkflow
from workflows.repair_case import RepairCaseWorkflow

__all__ = ["DeliveryWorkflow", "RepairCaseWorkflow"]
