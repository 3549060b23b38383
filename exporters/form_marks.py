"""The words a returned form (填报表) is known by: the marker the export writes in its hidden key
column, the key column's header and the title. Kept apart from ``exporters.forms`` so that the cheap
guess of ``importers.form_guess`` (made before every table import) loads nothing else."""

KEY_HEADER = "任务键（请勿改动）"
MARKER = "taizhang-form/1"
FORM_TITLE = "重点任务进展情况填报表"
