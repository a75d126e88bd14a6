"""Running the service: the web processes' factory, request ids and logs, metrics."""
