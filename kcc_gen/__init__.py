"""Seed and candidate generation: the taxonomy expanded into Korean prompts, and candidate answers from several
models guided by each category's policy. It sits beside the judge (both build on db, kcc_llm and taxonomy);
neither imports the other."""
