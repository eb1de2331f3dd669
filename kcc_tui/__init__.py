"""`kcc`: the Textual reviewer of KCC preference data (browse, review with audit, queue, search, stats, jobs)."""
