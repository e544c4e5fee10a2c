from workflows.repair_case import RepairCaseWorkflow

__all__ = ["RepairCaseWorkflow"]
