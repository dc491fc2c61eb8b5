"""`assess --demo`: a seeded in-process moto account with a believable sample workload.

The demo runs the very same collectors, probes and renderers as a real run. moto serves the APIs it
implements; `CannedResponses` (validated against botocore's model) answers the Bedrock APIs moto lacks.
Each evidence domain seeds its part of the workload in its own module (demo/<domain>.py, `seed(env)`).
"""
