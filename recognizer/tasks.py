"""Background tasks (django-tasks), run by `manage.py worker` (the Procfile's worker).

They stay at the app's root: a queued task row names its function by this dotted path.
"""

from django_tasks import task

from recognizer.modelops import runner


@task()
def retrain(*, job_id: int) -> str:
    """Retrain, compare with the serving model, and record the outcome on the job."""
    job = runner.retrain_job_run(job_id=job_id)
    return job.candidate
