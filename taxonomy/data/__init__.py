"""Package data: taxonomy.json and policies/ (a package so the JSON ships in wheels)."""
