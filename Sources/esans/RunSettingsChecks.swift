import Runs

/// The checks a run's settings pass before anything is written, on the configuration a command
/// will run (defaults, a `--config` file and the options merged). Each message names the
/// option and the setting's key in `config.json`, so that it reads for a value from either.
enum RunSettingsChecks {
    /// Problems with single values, one message each (empty when every value is usable).
    static func valueProblems(_ c: RunConfig) -> [String] {
        let t = c.training, e = t.esans
        var out: [String] = []
        func need(_ ok: Bool, _ option: String, _ key: String, _ rule: String, _ value: Any) {
            if !ok { out.append("\(option) (\(key)) \(rule), got \(value)") }
        }
        need(t.epochs > 0, "--epochs", "training.epochs", "must be positive", t.epochs)
        need(t.batchSize > 0, "--batch-size", "training.batchSize", "must be positive", t.batchSize)
        need(c.optimizer.learningRate > 0 && c.optimizer.learningRate.isFinite, "--lr", "optimizer.learningRate", "must be positive", c.optimizer.learningRate)
        need(c.model.dim > 0, "--dim", "model.dim", "must be positive", c.model.dim)
        need(t.sharedNegatives >= 0, "--negatives", "training.sharedNegatives", "must not be negative", t.sharedNegatives)
        need(t.perPositiveNegatives >= 0, "--per-positive", "training.perPositiveNegatives", "must not be negative", t.perPositiveNegatives)
        out += t.loss.problems().map { "\($0) (training.loss)" }
        need((-0.3...0.5).contains(e.lambda), "--lambda", "training.esans.lambda", "must lie in [-0.3, 0.5]", e.lambda)
        need((1...64).contains(e.hardCandidates), "--hard-candidates", "training.esans.hardCandidates", "must lie in 1...64", e.hardCandidates)
        need((1...64).contains(e.easyCandidates), "--easy-candidates", "training.esans.easyCandidates", "must lie in 1...64", e.easyCandidates)
        need(e.lambdaMargin > 0 && e.lambdaMargin < 2, "--lambda-margin", "training.esans.lambdaMargin", "must lie in (0, 2)", e.lambdaMargin)
        need(e.hard >= 0, "--hard", "training.esans.hard", "must not be negative", e.hard)
        need((0...64).contains(e.easy), "--easy", "training.esans.easy", "must lie in 0...64", e.easy)
        need(t.refreshClusters >= 0, "--refresh-clusters", "training.refreshClusters", "must not be negative", t.refreshClusters)
        need((0..<1).contains(t.userDropout), "--user-dropout", "training.userDropout", "must lie in [0, 1)", t.userDropout)
        need(t.embeddingL2 >= 0, "--embedding-l2", "training.embeddingL2", "must not be negative", t.embeddingL2)
        need(t.plateauFactor > 0 && t.plateauFactor < 1, "--plateau-factor", "training.plateauFactor", "must lie in (0, 1)", t.plateauFactor)
        need(t.plateauPatience >= 1, "--plateau-patience", "training.plateauPatience", "must be at least 1", t.plateauPatience)
        need(t.plateauDrops >= 0, "--plateau-drops", "training.plateauDrops", "must not be negative", t.plateauDrops)
        need(t.evalEvery >= 1, "--eval-every", "training.evalEvery", "must be at least 1", t.evalEvery)
        need((0..<1).contains(t.validationFraction), "--validation", "training.validationFraction", "must lie in [0, 1)", t.validationFraction)
        need(t.patience >= 0, "--patience", "training.patience", "must not be negative", t.patience)
        need(t.candidateFactor >= 1, "--candidate-factor", "training.candidateFactor", "must be at least 1", t.candidateFactor)
        need(t.threads >= 0, "--threads", "training.threads", "must not be negative", t.threads)
        need(!t.cutoffs.isEmpty && t.cutoffs.allSatisfy { $0 > 0 }, "the cut-offs", "training.cutoffs", "must be positive, at least one", t.cutoffs)
        for (tower, config) in [("user", c.model.user), ("item", c.model.item)] {
            need(config.hidden.allSatisfy { $0 > 0 }, "--hidden", "model.\(tower).hidden", "must be positive widths", config.hidden)
        }
        return out
    }

    /// Problems across settings, which a `--config` file may resolve (so they are checked on
    /// the merged configuration).
    static func combinationProblems(_ c: RunConfig) -> [String] {
        let t = c.training
        var out: [String] = []
        if t.esans.hard + t.esans.easy == 0 {
            out.append("--hard and --easy (training.esans.hard, .easy) need at least one negative between them")
        }
        out += t.extensionProblems
        if !c.model.user.idEmbedding && !c.model.user.history {
            out.append("--no-user-id (model.user.idEmbedding false) needs --history (model.user.history): the user tower needs an input")
        }
        return out
    }
}
