"""Nightly satlake run, an example DAG for Apache Airflow 2.x.

Needs the provider package apache-airflow-providers-apache-spark and an Airflow connection
(`spark_default` below) whose host is the cluster's master (`yarn`, `spark://host:7077`,
`k8s://https://...`) and whose extra sets the deploy mode, e.g. {"deploy-mode": "cluster"}.
Copy target/satlake.jar (from `mvn package`) and your app.conf where the Airflow worker can read
them and adjust the two paths below.

Exit codes of the job (what the task sees; SparkSubmitOperator fails the task on any non-zero):
  0  success
  1  the run failed (an unexpected error; run_log has a 'failed' row) - a retry may help
  2  bad usage or configuration - fix the DAG or app.conf; retries will fail the same way
  3  bad input (an input path missing or unreadable, a configured column absent) - retries help
     only if the input arrives late; otherwise fix the input and clear the task
In standalone cluster mode spark-submit returns 0 as soon as the driver is accepted; Airflow's
Spark hook then polls the driver's status itself, so a failing driver still fails the task.
Outside Airflow, `scripts/satlake submit` does the same.

Catch-up and backfill: with catchup=False a paused or new DAG runs only the latest date. To fill a
range of past dates either
  * airflow dags backfill --start-date 2025-01-01 --end-date 2025-01-31 satlake_nightly
    (one spark-submit per date; max_active_runs=1 keeps them in date order), or
  * scripts/satlake submit [spark-submit options] -- backfill --from 2025-01-01 --to 2025-01-31 \
        --config app.conf
    (all dates in one Spark application, oldest first, skipping dates whose last run succeeded;
    rerun the same command after a failure to resume).
Each run replaces its run date's rows, so rerunning a date never duplicates.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

SATLAKE_JAR = "/opt/satlake/satlake.jar"
APP_CONF = "/opt/satlake/app.conf"

with DAG(
    dag_id="satlake_nightly",
    description="Customer-satisfaction scores and driver correlations for yesterday's run date",
    schedule="30 2 * * *",  # after the nightly CRM extract has landed
    start_date=datetime(2025, 1, 1),
    catchup=False,  # see the backfill note above
    max_active_runs=1,  # one writer at a time, dates in order
    default_args={
        "owner": "analytics",
        "retries": 2,
        "retry_delay": timedelta(minutes=15),
        "retry_exponential_backoff": True,
    },
    tags=["satlake"],
) as dag:
    SparkSubmitOperator(
        task_id="satlake_run",
        conn_id="spark_default",
        application=SATLAKE_JAR,
        java_class="io.satlake.SatisfactionJob",
        name="satlake-{{ ds }}",
        # Cluster deploy mode: app.conf travels with --files into the driver's working directory
        # and --config reads it there. In client mode pass "--config", APP_CONF instead.
        files=APP_CONF,
        application_args=["run", "--run-date", "{{ ds }}", "--config", "app.conf"],
        conf={"spark.sql.shuffle.partitions": "64"},
        driver_memory="4g",
        executor_memory="4g",
        execution_timeout=timedelta(hours=3),
    )
