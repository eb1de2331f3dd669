"""KCC kcc_train."""
