// Semantic: MSAC (issue 3). Placeholder until the first featuriser lands.
