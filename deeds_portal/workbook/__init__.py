"""The leaders' monthly workbook (每月调度): one xlsx per month covering the special tasks."""
