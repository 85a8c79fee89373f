"""After the ack: jobs, the hand-off (a thread pool locally, a Storage Queue on Azure
Functions), the ledger that runs each job once, the worker and its one policy for turning
failures into answers, and what the Functions host and the timer call."""
