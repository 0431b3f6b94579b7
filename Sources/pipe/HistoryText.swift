import Foundation
import PipeEngine
import PipeSpec
import Stages

/// Short renderings of run history entries shared by `pipe log`, `pipe exp` and the sweep summary.
enum HistoryText {
    /// Column titles for the headline metrics.
    static let abbreviations = ["accuracy": "acc", "balanced_accuracy": "bal_acc", "roc_auc": "auc", "patient_rate": "patient"]

    /// `2026-12-01 08:19:02` in UTC.
    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }

    /// `2 ran, 5 cached, 1 failed`, in the order stages usually end.
    static func counts(_ entry: RunEntry) -> String {
        let counts = entry.statusCounts
        let parts = ["ran", "cached", "failed", "skipped"].compactMap { status in counts[status].map { "\($0) \(status)" } }
        return parts.isEmpty ? (entry.error == nil ? "no stages" : "error before any stage") : parts.joined(separator: ", ")
    }

    /// The run's main number: the first evaluate stage's ROC AUC, or its accuracy, with the interval.
    static func headline(_ entry: RunEntry) -> String? {
        for stage in entry.stages where !stage.metrics.isEmpty {
            for name in ["roc_auc", "accuracy"] {
                if let value = stage.metrics[name]?.numberValue {
                    return "\(name) \(metric(value, stage.metrics[name + "_ci"]))"
                }
            }
        }
        return nil
    }

    /// `succeeded; 2 ran, 5 cached; roc_auc 0.912 [0.850, 0.960]`.
    static func summary(_ entry: RunEntry) -> String {
        ([entry.outcome.rawValue, counts(entry)] + [headline(entry)].compactMap { $0 }).joined(separator: "; ")
    }

    /// `0.912 [0.850, 0.960]`, or `0.91 [.85,.96]` when `short`.
    static func metric(_ value: Double, _ interval: JSONValue?, short: Bool = false) -> String {
        func number(_ x: Double) -> String {
            let text = String(format: short ? "%.2f" : "%.3f", x)
            return short && text.hasPrefix("0.") ? String(text.dropFirst()) : text
        }
        let main = String(format: short ? "%.2f" : "%.3f", value)
        guard let bounds = interval?.arrayValue?.compactMap(\.numberValue), bounds.count == 2 else { return main }
        return short ? "\(main) [\(number(bounds[0])),\(number(bounds[1]))]" : "\(main) [\(number(bounds[0])), \(number(bounds[1]))]"
    }

    /// A stage's reasons to run in a word or two each: `lr`, `↑train`, `new`.
    static func shortReasons(_ reasons: [String]) -> String {
        var seen: [String] = []
        for reason in reasons {
            let word: String
            if reason.hasPrefix("param "), let end = reason.range(of: " changed") {
                let path = reason[reason.index(reason.startIndex, offsetBy: 6)..<end.lowerBound]
                word = String(path.split(separator: ".").last ?? path[...])
            } else if reason.hasPrefix("upstream `"), let name = reason.split(separator: "`").dropFirst().first {
                word = "↑" + name
            } else if reason == "never run" {
                word = "new"
            } else if reason.hasPrefix("its stored result is gone") {
                word = "gone"
            } else if reason.contains("input") {
                word = "input"
            } else {
                word = String(reason.split(separator: " ").first ?? "")
            }
            if !seen.contains(word) { seen.append(word) }
        }
        return seen.joined(separator: ",")
    }

    /// The leaf values of `params` by dotted path, e.g. `optimizer.lr`.
    static func leaves(_ value: JSONValue, prefix: String = "") -> [String: JSONValue] {
        guard case .object(let members) = value, !(members.isEmpty && !prefix.isEmpty) else {
            return prefix.isEmpty ? [:] : [prefix: value]
        }
        return members.reduce(into: [:]) { out, member in
            out.merge(leaves(member.value, prefix: prefix.isEmpty ? member.key : "\(prefix).\(member.key)")) { $1 }
        }
    }

    /// A value as a cell: strings without quotes, `-` when absent.
    static func cell(_ value: JSONValue?) -> String {
        guard let value else { return "-" }
        return value.stringValue ?? value.canonicalText
    }

    /// The width of the terminal on stdout, from `COLUMNS` or the terminal itself; 120 when neither says.
    static var terminalWidth: Int {
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 20 { return columns }
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 20 { return Int(size.ws_col) }
        return 120
    }

    /// Lines of a left-aligned table with two spaces between columns; when wider than `width`, the widest
    /// columns listed in `shrinkable` are cut (ending in `…`) down to `minimum` characters each.
    static func table(_ header: [String], _ rows: [[String]], width: Int, shrinkable: Set<Int>, minimum: Int = 6) -> [String] {
        let all = [header] + rows
        var widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        while widths.reduce(0, +) + 2 * (widths.count - 1) > width {
            guard let widest = shrinkable.filter({ widths[$0] > minimum }).max(by: { widths[$0] < widths[$1] }) else { break }
            widths[widest] -= 1
        }
        return all.map { row in
            row.enumerated().map { column, text in
                let fitted = text.count > widths[column] ? String(text.prefix(widths[column] - 1)) + "…" : text
                return column == row.count - 1 ? fitted : fitted.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
    }
}
