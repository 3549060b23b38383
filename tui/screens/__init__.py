"""The screens: the four areas (总览 任务 成员 单位), a task's page, import."""
