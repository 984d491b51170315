import Foundation

/// A one-line progress bar with rate and ETA on standard error, drawn only when standard
/// error is a terminal (and `CI` is not set); otherwise silent, so logs stay clean.
final class ProgressBar {
    private let total: Int
    private let label: String
    private let unit: String
    private let start = Date()
    private var lastDraw = Date.distantPast
    private let enabled: Bool

    /// Whether progress bars are drawn in this process.
    static var isInteractive: Bool {
        isatty(STDERR_FILENO) != 0 && ProcessInfo.processInfo.environment["CI"] == nil
    }

    init(total: Int, label: String, unit: String = "it") {
        self.total = max(total, 1)
        self.label = label
        self.unit = unit
        enabled = Self.isInteractive
    }

    /// Redraws at most ten times a second, and always at the end.
    func update(_ done: Int, suffix: String = "") {
        guard enabled else { return }
        let now = Date()
        if done < total && now.timeIntervalSince(lastDraw) < 0.1 { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        // Before the first unit is done there is no rate to extrapolate from: "ETA --:--".
        let eta = rate > 0 ? Self.clock(Double(total - done) / rate) : "--:--"
        let width = 28
        let filled = min(width, Int(Double(width) * Double(done) / Double(total)))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = String(format: "\r%@ %@ %d/%d  %.1f %@/s  ETA %@ %@", label, bar, done, total, rate, unit, eta, suffix)
        FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
        if done >= total { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

/// Prints to standard error.
func printErr(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
