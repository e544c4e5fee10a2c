"""Operations: the Prometheus metrics each process counts and serves, and the log format."""
