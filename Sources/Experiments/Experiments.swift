// Experiments: compare / sweep / ablation harness (issue 4).
