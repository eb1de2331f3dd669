"""Package data of kcc_train: the Korean sentences the tiny test tokenizer is trained on."""
