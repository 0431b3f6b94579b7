import Foundation
import PipeEngine

/// Prints a line per stage as it starts and ends, and a live progress bar on a terminal; elsewhere (CI, Slurm
/// logs) a line per finished epoch of a training stage instead of the bar.
final class ConsoleReporter: RunObserver, @unchecked Sendable {
    private let stream: FileHandle
    private let lock = NSLock()
    private let isTerminal: Bool
    private var barShown = false
    private var lastBar = Date.distantPast
    private var meter: (stage: String, started: Date, firstDone: Int)?
    private var epochLines: [String: EpochLines] = [:]

    init(stream: FileHandle) {
        self.stream = stream
        isTerminal = isatty(stream.fileDescriptor) == 1
    }

    func stageStarted(_ name: String, reasons: [String]) {
        write("\(name): running (\(reasons.joined(separator: "; ")))")
    }

    func stageProgress(_ name: String, _ progress: StageProgress) {
        guard isTerminal else { return epochLine(name, progress) }
        guard progress.total > 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        // The rate counts from the first report, so a resumed stage's earlier work does not inflate it.
        if meter?.stage != name { meter = (name, now, progress.done) }
        guard progress.done == progress.total || now.timeIntervalSince(lastBar) > 0.1 else { return }
        lastBar = now
        let elapsed = now.timeIntervalSince(meter!.started)
        let rate = elapsed > 0.5 ? Double(progress.done - meter!.firstDone) / elapsed : nil
        let width = 30
        let filled = min(width, width * progress.done / progress.total)
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        stream.write(Data("\r\u{1B}[K[\(bar)] \(name) \(progress.summary(rate: rate))".utf8))
        barShown = true
    }

    private func epochLine(_ name: String, _ progress: StageProgress) {
        lock.lock()
        var lines = epochLines[name] ?? EpochLines()
        let line = lines.line(for: progress)
        epochLines[name] = lines
        lock.unlock()
        if let line { write("\(name): \(line)") }
    }

    func stageFinished(_ result: StageResult) {
        let reasons = result.reasons.joined(separator: "; ")
        switch result.status {
        case .ran: write("\(result.name): ran in \(Self.seconds(result.seconds))")
        case .cached: write("\(result.name): cached")
        case .failed: write("\(result.name): FAILED: \(reasons)")
        case .skipped: write("\(result.name): skipped (\(reasons))")
        case .wouldRun: write("\(result.name): would run (\(reasons))")
        }
    }

    func note(_ message: String) { write("pipe: \(message)") }

    /// Clears a progress bar left on the line.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if barShown { stream.write(Data("\r\u{1B}[K".utf8)) }
        barShown = false
    }

    private func write(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        let prefix = barShown ? "\r\u{1B}[K" : ""
        barShown = false
        stream.write(Data((prefix + line + "\n").utf8))
    }

    static func seconds(_ s: Double) -> String {
        s < 10 ? String(format: "%.2f s", s) : s < 600 ? String(format: "%.1f s", s) : String(format: "%.0f min", s / 60)
    }
}
