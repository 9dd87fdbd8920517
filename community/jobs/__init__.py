"""Scheduled jobs run by the worker itself, no cron: each at most once per period whatever
the number of workers and servers (claimed in the database), caught up after downtime."""
