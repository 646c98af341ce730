"""Drift and model-health monitoring of the scored population against the champion's
training reference (``telco-risk monitor``; the job is ``jobs/monitor.py``).

- ``drift``: the pure maths on binned counts (PSI, chi-square test, rates), numpy only;
- ``binning``: Spark column builders that bin every monitored column in one aggregation;
- ``reference``: the champion's training reference, cached per model version;
- ``realised``: realised AUC, high-band precision and calibration of matured score dates;
- ``alerts``: thresholds -> statuses, act alerts and the retrain cool-down;
- ``results``: the rows of ``gold.monitoring`` / ``ops.monitoring_alerts``, the retrain request;
- ``report``: the HTML page per monitored date with its matplotlib figures.
"""
