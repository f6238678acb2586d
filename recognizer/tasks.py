"""Background tasks (django-tasks): run by `manage.py db_worker`, the Procfile's worker."""

from django_tasks import task

from recognizer import jobs


@task()
def retrain(*, job_id: int) -> str:
    """Retrain, compare with the serving model, and record the outcome on the job."""
    job = jobs.retrain_job_run(job_id=job_id)
    return job.candidate
